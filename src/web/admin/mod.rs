//! The site admin area.

pub mod tags;

use crate::domain::chapters::{self, Chapter};
use crate::web::http::auth::RequireUser;
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// Site admins only: everyone else signed in gets 403 (anonymous: sign in first).
pub fn require_site_admin(me: &RequireUser) -> Result<(), AppError> {
    use crate::domain::access::{Permission, Viewer, may};
    if may(Viewer::of(Some(&me.0.user), None), Permission::SiteAdmin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub struct ChapterRow {
    pub chapter: Chapter,
    pub name: String,
    pub pending: i64,
    /// Age of the oldest pending application, e.g. "3 天".
    pub oldest: String,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    ui: Frame,
    chapters: Vec<ChapterRow>,
    notice: String,
}

#[derive(serde::Deserialize)]
pub struct DashboardQuery {
    done: Option<String>,
    error: Option<String>,
}

pub async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, AppError> {
    require_site_admin(&me)?;
    let ui = Frame::titled(&req, "admin.title");
    let locale = ui.locale;
    let (list, stats) = db(&state, |c| {
        Ok((
            chapters::list_all(c)?,
            crate::domain::applications::admin_stats(c)?,
        ))
    })
    .await?;
    let chapters = list
        .into_iter()
        .map(|s| {
            let stat = stats.iter().find(|x| x.chapter_id == s.id);
            let oldest = stat
                .and_then(|x| x.oldest_pending)
                .map(|at| {
                    locale.tf1(
                        "queue.days",
                        "n",
                        &(crate::domain::now() - at).num_days().to_string(),
                    )
                })
                .unwrap_or_else(|| "—".into());
            ChapterRow {
                name: s.name(locale).to_string(),
                pending: stat.map_or(0, |x| x.pending),
                oldest,
                chapter: s,
            }
        })
        .collect();
    let notice = match (query.done.as_deref(), query.error.as_deref()) {
        (_, Some("email")) => "error.email_invalid".to_string(),
        (Some(d @ ("status" | "appointed")), _) => format!("admin.done_{d}"),
        _ => String::new(),
    };
    view::render(&DashboardPage {
        ui,
        chapters,
        notice,
    })
}
