//! The route table's permissions, enforced before any handler runs: each route names the least
//! it needs (`web::PERMISSIONS`), and what can be decided without the chapter (signed in, site
//! admin) is decided here, once, for every route. What depends on the person's role in the
//! chapter is decided by `access::ChapterAccess::load` as soon as the chapter is read.

use crate::domain::access::{self, Decision, Permission, Viewer};
use crate::web::AppError;
use crate::web::http::auth::{login_redirect_target, signed_in};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let need = crate::web::http::request_log::route_of(&req)
        .and_then(|route| crate::web::permission_of(&route, req.method().as_str()));
    if let Some(need) = need.filter(|n| *n != Permission::Public && !n.is_chapter_scoped()) {
        let me = signed_in(req.request());
        match access::decide(Viewer::of(me.as_ref().map(|m| &m.user), None), need) {
            Decision::Allowed => {}
            Decision::SignInFirst => {
                let to = login_redirect_target(req.request());
                return Ok(req.error_response(AppError::LoginRequired(to)));
            }
            Decision::Refused => return Ok(req.error_response(AppError::Forbidden)),
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
