//! The site admin area.

use super::auth::RequireUser;
use super::view::{self, Frame};
use super::{AppError, AppState, db};
use crate::domain::chapters::{self, Chapter};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// Site admins only: everyone else signed in gets 403 (anonymous: sign in first).
pub fn require_site_admin(me: &RequireUser) -> Result<(), AppError> {
    if me.0.user.is_site_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub struct ChapterRow {
    pub chapter: Chapter,
    pub name: String,
    pub member_count: i64,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    ui: Frame,
    chapters: Vec<ChapterRow>,
}

pub async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
) -> Result<HttpResponse, AppError> {
    require_site_admin(&me)?;
    let ui = Frame::titled(&req, "admin.title");
    let locale = ui.locale;
    let list = db(&state, chapters::list_all).await?;
    let chapters = list
        .into_iter()
        .map(|s| ChapterRow {
            name: s.chapter.name(locale).to_string(),
            member_count: s.member_count,
            chapter: s.chapter,
        })
        .collect();
    view::render(&DashboardPage { ui, chapters })
}
