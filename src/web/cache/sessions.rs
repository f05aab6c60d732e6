//! Signed-in sessions kept in memory, on PostgreSQL: looking the cookie up was one statement and
//! one blocking hop of the two or three a signed-in page costs. A kept session stands in for the
//! lookup only while the lookup would return it unchanged (not expired, `last_seen_at` not due
//! for its once-a-minute refresh), so each session still reaches the database at least once a
//! minute, and idle and absolute timeouts are checked on every request.
//!
//! Forgetting: everything kept is forgotten when
//! - this instance completes a flow (sign-out, password change, profile, any write): at once,
//!   after the commit, so the next request here reads the database;
//! - another instance or a command ends a session or changes a user: triggers send
//!   `NOTIFY ogug_sessions` (migration 000012) and this instance's listener forgets;
//! - the listener loses its connection: nothing is kept until it listens again.
//!
//! On SQLite nothing is kept (the lookup is an in-process read, and commands run beside the
//! server could not tell it).

use crate::domain::sessions::{self, Session};
use crate::domain::users::User;
use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Sessions kept at most; past it everything is forgotten (a miss costs one lookup).
const MAX_ENTRIES: usize = 10_000;

struct Kept {
    session: Session,
    user: User,
    /// The epoch at which the lookup that found it began.
    epoch: u64,
}

#[derive(Default)]
pub struct SessionCache {
    /// Set while this instance hears the other instances' changes.
    live: AtomicBool,
    /// Bumped on every forgetting: a lookup begun before it may not keep what it read.
    epoch: AtomicU64,
    entries: Mutex<HashMap<String, Kept>>,
}

impl SessionCache {
    /// The kept session for this cookie hash, if it may stand in for a lookup at `at`.
    pub fn get(&self, token_hash: &str, at: NaiveDateTime) -> Option<(Session, User)> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let entries = self.entries.lock().ok()?;
        let kept = entries.get(token_hash)?;
        (kept.epoch == epoch && sessions::needs_no_visit(&kept.session, &kept.user, at))
            .then(|| (kept.session.clone(), kept.user.clone()))
    }

    /// Read before a lookup, handed back to `keep`.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Keeps what a lookup begun at `epoch` found, unless something was forgotten since.
    pub fn keep(&self, token_hash: String, epoch: u64, session: Session, user: User) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // Checked under the lock `forget_all` takes after bumping: no stale entry survives it.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            token_hash,
            Kept {
                session,
                user,
                epoch,
            },
        );
    }

    pub fn forget_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// The listener calls this with `true` once it listens, `false` when it lost its connection.
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
        self.forget_all();
    }

    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{SessionId, UserId};

    fn found(at: NaiveDateTime) -> (Session, User) {
        let session = Session {
            id: SessionId(1),
            token_hash: "h".into(),
            user_id: UserId(1),
            csrf_token: "c".into(),
            remember: false,
            created_at: at,
            last_seen_at: at,
            expires_at: at + chrono::TimeDelta::hours(12),
            ip: String::new(),
            user_agent: String::new(),
        };
        let user = User {
            id: UserId(1),
            email: "a@example.org".into(),
            display_name: "A".into(),
            organization: String::new(),
            job_title: String::new(),
            locale: crate::i18n::Locale::ZhCn,
            password_hash: None,
            is_site_admin: false,
            roster_visible: true,
            event_announcements: true,
            failed_logins: 0,
            locked_until: None,
            created_at: at,
            updated_at: at,
            disabled_at: None,
            unsubscribe_key: String::new(),
        };
        (session, user)
    }

    #[test]
    fn a_lookup_begun_before_a_forgetting_is_not_kept() {
        let cache = SessionCache::default();
        cache.set_live(true);
        let at = crate::domain::now();
        let epoch = cache.epoch();
        cache.forget_all();
        let (s, u) = found(at);
        cache.keep("h".into(), epoch, s.clone(), u.clone());
        assert!(cache.get("h", at).is_none());
        cache.keep("h".into(), cache.epoch(), s, u);
        assert!(cache.get("h", at).is_some());
        cache.forget_all();
        assert!(cache.get("h", at).is_none());
    }

    #[test]
    fn nothing_is_kept_while_not_listening_nor_past_the_refresh() {
        let cache = SessionCache::default();
        let at = crate::domain::now();
        let (s, u) = found(at);
        cache.keep("h".into(), cache.epoch(), s.clone(), u.clone());
        assert!(cache.get("h", at).is_none());
        cache.set_live(true);
        cache.keep("h".into(), cache.epoch(), s, u);
        assert!(cache.get("h", at).is_some());
        // A minute on, the lookup would refresh last_seen_at: the database is asked again.
        assert!(cache.get("h", at + chrono::TimeDelta::minutes(1)).is_none());
        cache.set_live(false);
        assert!(cache.get("h", at).is_none());
    }
}
