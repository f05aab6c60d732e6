//! What this instance keeps between requests, and what makes it forget. Every kept part is
//! keyed by a version the database bumps itself (triggers, in both dialects), so a change made
//! by any instance or command is seen at the next read; flows also forget at once, after their
//! commit, what this instance kept.
//!
//! | kept part | where | keyed by | bumped by triggers on |
//! |---|---|---|---|
//! | a chapter's page, event lists, feeds, an event's agenda and hosts | `shared` | `chapters.content_version` | chapters, memberships, users, events, event_hosts, event_agenda_items, organizations (migration 000010; member counts 000002) |
//! | the home page | `shared` (`Part::Home`) | `chapters::site_version` (sum of the above) | as above |
//! | a review queue tab's first page | `shared` (`Part::Queue`) | `application_counts.changes` | applications (000011, 000013) |
//! | signed-in sessions (PostgreSQL only) | `sessions` | `NOTIFY ogug_sessions` | sessions, users (000012) |
//! | anonymous public pages, 1–2 s | `pages` | time; `NOTIFY ogug_pages` after a flow | (no trigger: cleared by flows, bounded by its TTL) |
//!
//! [`BUMPED_BY`] is the same table for machines: the test `kept_parts_have_their_triggers`
//! checks that every table and operation it names has a trigger in the migrated database, on
//! each backend the suite runs on.

pub mod listener;
pub mod pages;
pub mod sessions;
pub mod shared;

/// What a kept part is keyed by and the (table, operation) whose triggers bump that key.
pub struct Kept {
    pub part: &'static str,
    pub key: &'static str,
    pub bumped_by: &'static [(&'static str, &'static [&'static str])],
    /// Kept on SQLite too (the sessions are kept on PostgreSQL only).
    pub on_sqlite: bool,
}

const ALL: &[&str] = &["INSERT", "UPDATE", "DELETE"];

pub const BUMPED_BY: &[Kept] = &[
    Kept {
        part: "shared: chapter pages, event lists, feeds, events, home",
        key: "the column chapters.content_version",
        bumped_by: &[
            ("chapters", &["UPDATE"]),
            ("memberships", ALL),
            ("users", &["UPDATE"]),
            ("events", ALL),
            ("event_hosts", ALL),
            ("event_agenda_items", ALL),
            ("organizations", &["UPDATE", "DELETE"]),
        ],
        on_sqlite: true,
    },
    Kept {
        part: "shared: review queue tabs",
        key: "the column application_counts.changes",
        bumped_by: &[("applications", ALL)],
        on_sqlite: true,
    },
    Kept {
        part: "sessions",
        key: "NOTIFY ogug_sessions",
        bumped_by: &[
            ("sessions", &["UPDATE", "DELETE"]),
            ("users", &["UPDATE", "DELETE"]),
        ],
        on_sqlite: false,
    },
];
