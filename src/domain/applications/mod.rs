//! Join applications: apply → confirm → review → approve / reject (DESIGN.md flows 1–3).
//!
//! Every transition is a guarded update (`… WHERE status = 'pending'`), so two organizers
//! deciding at once yield one decision, one membership and one email.

mod decide;
mod submit;

pub use decide::*;
pub use submit::*;

use super::memberships::Role;
use super::one_time_tokens::Purpose;
use super::users::User;
use super::{DomainError, DomainResult, now};
use crate::crypto::sha256_hex;
use crate::db::DbConnection;
use crate::db::schema::{applications, memberships as m, tokens, users as u};
use crate::domain::ids::*;
use crate::domain::text::lower;
use crate::i18n::Locale;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: ApplicationId,
    pub chapter_id: ChapterId,
    pub user_id: Option<UserId>,
    pub email: String,
    pub name: String,
    pub organization: String,
    pub job_title: String,
    pub desired_role: Role,
    pub motivation: String,
    pub opengauss_usage: String,
    pub answers: String,
    pub locale: Locale,
    pub status: ApplicationStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub organizers_notified_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// Where it was made.
    pub source: ApplicationSource,
}

impl Application {
    pub fn locale(&self) -> Locale {
        self.locale
    }

    pub fn desired_role(&self) -> Role {
        self.desired_role
    }

    /// The chapter's extra questions with this applicant's answers.
    pub fn answers(&self) -> Vec<(String, String)> {
        serde_json::from_str(&self.answers).unwrap_or_default()
    }

    /// Catalog key of the rejection reason; empty when there is none.
    pub fn reason_key(&self) -> String {
        self.reason.as_deref().map(reason_key).unwrap_or_default()
    }

    pub fn is_open(&self) -> bool {
        matches!(
            self.status,
            ApplicationStatus::Unconfirmed | ApplicationStatus::Pending
        )
    }
}

crate::text_enum! {
    /// Where an application was made: the apply page (signed out, confirmed by email), the
    /// apply page signed in, or a walk-in at an event's door.
    pub enum ApplicationSource {
        Form => "form",
        Door => "door",
        SignedIn => "signed_in",
    }
}

crate::text_enum! {
    /// Where an application stands. Open: unconfirmed (the email is not confirmed yet) and
    /// pending (waiting for an organizer).
    pub enum ApplicationStatus {
        Pending => "pending",
        Unconfirmed => "unconfirmed",
        Approved => "approved",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
}

impl ApplicationStatus {
    /// Catalog key of the status's name.
    pub fn label_key(self) -> String {
        format!("status.{}", self.as_str())
    }
}

/// The review queue's tabs, in order.
pub const STATUSES: &[ApplicationStatus] = ApplicationStatus::ALL;

/// Stock reasons for a rejection; each has a catalog key `reason.<name>`.
pub const STOCK_REASONS: [&str; 4] = ["not_local", "incomplete", "duplicate", "other"];

/// Catalog key of a rejection reason.
pub fn reason_key(reason: &str) -> String {
    format!("reason.{reason}")
}

/// The approval that made `user_id` a member of `chapter_id` (the newest), if any.
pub fn approval_of(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    user_id: UserId,
) -> DomainResult<Option<Application>> {
    Ok(applications::table
        .filter(applications::chapter_id.eq(chapter_id))
        .filter(applications::user_id.eq(user_id))
        .filter(applications::status.eq(ApplicationStatus::Approved))
        .order(applications::decided_at.desc())
        .select(Application::as_select())
        .first(conn)
        .optional()?)
}

/// The names on the pending applications among `ids` of a chapter (a bulk decision's question).
pub fn pending_names(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    ids: &[ApplicationId],
) -> DomainResult<Vec<String>> {
    Ok(applications::table
        .filter(applications::chapter_id.eq(chapter_id))
        .filter(applications::id.eq_any(ids))
        .filter(applications::status.eq(ApplicationStatus::Pending))
        .order(applications::id)
        .select(applications::name)
        .load(conn)?)
}

/// The language of the newest application made with `email`, if any.
pub fn locale_of_email(
    conn: &mut DbConnection,
    email: &crate::domain::users::EmailAddress,
) -> DomainResult<Option<Locale>> {
    Ok(applications::table
        .filter(applications::email.eq(email.as_str()))
        .order(applications::created_at.desc())
        .select(applications::locale)
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: ApplicationId) -> DomainResult<Application> {
    applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// The application a live token of `purpose` points to.
pub fn by_token(conn: &mut DbConnection, raw: &str, purpose: Purpose) -> DomainResult<Application> {
    let id: Option<Option<ApplicationId>> = tokens::table
        .filter(tokens::token_hash.eq(sha256_hex(raw)))
        .filter(tokens::purpose.eq(purpose.as_str()))
        .filter(tokens::expires_at.gt(now()))
        .filter(tokens::used_at.is_null())
        .select(tokens::application_id)
        .first(conn)
        .optional()?;
    match id.flatten() {
        Some(id) => find(conn, id),
        None => Err(DomainError::NotFound),
    }
}

/// Name of whoever decided an application, for "already decided by X".
pub fn decider_name(conn: &mut DbConnection, application: &Application) -> DomainResult<String> {
    match application.decided_by {
        Some(id) => Ok(u::table
            .find(id)
            .select(u::display_name)
            .first(conn)
            .optional()?
            .unwrap_or_default()),
        None => Ok(String::new()),
    }
}

/// A tab of the review queue: how many applications have this status, and the version of
/// that list (it changes whenever an application enters, leaves or changes in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tab {
    pub status: ApplicationStatus,
    pub n: i64,
    pub version: i64,
}

/// The queue's tabs, in `STATUSES` order.
pub fn counts(conn: &mut DbConnection, chapter_id: ChapterId) -> DomainResult<Vec<Tab>> {
    use crate::db::schema::application_counts as counts;
    // Kept by triggers: reading them costs the same for 10 applications or 100,000. At most
    // 8 rows per status, added up here: a typed query is prepared once per connection (a SUM
    // on PostgreSQL is NUMERIC and would need a literal cast, which is parsed every time).
    let rows: Vec<(ApplicationStatus, i64, i64)> = counts::table
        .filter(counts::chapter_id.eq(chapter_id))
        .select((counts::status, counts::n, counts::changes))
        .load(conn)?;
    Ok(STATUSES
        .iter()
        .map(|s| {
            let mine = rows.iter().filter(|(st, ..)| st == s);
            Tab {
                status: *s,
                n: mine.clone().map(|r| r.1).sum(),
                version: mine.map(|r| r.2).sum(),
            }
        })
        .collect())
}

pub const PAGE_SIZE: i64 = 50;

/// A row of the review queue: only what the list shows (whole rows carry the motivation,
/// answers and six timestamps, which SQLite hands over as text to parse).
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = applications)]
pub struct QueueEntry {
    pub id: ApplicationId,
    pub email: String,
    pub name: String,
    pub organization: String,
    pub desired_role: Role,
    pub status: ApplicationStatus,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
}

