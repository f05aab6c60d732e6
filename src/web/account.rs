//! Signing in and out, activation and password reset links, and the account's own pages.

use super::auth::{self, RequireUser, safe_next, signed_in};
use super::throttle::Bucket;
use super::view::{self, Frame};
use super::{AppError, AppState, db};
use crate::crypto::{random_token, sha256_hex};
use crate::db::write_transaction;
use crate::domain::accounts::{self, ProfileInput};
use crate::domain::audit::{self, NewAuditEntry};
use crate::domain::memberships::Role;
use crate::domain::one_time_tokens::{self, Purpose};
use crate::domain::rate_limits::{self, PasswordFailures};
use crate::domain::users::{self, EmailAddress, User};
use crate::domain::{DomainError, FieldErrors, passwords, sessions};
use crate::i18n::Locale;
use crate::mail::{self, templates};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeDelta;
use serde::Deserialize;
use std::net::IpAddr;
use crate::domain::Conflict;

/// Reset emails per address per hour; more are silently not sent (no mail bombing).
const RESETS_PER_HOUR: i32 = 3;

pub fn client_ip(req: &HttpRequest) -> IpAddr {
    req.peer_addr()
        .map_or(IpAddr::from([127, 0, 0, 1]), |a| a.ip())
}

fn ip_string(req: &HttpRequest) -> String {
    client_ip(req).to_string()
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

fn with_status(mut res: HttpResponse, status: StatusCode) -> HttpResponse {
    *res.status_mut() = status;
    res
}

fn account_key(kind: &str, email: &str) -> String {
    format!("{kind}:{}", sha256_hex(&email.trim().to_lowercase()))
}

fn field(errors: &mut FieldErrors, name: &'static str, result: Result<(), &'static str>) {
    if let Err(key) = result {
        errors.add(name, key);
    }
}

// ---------------------------------------------------------------------------------------------
// Sign in / out

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    ui: Frame,
    email: String,
    remember: bool,
    next: String,
    error: Option<&'static str>,
    notice: Option<&'static str>,
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
        return Ok(see_other(&safe_next(query.next.as_deref())));
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
    if !state.throttle.allow(Bucket::Login, client_ip(&req)) {
        tracing::warn!(ip = %client_ip(&req), "sign-in throttled (per address)");
        return Err(AppError::TooManyRequests);
    }
    let failures = std::sync::Arc::new(PasswordFailures::new(&form.email, &ip_string(&req)));
    let email = EmailAddress::parse(&form.email).ok();
    let (throttled, user) = {
        let failures = failures.clone();
        let email = email.clone();
        db(&state, move |c| {
            let throttled = failures.locked(c)?;
            let user = match &email {
                Some(e) => users::find_by_email(c, e)?,
                None => None,
            };
            Ok((throttled, user))
        })
        .await?
    };
    if throttled {
        tracing::warn!("sign-in throttled (per account)");
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
    let ip = ip_string(&req);
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    match verified {
        (Some(user), _) => {
            let old = signed_in(&req).map(|s| s.session_id);
            let remember = form.remember.is_some();
            let (raw, _) = db(&state, move |c| {
                write_transaction(c, |c| {
                    // A new session id at every sign-in; the old one dies (ASVS 7.2.4).
                    if let Some(id) = old {
                        sessions::delete(c, id)?;
                    }
                    failures.clear(c)?;
                    audit::record(
                        c,
                        NewAuditEntry {
                            actor_user_id: Some(user.id),
                            action: "login",
                            object_type: "user",
                            object_id: Some(user.id),
                            ip: &ip,
                            ..Default::default()
                        },
                    )?;
                    sessions::create(c, user.id, remember, &ip, &user_agent)
                })
            })
            .await?;
            let mut res = see_other(&safe_next(form.next.as_deref()));
            let _ = res.add_cookie(&auth::session_cookie(
                raw,
                state.config.is_https(),
                remember,
            ));
            Ok(res)
        }
        (None, known_id) => {
            tracing::warn!(user_id = known_id, "sign-in failed");
            let details = email.map(|e| e.as_str().to_string()).unwrap_or_default();
            db(&state, move |c| {
                write_transaction(c, |c| {
                    failures.record(c)?;
                    audit::record(
                        c,
                        NewAuditEntry {
                            actor_user_id: known_id,
                            action: "login_failed",
                            object_type: "user",
                            object_id: known_id,
                            details: &details,
                            ip: &ip,
                            ..Default::default()
                        },
                    )?;
                    Ok(())
                })
            })
            .await?;
            let page = view::render(&LoginPage {
                ui: Frame::titled(&req, "login.title"),
                email: form.email,
                remember: form.remember.is_some(),
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
        let ip = ip_string(&req);
        db(&state, move |c| {
            write_transaction(c, |c| {
                sessions::delete(c, me.session_id)?;
                audit::record(
                    c,
                    NewAuditEntry {
                        actor_user_id: Some(me.user.id),
                        action: "logout",
                        object_type: "user",
                        object_id: Some(me.user.id),
                        ip: &ip,
                        ..Default::default()
                    },
                )?;
                Ok(())
            })
        })
        .await?;
    }
    let mut res = see_other("/login?done=logout");
    let _ = res.add_cookie(&auth::removal_cookie(state.config.is_https()));
    Ok(res)
}

// ---------------------------------------------------------------------------------------------
// Activation and reset links

#[derive(Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    Activate,
    Reset,
}

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

pub fn link_invalid(req: &HttpRequest) -> Result<HttpResponse, AppError> {
    Ok(with_status(
        view::render(&LinkInvalidPage {
            ui: Frame::titled(req, "link.invalid_title"),
        })?,
        StatusCode::GONE,
    ))
}

fn purpose(kind: LinkKind) -> Purpose {
    match kind {
        LinkKind::Activate => Purpose::Activate,
        LinkKind::Reset => Purpose::ResetPassword,
    }
}

fn set_password_page(
    req: &HttpRequest,
    kind: LinkKind,
    email: String,
    token: &str,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (title, base) = match kind {
        LinkKind::Activate => ("activate.title", "/account/activate/"),
        LinkKind::Reset => ("reset.title", "/account/reset/"),
    };
    view::render(&SetPasswordPage {
        ui: Frame::titled(req, title),
        activate: kind == LinkKind::Activate,
        email,
        action: format!("{base}{token}"),
        errors,
    })
}

async fn show_link(
    state: &AppState,
    req: &HttpRequest,
    token: String,
    kind: LinkKind,
) -> Result<HttpResponse, AppError> {
    let t = token.clone();
    match db(state, move |c| accounts::peek_token(c, &t, purpose(kind))).await {
        Ok(user) => set_password_page(req, kind, user.email, &token, FieldErrors::default()),
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

fn check_new_password(errors: &mut FieldErrors, password: &str, confirm: &str) {
    field(errors, "password", passwords::check_policy(password));
    if errors.get("password").is_none() && password != confirm {
        errors.add("password_confirm", "error.password_mismatch");
    }
}

async fn use_link(
    state: &AppState,
    req: &HttpRequest,
    token: String,
    form: NewPasswordForm,
    kind: LinkKind,
) -> Result<HttpResponse, AppError> {
    let t = token.clone();
    let user = match db(state, move |c| accounts::peek_token(c, &t, purpose(kind))).await {
        Ok(user) => user,
        Err(AppError::NotFound) => return link_invalid(req),
        Err(e) => return Err(e),
    };
    let mut errors = FieldErrors::default();
    check_new_password(&mut errors, &form.password, &form.password_confirm);
    if !errors.is_empty() {
        return set_password_page(req, kind, user.email, &token, errors);
    }
    let password = form.password;
    let hash = state
        .hash_work(move || passwords::hash(&password))
        .await?
        .map_err(|e| AppError::Internal(e.into()))?;
    let ip = ip_string(req);
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let base_url = state.config.base_url.clone();
    let result = db(state, move |c| {
        write_transaction(c, |c| {
            let user = accounts::consume_token(c, &token, purpose(kind))?;
            accounts::set_password(c, user.id, &hash, None)?;
            let action = match kind {
                LinkKind::Activate => "account_activated",
                LinkKind::Reset => "password_reset",
            };
            audit::record(
                c,
                NewAuditEntry {
                    actor_user_id: Some(user.id),
                    action,
                    object_type: "user",
                    object_id: Some(user.id),
                    ip: &ip,
                    ..Default::default()
                },
            )?;
            match kind {
                LinkKind::Activate => Ok(Some(
                    sessions::create(c, user.id, false, &ip, &user_agent)?.0,
                )),
                LinkKind::Reset => {
                    let notice = templates::SecurityNotice {
                        name: user.display_name.clone(),
                        what_key: "email.security.password_reset",
                        when: format!("{} UTC", crate::domain::now().format("%Y-%m-%d %H:%M")),
                        reset_link: format!("{base_url}/account/reset"),
                    };
                    mail::enqueue_for(
                        c,
                        &user,
                        format!("notice:reset:{}", sha256_hex(&token)),
                        |l| notice.render(l),
                    )?;
                    Ok(None)
                }
            }
        })
    })
    .await;
    match result {
        Ok(Some(raw)) => {
            let mut res = see_other("/account?welcome=1");
            let _ = res.add_cookie(&auth::session_cookie(raw, state.config.is_https(), false));
            Ok(res)
        }
        Ok(None) => {
            state.mail.wake();
            let mut res = see_other("/login?done=reset");
            let _ = res.add_cookie(&auth::removal_cookie(state.config.is_https()));
            Ok(res)
        }
        Err(AppError::NotFound) => link_invalid(req),
        Err(e) => Err(e),
    }
}

pub async fn activate_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_link(&state, &req, token.into_inner(), LinkKind::Activate).await
}

pub async fn activate_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    use_link(
        &state,
        &req,
        token.into_inner(),
        form.into_inner(),
        LinkKind::Activate,
    )
    .await
}

pub async fn reset_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_link(&state, &req, token.into_inner(), LinkKind::Reset).await
}

pub async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    use_link(
        &state,
        &req,
        token.into_inner(),
        form.into_inner(),
        LinkKind::Reset,
    )
    .await
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
    if !state.throttle.allow(Bucket::Reset, client_ip(&req)) {
        return Err(AppError::TooManyRequests);
    }
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
    let base_url = state.config.base_url.clone();
    let key = account_key("reset", email.as_str());
    let queued = db(&state, move |c| {
        write_transaction(c, |c| {
            // Count every request, known address or not, so the answer never differs.
            if rate_limits::hit(c, &key, TimeDelta::hours(1))? > RESETS_PER_HOUR {
                return Ok(false);
            }
            let Some(user) = users::find_by_email(c, &email)? else {
                return Ok(false);
            };
            if user.disabled_at.is_some() {
                return Ok(false);
            }
            let token = one_time_tokens::issue(c, Purpose::ResetPassword, Some(user.id), None)?;
            let content = templates::PasswordReset {
                name: user.display_name.clone(),
                link: format!("{base_url}/account/reset/{token}"),
            };
            mail::enqueue_for(c, &user, format!("reset:{}", sha256_hex(&token)), |l| {
                content.render(l)
            })?;
            Ok(true)
        })
    })
    .await?;
    if queued {
        state.mail.wake();
    }
    view::render(&ResetRequestPage {
        ui: Frame::titled(&req, "reset.request_title"),
        email: form.email.clone(),
        sent: true,
        errors: FieldErrors::default(),
    })
}

// ---------------------------------------------------------------------------------------------
// The account's own pages

pub struct MembershipRow {
    pub href: String,
    pub chapter: String,
    pub role_key: &'static str,
}

#[derive(Template)]
#[template(path = "account/overview.html")]
struct OverviewPage {
    ui: Frame,
    user: User,
    memberships: Vec<MembershipRow>,
    welcome: bool,
}

#[derive(Deserialize)]
pub struct OverviewQuery {
    welcome: Option<String>,
}

pub async fn overview(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    query: web::Query<OverviewQuery>,
) -> Result<HttpResponse, AppError> {
    let ui = Frame::titled(&req, "account.title");
    let locale = ui.locale;
    let user_id = me.user.id;
    let rows = db(&state, move |c| {
        use crate::db::schema::{chapters, memberships};
        use diesel::prelude::*;
        Ok(memberships::table
            .inner_join(chapters::table)
            .filter(memberships::user_id.eq(user_id))
            .order(chapters::slug)
            .select((
                chapters::slug,
                chapters::name_zh,
                chapters::name_en,
                memberships::role,
            ))
            .load::<(String, String, String, String)>(c)?)
    })
    .await?;
    let memberships = rows
        .into_iter()
        .map(|(slug, zh, en, role)| MembershipRow {
            href: format!("/chapters/{slug}"),
            chapter: if locale == Locale::En && !en.is_empty() {
                en
            } else {
                zh
            },
            role_key: Role::parse(&role).unwrap_or(Role::Member).label_key(),
        })
        .collect();
    view::render(&OverviewPage {
        ui,
        user: me.user,
        memberships,
        welcome: query.welcome.is_some(),
    })
}

#[derive(Template)]
#[template(path = "account/settings.html")]
struct SettingsPage {
    ui: Frame,
    form: ProfileInput,
    errors: FieldErrors,
    saved: bool,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn settings_form(
    req: HttpRequest,
    RequireUser(me): RequireUser,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    let u = me.user;
    view::render(&SettingsPage {
        ui: Frame::titled(&req, "settings.title"),
        form: ProfileInput {
            display_name: u.display_name,
            organization: u.organization,
            job_title: u.job_title,
            locale: u.locale,
            roster_visible: u.roster_visible,
            event_announcements: u.event_announcements,
        },
        errors: FieldErrors::default(),
        saved: query.saved.is_some(),
    })
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    locale: String,
    roster_visible: Option<String>,
    event_announcements: Option<String>,
}

pub async fn save_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let input = ProfileInput {
        display_name: form.display_name,
        organization: form.organization,
        job_title: form.job_title,
        locale: form.locale,
        roster_visible: form.roster_visible.is_some(),
        event_announcements: form.event_announcements.is_some(),
    };
    let saved = input.clone();
    let user_id = me.user.id;
    match db(&state, move |c| {
        write_transaction(c, |c| accounts::update_profile(c, user_id, &saved))
    })
    .await
    {
        Ok(()) => {
            let mut res = see_other("/account/settings?saved=1");
            if let Some(locale) = Locale::parse(&input.locale) {
                let cookie = Cookie::build(super::locale::COOKIE, locale.code())
                    .path("/")
                    .max_age(CookieDuration::days(365))
                    .same_site(SameSite::Lax)
                    .http_only(true)
                    .finish();
                let _ = res.add_cookie(&cookie);
            }
            Ok(res)
        }
        Err(e) => {
            let errors = invalid_fields(e)?;
            view::render(&SettingsPage {
                ui: Frame::titled(&req, "settings.title"),
                form: input,
                errors,
                saved: false,
            })
        }
    }
}

/// Field errors of a rejected form; any other error passes on.
fn invalid_fields(err: AppError) -> Result<FieldErrors, AppError> {
    match err {
        AppError::Invalid(errors) => Ok(errors),
        other => Err(other),
    }
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    ui: Frame,
    errors: FieldErrors,
}

pub async fn change_password_form(
    req: HttpRequest,
    _me: RequireUser,
) -> Result<HttpResponse, AppError> {
    view::render(&PasswordPage {
        ui: Frame::titled(&req, "password.title"),
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct ChangePasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    form: web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    // Wrong current passwords count as failed sign-ins of this account: a stolen session must
    // not become an unlimited password oracle.
    let failures = std::sync::Arc::new(PasswordFailures::new(&me.user.email, &ip_string(&req)));
    let f = failures.clone();
    if db(&state, move |c| f.locked(c)).await? {
        errors.add("current_password", "error.password_attempts");
        let page = view::render(&PasswordPage {
            ui: Frame::titled(&req, "password.title"),
            errors,
        })?;
        let mut res = with_status(page, StatusCode::TOO_MANY_REQUESTS);
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("600"),
        );
        return Ok(res);
    }
    let current = form.current_password.clone();
    let stored = me.user.password_hash.clone().unwrap_or_default();
    if !state
        .hash_work(move || passwords::verify(&current, &stored))
        .await?
    {
        errors.add("current_password", "error.current_password_wrong");
        let f = failures.clone();
        db(&state, move |c| f.record(c)).await?;
    }
    check_new_password(&mut errors, &form.password, &form.password_confirm);
    if !errors.is_empty() {
        return view::render(&PasswordPage {
            ui: Frame::titled(&req, "password.title"),
            errors,
        });
    }
    let new = form.password;
    let hash = state
        .hash_work(move || passwords::hash(&new))
        .await?
        .map_err(|e| AppError::Internal(e.into()))?;
    let ip = ip_string(&req);
    let base_url = state.config.base_url.clone();
    db(&state, move |c| {
        write_transaction(c, |c| {
            // Other sessions end (ASVS 7.4.3); this one stays.
            accounts::set_password(c, me.user.id, &hash, Some(me.session_id))?;
            audit::record(
                c,
                NewAuditEntry {
                    actor_user_id: Some(me.user.id),
                    action: "password_changed",
                    object_type: "user",
                    object_id: Some(me.user.id),
                    ip: &ip,
                    ..Default::default()
                },
            )?;
            let notice = templates::SecurityNotice {
                name: me.user.display_name.clone(),
                what_key: "email.security.password_changed",
                when: format!("{} UTC", crate::domain::now().format("%Y-%m-%d %H:%M")),
                reset_link: format!("{base_url}/account/reset"),
            };
            mail::enqueue_for(
                c,
                &me.user,
                format!("notice:password:{}", random_token()),
                |l| notice.render(l),
            )?;
            Ok(())
        })
    })
    .await?;
    state.mail.wake();
    Ok(see_other("/account/settings?saved=password"))
}

pub async fn export_data(
    state: web::Data<AppState>,
    RequireUser(me): RequireUser,
) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let data = db(&state, move |c| accounts::export(c, user_id)).await?;
    let body = serde_json::to_string_pretty(&data).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"ogug-my-data.json\"",
        ))
        .body(body))
}

