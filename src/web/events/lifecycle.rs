//! Publishing and cancelling (announced by email) and deleting drafts.

use super::editable_event;
use crate::flows;
use crate::paths;
use crate::web::http::respond::{actor, see_other};
use crate::web::{AppError, AppState, flow};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub async fn publish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let (chapter, e, actor) = (access.chapter.clone(), event.clone(), actor(&req));
    flow(&state, move |c, site| {
        flows::events::publish(c, site, &actor, &chapter, &e)
    })
    .await?;
    Ok(super::back_to_event(
        &access.chapter.slug,
        &event.slug,
        "published",
    ))
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    message: String,
}

pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let (chapter, e, actor) = (access.chapter.clone(), event.clone(), actor(&req));
    let mut errors = crate::domain::FieldErrors::default();
    let message = crate::domain::text::text(&mut errors, "message", &form.message, 2000, false);
    errors.into_result()?;
    flow(&state, move |c, site| {
        flows::events::cancel(c, site, &actor, &chapter, &e, &message)
    })
    .await?;
    Ok(super::back_to_event(
        &access.chapter.slug,
        &event.slug,
        "cancelled",
    ))
}

pub async fn delete_draft(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let (e, actor) = (event.clone(), actor(&req));
    flow(&state, move |c, _| {
        flows::events::delete_draft(c, &actor, &e)
    })
    .await?;
    Ok(see_other(paths::chapter_events(&access.chapter.slug)))
}