/// One page of the review queue: oldest first, keyset-paginated on (created_at, id).
pub fn queue(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    status: &str,
    search: Option<&str>,
    after: Option<(NaiveDateTime, i64)>,
) -> DomainResult<Vec<QueueEntry>> {
    let mut query = applications::table
        .filter(applications::chapter_id.eq(chapter_id))
        .filter(applications::status.eq(status.to_string()))
        .order((applications::created_at.asc(), applications::id.asc()))
        .select(QueueEntry::as_select())
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(q) = search.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = crate::domain::text::like_pattern(q);
        query = query.filter(
            lower(applications::email)
                .like(pattern.clone())
                .or(lower(applications::name).like(pattern.clone()))
                .or(lower(applications::organization).like(pattern)),
        );
    }
    if let Some((at, id)) = after {
        query = query.filter(
            applications::created_at
                .gt(at)
                .or(applications::created_at.eq(at).and(applications::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Pending applications whose organizers have not been told yet, by chapter.
pub fn unnotified_pending(conn: &mut DbConnection) -> DomainResult<Vec<Application>> {
    Ok(applications::table
        .filter(applications::status.eq(ApplicationStatus::Pending))
        .filter(applications::organizers_notified_at.is_null())
        .order((applications::chapter_id, applications::created_at))
        .select(Application::as_select())
        .limit(1000)
        .load(conn)?)
}

pub fn mark_notified(conn: &mut DbConnection, ids: &[ApplicationId]) -> DomainResult<()> {
    diesel::update(applications::table.filter(applications::id.eq_any(ids)))
        .set(applications::organizers_notified_at.eq(Some(now())))
        .execute(conn)?;
    Ok(())
}

/// Pending applications older than `age`, for the weekly reminder.
pub fn stale_pending(
    conn: &mut DbConnection,
    age: chrono::TimeDelta,
) -> DomainResult<Vec<Application>> {
    Ok(applications::table
        .filter(applications::status.eq(ApplicationStatus::Pending))
        .filter(applications::created_at.lt(now() - age))
        .order((applications::chapter_id, applications::created_at))
        .select(Application::as_select())
        .limit(1000)
        .load(conn)?)
}

/// Organizers of a chapter (who get the digests).
pub fn organizers(conn: &mut DbConnection, chapter_id: ChapterId) -> DomainResult<Vec<User>> {
    Ok(m::table
        .inner_join(u::table)
        .filter(m::chapter_id.eq(chapter_id))
        .filter(m::role.eq(Role::Organizer.as_str()))
        .filter(u::disabled_at.is_null())
        .select(User::as_select())
        .load(conn)?)
}

/// Per-chapter numbers for the site admin: members, pending applications, oldest pending.
#[derive(Debug, Clone)]
pub struct AdminStats {
    pub chapter_id: ChapterId,
    pub pending: i64,
    pub oldest_pending: Option<chrono::NaiveDateTime>,
}

pub fn admin_stats(conn: &mut DbConnection) -> DomainResult<Vec<AdminStats>> {
    use crate::db::schema::applications;
    let rows: Vec<(ChapterId, i64, Option<chrono::NaiveDateTime>)> = applications::table
        .filter(applications::status.eq(ApplicationStatus::Pending))
        .group_by(applications::chapter_id)
        .select((
            applications::chapter_id,
            diesel::dsl::count_star(),
            diesel::dsl::min(applications::created_at),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(chapter_id, pending, oldest_pending)| AdminStats {
            chapter_id,
            pending,
            oldest_pending,
        })
        .collect())
}
