//! Decisions: approving (with the membership and, for a new person, an account), rejecting,
//! and undoing either on the day.

use super::*;
use crate::db::DbConnection;
use crate::db::schema::{applications, memberships as m};
use crate::domain::Conflict;
use crate::domain::chapters::Chapter;
use crate::domain::ids::*;
use crate::domain::memberships::{self, Role};
use crate::domain::one_time_tokens::{self, Purpose};
use crate::domain::users::{self, EmailAddress, User, UserProfile};
use crate::domain::{DomainError, DomainResult, FieldErrors, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub enum Decision {
    Approve(Role),
    Reject { reason: String, message: String },
}

/// What an approval did, for its email.
#[derive(Debug, Clone)]
pub struct Approved {
    pub user: User,
    /// Set when the person has no password yet.
    pub activation_token: Option<String>,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub enum Decided {
    Approved(Application, Box<Approved>),
    Rejected(Application),
}

/// Decides a pending application of `chapter_id`. Loses cleanly to a concurrent decision:
/// `Conflict(Conflict::AlreadyDecided)`. The caller owns the transaction and composes the email.
pub fn decide(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    id: ApplicationId,
    decider: &User,
    decision: &Decision,
) -> DomainResult<Decided> {
    let at = now();
    let (status, reason, message, role) = match decision {
        Decision::Approve(role) => ("approved", None, None, Some(*role)),
        Decision::Reject { reason, message } => {
            if !STOCK_REASONS.contains(&reason.as_str()) {
                let mut errors = FieldErrors::default();
                errors.add("reason", "error.invalid_choice");
                return Err(DomainError::Invalid(errors));
            }
            let message = message.trim();
            if message.chars().count() > 2000 {
                let mut errors = FieldErrors::default();
                errors.add("message", "error.too_long");
                return Err(DomainError::Invalid(errors));
            }
            (
                "rejected",
                Some(reason.clone()),
                (!message.is_empty()).then(|| message.to_string()),
                None,
            )
        }
    };
    if matches!(role, Some(Role::Organizer)) {
        // Organizers are appointed, never applied for.
        return Err(DomainError::Forbidden);
    }
    let changed = diesel::update(
        applications::table
            .find(id)
            .filter(applications::chapter_id.eq(chapter_id))
            .filter(applications::status.eq(ApplicationStatus::Pending)),
    )
    .set((
        applications::status.eq(status),
        applications::decided_by.eq(Some(decider.id)),
        applications::decided_at.eq(Some(at)),
        applications::reason.eq(reason),
        applications::message.eq(message),
        applications::updated_at.eq(at),
    ))
    .execute(conn)?;
    let application = find(conn, id)?;
    if application.chapter_id != chapter_id {
        return Err(DomainError::NotFound);
    }
    if changed == 0 {
        return Err(DomainError::Conflict(Conflict::AlreadyDecided));
    }
    let Some(role) = role else {
        return Ok(Decided::Rejected(application));
    };
    let email = EmailAddress::parse(&application.email)
        .map_err(|_| DomainError::Conflict(Conflict::BadEmail))?;
    let user = match users::find_by_email(conn, &email)? {
        Some(user) => user,
        None => users::create(
            conn,
            &UserProfile {
                email: &email,
                display_name: &application.name,
                organization: &application.organization,
                job_title: &application.job_title,
                locale: application.locale(),
                roster_visible: false,
            },
            false,
        )?,
    };
    match memberships::find(conn, chapter_id, user.id)? {
        None => memberships::add(conn, chapter_id, user.id, role)?,
        // Already in (appointed meanwhile): raise the role, never lower it.
        Some(existing) if existing.role() > role => {
            diesel::update(m::table.find(existing.id))
                .set(m::role.eq(role.as_str()))
                .execute(conn)?;
        }
        Some(_) => {}
    }
    diesel::update(applications::table.find(id))
        .set(applications::user_id.eq(Some(user.id)))
        .execute(conn)?;
    let activation_token = match user.password_hash {
        Some(_) => None,
        None => Some(one_time_tokens::issue(
            conn,
            Purpose::Activate,
            Some(user.id),
            None,
        )?),
    };
    Ok(Decided::Approved(
        application,
        Box::new(Approved {
            user,
            activation_token,
            role,
        }),
    ))
}
/// Reverts a decision back to `pending` (the organizer's undo). The caller first removed the
/// decision's unsent email; the membership an approval created goes too.
pub fn undo(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    id: ApplicationId,
) -> DomainResult<Application> {
    let application = find(conn, id)?;
    if application.chapter_id != chapter_id {
        return Err(DomainError::NotFound);
    }
    let Some(decided_at) = application.decided_at else {
        return Err(DomainError::Conflict(Conflict::NotDecided));
    };
    if application.status == ApplicationStatus::Approved
        && let Some(user_id) = application.user_id
    {
        diesel::delete(
            m::table
                .filter(m::chapter_id.eq(chapter_id))
                .filter(m::user_id.eq(user_id))
                .filter(m::joined_at.ge(decided_at)),
        )
        .execute(conn)?;
    }
    let changed = diesel::update(applications::table.find(id).filter(
        applications::status.eq_any([ApplicationStatus::Approved, ApplicationStatus::Rejected]),
    ))
    .set((
        applications::status.eq(ApplicationStatus::Pending),
        applications::decided_by.eq(None::<i64>),
        applications::decided_at.eq(None::<NaiveDateTime>),
        applications::reason.eq(None::<String>),
        applications::message.eq(None::<String>),
        applications::updated_at.eq(now()),
    ))
    .execute(conn)
    // The same email applied again since: only one open application per person and chapter.
    .map_err(|e| crate::domain::unique_violation_as(e, Conflict::Reapplied))?;
    if changed == 0 {
        return Err(DomainError::Conflict(Conflict::NotDecided));
    }
    find(conn, id)
}

/// Whether a decision made at `at` was made today in the chapter's time zone: until the end of
/// that day (and while its email is unsent) it can be undone.
pub fn decided_today(chapter: &Chapter, at: Option<NaiveDateTime>) -> bool {
    use chrono::TimeZone;
    let tz = chapter.tz();
    at.is_some_and(|at| {
        tz.from_utc_datetime(&at).date_naive() == tz.from_utc_datetime(&now()).date_naive()
    })
}
