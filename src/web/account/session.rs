//! Signing in and out.

use crate::domain::ids::UserId;
use crate::domain::passwords;
use crate::domain::rate_limits::PasswordFailures;
use crate::domain::users::{self, EmailAddress};
use crate::flows::{self, Actor};
use crate::paths;
use crate::web::http::auth::{self, safe_next, signed_in};
use crate::web::http::respond::{actor, client_ip, see_other, with_status};
use crate::web::http::throttle::{self, Bucket};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    ui: Frame,
    email: String,
    remember: bool,
    next: String,
    error: Option<&'static str>,
    notice: Option<&'static str>,
    /// Why signing in is asked for (a catalog key; empty when the person came on their own).
    why: &'static str,
}

/// Why the page asks to sign in, from where the person was going.
fn why(next: &str) -> &'static str {
    if next.is_empty() {
        ""
    } else if next.starts_with("/chapters/") && next.contains("/talks/propose") {
        "login.why_propose"
    } else {
        "login.why_signed_in"
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    done: Option<String>,
}

pub async fn login_form(
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    if signed_in(&req).is_some() {
        return Ok(see_other(safe_next(query.next.as_deref())));
    }
    let notice = match query.done.as_deref() {
        Some("reset") => Some("login.notice_reset"),
        Some("logout") => Some("login.notice_logout"),
        _ => None,
    };
    view::render(&LoginPage {
        ui: Frame::titled(&req, "login.title"),
        email: String::new(),
        remember: false,
        why: why(query.next.as_deref().unwrap_or_default()),
        next: query.next.clone().unwrap_or_default(),
        error: None,
        notice,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    remember: Option<String>,
    next: Option<String>,
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let ip = client_ip(&req);
    if state.hashing.is_full() {
        tracing::warn!("password check refused: hashing queue full");
        return Err(AppError::Busy);
    }
    throttle::check(&state, Bucket::Login, ip).await?;
    let failures = Arc::new(PasswordFailures::new(&form.email, &ip.to_string()));
    let email = EmailAddress::parse(&form.email).ok();
    let (throttled, user) = {
        let (failures, email) = (failures.clone(), email.clone());
        db(&state, move |c| {
            let user = match &email {
                Some(e) => users::find_by_email(c, e)?,
                None => None,
            };
            Ok((failures.locked(c)?, user))
        })
        .await?
    };
    if throttled {
        tracing::warn!("sign-in throttled (per account)");
        state.metrics.throttle_refusals.inc();
        return Err(AppError::TooManyRequests);
    }
    // One argon2 verification whether or not the account exists (ASVS 6.3.8).
    let password = form.password.clone();
    let verified = state
        .hash_work(move || match user {
            Some(u) if u.disabled_at.is_none() && u.password_hash.is_some() => {
                let ok =
                    passwords::verify(&password, u.password_hash.as_deref().unwrap_or_default());
                (ok.then(|| u.clone()), Some(u.id))
            }
            other => {
                passwords::verify_dummy(&password);
                (None, other.map(|u| u.id))
            }
        })
        .await?;
    match verified {
        (Some(user), _) => {
            let old = signed_in(&req).map(|s| s.session_id);
            let remember = form.remember.is_some();
            let actor = Actor::person(user, ip.to_string());
            let user_agent = super::user_agent(&req);
            let raw = flow(&state, move |c, _| {
                flows::accounts::sign_in(c, &actor, old, &failures, remember, &user_agent)
            })
            .await?;
            let mut res = see_other(safe_next(form.next.as_deref()));
            let _ = res.add_cookie(&auth::session_cookie(
                raw,
                state.config.is_https(),
                remember,
            ));
            Ok(res)
        }
        (None, known_id) => {
            tracing::warn!(user_id = known_id.map(UserId::get), "sign-in failed");
            state.metrics.sign_in_failures.inc();
            let typed = email.map(|e| e.as_str().to_string()).unwrap_or_default();
            let actor = Actor::visitor(ip.to_string());
            flow(&state, move |c, _| {
                flows::accounts::sign_in_failed(c, &actor, &failures, known_id, &typed)
            })
            .await?;
            let page = view::render(&LoginPage {
                ui: Frame::titled(&req, "login.title"),
                email: form.email,
                remember: form.remember.is_some(),
                why: why(form.next.as_deref().unwrap_or_default()),
                next: form.next.unwrap_or_default(),
                error: Some("login.failed"),
                notice: None,
            })?;
            Ok(with_status(page, StatusCode::UNAUTHORIZED))
        }
    }
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if let Some(me) = signed_in(&req) {
        let actor = actor(&req);
        flow(&state, move |c, _| {
            flows::accounts::sign_out(c, &actor, me.session_id)
        })
        .await?;
    }
    let mut res = see_other(format!("{}?done=logout", paths::login()));
    let _ = res.add_cookie(&auth::removal_cookie(state.config.is_https()));
    Ok(res)
}
