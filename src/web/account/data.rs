//! The person's data: the export (right of access) and deleting the account.

use crate::domain::ids::*;
use crate::domain::{Conflict, FieldErrors, accounts};
use crate::flows;
use crate::web::http::auth::{self, RequireUser};
use crate::web::http::respond::{actor, with_status};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

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

/// The deletion page, listing the chapters that need another organizer first.
async fn delete_page(
    state: &AppState,
    req: &HttpRequest,
    user_id: UserId,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let handover = db(state, move |c| {
        accounts::chapters_needing_handover(c, user_id)
    })
    .await?;
    view::render(&DeletePage {
        ui: Frame::titled(req, "delete.title"),
        handover,
        errors,
        deleted: false,
    })
}

pub async fn delete_account_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
) -> Result<HttpResponse, AppError> {
    delete_page(&state, &req, me.user.id, FieldErrors::default()).await
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
        let mut errors = FieldErrors::default();
        errors.add("confirm_email", "error.confirm_email");
        return delete_page(&state, &req, user_id, errors).await;
    }
    let actor = actor(&req);
    match flow(&state, move |c, site| {
        flows::accounts::delete_account(c, site, &actor)
    })
    .await
    {
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
        Err(AppError::Conflict(Conflict::LastOrganizer)) => Ok(with_status(
            delete_page(&state, &req, user_id, FieldErrors::default()).await?,
            StatusCode::CONFLICT,
        )),
        Err(e) => Err(e),
    }
}
