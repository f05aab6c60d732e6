//! Rules and queries of the domain: plain functions over a connection, no HTTP types.
//! The caller (a flow) owns the transaction; email and audit rows are the flow's business.

pub mod access;
pub mod accounts;
pub mod announcements;
pub mod applications;
pub mod audit;
pub mod chapters;
pub mod contact;
pub mod dates;
pub mod demo;
pub mod events;
pub mod ids;
pub mod images;
pub mod insights;
pub mod markdown;
pub mod memberships;
pub mod one_time_tokens;
pub mod organizations;
pub mod passwords;
pub mod rate_limits;
pub mod sessions;
pub mod speakers;
pub mod talks;
pub mod text;
pub mod users;
pub mod workload;

use std::collections::BTreeMap;

/// What can go wrong for the user, plus the infrastructure failures that are nobody's fault.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Pool(#[from] diesel::r2d2::PoolError),
}

/// A state that refuses the action: handlers show each in context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    AlreadyDecided,
    AlreadyMember,
    ApplicationOpen,
    BadEmail,
    /// The call for speakers this proposal answers is closed.
    CallClosed,
    /// The chapter sent as many announcements today as it may.
    AnnouncementLimit,
    ChapterArchived,
    /// One sender wrote to a chapter as often as they may this hour.
    ContactLimit,
    /// The door link of an event took its most walk-ins.
    DoorFull,
    EmailTaken,
    LastOrganizer,
    /// An organization that was merged into another (meanwhile, perhaps): it cannot be merged
    /// again, nor be merged into.
    Merged,
    NotDecided,
    NotDraft,
    /// A talk that is no longer a proposal (decided or withdrawn).
    NotProposed,
    /// Only an accepted talk can be placed in an agenda.
    NotAccepted,
    NotOpen,
    NotPublished,
    Reapplied,
    RsvpClosed,
    SlugTaken,
    TooLate,
}

pub type DomainResult<T> = Result<T, DomainError>;

/// Field name → catalog key of the message to show next to it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<&'static str, &'static str>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message_key: &'static str) {
        self.0.entry(field).or_insert(message_key);
    }
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result(self) -> DomainResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self))
        }
    }
}

/// The furthest page of any list a person can ask for: past it, a typed page number would
/// only overflow the offset it multiplies.
pub const LAST_PAGE: i64 = 100_000;

/// A page number from a query string, made safe: 0 when absent or negative, at most
/// `LAST_PAGE`.
pub fn page(asked: Option<i64>) -> i64 {
    asked.unwrap_or(0).clamp(0, LAST_PAGE)
}

/// The current time in UTC, as stored in the database (microsecond precision on both backends).
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// Maps a unique violation to a conflict; other errors pass through.
pub fn unique_violation_as(err: diesel::result::Error, what: Conflict) -> DomainError {
    match err {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => DomainError::Conflict(what),
        other => DomainError::Db(other),
    }
}
