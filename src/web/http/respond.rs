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

/// 303 to a "check your inbox" page, with a cookie scoped to that page naming the address the
/// form was sent with (percent-encoded: an address may hold what a cookie value may not), so
/// only the browser that sent it sees the address there.
pub fn see_inbox_page(
    path: String,
    cookie: &'static str,
    email: &str,
    https: bool,
) -> HttpResponse {
    let mut res = see_other(&path);
    let cookie =
        actix_web::cookie::Cookie::build(cookie, crate::web::http::auth::urlencode(email.trim()))
            .path(path)
            .http_only(true)
            .secure(https)
            .same_site(actix_web::cookie::SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::hours(1))
            .finish();
    let _ = res.add_cookie(&cookie);
    res
}

/// The address a "check your inbox" cookie names, if this browser sent the form.
pub fn sent_to(req: &HttpRequest, cookie: &str) -> Option<String> {
    req.cookie(cookie)
        .and_then(|c| crate::web::http::auth::urldecode(c.value()))
        .filter(|v| !v.is_empty())
}
