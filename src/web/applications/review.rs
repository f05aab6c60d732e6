//! The organizer's review queue: tabs by status, search, keyset pagination, the detail page,
//! decisions one by one or in bulk, and undo while the decision's email is unsent.

use crate::domain::Conflict;
use crate::domain::access::{self, Permission, Viewer};
use crate::domain::applications::{self, Application, Decision, STOCK_REASONS};
use crate::domain::ids::ApplicationId;
use crate::domain::memberships::Role;
use crate::domain::{DomainError, now};
use crate::flows;
use crate::i18n::Locale;
use crate::mail::notices::decision_key;
use crate::paths;
use crate::web::cache::shared::{Built, Part};
use crate::web::http::access::ChapterAccess;
use crate::web::http::auth::urlencode;
use crate::web::http::confirm::Confirm;
use crate::web::http::respond::{actor, see_other, with_status};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;
use std::sync::Arc;

pub struct Tab {
    pub label_key: String,
    pub count: i64,
    pub href: String,
    pub current: bool,
}

pub struct QueueRow {
    pub id: ApplicationId,
    pub href: String,
    pub name: String,
    pub email: String,
    pub organization: String,
    pub role_key: &'static str,
    pub waiting: String,
    pub stale: bool,
}

#[derive(Template)]
#[template(path = "applications/queue.html")]
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
    /// After a single decision: its undo, while the email waits.
    undo_action: Option<String>,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    q: Option<String>,
    after: Option<String>,
    done: Option<String>,
    /// The application just decided (for its undo) or, after a bulk decision, how many.
    id: Option<i64>,
    n: Option<usize>,
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

fn cursor(a: &applications::QueueEntry) -> String {
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
    let status = query
        .status
        .as_deref()
        .filter(|s| applications::ApplicationStatus::parse(s).is_some())
        .unwrap_or("pending")
        .to_string();
    let q = query.q.clone().unwrap_or_default();
    let after = query.after.as_deref().and_then(parse_cursor);
    let viewer = Viewer::of(
        crate::web::http::auth::signed_in(&req)
            .as_ref()
            .map(|m| &m.user),
        None,
    );
    let (st, search, cache) = (status.clone(), q.clone(), state.shared.clone());
    // One blocking hop: the chapter, the role and (for those who may see them) the rows.
    let (access, found) = ChapterAccess::load_with(&state, &req, &slug, move |c, chapter, role| {
        // Nothing is read for whoever the route refuses (`access::Permission::Organizer`).
        let viewer = Viewer { role, ..viewer };
        if !access::may(viewer, Permission::Organizer) {
            return Ok(None);
        }
        let tabs = applications::counts(c, chapter.id)?;
        // A tab's first page is the same for every organizer until its applications change.
        let list = if search.trim().is_empty() && after.is_none() {
            let version = tabs
                .iter()
                .find(|t| t.status.as_str() == st)
                .map_or(0, |t| t.version);
            cache.get(chapter.id, version, Part::Queue(st.clone()), || {
                Ok(Built::lasting(applications::queue(
                    c, chapter.id, &st, None, None,
                )?))
            })?
        } else {
            Arc::new(applications::queue(
                c,
                chapter.id,
                &st,
                Some(&search),
                after,
            )?)
        };
        Ok(Some((tabs, list)))
    })
    .await?;
    access.require_organizer()?;
    let (counts, list) = found.ok_or(AppError::Forbidden)?;
    let ui = Frame::titled(&req, "queue.title");
    let locale = ui.locale;
    let base = paths::applications(&access.chapter.slug);
    let shown = &list[..list.len().min(applications::PAGE_SIZE as usize)];
    let next_href = if list.len() > shown.len() {
        shown.last().map(|a| {
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
        .map(|t| Tab {
            href: format!("{base}?status={}", t.status),
            current: t.status.as_str() == status,
            label_key: t.status.label_key(),
            count: t.n,
        })
        .collect();
    let rows = shown
        .iter()
        .map(|a| {
            let (waiting, stale) = waiting(a.confirmed_at.unwrap_or(a.created_at), locale);
            QueueRow {
                id: a.id,
                href: format!("{base}/{}", a.id),
                name: a.name.clone(),
                email: a.email.clone(),
                organization: a.organization.clone(),
                role_key: a.desired_role.label_key(),
                waiting,
                stale: stale && a.status == applications::ApplicationStatus::Pending,
            }
        })
        .collect();
    let notice = match (query.done.as_deref(), query.n) {
        (Some(d @ ("bulk_approved" | "bulk_rejected")), Some(n)) => {
            ui.locale
                .tf1(&format!("queue.done_{d}"), "n", &n.to_string())
        }
        (Some(d @ ("approved" | "rejected" | "undone" | "bulk" | "bulk_none")), _) => {
            ui.t(&format!("queue.done_{d}")).to_string()
        }
        _ => String::new(),
    };
    let undo_action = match (query.done.as_deref(), query.id) {
        (Some("approved" | "rejected"), Some(id)) => {
            Some(paths::application_undo(&access.chapter.slug, id))
        }
        _ => None,
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
        undo_action,
    })
}

#[derive(Template)]
#[template(path = "applications/review.html")]
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
    id: ApplicationId,
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
        status_key: application.status.label_key(),
        reason_key: application.reason_key(),
        waiting,
        decided_by,
        reasons: STOCK_REASONS
            .iter()
            .map(|r| (*r, applications::reason_key(r)))
            .collect(),
        conflict,
        can_undo: email_unsent
            && applications::decided_today(&access.chapter, application.decided_at),
        ui,
        application,
    })
}

pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, ApplicationId)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    detail_page(&state, &req, &access, id, None).await
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

pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, ApplicationId)>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    let decision = parse_decision(&form)?;
    let done = if matches!(decision, Decision::Approve(_)) {
        "approved"
    } else {
        "rejected"
    };
    let (chapter, actor) = (access.chapter.clone(), actor(&req));
    let result = flow(&state, move |c, site| {
        flows::applications::decide(c, site, &actor, &chapter, id, &decision)
    })
    .await;
    match result {
        Ok(_) => Ok(see_other(format!(
            "{}?done={done}&id={id}",
            paths::applications(&access.chapter.slug)
        ))),
        Err(AppError::Conflict(Conflict::AlreadyDecided)) => Ok(with_status(
            detail_page(&state, &req, &access, id, Some(Blocked::AlreadyDecided)).await?,
            actix_web::http::StatusCode::CONFLICT,
        )),
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
    access.require_organizer()?;
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
    let ids: Vec<ApplicationId> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok().map(ApplicationId))
        .take(applications::PAGE_SIZE as usize)
        .collect();
    let queue = paths::applications(&access.chapter.slug);
    if ids.is_empty() {
        return Ok(see_other(format!("{queue}?done=bulk_none")));
    }
    if !Confirm::said_yes(&get("confirm")) {
        let chapter_id = access.chapter.id;
        let asked = ids.clone();
        let names = db(&state, move |c| {
            applications::pending_names(c, chapter_id, &asked)
        })
        .await?;
        if names.is_empty() {
            return Ok(see_other(format!("{queue}?done=bulk_none")));
        }
        let ui = Frame::new(&req, "");
        let n = names.len().to_string();
        let (question, yes, what) = match &decision {
            Decision::Approve(role) => (
                "queue.bulk_ask_approve",
                "queue.bulk_yes_approve",
                ui.tf1("queue.bulk_ask_role", "role", ui.t(role.label_key())),
            ),
            Decision::Reject { reason, .. } => (
                "queue.bulk_ask_reject",
                "queue.bulk_yes_reject",
                ui.tf1(
                    "queue.bulk_ask_reason",
                    "reason",
                    ui.t(&applications::reason_key(reason)),
                ),
            ),
        };
        let mut fields: Vec<(String, String)> = ids
            .iter()
            .map(|id| ("ids".to_string(), id.to_string()))
            .collect();
        for key in ["decision", "role", "reason"] {
            fields.push((key.to_string(), get(key)));
        }
        let page = Confirm {
            lines: vec![what, ui.t("queue.bulk_ask_body").to_string()],
            items: names,
            action: paths::applications_bulk(&access.chapter.slug),
            fields,
            yes: ui.tf1(yes, "n", &n),
            danger: matches!(decision, Decision::Reject { .. }),
            back_href: queue,
            back: ui.t("confirm.back").to_string(),
            ui: Frame {
                title: ui.tf1(question, "n", &n),
                ..ui
            },
        };
        return view::render(&page);
    }
    let done = if matches!(decision, Decision::Approve(_)) {
        "bulk_approved"
    } else {
        "bulk_rejected"
    };
    let (chapter, actor) = (access.chapter.clone(), actor(&req));
    let n = flow(&state, move |c, site| {
        flows::applications::decide_many(c, site, &actor, &chapter, &ids, &decision)
    })
    .await?;
    Ok(see_other(format!("{queue}?done={done}&n={n}")))
}

pub async fn undo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, ApplicationId)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    let (chapter, actor) = (access.chapter.clone(), actor(&req));
    let result = flow(&state, move |c, _| {
        flows::applications::undo(c, &actor, &chapter, id)
    })
    .await;
    match result {
        Ok(()) => Ok(see_other(format!(
            "{}?done=undone",
            paths::applications(&access.chapter.slug)
        ))),
        Err(AppError::Conflict(Conflict::Reapplied)) => Ok(with_status(
            detail_page(&state, &req, &access, id, Some(Blocked::Reapplied)).await?,
            actix_web::http::StatusCode::CONFLICT,
        )),
        Err(AppError::Conflict(_)) => detail_page(&state, &req, &access, id, None).await,
        Err(e) => Err(e),
    }
}
