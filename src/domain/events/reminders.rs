//! Reminders before an event: 24 hours and 2 hours before the start, to people going (and one
//! line to people still on the waitlist). Each RSVP row records when each went out.

use super::*;
use crate::db::schema::rsvps;
use chrono::{NaiveDateTime, TimeDelta};

/// Which reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    Day,
    TwoHours,
}

impl Reminder {
    pub fn lead(self) -> TimeDelta {
        match self {
            Reminder::Day => TimeDelta::hours(24),
            Reminder::TwoHours => TimeDelta::hours(2),
        }
    }

    /// The part of the email's idempotency key.
    pub fn key(self) -> &'static str {
        match self {
            Reminder::Day => "24h",
            Reminder::TwoHours => "2h",
        }
    }
}

/// One reminder to send: the RSVP, its event and person, and whether they are waitlisted.
#[derive(Debug, Clone)]
pub struct DueReminder {
    pub rsvp_id: i64,
    pub event_id: EventId,
    pub user_id: UserId,
    pub status: RsvpStatus,
}

/// Reminders of `kind` due at `at`, at most `limit`: published events starting within the
/// reminder's lead time and not yet started, RSVPs going or waitlisted without that reminder.
/// When the 2-hour one is due the day-before one is no longer sent (an event made late); nobody
/// checked in is reminded, and an RSVP made inside a window counts its reminder as sent
/// (`rsvp::skip_passed_reminders`).
pub fn due_reminders(
    conn: &mut DbConnection,
    kind: Reminder,
    at: NaiveDateTime,
    limit: i64,
) -> DomainResult<Vec<DueReminder>> {
    let mut q = rsvps::table
        .inner_join(events::table)
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::starts_at.gt(at))
        .filter(events::starts_at.le(at + kind.lead()))
        .filter(rsvps::status.eq_any([RsvpStatus::Going, RsvpStatus::Waitlisted]))
        // Someone already checked in (a walk-in) needs no "show this at the door".
        .filter(rsvps::checked_in_at.is_null())
        .into_boxed();
    q = match kind {
        Reminder::Day => q
            .filter(rsvps::reminded_24h_at.is_null())
            .filter(rsvps::reminded_2h_at.is_null())
            .filter(events::starts_at.gt(at + Reminder::TwoHours.lead())),
        Reminder::TwoHours => q.filter(rsvps::reminded_2h_at.is_null()),
    };
    let rows: Vec<(i64, EventId, UserId, RsvpStatus)> = q
        .order(rsvps::id.asc())
        .select((rsvps::id, rsvps::event_id, rsvps::user_id, rsvps::status))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(rsvp_id, event_id, user_id, status)| DueReminder {
            rsvp_id,
            event_id,
            user_id,
            status,
        })
        .collect())
}

/// Records that the reminder went out (in the transaction that queued it).
pub fn mark_reminded(
    conn: &mut DbConnection,
    kind: Reminder,
    ids: &[i64],
    at: NaiveDateTime,
) -> DomainResult<()> {
    let target = rsvps::table.filter(rsvps::id.eq_any(ids));
    match kind {
        Reminder::Day => diesel::update(target)
            .set(rsvps::reminded_24h_at.eq(at))
            .execute(conn)?,
        Reminder::TwoHours => diesel::update(target)
            .set(rsvps::reminded_2h_at.eq(at))
            .execute(conn)?,
    };
    Ok(())
}

/// People to tell about a change of time or place: going or waitlisted, with their answer.
pub fn answered(
    conn: &mut DbConnection,
    event_id: EventId,
) -> DomainResult<Vec<(UserId, RsvpStatus)>> {
    Ok(rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::status.eq_any([RsvpStatus::Going, RsvpStatus::Waitlisted]))
        .order(rsvps::id.asc())
        .select((rsvps::user_id, rsvps::status))
        .load(conn)?)
}
