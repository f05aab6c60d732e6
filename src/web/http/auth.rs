//! Who is asking, and whether their form is theirs: the session cookie is resolved once per
//! request, and every unsafe request must carry the CSRF token of its session (or, before sign-in,
//! of its pre-session cookie). Being a middleware, the check cannot be forgotten on a new route.

use crate::crypto::random_token;
use crate::domain::ids::*;
use crate::domain::sessions;
use crate::domain::users::User;
use crate::web::{AppError, AppState};
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::future::{Ready, ready};
use subtle::ConstantTimeEq;

/// The pre-session CSRF cookie: `__Host-` prefixed on https like the session cookie, so a
/// sibling subdomain cannot plant a token of its choosing (ASVS 3.3.3).
pub fn csrf_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-ogug_csrf"
    } else {
        "ogug_csrf"
    }
}
pub const CSRF_FIELD: &str = "csrf_token";

/// Public forms that, sent with a stale or missing token, are shown again with what was typed
/// instead of an error page: their handlers check `form_expired` before anything else.
pub const RESUBMITTABLE: &[&str] = &[crate::paths::pattern::apply, crate::paths::pattern::contact];

/// Marks a request whose form failed the CSRF check on a `RESUBMITTABLE` route.
#[derive(Clone, Copy)]
pub struct FormExpired;

/// Whether this request's form must be shown again rather than acted on.
pub fn form_expired(req: &HttpRequest) -> bool {
    req.extensions().get::<FormExpired>().is_some()
}
const UNSUBSCRIBE_ROUTE: &str = crate::paths::pattern::unsubscribe;

/// The signed-in person of this request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session_id: SessionId,
}

/// The CSRF token forms on this page must carry.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// `__Host-` prefixed on https (ASVS 3.3.3): the cookie is then bound to this host and path `/`.
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-ogug_session"
    } else {
        "ogug_session"
    }
}

pub fn session_cookie(value: String, https: bool, remember: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(session_cookie_name(https), value)
        .path("/")
        .http_only(true)
        .secure(https)
        .same_site(SameSite::Lax)
        .finish();
    if remember {
        cookie.set_max_age(CookieDuration::days(30));
    }
    cookie
}

