//! One log line per request: method, route pattern, status, duration. The pattern
//! (`/account/activate/{token}`) is logged instead of the path so tokens never reach the logs.

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

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let pattern: Option<std::rc::Rc<str>> = req.match_pattern().map(Into::into);
    req.extensions_mut().insert(Route(pattern.clone()));
    if let (Some(peer), Some(state)) = (
        req.peer_addr(),
        req.app_data::<actix_web::web::Data<super::AppState>>(),
    ) {
        let client =
            super::respond::client_of(peer.ip(), req.headers(), &state.config.trusted_proxies);
        req.extensions_mut()
            .insert(super::respond::ClientIp(client));
    }
    let res = next.call(req).await?;
    let route = pattern.as_deref().unwrap_or("(unmatched)");
    if route != "/healthz" {
        tracing::info!(
            method = %method,
            route = %route,
            status = res.status().as_u16(),
            micros = started.elapsed().as_micros() as u64,
            "request"
        );
    }
    Ok(res)
}
