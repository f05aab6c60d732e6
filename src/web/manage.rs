//! The organizer's review queue: tabs by status, search, keyset pagination, the detail page,
//! decisions one by one or in bulk, and undo while the decision's email is unsent.

use super::access::ChapterAccess;
use super::account::client_ip;
use super::auth::urlencode;
use super::view::{self, Frame};
use super::{AppError, AppState, db};
use crate::db::{DbConnection, write_transaction};
use crate::domain::applications::{self, Application, Decided, Decision, STATUSES, STOCK_REASONS};
use crate::domain::audit::{self, NewAuditEntry};
use crate::domain::chapters::Chapter;
use crate::domain::memberships::Role;
use crate::domain::users::{EmailAddress, User};
use crate::domain::{DomainError, now};
use crate::i18n::Locale;
use crate::mail::{self, Email, templates};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;
use crate::domain::Conflict;

pub struct Tab {
    pub label_key: String,
    pub count: i64,
    pub href: String,
    pub current: bool,
}

pub struct QueueRow {
    pub id: i64,
    pub href: String,
    pub name: String,
    pub email: String,
    pub organization: String,
    pub role_key: &'static str,
    pub waiting: String,
    pub stale: bool,
}

#[derive(Template)]
#[template(path = "manage/applications.html")]
struct QueuePage {
    ui: Frame,
    slug: String,
    chapter_name: String,
    status: String,
    tabs: Vec<Tab>,
    q: String,
    rows: Vec<QueueRow>,
    next_href: Option<String>,
    notice: String,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    q: Option<String>,
    after: Option<String>,
    done: Option<String>,
}

/// "3 天" / "3 days", or hours under a day.
fn waiting(since: NaiveDateTime, locale: Locale) -> (String, bool) {
    let age = now() - since;
    let days = age.num_days();
    let text = if days >= 1 {
        locale.tf1("queue.days", "n", &days.to_string())
    } else {
        locale.tf1("queue.hours", "n", &age.num_hours().max(0).to_string())
    };
    (text, days >= 7)
}

fn cursor(a: &Application) -> String {
    format!("{}_{}", a.created_at.and_utc().timestamp_micros(), a.id)
}

fn parse_cursor(value: &str) -> Option<(NaiveDateTime, i64)> {
    let (micros, id) = value.split_once('_')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    Some((at, id.parse().ok()?))
}

pub async fn queue(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    let status = query
        .status
        .as_deref()
        .filter(|s| STATUSES.contains(s))
        .unwrap_or("pending")
        .to_string();
    let q = query.q.clone().unwrap_or_default();
    let after = query.after.as_deref().and_then(parse_cursor);
    let chapter_id = access.chapter.id;
    let (st, search) = (status.clone(), q.clone());
    let (counts, mut list) = db(&state, move |c| {
        Ok((
            applications::counts(c, chapter_id)?,
            applications::queue(c, chapter_id, &st, Some(&search), after)?,
        ))
    })
    .await?;
    let ui = Frame::titled(&req, "queue.title");
    let locale = ui.locale;
    let base = format!("/chapters/{}/manage/applications", access.chapter.slug);
    let next_href = if list.len() as i64 > applications::PAGE_SIZE {
        list.truncate(applications::PAGE_SIZE as usize);
        list.last().map(|a| {
            format!(
                "{base}?status={status}&q={}&after={}",
                urlencode(&q),
                cursor(a)
            )
        })
    } else {
        None
    };
    let tabs = counts
        .into_iter()
        .map(|(s, count)| Tab {
            href: format!("{base}?status={s}"),
            current: s == status,
            label_key: format!("status.{s}"),
            count,
        })
        .collect();
    let rows = list
        .iter()
        .map(|a| {
            let (waiting, stale) = waiting(a.confirmed_at.unwrap_or(a.created_at), locale);
            QueueRow {
                id: a.id,
                href: format!("{base}/{}", a.id),
                name: a.name.clone(),
                email: a.email.clone(),
                organization: a.organization.clone(),
                role_key: a.desired_role().label_key(),
                waiting,
                stale: stale && a.status == "pending",
            }
        })
        .collect();
    let notice = match query.done.as_deref() {
        Some(d @ ("approved" | "rejected" | "undone" | "bulk")) => format!("queue.done_{d}"),
        _ => String::new(),
    };
    view::render(&QueuePage {
        chapter_name: access.chapter.name(locale).to_string(),
        slug: access.chapter.slug.clone(),
        ui,
        status,
        tabs,
        q,
        rows,
        next_href,
        notice,
    })
}

#[derive(Template)]
#[template(path = "manage/application.html")]
struct DetailPage {
    ui: Frame,
    slug: String,
    chapter_name: String,
    application: Application,
    answers: Vec<(String, String)>,
    role_key: &'static str,
    status_key: String,
    reason_key: String,
    waiting: String,
    decided_by: String,
    reasons: Vec<(&'static str, String)>,
    /// Why the last action could not be done, in the reader's language.
    conflict: Option<String>,
    can_undo: bool,
}

/// What stopped an action on one application, shown above it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Blocked {
    /// Someone else decided it first.
    AlreadyDecided,
    /// Undo refused: the same person has a newer open application.
    Reapplied,
}

