//! Emailed one-time links: activation and password reset, and asking for a reset link.

use crate::domain::users::EmailAddress;
use crate::domain::{FieldErrors, accounts, passwords};
use crate::flows::{self, accounts::Link};
use crate::paths;
use crate::web::http::auth;
use crate::web::http::respond::{actor, client_ip, see_other, with_status};
use crate::web::http::throttle::{self, Bucket};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account/set_password.html")]
struct SetPasswordPage {
    ui: Frame,
    activate: bool,
    email: String,
    action: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "account/link_invalid.html")]
struct LinkInvalidPage {
    ui: Frame,
}

/// A used, voided, expired or unknown link: 410, the same page for each (no oracle).
pub fn link_invalid(req: &HttpRequest) -> Result<HttpResponse, AppError> {
    Ok(with_status(
        view::render(&LinkInvalidPage {
            ui: Frame::titled(req, "link.invalid_title"),
        })?,
        StatusCode::GONE,
    ))
}

fn set_password_page(
    req: &HttpRequest,
    link: Link,
    email: String,
    token: &str,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (title, action) = match link {
        Link::Activate => ("activate.title", crate::paths::activate(token)),
        Link::Reset => ("reset.title", crate::paths::reset_link(token)),
    };
    view::render(&SetPasswordPage {
        ui: Frame::titled(req, title),
        activate: link == Link::Activate,
        email,
        action,
        errors,
    })
}

async fn show_link(
    state: &AppState,
    req: &HttpRequest,
    token: String,
    link: Link,
) -> Result<HttpResponse, AppError> {
    let t = token.clone();
    match db(state, move |c| accounts::peek_token(c, &t, link.purpose())).await {
        Ok(user) => set_password_page(req, link, user.email, &token, FieldErrors::default()),
        Err(AppError::NotFound) => link_invalid(req),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn use_link(
    state: &AppState,
    req: &HttpRequest,
    token: String,
    form: NewPasswordForm,
    link: Link,
) -> Result<HttpResponse, AppError> {
    let t = token.clone();
    let user = match db(state, move |c| accounts::peek_token(c, &t, link.purpose())).await {
        Ok(user) => user,
        Err(AppError::NotFound) => return link_invalid(req),
        Err(e) => return Err(e),
    };
    let mut errors = FieldErrors::default();
    super::check_new_password(&mut errors, &form.password, &form.password_confirm);
    if !errors.is_empty() {
        return set_password_page(req, link, user.email, &token, errors);
    }
    let password = form.password;
    let hash = state
        .hash_work(move || passwords::hash(&password))
        .await?
        .map_err(|e| AppError::Internal(e.into()))?;
    let (actor, user_agent) = (actor(req), super::user_agent(req));
    let locale = crate::web::http::locale::of(req);
    let result = flow(state, move |c, site| {
        flows::accounts::set_password_by_link(
            c,
            site,
            &actor,
            &token,
            link,
            &hash,
            (&user_agent, locale),
        )
    })
    .await;
    let https = state.config.is_https();
    match result {
        Ok(Some(raw)) => {
            let mut res = see_other(format!("{}?welcome=1", paths::account()));
            let _ = res.add_cookie(&auth::session_cookie(raw, https, false));
            Ok(res)
        }
        Ok(None) => {
            let mut res = see_other(format!("{}?done=reset", paths::login()));
            let _ = res.add_cookie(&auth::removal_cookie(https));
            Ok(res)
        }
        Err(AppError::NotFound) => link_invalid(req),
        Err(e) => Err(e),
    }
}

/// Which link a request came by: `/account/activate/…` or `/account/reset/…`.
fn link_of(req: &HttpRequest) -> Link {
    if req.match_pattern().as_deref() == Some(crate::paths::pattern::activate) {
        Link::Activate
    } else {
        Link::Reset
    }
}

/// The set-password page of an activation or reset link.
pub async fn link_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_link(&state, &req, token.into_inner(), link_of(&req)).await
}

/// Sets the password through an activation or reset link.
pub async fn set_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let link = link_of(&req);
    use_link(&state, &req, token.into_inner(), form.into_inner(), link).await
}

#[derive(Template)]
#[template(path = "account/reset_request.html")]
struct ResetRequestPage {
    ui: Frame,
    email: String,
    sent: bool,
    errors: FieldErrors,
}

pub async fn reset_request_form(req: HttpRequest) -> Result<HttpResponse, AppError> {
    view::render(&ResetRequestPage {
        ui: Frame::titled(&req, "reset.request_title"),
        email: String::new(),
        sent: false,
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct ResetRequestForm {
    #[serde(default)]
    email: String,
}

/// Answers the same whether or not the address has an account (ASVS 6.3.8).
pub async fn reset_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ResetRequestForm>,
) -> Result<HttpResponse, AppError> {
    throttle::check(&state, Bucket::Reset, client_ip(&req)).await?;
    let email = match EmailAddress::parse(&form.email) {
        Ok(e) => e,
        Err(key) => {
            let mut errors = FieldErrors::default();
            errors.add("email", key);
            return view::render(&ResetRequestPage {
                ui: Frame::titled(&req, "reset.request_title"),
                email: form.email.clone(),
                sent: false,
                errors,
            });
        }
    };
    flow(&state, move |c, site| {
        flows::accounts::request_reset(c, site, &email)
    })
    .await?;
    view::render(&ResetRequestPage {
        ui: Frame::titled(&req, "reset.request_title"),
        email: form.email.clone(),
        sent: true,
        errors: FieldErrors::default(),
    })
}

#[derive(Template)]
#[template(path = "account/sign_up.html")]
struct SignUpPage {
    ui: Frame,
    display_name: String,
    email: String,
    sent: bool,
    errors: FieldErrors,
}

/// GET /account/new: an account by email, for speakers and guests (no membership needed).
pub async fn sign_up_form(req: HttpRequest) -> Result<HttpResponse, AppError> {
    if crate::web::http::auth::signed_in(&req).is_some() {
        return Ok(see_other(paths::account()));
    }
    view::render(&SignUpPage {
        ui: Frame::titled(&req, "signup.title"),
        display_name: String::new(),
        email: String::new(),
        sent: false,
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

/// POST /account/new: the same "check your inbox" whether or not the address has an account.
pub async fn sign_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SignUpForm>,
) -> Result<HttpResponse, AppError> {
    throttle::check(&state, Bucket::Reset, client_ip(&req)).await?;
    let mut errors = FieldErrors::default();
    let name = crate::domain::text::text(&mut errors, "name", &form.name, 100, true);
    let email = match EmailAddress::parse(&form.email) {
        Ok(e) => Some(e),
        Err(key) => {
            errors.add("email", key);
            None
        }
    };
    let (Some(email), true) = (email, errors.is_empty()) else {
        let page = view::render(&SignUpPage {
            ui: Frame::titled(&req, "signup.title"),
            display_name: form.name.clone(),
            email: form.email.clone(),
            sent: false,
            errors,
        })?;
        return Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let locale = crate::web::http::locale::of(&req);
    let actor = actor(&req);
    flow(&state, move |c, site| {
        flows::accounts::sign_up(c, site, &actor, &name, &email, locale)
    })
    .await?;
    view::render(&SignUpPage {
        ui: Frame::titled(&req, "signup.title"),
        display_name: form.name.clone(),
        email: form.email.clone(),
        sent: true,
        errors: FieldErrors::default(),
    })
}