#[derive(Template)]
#[template(path = "account/delete.html")]
struct DeletePage {
    ui: Frame,
    handover: Vec<String>,
    errors: FieldErrors,
    deleted: bool,
}

pub async fn delete_account_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let handover = db(&state, move |c| {
        accounts::chapters_needing_handover(c, user_id)
    })
    .await?;
    view::render(&DeletePage {
        ui: Frame::titled(&req, "delete.title"),
        handover,
        errors: FieldErrors::default(),
        deleted: false,
    })
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm_email: String,
}

pub async fn delete_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    if form.confirm_email.trim().to_lowercase() != me.user.email {
        let handover = db(&state, move |c| {
            accounts::chapters_needing_handover(c, user_id)
        })
        .await?;
        let mut errors = FieldErrors::default();
        errors.add("confirm_email", "error.confirm_email");
        return view::render(&DeletePage {
            ui: Frame::titled(&req, "delete.title"),
            handover,
            errors,
            deleted: false,
        });
    }
    let ip = ip_string(&req);
    let base = state.config.base_url.clone();
    let result = db(&state, move |c| {
        write_transaction(c, |c| {
            let released = accounts::delete_account(c, user_id)?;
            super::events::notify_promoted(c, &base, &released)?;
            audit::record(
                c,
                NewAuditEntry {
                    action: "account_deleted",
                    object_type: "user",
                    object_id: Some(user_id),
                    ip: &ip,
                    ..Default::default()
                },
            )?;
            Ok::<(), DomainError>(())
        })
    })
    .await;
    match result {
        Ok(()) => {
            let mut page = view::render(&DeletePage {
                ui: Frame::titled(&req, "delete.title"),
                handover: vec![],
                errors: FieldErrors::default(),
                deleted: true,
            })?;
            let _ = page.add_cookie(&auth::removal_cookie(state.config.is_https()));
            Ok(page)
        }
        Err(AppError::Conflict(Conflict::LastOrganizer)) => {
            let handover = db(&state, move |c| {
                accounts::chapters_needing_handover(c, user_id)
            })
            .await?;
            let page = view::render(&DeletePage {
                ui: Frame::titled(&req, "delete.title"),
                handover,
                errors: FieldErrors::default(),
                deleted: false,
            })?;
            Ok(with_status(page, StatusCode::CONFLICT))
        }
        Err(e) => Err(e),
    }
}
