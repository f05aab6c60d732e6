//! Chapter members: the member-only list, the organizers' management of roles and removals,
//! and leaving a chapter.

use super::access::ChapterAccess;
use super::account::client_ip;
use super::auth::urlencode;
use super::view::{self, Frame};
use super::{AppError, AppState, db};
use crate::db::write_transaction;
use crate::domain::DomainError;
use crate::domain::audit::{self, NewAuditEntry};
use crate::domain::memberships::{self, MemberRow, Role};
use crate::domain::users;
use crate::mail::{self, templates};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use crate::domain::Conflict;

#[derive(Deserialize)]
pub struct ListQuery {
    role: Option<String>,
    q: Option<String>,
    page: Option<i64>,
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
    let page = query.page.unwrap_or(0).max(0);
    let chapter_id = access.chapter.id;
    let search = q.clone();
    let (rows, total) = db(state, move |c| {
        memberships::list(c, chapter_id, role, Some(&search), page)
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
    let base = format!(
        "/chapters/{}/{}members?role={}&q={}",
        access.chapter.slug,
        if manage { "manage/" } else { "" },
        role.map_or("", Role::as_str),
        urlencode(&q)
    );
    let pages = (total + memberships::MEMBERS_PAGE - 1) / memberships::MEMBERS_PAGE;
    view::render(&MembersPage {
        chapter_name: access.chapter.name(ui.locale).to_string(),
        slug: access.chapter.slug.clone(),
        manage,
        rows,
        total,
        role: role.map_or("", Role::as_str).to_string(),
        q,
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
    HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("/chapters/{slug}/manage/members?{outcome}"),
        ))
        .finish()
}

/// Where a role change or removal leads: the list with a notice (and the email on its way), or
/// the last-organizer explanation.
fn outcome(
    state: &AppState,
    slug: &str,
    result: Result<(), AppError>,
    done: &str,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(()) => {
            state.mail.wake();
            Ok(back(slug, done))
        }
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
    path: web::Path<(String, i64)>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, user_id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let me = access.require_organizer()?.user.clone();
    let role = Role::parse(&form.role).ok_or(AppError::BadRequest)?;
    let chapter = access.chapter.clone();
    let base = state.config.base_url.clone();
    let ip = client_ip(&req).to_string();
    let result = db(&state, move |c| {
        write_transaction(c, |c| -> Result<(), DomainError> {
            let old = memberships::change_role(c, chapter.id, user_id, role)?;
            if old == role {
                return Ok(());
            }
            let person = users::find(c, user_id)?;
            let content = templates::RoleChanged {
                name: person.display_name.clone(),
                chapter: chapter.name(person.locale()).to_string(),
                role_key: role.label_key(),
                chapter_link: format!("{base}/chapters/{}", chapter.slug),
            };
            let key = format!(
                "role:{}:{user_id}:{}",
                chapter.id,
                crate::crypto::random_token()
            );
            mail::enqueue_for(c, &person, key, |l| content.render(l))?;
            let details = format!("{} -> {}", old.as_str(), role.as_str());
            audit::record(
                c,
                NewAuditEntry {
                    actor_user_id: Some(me.id),
                    action: "role_changed",
                    chapter_id: Some(chapter.id),
                    object_type: "user",
                    object_id: Some(user_id),
                    details: &details,
                    ip: &ip,
                    ..Default::default()
                },
            )?;
            Ok(())
        })
    })
    .await;
    outcome(&state, &access.chapter.slug, result, "done=role")
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    reason: String,
}

pub async fn remove_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    form: web::Form<RemoveForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, user_id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let me = access.require_organizer()?.user.clone();
    let reason: String = form.reason.trim().chars().take(1000).collect();
    let chapter = access.chapter.clone();
    let ip = client_ip(&req).to_string();
    let base = state.config.base_url.clone();
    let result = db(&state, move |c| {
        write_transaction(c, |c| -> Result<(), DomainError> {
            let (_, released) = memberships::remove(c, chapter.id, user_id)?;
            super::events::notify_promoted(c, &base, &released)?;
            let person = users::find(c, user_id)?;
            let content = templates::MemberRemoved {
                name: person.display_name.clone(),
                chapter: chapter.name(person.locale()).to_string(),
                reason: reason.clone(),
            };
            let key = format!(
                "removed:{}:{user_id}:{}",
                chapter.id,
                crate::crypto::random_token()
            );
            mail::enqueue_for(c, &person, key, |l| content.render(l))?;
            audit::record(
                c,
                NewAuditEntry {
                    actor_user_id: Some(me.id),
                    action: "member_removed",
                    chapter_id: Some(chapter.id),
                    object_type: "user",
                    object_id: Some(user_id),
                    details: &reason,
                    ip: &ip,
                    ..Default::default()
                },
            )?;
            Ok(())
        })
    })
    .await;
    outcome(&state, &access.chapter.slug, result, "done=removed")
}

pub async fn leave(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let me = access.require_member()?.user.clone();
    let chapter = access.chapter.clone();
    let ip = client_ip(&req).to_string();
    let base = state.config.base_url.clone();
    let result = db(&state, move |c| {
        write_transaction(c, |c| -> Result<(), DomainError> {
            let (_, released) = memberships::remove(c, chapter.id, me.id)?;
            super::events::notify_promoted(c, &base, &released)?;
            audit::record(
                c,
                NewAuditEntry {
                    actor_user_id: Some(me.id),
                    action: "member_left",
                    chapter_id: Some(chapter.id),
                    object_type: "user",
                    object_id: Some(me.id),
                    ip: &ip,
                    ..Default::default()
                },
            )?;
            Ok(())
        })
    })
    .await;
    let location = match result {
        Ok(()) => "/account?left=1".to_string(),
        Err(AppError::Conflict(Conflict::LastOrganizer)) => format!(
            "/chapters/{}/members?error=last_organizer",
            access.chapter.slug
        ),
        Err(e) => return Err(e),
    };
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish())
}
