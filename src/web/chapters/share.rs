//! Link previews: the 1200 × 630 image a shared chapter or event link shows in a chat, with
//! the page's QR code.

use crate::domain::chapters;
use crate::domain::events::{self, EventStatus};
use crate::paths;
use crate::web::{AppError, AppState, db};
use actix_web::{HttpResponse, web};

fn png(bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(bytes)
}

/// GET /chapters/{slug}/share.png: the chapter page's QR code ("扫码申请加入" leads there).
pub async fn chapter_png(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let s = slug.into_inner();
    let chapter = db(&state, move |c| chapters::find_by_slug(c, &s)).await?;
    let url = format!("{}{}", state.config.base_url, paths::apply(&chapter.slug));
    Ok(png(crate::qr::share_card(&url)?))
}

/// GET /chapters/{slug}/events/{event_slug}/share.png: the event page's QR code (published
/// events only; a draft is not found).
pub async fn event_png(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_slug) = path.into_inner();
    let (chapter, event) = db(&state, move |c| {
        let chapter = chapters::find_by_slug(c, &slug)?;
        let event = events::find_any(c, chapter.id, &event_slug)?;
        Ok((chapter, event))
    })
    .await?;
    if event.status == EventStatus::Draft {
        return Err(AppError::NotFound);
    }
    let url = format!(
        "{}{}",
        state.config.base_url,
        paths::event(&chapter.slug, &event.slug)
    );
    Ok(png(crate::qr::share_card(&url)?))
}
