//! RSVPs: answers, the capacity and the waitlist, attendees.

use super::*;
use crate::db::DbConnection;
use crate::db::schema::{events, rsvps};
use crate::domain::ids::*;
use crate::domain::{DomainResult, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;

crate::text_enum! {
    /// A member's answer to an event.
    pub enum RsvpStatus {
        Going => "going",
        Waitlisted => "waitlisted",
        NotGoing => "not_going",
    }
}

pub fn my_rsvp(
    conn: &mut DbConnection,
    event_id: EventId,
    user_id: UserId,
) -> DomainResult<Option<RsvpStatus>> {
    let s: Option<String> = rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::user_id.eq(user_id))
        .select(rsvps::status)
        .first(conn)
        .optional()?;
    Ok(s.as_deref().and_then(RsvpStatus::parse))
}

/// What the event page asks of the RSVPs on every view: how many are going and, for a
/// signed-in reader, their answer and (unless they are not going) their ticket. One statement
/// with subqueries: on PostgreSQL each round trip was a visible share of the page.
pub fn page_answers(
    conn: &mut DbConnection,
    event_id: EventId,
    user_id: Option<UserId>,
) -> DomainResult<(i64, Option<RsvpStatus>, Option<String>)> {
    let going = rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::status.eq(RsvpStatus::Going))
        .count()
        .single_value();
    let Some(user_id) = user_id else {
        let going: Option<i64> = diesel::select(going).get_result(conn)?;
        return Ok((going.unwrap_or(0), None, None));
    };
    let mine = || {
        rsvps::table
            .filter(rsvps::event_id.eq(event_id))
            .filter(rsvps::user_id.eq(user_id))
    };
    let (going, status, ticket): (Option<i64>, Option<String>, Option<String>) = diesel::select((
        going,
        mine().select(rsvps::status).single_value(),
        mine().select(rsvps::ticket).single_value(),
    ))
    .get_result(conn)?;
    let status = status.as_deref().and_then(RsvpStatus::parse);
    let ticket = ticket.filter(|_| status.is_some_and(|s| s != RsvpStatus::NotGoing));
    Ok((going.unwrap_or(0), status, ticket))
}

pub fn going_count(conn: &mut DbConnection, event_id: EventId) -> DomainResult<i64> {
    Ok(rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::status.eq(RsvpStatus::Going))
        .count()
        .get_result(conn)?)
}

