//! The account's overview, its settings, and changing the password.

use crate::domain::accounts::ProfileInput;
use crate::domain::memberships::Role;
use crate::domain::rate_limits::PasswordFailures;
use crate::domain::users::User;
use crate::domain::{FieldErrors, passwords};
use crate::flows;
use crate::i18n::Locale;
use crate::paths;
use crate::web::http::auth::RequireUser;
use crate::web::http::respond::{actor, client_ip, see_other, with_status};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::sync::Arc;

/// A chapter the person runs, as links with counts: (label, link, how many, element id).
pub struct StaffRow {
    pub chapter: String,
    pub href: String,
    pub role_key: &'static str,
    pub links: Vec<(String, String, Option<i64>, String)>,
}

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
    /// The chapters they help run, with what waits for them there.
    staff: Vec<StaffRow>,
    /// Events they were checked in at: (title, link, date).
    attended: Vec<(String, String, String)>,
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
    let (rows, attended, waiting) = db(&state, move |c| {
        Ok((
            crate::domain::memberships::chapters_of(c, user_id)?,
            crate::domain::events::attended_by(c, user_id, 50)?,
            crate::domain::workload::waiting_for(c, user_id)?,
        ))
    })
    .await?;
    let staff = waiting
        .into_iter()
        .map(|w| {
            let mut links = vec![];
            if let Some(n) = w.applications {
                links.push((
                    ui.t("account.work_applications").to_string(),
                    paths::applications(&w.slug),
                    Some(n),
                    format!("work-applications-{}", w.slug),
                ));
            }
            links.push((
                ui.t("account.work_talks").to_string(),
                paths::talk_queue(&w.slug),
                Some(w.talks),
                format!("work-talks-{}", w.slug),
            ));
            links.push((
                ui.t("account.work_drafts").to_string(),
                paths::chapter_events(&w.slug),
                Some(w.drafts),
                format!("work-drafts-{}", w.slug),
            ));
            links.push((
                ui.t("account.work_new_event").to_string(),
                paths::new_event(&w.slug),
                None,
                format!("work-new-event-{}", w.slug),
            ));
            if w.role == Role::Organizer {
                links.push((
                    ui.t("account.work_members").to_string(),
                    paths::manage_members(&w.slug),
                    None,
                    format!("work-members-{}", w.slug),
                ));
                links.push((
                    ui.t("audit.title").to_string(),
                    paths::chapter_audit(&w.slug),
                    None,
                    format!("work-audit-{}", w.slug),
                ));
            }
            StaffRow {
                chapter: if locale == Locale::En && !w.name_en.is_empty() {
                    w.name_en
                } else {
                    w.name_zh
                },
                href: paths::chapter(&w.slug),
                role_key: w.role.label_key(),
                links,
            }
        })
        .collect();
    let attended = attended
        .into_iter()
        .map(|a| {
            let tz = a.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
            let local = a.event.starts_at.and_utc().with_timezone(&tz).date_naive();
            (
                a.event.title(locale).to_string(),
                paths::event(&a.chapter_slug, &a.event.slug),
                view::date(local, locale),
            )
        })
        .collect();
    let memberships = rows
        .into_iter()
        .map(|(slug, zh, en, role)| MembershipRow {
            href: paths::chapter(&slug),
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
        staff,
        attended,
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
            locale: u.locale.code().to_string(),
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
    _me: RequireUser,
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
    let (saved, actor) = (input.clone(), actor(&req));
    match flow(&state, move |c, _| {
        flows::accounts::save_profile(c, &actor, &saved)
    })
    .await
    {
        Ok(()) => {
            let mut res = see_other(format!("{}?saved=1", paths::settings()));
            if let Some(locale) = Locale::parse(&input.locale) {
                let cookie = Cookie::build(crate::web::http::locale::COOKIE, locale.code())
                    .path("/")
                    .max_age(CookieDuration::days(365))
                    .same_site(SameSite::Lax)
                    .http_only(true)
                    .finish();
                let _ = res.add_cookie(&cookie);
            }
            Ok(res)
        }
        Err(AppError::Invalid(errors)) => view::render(&SettingsPage {
            ui: Frame::titled(&req, "settings.title"),
            form: input,
            errors,
            saved: false,
        }),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    ui: Frame,
    errors: FieldErrors,
}

fn password_page(req: &HttpRequest, errors: FieldErrors) -> Result<HttpResponse, AppError> {
    view::render(&PasswordPage {
        ui: Frame::titled(req, "password.title"),
        errors,
    })
}

pub async fn change_password_form(
    req: HttpRequest,
    _me: RequireUser,
) -> Result<HttpResponse, AppError> {
    password_page(&req, FieldErrors::default())
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
    let failures = Arc::new(PasswordFailures::new(
        &me.user.email,
        &client_ip(&req).to_string(),
    ));
    let f = failures.clone();
    if db(&state, move |c| f.locked(c)).await? {
        errors.add("current_password", "error.password_attempts");
        let mut res = with_status(password_page(&req, errors)?, StatusCode::TOO_MANY_REQUESTS);
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("600"));
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
    super::check_new_password(&mut errors, &form.password, &form.password_confirm);
    if !errors.is_empty() {
        return password_page(&req, errors);
    }
    let new = form.password;
    let hash = state
        .hash_work(move || passwords::hash(&new))
        .await?
        .map_err(|e| AppError::Internal(e.into()))?;
    let (actor, session_id) = (actor(&req), me.session_id);
    flow(&state, move |c, site| {
        flows::accounts::change_password(c, site, &actor, session_id, &hash)
    })
    .await?;
    Ok(see_other(format!("{}?saved=password", paths::settings())))
}
