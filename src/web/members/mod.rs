//! Chapter members: the member-only list, the organizers' management of roles and removals,
//! and leaving a chapter.

use crate::domain::Conflict;
use crate::domain::ids::UserId;
use crate::domain::memberships::{self, MemberRow, Role};
use crate::flows;
use crate::paths;
use crate::web::http::access::ChapterAccess;
use crate::web::http::auth::urlencode;
use crate::web::http::confirm::Confirm;
use crate::web::http::respond::{actor, see_other};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ListQuery {
    role: Option<String>,
    q: Option<String>,
    page: Option<i64>,
    /// "attended": most events attended first (organizers only).
    sort: Option<String>,
    done: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "members/list.html")]
struct MembersPage {
    ui: Frame,
    slug: String,
    chapter_name: String,
    manage: bool,
    rows: Vec<MemberRow>,
    total: i64,
    role: String,
    q: String,
    by_attendance: bool,
    /// The list sorted the other way, keeping the filters.
    sort_href: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    notice: String,
    error: String,
}

async fn list_page(
    state: &AppState,
    req: &HttpRequest,
    access: ChapterAccess,
    query: ListQuery,
    manage: bool,
) -> Result<HttpResponse, AppError> {
    let role = query.role.as_deref().and_then(Role::parse);
    let q = query.q.clone().unwrap_or_default();
    let page = crate::domain::page(query.page);
    let chapter_id = access.chapter.id;
    let search = q.clone();
    let by_attendance = manage && query.sort.as_deref() == Some("attended");
    let (rows, total) = db(state, move |c| {
        memberships::list(c, chapter_id, role, Some(&search), page, by_attendance)
    })
    .await?;
    let ui = Frame::titled(
        req,
        if manage {
            "members.manage_title"
        } else {
            "members.title"
        },
    );
    let unsorted = format!(
        "{}?role={}&q={}",
        if manage {
            paths::manage_members(&access.chapter.slug)
        } else {
            paths::members(&access.chapter.slug)
        },
        role.map_or("", Role::as_str),
        urlencode(&q)
    );
    let (base, sort_href) = if by_attendance {
        (format!("{unsorted}&sort=attended"), unsorted)
    } else {
        (unsorted.clone(), format!("{unsorted}&sort=attended"))
    };
    let pages = (total + memberships::MEMBERS_PAGE - 1) / memberships::MEMBERS_PAGE;
    view::render(&MembersPage {
        chapter_name: access.chapter.name(ui.locale).to_string(),
        slug: access.chapter.slug.clone(),
        manage,
        rows,
        total,
        role: role.map_or("", Role::as_str).to_string(),
        q,
        by_attendance,
        sort_href,
        prev_href: (page > 0).then(|| format!("{base}&page={}", page - 1)),
        next_href: (page + 1 < pages).then(|| format!("{base}&page={}", page + 1)),
        notice: match query.done.as_deref() {
            Some(d @ ("role" | "removed")) => format!("members.done_{d}"),
            _ => String::new(),
        },
        error: match query.error.as_deref() {
            Some("last_organizer") => "members.last_organizer".into(),
            _ => String::new(),
        },
        ui,
    })
}

pub async fn members(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_member()?;
    list_page(&state, &req, access, query.into_inner(), false).await
}

pub async fn manage_members(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    list_page(&state, &req, access, query.into_inner(), true).await
}

fn back(slug: &str, outcome: &str) -> HttpResponse {
    see_other(format!("{}?{outcome}", paths::manage_members(slug)))
}

/// Where a role change or removal leads: the list with a notice (and the email on its way), or
/// the last-organizer explanation.
fn outcome<T>(
    slug: &str,
    result: Result<T, AppError>,
    done: &str,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(_) => Ok(back(slug, done)),
        Err(AppError::Conflict(Conflict::LastOrganizer)) => Ok(back(slug, "error=last_organizer")),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, UserId)>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, user_id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    let role = Role::parse(&form.role).ok_or(AppError::BadRequest)?;
    let (chapter, actor) = (access.chapter.clone(), actor(&req));
    let result = flow(&state, move |c, site| {
        flows::members::change_role(c, site, &actor, &chapter, user_id, role)
    })
    .await;
    outcome(&access.chapter.slug, result, "done=role")
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    reason: String,
    /// "1" once the organizer saw what removing does and said yes.
    #[serde(default)]
    confirm: String,
}

pub async fn remove_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, UserId)>,
    form: web::Form<RemoveForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, user_id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    let mut errors = crate::domain::FieldErrors::default();
    let reason = crate::domain::text::text(&mut errors, "reason", &form.reason, 1000, false);
    errors.into_result()?;
    if !Confirm::said_yes(&form.confirm) {
        let chapter_id = access.chapter.id;
        let name = db(&state, move |c| {
            memberships::find(c, chapter_id, user_id)?
                .ok_or(crate::domain::DomainError::NotFound)?;
            Ok(crate::domain::users::find(c, user_id)?.display_name)
        })
        .await?;
        let ui = Frame::new(&req, "");
        let mut lines = vec![ui.t("members.remove_ask_body").to_string()];
        if !reason.is_empty() {
            lines.push(ui.tf1("members.remove_ask_reason", "reason", &reason));
        }
        return view::render(&Confirm {
            lines,
            items: Vec::new(),
            action: paths::member_remove(&access.chapter.slug, user_id),
            fields: vec![("reason".into(), reason)],
            yes: ui.t("members.remove_yes").to_string(),
            danger: true,
            back_href: paths::manage_members(&access.chapter.slug),
            back: ui.t("confirm.back").to_string(),
            ui: Frame {
                title: ui.tf1("members.remove_ask", "name", &name),
                ..ui
            },
        });
    }
    let (chapter, actor) = (access.chapter.clone(), actor(&req));
    let result = flow(&state, move |c, site| {
        flows::members::remove(c, site, &actor, &chapter, user_id, &reason)
    })
    .await;
    outcome(&access.chapter.slug, result, "done=removed")
}

pub async fn leave(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_member()?;
    let (chapter, actor) = (access.chapter.clone(), actor(&req));
    let result = flow(&state, move |c, site| {
        flows::members::leave(c, site, &actor, &chapter)
    })
    .await;
    Ok(see_other(match result {
        Ok(()) => format!("{}?left=1", paths::account()),
        Err(AppError::Conflict(Conflict::LastOrganizer)) => format!(
            "{}?error=last_organizer",
            paths::members(&access.chapter.slug)
        ),
        Err(e) => return Err(e),
    }))
}
