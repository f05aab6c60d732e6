//! Stored pictures (logos, speaker photos), served by their content-addressed file name.

use crate::domain::images::{self};
use crate::web::{AppError, AppState, db};
use actix_web::{HttpResponse, web};

/// A stored picture, by its content hash: never changes, so cached for a year.
pub async fn image(
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (hash, ext) = file.split_once('.').ok_or(AppError::NotFound)?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let h = hash.to_string();
    let (mime, bytes) = db(&state, move |c| images::load(c, &h)).await?;
    let expected = if mime == "image/png" { "png" } else { "jpg" };
    if ext != expected {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Disposition", "inline"))
        .body(bytes))
}
