//! Static assets compiled into the binary, so the app serves them from any working directory.

use actix_web::HttpResponse;

const STYLESHEET: &str = include_str!("../../../static/app.css");

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLESHEET)
}
