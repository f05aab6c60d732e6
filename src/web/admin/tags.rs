//! The site's talk tags: site admins edit the list speakers pick from.

use crate::domain::FieldErrors;
use crate::domain::talks::{self, Tags};
use crate::flows;
use crate::paths;
use crate::web::http::respond::{actor, see_other, with_status};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "admin/tags.html")]
struct TagsPage {
    ui: Frame,
    lines: String,
    errors: FieldErrors,
    saved: bool,
}

fn tag_lines(tags: &Tags) -> String {
    tags.0
        .iter()
        .map(|t| format!("{} | {} | {}", t.slug, t.name_zh, t.name_en))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(serde::Deserialize)]
pub struct TagsQuery {
    saved: Option<String>,
}

pub async fn tags_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TagsQuery>,
) -> Result<HttpResponse, AppError> {
    // Site admins only: the route says so (`Permission::SiteAdmin`), the guard enforces it.
    let tags = db(&state, talks::tags).await?;
    view::render(&TagsPage {
        ui: Frame::titled(&req, "tags.title"),
        lines: tag_lines(&tags),
        errors: FieldErrors::default(),
        saved: query.saved.is_some(),
    })
}

#[derive(serde::Deserialize)]
pub struct TagsForm {
    #[serde(default)]
    tags: String,
}

pub async fn save_tags(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TagsForm>,
) -> Result<HttpResponse, AppError> {
    // Site admins only: the route says so (`Permission::SiteAdmin`), the guard enforces it.
    let (actor, lines) = (actor(&req), form.tags.clone());
    match flow(&state, move |c, _| {
        flows::talks::save_tags(c, &actor, &lines)
    })
    .await
    {
        Ok(_) => Ok(see_other(format!("{}?saved=1", paths::tags()))),
        Err(AppError::Invalid(errors)) => {
            let page = TagsPage {
                ui: Frame::titled(&req, "tags.title"),
                lines: form.tags.clone(),
                errors,
                saved: false,
            };
            Ok(with_status(
                view::render(&page)?,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(e),
    }
}