/// Records an RSVP. With a capacity, a "going" past it joins the waitlist; a "not going" that
/// frees a seat promotes the first waiting person, who is returned (to email them). The caller
/// runs it in a write transaction; on PostgreSQL the event row is locked first so concurrent
/// RSVPs never exceed the capacity.
pub fn rsvp(
    conn: &mut DbConnection,
    event: &Event,
    user_id: UserId,
    going: bool,
) -> DomainResult<(RsvpStatus, Option<UserId>)> {
    crate::db::lock_row(conn, "events", event.id.get())?;
    let previous = my_rsvp(conn, event.id, user_id)?;
    let status = if going {
        match (previous, event.capacity) {
            (Some(RsvpStatus::Going), _) => RsvpStatus::Going,
            (Some(RsvpStatus::Waitlisted), _) => RsvpStatus::Waitlisted,
            (_, Some(cap)) if going_count(conn, event.id)? >= i64::from(cap) => {
                RsvpStatus::Waitlisted
            }
            _ => RsvpStatus::Going,
        }
    } else {
        RsvpStatus::NotGoing
    };
    let at = now();
    // A waitlist position dates from the moment one joined the waitlist (not from a first
    // "no"), and is kept while one stays on it.
    let waitlisted_at = match (status, previous) {
        (RsvpStatus::Waitlisted, Some(RsvpStatus::Waitlisted)) => None,
        (RsvpStatus::Waitlisted, _) => Some(Some(at)),
        _ => Some(None),
    };
    let target = rsvps::table
        .filter(rsvps::event_id.eq(event.id))
        .filter(rsvps::user_id.eq(user_id));
    let updated = match waitlisted_at {
        Some(w) => diesel::update(target)
            .set((
                rsvps::status.eq(status.as_str()),
                rsvps::updated_at.eq(at),
                rsvps::waitlisted_at.eq(w),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((rsvps::status.eq(status.as_str()), rsvps::updated_at.eq(at)))
            .execute(conn)?,
    };
    if updated == 0 {
        diesel::insert_into(rsvps::table)
            .values((
                rsvps::event_id.eq(event.id),
                rsvps::user_id.eq(user_id),
                rsvps::status.eq(status.as_str()),
                rsvps::created_at.eq(at),
                rsvps::updated_at.eq(at),
                rsvps::waitlisted_at.eq(waitlisted_at.flatten()),
            ))
            .execute(conn)?;
    }
    skip_passed_reminders(conn, event, user_id, at)?;
    let promoted = if previous == Some(RsvpStatus::Going) && status == RsvpStatus::NotGoing {
        promote_next(conn, event, at)?
    } else {
        None
    };
    Ok((status, promoted))
}

/// Gives a freed seat to the person longest on the waitlist, if the event has a capacity and a
/// seat is free. Returns who was promoted (to email them).
fn promote_next(
    conn: &mut DbConnection,
    event: &Event,
    at: NaiveDateTime,
) -> DomainResult<Option<UserId>> {
    let Some(cap) = event.capacity else {
        return Ok(None);
    };
    if going_count(conn, event.id)? >= i64::from(cap) {
        return Ok(None);
    }
    let first: Option<(i64, UserId)> = rsvps::table
        .filter(rsvps::event_id.eq(event.id))
        .filter(rsvps::status.eq(RsvpStatus::Waitlisted))
        .order((rsvps::waitlisted_at.asc(), rsvps::id.asc()))
        .select((rsvps::id, rsvps::user_id))
        .first(conn)
        .optional()?;
    let Some((rsvp_id, promoted)) = first else {
        return Ok(None);
    };
    diesel::update(rsvps::table.find(rsvp_id))
        .set((
            rsvps::status.eq(RsvpStatus::Going),
            rsvps::updated_at.eq(at),
            rsvps::waitlisted_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(Some(promoted))
}

/// A seat given up by someone leaving: the event, and who took the seat from the waitlist.
pub type Released = (Event, Option<UserId>);

/// Withdraws a person's answers to events not yet ended (in one chapter, or everywhere), as
/// when they leave or are removed or delete their account: their seats go to the waitlist.
/// The caller owns the transaction and emails the promoted people.
pub fn release_upcoming(
    conn: &mut DbConnection,
    user_id: UserId,
    chapter_id: Option<ChapterId>,
) -> DomainResult<Vec<Released>> {
    let mut q = rsvps::table
        .inner_join(events::table)
        .filter(rsvps::user_id.eq(user_id))
        .filter(rsvps::status.ne(RsvpStatus::NotGoing))
        .filter(events::ends_at.gt(now()))
        .select(Event::as_select())
        .order(events::id)
        .into_boxed();
    if let Some(id) = chapter_id {
        q = q.filter(events::chapter_id.eq(id));
    }
    let list: Vec<Event> = q.load(conn)?;
    let mut released = Vec::with_capacity(list.len());
    for event in list {
        let (_, promoted) = rsvp(conn, &event, user_id, false)?;
        released.push((event, promoted));
    }
    Ok(released)
}

/// An attendee: name, email, organization, RSVP status, when they answered, when they were
/// checked in, and where the RSVP came from ("rsvp" or "door").
pub type Attendee = (
    String,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
);

/// Attendees (going and waitlisted), in RSVP order.
pub fn attendees(conn: &mut DbConnection, event_id: EventId) -> DomainResult<Vec<Attendee>> {
    use crate::db::schema::users;
    Ok(rsvps::table
        .inner_join(users::table)
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::status.ne(RsvpStatus::NotGoing))
        .order((rsvps::created_at.asc(), rsvps::id.asc()))
        .select((
            users::display_name,
            users::email,
            users::organization,
            rsvps::status,
            rsvps::created_at,
            rsvps::checked_in_at,
            rsvps::source,
        ))
        .load(conn)?)
}

/// Members of a chapter who want event announcements.
pub fn announcement_recipients(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
) -> DomainResult<Vec<crate::domain::users::User>> {
    use crate::db::schema::{announcement_optouts, memberships, users};
    use crate::domain::users::User;
    // Unsubscribed from this chapter with one click: no "new event" from it either.
    let opted_out = announcement_optouts::table
        .filter(announcement_optouts::chapter_id.eq(chapter_id))
        .select(announcement_optouts::user_id);
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::chapter_id.eq(chapter_id))
        .filter(users::id.ne_all(opted_out))
        .filter(users::event_announcements.eq(true))
        .filter(users::disabled_at.is_null())
        .select(User::as_select())
        .load(conn)?)
}

/// A reminder whose window had already opened when the person answered (an RSVP an hour before
/// the start) would arrive at once and tell them nothing new: it counts as sent.
pub fn skip_passed_reminders(
    conn: &mut DbConnection,
    event: &Event,
    user_id: UserId,
    at: chrono::NaiveDateTime,
) -> DomainResult<()> {
    use super::reminders::Reminder;
    let target = rsvps::table
        .filter(rsvps::event_id.eq(event.id))
        .filter(rsvps::user_id.eq(user_id));
    if event.starts_at - Reminder::Day.lead() <= at {
        diesel::update(target.filter(rsvps::reminded_24h_at.is_null()))
            .set(rsvps::reminded_24h_at.eq(at))
            .execute(conn)?;
    }
    if event.starts_at - Reminder::TwoHours.lead() <= at {
        diesel::update(target.filter(rsvps::reminded_2h_at.is_null()))
            .set(rsvps::reminded_2h_at.eq(at))
            .execute(conn)?;
    }
    Ok(())
}
