//! One log line per request: request id, method, route pattern, status, duration. The pattern
//! (`/account/activate/{token}`) is logged instead of the path so tokens never reach the logs.
//! Every response carries the id in `X-Request-Id`, and an error page shows it, so a person can
//! quote it to an operator who finds the log lines.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::time::Instant;

/// The route pattern of this request, found once here for every middleware: each
/// `match_pattern()` walks the router's patterns again (that was half the CPU of a cached page).
#[derive(Clone)]
pub struct Route(pub Option<std::rc::Rc<str>>);

/// The route pattern the outermost middleware found, if any.
pub fn route_of(req: &ServiceRequest) -> Option<std::rc::Rc<str>> {
    req.extensions().get::<Route>().and_then(|r| r.0.clone())
}

tokio::task_local! {
    static REQUEST_ID: std::rc::Rc<str>;
}

/// The id of the request being answered (for the error page); empty outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(|id| id.to_string()).unwrap_or_default()
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let id: std::rc::Rc<str> = crate::crypto::random_token()[..16].into();
    let method = req.method().clone();
    let pattern: Option<std::rc::Rc<str>> = req.match_pattern().map(Into::into);
    req.extensions_mut().insert(Route(pattern.clone()));
    if let (Some(peer), Some(state)) = (
        req.peer_addr(),
        req.app_data::<actix_web::web::Data<crate::web::AppState>>(),
    ) {
        let client = crate::web::http::client::client_of(
            peer.ip(),
            req.headers(),
            &state.config.trusted_proxies,
        );
        req.extensions_mut()
            .insert(crate::web::http::client::ClientIp(client));
    }
    // Inner middleware answers its refusals as responses (not errors), so they carry the id.
    let mut res = REQUEST_ID
        .scope(id.clone(), next.call(req))
        .await?
        .map_into_boxed_body();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&id) {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    let route = pattern.as_deref().unwrap_or("(unmatched)");
    if let Some(state) = res
        .request()
        .app_data::<actix_web::web::Data<crate::web::AppState>>()
    {
        state.metrics.request(
            route,
            res.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    if route != "/healthz" && route != "/readyz" {
        tracing::info!(
            request_id = %id,
            method = %method,
            route = %route,
            status = res.status().as_u16(),
            micros = started.elapsed().as_micros() as u64,
            "request"
        );
    }
    Ok(res)
}
