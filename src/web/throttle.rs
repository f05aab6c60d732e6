//! Per-IP limits on public forms (sign-in, reset, apply), held in this instance's memory: a fixed
//! window per (form, address). Per-account limits, which must hold across instances, live in the
//! database (`domain::rate_limits`). A dozen lines do this; a crate would add more than it saves.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Login,
    Reset,
    Apply,
}

pub use crate::config::Limits;

pub struct Throttle {
    limits: Limits,
    window: Duration,
    hits: Mutex<HashMap<(Bucket, IpAddr), (Instant, u32)>>,
}

impl Throttle {
    pub fn new(limits: Limits) -> Throttle {
        Throttle {
            limits,
            window: Duration::from_secs(60),
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request; false once the address is over its limit for this window.
    pub fn allow(&self, bucket: Bucket, ip: IpAddr) -> bool {
        let limit = match bucket {
            Bucket::Login => self.limits.login_per_minute,
            Bucket::Reset => self.limits.reset_per_minute,
            Bucket::Apply => self.limits.apply_per_minute,
        };
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return true;
        };
        if hits.len() > 100_000 {
            let window = self.window;
            hits.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = hits.entry((bucket, ip)).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_sign_in_in_a_minute_is_refused() {
        let t = Throttle::new(Limits::default());
        let ip: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..10 {
            assert!(t.allow(Bucket::Login, ip));
        }
        assert!(!t.allow(Bucket::Login, ip));
        assert!(t.allow(Bucket::Reset, ip), "buckets are separate");
        assert!(
            t.allow(Bucket::Login, [10, 0, 0, 1].into()),
            "addresses are separate"
        );
    }
}
