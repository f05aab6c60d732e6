//! What every reader of a chapter sees alike (its roster, event cards and sponsors, its event
//! lists, its calendar feeds, an event's agenda and hosts), built once per change and kept by
//! this instance. Each copy is keyed by the chapter's `content_version`, which database
//! triggers bump on any change to what those pages show, whichever instance or command made
//! it. A page reads the chapter row (one query, with the viewer's role) on every request, as
//! before, and rebuilds its part only when the version it finds is not the one kept; what
//! depends on the clock (an event moving from upcoming to past) carries its own expiry.
//! The review queue's first pages are keyed the same way by their tab's version instead
//! (`application_counts.changes`, read with the tab counts).
//!
//! Unlike the micro-cache (`page_cache`), nothing personal or stale is served: the viewer's
//! name, role, RSVP and ticket, and every count that is not on the chapter row, are read per
//! request.

use crate::domain::DomainResult;
use crate::domain::ids::ChapterId;
use chrono::NaiveDateTime;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A copy never outlives this, so what changes with the clock alone (the sponsors of the last
/// twelve months) is at most this late.
const MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Kept copies at most (a chapter's page, lists, feeds and events); past it the stalest are
/// dropped. Event-list pages are keyed by query, so this also bounds what a crawler can fill.
const MAX_ENTRIES: usize = 4096;

/// The key of what belongs to no one chapter (ids start at 1).
pub const SITE: ChapterId = ChapterId(0);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// The home page's chapters and upcoming events, kept under `SITE` per `site_version`.
    Home,
    ChapterPage,
    /// An event list page: mode filter and page number.
    EventList(Option<String>, i64),
    Feed(&'static str),
    /// An event by its slug.
    Event(String),
    /// The first page of a review queue tab (by status), kept per version of that tab.
    Queue(String),
}

struct Entry {
    version: i64,
    until: NaiveDateTime,
    value: Arc<dyn Any + Send + Sync>,
}

type Key = (ChapterId, Part);

#[derive(Default)]
pub struct Shared {
    /// The operator's view (`/metrics`): copies used, and copies built.
    hits: prometheus_client::metrics::counter::Counter,
    builds: prometheus_client::metrics::counter::Counter,
    entries: Mutex<HashMap<Key, Entry>>,
    /// One build at a time per key: when a copy goes stale under load, one request rebuilds it
    /// and the others wait for it, instead of all 64 rebuilding at once (the p99 of a busy
    /// page was the time of 64 concurrent rebuilds).
    building: Mutex<HashMap<Key, Arc<Mutex<()>>>>,
}

/// What a builder returns: the value and until when it holds regardless of writes.
pub struct Built<T> {
    pub value: T,
    pub until: Option<NaiveDateTime>,
}

impl<T> Built<T> {
    pub fn lasting(value: T) -> Built<T> {
        Built { value, until: None }
    }
}

impl Shared {
    /// A cache counting into the given metrics.
    pub fn counting(
        hits: prometheus_client::metrics::counter::Counter,
        builds: prometheus_client::metrics::counter::Counter,
    ) -> Shared {
        Shared {
            hits,
            builds,
            ..Shared::default()
        }
    }

    /// The kept copy of `part` for this version of the chapter, or a new one from `build`.
    /// Called inside a request's one database hop, so a rebuild uses the same connection.
    pub fn get<T: Any + Send + Sync>(
        &self,
        chapter: ChapterId,
        version: i64,
        part: Part,
        build: impl FnOnce() -> DomainResult<Built<T>>,
    ) -> DomainResult<Arc<T>> {
        let key = (chapter, part);
        if let Some(value) = self.kept(&key, version) {
            self.hits.inc();
            return Ok(value);
        }
        let gate = self
            .building
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        let _building = gate.lock().unwrap_or_else(|p| p.into_inner());
        // Built by the request this one waited for?
        if let Some(value) = self.kept(&key, version) {
            self.hits.inc();
            return Ok(value);
        }
        let built = build()?;
        let now = crate::domain::now();
        self.builds.inc();
        let until = built.until.map_or(now + MAX_AGE, |u| u.min(now + MAX_AGE));
        let value = Arc::new(built.value);
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.until > now);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            // Gates nobody holds go with them (a held one is re-created if needed).
            self.building
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|_, gate| Arc::strong_count(gate) > 1);
        }
        // A slower request must not replace a newer copy with an older one.
        let newer_kept = entries.get(&key).is_some_and(|e| e.version > version);
        if !newer_kept {
            entries.insert(
                key,
                Entry {
                    version,
                    until,
                    value: value.clone(),
                },
            );
        }
        Ok(value)
    }

    /// The kept copy for this version, if it has not expired.
    fn kept<T: Any + Send + Sync>(&self, key: &Key, version: i64) -> Option<Arc<T>> {
        let entries = self.lock();
        let found = entries.get(key)?;
        if found.version != version || found.until <= crate::domain::now() {
            return None;
        }
        Arc::clone(&found.value).downcast::<T>().ok()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        // A panic while holding the lock leaves only a cache behind: keep using it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_that_miss_together_build_once() {
        let shared = Arc::new(Shared::default());
        let builds = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (shared, builds) = (shared.clone(), builds.clone());
                std::thread::spawn(move || {
                    *shared
                        .get(ChapterId(1), 1, Part::ChapterPage, || {
                            builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(50));
                            Ok(Built::lasting(7))
                        })
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), 7);
        }
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn a_new_version_or_an_expired_copy_is_rebuilt() {
        let shared = Shared::default();
        let id = ChapterId(1);
        let build = |n: i64, until: Option<NaiveDateTime>| {
            move || -> DomainResult<Built<i64>> { Ok(Built { value: n, until }) }
        };
        assert_eq!(
            *shared
                .get(id, 1, Part::ChapterPage, build(10, None))
                .unwrap(),
            10
        );
        // Same version: the kept copy, not the builder's.
        assert_eq!(
            *shared
                .get(id, 1, Part::ChapterPage, build(11, None))
                .unwrap(),
            10
        );
        // Another part of the same chapter is its own copy.
        assert_eq!(
            *shared
                .get(id, 1, Part::Feed("ics"), build(12, None))
                .unwrap(),
            12
        );
        // A new version is rebuilt.
        assert_eq!(
            *shared
                .get(id, 2, Part::ChapterPage, build(13, None))
                .unwrap(),
            13
        );
        // A slow request holding the old version gets its own copy but does not replace it.
        assert_eq!(
            *shared
                .get(id, 1, Part::ChapterPage, build(14, None))
                .unwrap(),
            14
        );
        assert_eq!(
            *shared
                .get(id, 2, Part::ChapterPage, build(15, None))
                .unwrap(),
            13
        );
        // A copy whose time has passed is rebuilt even at the same version.
        let past = crate::domain::now() - chrono::TimeDelta::seconds(1);
        assert_eq!(
            *shared
                .get(id, 3, Part::ChapterPage, build(16, Some(past)))
                .unwrap(),
            16
        );
        assert_eq!(
            *shared
                .get(id, 3, Part::ChapterPage, build(17, None))
                .unwrap(),
            17
        );
    }
}
