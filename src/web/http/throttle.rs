//! Per-address limits on the public forms (sign-in, reset, apply): a fixed one-minute window per
//! (form, address), counted in the database so that the limit holds across every instance
//! sharing it (behind a load balancer a visitor's requests land on any of them).

use crate::domain::rate_limits;
use crate::web::{AppError, AppState, db};
use std::net::IpAddr;

pub use crate::config::Limits;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Login,
    Reset,
    Apply,
    /// The chapter contact form (counted like the apply form, in its own bucket).
    Contact,
}

impl Bucket {
    fn name(self) -> &'static str {
        match self {
            Bucket::Login => "login",
            Bucket::Reset => "reset",
            Bucket::Apply => "apply",
            Bucket::Contact => "contact",
        }
    }

    fn limit(self, limits: &Limits) -> u32 {
        match self {
            Bucket::Login => limits.login_per_minute,
            Bucket::Reset => limits.reset_per_minute,
            Bucket::Apply | Bucket::Contact => limits.apply_per_minute,
        }
    }
}

/// Counts a request from `ip` to `bucket`'s form; `TooManyRequests` once the address is over
/// its limit for this minute.
pub async fn check(state: &AppState, bucket: Bucket, ip: IpAddr) -> Result<(), AppError> {
    let limit = i32::try_from(bucket.limit(&state.config.limits)).unwrap_or(i32::MAX);
    let key = format!("ip:{}:{ip}", bucket.name());
    let count = db(state, move |c| {
        rate_limits::hit(c, &key, chrono::TimeDelta::minutes(1))
    })
    .await?;
    if count > limit {
        tracing::warn!(form = bucket.name(), ip = %ip, "throttled (per address)");
        state.metrics.throttle_refusals.inc();
        Err(AppError::TooManyRequests)
    } else {
        Ok(())
    }
}
