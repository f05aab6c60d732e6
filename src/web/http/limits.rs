//! What a request may carry before any handler sees it. A NUL byte in the path or query is
//! refused here, for every route at once: SQLite would store it, PostgreSQL refuses it
//! (`invalid byte sequence for encoding "UTF8": 0x00`) and a person never types one. Form
//! fields are checked by their validation instead (a NUL there is a field error, with the input
//! kept), before anything of theirs reaches a query.

use crate::web::AppError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let raw = req.uri().path_and_query().map_or("", |p| p.as_str());
    if carries_nul(raw) {
        return Ok(req.error_response(AppError::BadRequest));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Whether a raw (still percent-encoded) path and query decode to a NUL anywhere. `%2500` is
/// the text `%00`, not a NUL, and passes.
pub fn carries_nul(raw: &str) -> bool {
    raw.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_any_part_of_the_address() {
        assert!(carries_nul("/chapters/%00"));
        assert!(carries_nul("/talks?chapter=a%00b"));
        assert!(!carries_nul("/talks?q=%2500"));
        assert!(!carries_nul("/chapters/beijing?lang=en"));
    }
}
