//! Small answers every handler gives: redirects, a status on a rendered page, and the actor
//! of a flow.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

pub use super::client::client_ip;

/// 303 to `location` (after a POST, the browser GETs it).
pub fn see_other(location: impl AsRef<str>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.as_ref()))
        .finish()
}

/// A rendered page with another status (a form with errors: 409, 429, …).
pub fn with_status(mut res: HttpResponse, status: StatusCode) -> HttpResponse {
    *res.status_mut() = status;
    res
}

/// The actor of a flow: the signed-in person (if any) at the client's address.
pub fn actor(req: &HttpRequest) -> crate::flows::Actor {
    let ip = client_ip(req).to_string();
    match crate::web::http::auth::signed_in(req) {
        Some(me) => crate::flows::Actor::person(me.user, ip),
        None => crate::flows::Actor::visitor(ip),
    }
}