pub fn removal_cookie(https: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(String::new(), https, false);
    cookie.make_removal();
    cookie
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn looks_like_token(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Err(AppError::Internal(anyhow::anyhow!("no app state")).into());
    };
    let https = state.config.is_https();
    let raw_session = req
        .cookie(session_cookie_name(https))
        .map(|c| c.value().to_string())
        .filter(|v| looks_like_token(v));
    let found = match raw_session.clone() {
        Some(raw) => session(&state, &raw).await?,
        None => None,
    };
    let stale_cookie = raw_session.is_some() && found.is_none();

    let (csrf, new_anon_csrf) = match &found {
        Some((session, _)) => (session.csrf_token.clone(), None),
        None => match req
            .cookie(csrf_cookie_name(https))
            .map(|c| c.value().to_string())
        {
            Some(v) if looks_like_token(&v) => (v, None),
            _ => {
                let t = random_token();
                (t.clone(), Some(t))
            }
        },
    };

    if is_unsafe(req.method()) {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let route = crate::web::http::request_log::route_of(&req);
        let upload_route = route
            .as_deref()
            .is_some_and(|r| crate::web::http::upload::ROUTES.contains(&r));
        // RFC 8058 §3.2: a mail client's one-click POST SHOULD be multipart.
        let unsubscribe_route = route.as_deref() == Some(UNSUBSCRIBE_ROUTE);
        let multipart = (upload_route || unsubscribe_route)
            && crate::web::http::upload::is_multipart(content_type.as_deref());
        let max = if upload_route {
            crate::web::http::upload::BODY_MAX
        } else {
            state.config.max_body_bytes
        };
        // The whole body within its deadline: a body trickled in a few bytes at a time would
        // otherwise hold a worker's connection for as long as the sender likes.
        let body = match tokio::time::timeout(
            state.config.body_deadline,
            read_body(&mut req, multipart, max),
        )
        .await
        {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => return Ok(req.error_response(e)),
            Err(_) => {
                tracing::warn!("request body not received within its deadline");
                return Ok(req.error_response(AppError::RequestTimeout));
            }
        };
        let fields: Vec<(String, String)> = if multipart {
            let parsed = match crate::web::http::upload::parse(
                content_type.as_deref().unwrap_or_default(),
                body.clone(),
            )
            .await
            {
                Ok(p) => p,
                Err(e) => return Ok(req.error_response(e)),
            };
            let fields = parsed.fields.clone();
            req.extensions_mut().insert(parsed);
            fields
        } else {
            serde_urlencoded::from_bytes(&body).unwrap_or_default()
        };
        let sent = fields
            .iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if !one_click_unsubscribe(&req, &fields)
            && !bool::from(sent.as_bytes().ct_eq(csrf.as_bytes()))
        {
            tracing::warn!(route = %req.path().split('/').take(3).collect::<Vec<_>>().join("/"), "CSRF check failed");
            // A visitor's long-open form (no account to protect) comes back filled in, with a
            // fresh token; its handler acts on nothing (`form_expired`).
            if route.as_deref().is_some_and(|r| RESUBMITTABLE.contains(&r)) {
                req.extensions_mut().insert(FormExpired);
            } else {
                return Ok(req.error_response(AppError::CsrfFailed));
            }
        }
        req.set_payload(Payload::from(body));
    }

    // A page reached by a secret link shows what only the link's holder may see.
    let carries_token = crate::web::http::request_log::route_of(&req)
        .is_some_and(|route| route.contains("{token}"));
    let signed_in = found.map(|(session, user)| SignedIn {
        user,
        session_id: session.id,
    });
    let is_signed_in = signed_in.is_some();
    req.extensions_mut().insert(CsrfToken(csrf));
    if let Some(s) = signed_in {
        req.extensions_mut().insert(s);
    }

    let mut res = next.call(req).await?;
    if is_signed_in || carries_token {
        // Signed-in pages and secret-link pages are personal: never cached (ASVS 14.3.2).
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    if stale_cookie {
        let _ = res.response_mut().add_cookie(&removal_cookie(https));
    }
    if let Some(token) = new_anon_csrf {
        let cookie = Cookie::build(csrf_cookie_name(https), token)
            .path("/")
            .http_only(true)
            .secure(https)
            .same_site(SameSite::Lax)
            .finish();
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res.map_into_boxed_body())
}

/// The live session for a cookie value: the copy kept in memory when it may stand in for the
/// lookup, else the database's (kept for the next request).
async fn session(
    state: &AppState,
    raw: &str,
) -> Result<Option<(sessions::Session, User)>, AppError> {
    let hash = sessions::token_hash(raw);
    if let Some(found) = state.sessions.get(&hash, crate::domain::now()) {
        state.metrics.sessions_kept_hits.inc();
        return Ok(Some(found));
    }
    let epoch = state.sessions.epoch();
    let key = hash.clone();
    let found = crate::web::db(state, move |conn| sessions::lookup(conn, &key)).await?;
    if state.sessions.is_live()
        && let Some((session, user)) = &found
    {
        state
            .sessions
            .keep(hash, epoch, session.clone(), user.clone());
    }
    Ok(found)
}

/// The body of an unsafe request: read up to `max` (413 past it).
async fn read_body(
    req: &mut ServiceRequest,
    multipart: bool,
    max: usize,
) -> Result<web::Bytes, AppError> {
    if multipart {
        return read_capped(req, max).await;
    }
    match req.extract::<web::Bytes>().await {
        Ok(b) => Ok(b),
        Err(e) if e.as_response_error().status_code() == 413 => Err(AppError::PayloadTooLarge),
        Err(_) => Err(AppError::BadRequest),
    }
}

/// Reads a body of at most `max` bytes (413 past it).
async fn read_capped(req: &mut ServiceRequest, max: usize) -> Result<web::Bytes, AppError> {
    use futures_util::StreamExt;
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest)?;
        if body.len() + chunk.len() > max {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The signed-in person, if any.
pub fn signed_in(req: &HttpRequest) -> Option<SignedIn> {
    req.extensions().get::<SignedIn>().cloned()
}

/// RFC 8058: a mail client unsubscribes with a bare POST of `List-Unsubscribe=One-Click` to the
/// link in the header, with no cookie or token. The unguessable key in that link is what
/// proves the request, as a CSRF token would; the worst a forged request can do is unsubscribe.
fn one_click_unsubscribe(req: &ServiceRequest, fields: &[(String, String)]) -> bool {
    crate::web::http::request_log::route_of(req).is_some_and(|r| &*r == UNSUBSCRIBE_ROUTE)
        && fields
            .iter()
            .any(|(k, v)| k == "List-Unsubscribe" && v == "One-Click")
}

pub fn csrf_token(req: &HttpRequest) -> String {
    req.extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

/// Extractor for routes that need a signed-in person: anonymous requests are sent to sign in and
/// come back afterwards.
pub struct RequireUser(pub SignedIn);

impl FromRequest for RequireUser {
    type Error = AppError;
    type Future = Ready<Result<RequireUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match signed_in(req) {
            Some(s) => Ok(RequireUser(s)),
            None => Err(AppError::LoginRequired(login_redirect_target(req))),
        })
    }
}

/// Where to come back to after signing in: the page asked for, if it was a GET.
pub fn login_redirect_target(req: &HttpRequest) -> String {
    if req.method() == Method::GET {
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        format!("{}?next={}", crate::paths::login(), urlencode(path))
    } else {
        crate::paths::login()
    }
}

pub fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// `urlencode`'s inverse; `None` for text that is not form-encoded.
pub fn urldecode(value: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("={value}"))
        .ok()?
        .pop()
        .map(|(_, v)| v)
}

/// A local path to return to (`next`, `back`): one leading `/`, not `//` or `/\` (which
/// browsers resolve to another host), no backslash and no control character anywhere (a TAB or
/// LF is dropped by browsers, so `/\t/evil.example` is `//evil.example`; NUL cannot go into a
/// header). Absent or empty → `/account`; anything else refused → `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        None | Some("") => crate::paths::account(),
        Some(n) if is_local_path(n) => n.to_string(),
        Some(_) => "/".to_string(),
    }
}

fn is_local_path(n: &str) -> bool {
    let mut chars = n.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !n
            .chars()
            .any(|c| c == '\\' || crate::domain::text::forbidden_in_line(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urldecode_undoes_urlencode() {
        for text in ["Li.Lei+tag@Example.org", "a;b=c d", "李雷@例子.中国"] {
            assert_eq!(urldecode(&urlencode(text)).as_deref(), Some(text));
        }
    }

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next(Some("/chapters/beijing")), "/chapters/beijing");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:x",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\0",
            "/\u{b}",
            "/\u{7f}",
            "/a\\b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/account");
        assert_eq!(safe_next(Some("")), "/account");
        assert_eq!(urlencode("/a b?x=1&y"), "%2Fa+b%3Fx%3D1%26y");
    }
}