async fn detail_page(
    state: &AppState,
    req: &HttpRequest,
    access: &ChapterAccess,
    id: i64,
    blocked: Option<Blocked>,
) -> Result<HttpResponse, AppError> {
    let chapter_id = access.chapter.id;
    let (application, decided_by, email_unsent) = db(state, move |c| {
        let application = applications::find(c, id)?;
        if application.chapter_id != chapter_id {
            return Err(DomainError::NotFound);
        }
        let decided_by = applications::decider_name(c, &application)?;
        let unsent = crate::mail::outbox::is_unsent(c, &decision_key(application.id))?;
        Ok((application, decided_by, unsent))
    })
    .await?;
    let ui = Frame::titled(req, "queue.detail_title");
    let locale = ui.locale;
    let (waiting, _) = waiting(
        application.confirmed_at.unwrap_or(application.created_at),
        locale,
    );
    let conflict = blocked.map(|b| match b {
        Blocked::AlreadyDecided => ui.tf1("queue.already_decided", "name", &decided_by),
        Blocked::Reapplied => ui.t("queue.undo_reapplied").to_string(),
    });
    view::render(&DetailPage {
        chapter_name: access.chapter.name(locale).to_string(),
        slug: access.chapter.slug.clone(),
        answers: application.answers(),
        role_key: application.desired_role().label_key(),
        status_key: format!("status.{}", application.status),
        reason_key: application
            .reason
            .as_ref()
            .map(|r| format!("reason.{r}"))
            .unwrap_or_default(),
        waiting,
        decided_by,
        reasons: STOCK_REASONS
            .iter()
            .map(|r| (*r, format!("reason.{r}")))
            .collect(),
        conflict,
        can_undo: email_unsent && same_day(&access.chapter, application.decided_at),
        ui,
        application,
    })
}

/// Whether `at` falls on today's date in the chapter's time zone.
fn same_day(chapter: &Chapter, at: Option<NaiveDateTime>) -> bool {
    use chrono::TimeZone;
    let tz = chapter.tz();
    at.is_some_and(|at| {
        tz.from_utc_datetime(&at).date_naive() == tz.from_utc_datetime(&now()).date_naive()
    })
}

pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    detail_page(&state, &req, &access, id, None).await
}

pub fn decision_key(application_id: i64) -> String {
    format!("decision:application:{application_id}")
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
}

fn parse_decision(form: &DecisionForm) -> Result<Decision, AppError> {
    match form.decision.as_str() {
        "approve" => match form.role.as_str() {
            "ambassador" => Ok(Decision::Approve(Role::Ambassador)),
            "member" | "" => Ok(Decision::Approve(Role::Member)),
            _ => Err(AppError::BadRequest),
        },
        "reject" => Ok(Decision::Reject {
            reason: if form.reason.is_empty() {
                "other".into()
            } else {
                form.reason.clone()
            },
            message: form.message.clone(),
        }),
        _ => Err(AppError::BadRequest),
    }
}

/// What a decision needs besides the decision itself.
struct DecisionContext {
    chapter: Chapter,
    decider: User,
    base: String,
    grace: chrono::TimeDelta,
    ip: String,
}

/// Decides one application with its email and audit row, in one transaction.
fn decide_one(
    c: &mut DbConnection,
    ctx: &DecisionContext,
    id: i64,
    decision: &Decision,
) -> Result<(), DomainError> {
    let (chapter, decider, base, grace, ip) = (
        &ctx.chapter,
        &ctx.decider,
        ctx.base.as_str(),
        ctx.grace,
        ctx.ip.as_str(),
    );
    write_transaction(c, |c| {
        let decided = applications::decide(c, chapter.id, id, decider, decision)?;
        let (application, locale, content, action) = match &decided {
            Decided::Approved(application, approved) => {
                let locale = approved.user.locale();
                let content = templates::ApplicationApproved {
                    name: application.name.clone(),
                    chapter: chapter.name(locale).to_string(),
                    role_key: approved.role.label_key(),
                    activation_link: approved
                        .activation_token
                        .as_ref()
                        .map(|t| format!("{base}/account/activate/{t}"))
                        .unwrap_or_default(),
                    signin_link: format!("{base}/login"),
                    chapter_link: format!("{base}/chapters/{}", chapter.slug),
                }
                .render(locale)
                .map_err(mail::MailError::from)?;
                (application, locale, content, "application_approved")
            }
            Decided::Rejected(application) => {
                let locale = application.locale();
                let status_token = crate::domain::one_time_tokens::issue(
                    c,
                    crate::domain::one_time_tokens::Purpose::ApplicationStatus,
                    None,
                    Some(application.id),
                )?;
                let content = templates::ApplicationRejected {
                    name: application.name.clone(),
                    chapter: chapter.name(locale).to_string(),
                    reason_key: format!(
                        "reason.{}",
                        application.reason.clone().unwrap_or_else(|| "other".into())
                    ),
                    message: application.message.clone().unwrap_or_default(),
                    status_link: format!("{base}/applications/status/{status_token}"),
                }
                .render(locale)
                .map_err(mail::MailError::from)?;
                (application, locale, content, "application_rejected")
            }
        };
        let to = EmailAddress::parse(&application.email)
            .map_err(|_| DomainError::Conflict(Conflict::BadEmail))?;
        mail::enqueue_delayed(
            c,
            &Email {
                idempotency_key: decision_key(application.id),
                to,
                to_name: application.name.clone(),
                locale,
                content,
            },
            grace,
        )?;
        let details = match decision {
            Decision::Approve(role) => format!("role={}", role.as_str()),
            Decision::Reject { reason, .. } => format!("reason={reason}"),
        };
        audit::record(
            c,
            NewAuditEntry {
                actor_user_id: Some(decider.id),
                action,
                chapter_id: Some(chapter.id),
                object_type: "application",
                object_id: Some(application.id),
                details: &details,
                ip,
                ..Default::default()
            },
        )?;
        Ok(())
    })
}

pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let me = access.require_organizer()?.user.clone();
    let decision = parse_decision(&form)?;
    let ctx = DecisionContext {
        chapter: access.chapter.clone(),
        decider: me,
        base: state.config.base_url.clone(),
        grace: state.config.decision_grace,
        ip: client_ip(&req).to_string(),
    };
    let done = if matches!(decision, Decision::Approve(_)) {
        "approved"
    } else {
        "rejected"
    };
    let result = db(&state, move |c| decide_one(c, &ctx, id, &decision)).await;
    match result {
        Ok(()) => {
            state.mail.wake();
            Ok(HttpResponse::SeeOther()
                .insert_header((
                    "Location",
                    format!(
                        "/chapters/{}/manage/applications?done={done}",
                        access.chapter.slug
                    ),
                ))
                .finish())
        }
        Err(AppError::Conflict(Conflict::AlreadyDecided)) => {
            let mut res =
                detail_page(&state, &req, &access, id, Some(Blocked::AlreadyDecided)).await?;
            *res.status_mut() = actix_web::http::StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// Bulk decisions: `ids` repeated, then the same fields as one decision. Applications someone
/// else decided meanwhile are skipped.
pub async fn bulk(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let me = access.require_organizer()?.user.clone();
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadRequest)?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = DecisionForm {
        decision: get("decision"),
        role: get("role"),
        reason: get("reason"),
        message: String::new(),
    };
    let decision = parse_decision(&form)?;
    let ids: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .take(applications::PAGE_SIZE as usize)
        .collect();
    let ctx = DecisionContext {
        chapter: access.chapter.clone(),
        decider: me,
        base: state.config.base_url.clone(),
        grace: state.config.decision_grace,
        ip: client_ip(&req).to_string(),
    };
    db(&state, move |c| {
        for id in ids {
            match decide_one(c, &ctx, id, &decision) {
                Ok(()) | Err(DomainError::Conflict(_)) | Err(DomainError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    })
    .await?;
    state.mail.wake();
    Ok(HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!(
                "/chapters/{}/manage/applications?done=bulk",
                access.chapter.slug
            ),
        ))
        .finish())
}

pub async fn undo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let me = access.require_organizer()?.user.clone();
    let chapter = access.chapter.clone();
    let ip = client_ip(&req).to_string();
    let result = db(&state, move |c| {
        write_transaction(c, |c| {
            let application = applications::find(c, id)?;
            if application.chapter_id != chapter.id {
                return Err(DomainError::NotFound);
            }
            if !same_day(&chapter, application.decided_at)
                || !mail::cancel_unsent(c, &decision_key(id))?
            {
                return Err(DomainError::Conflict(Conflict::TooLate));
            }
            applications::undo(c, chapter.id, id)?;
            audit::record(
                c,
                NewAuditEntry {
                    actor_user_id: Some(me.id),
                    action: "decision_undone",
                    chapter_id: Some(chapter.id),
                    object_type: "application",
                    object_id: Some(id),
                    ip: &ip,
                    ..Default::default()
                },
            )?;
            Ok(())
        })
    })
    .await;
    match result {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((
                "Location",
                format!(
                    "/chapters/{}/manage/applications?done=undone",
                    access.chapter.slug
                ),
            ))
            .finish()),
        Err(AppError::Conflict(Conflict::Reapplied)) => {
            let mut res = detail_page(&state, &req, &access, id, Some(Blocked::Reapplied)).await?;
            *res.status_mut() = actix_web::http::StatusCode::CONFLICT;
            Ok(res)
        }
        Err(AppError::Conflict(_)) => detail_page(&state, &req, &access, id, None).await,
        Err(e) => Err(e),
    }
}
