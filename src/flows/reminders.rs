//! Reminders before events and the "time or place changed" email: queued through the outbox,
//! once per RSVP and kind (each row records its reminder, and the idempotency key holds across
//! instances running the job at the same minute).

use super::{FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, Event, Reminder, RsvpStatus};
use crate::domain::ids::EventId;
use crate::domain::users;
use crate::mail::notices;
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// Reminders queued per transaction: a big event is sent in several short ones.
const BATCH: i64 = 500;

/// Queues every reminder due at `at`; returns how many.
pub fn send_due(conn: &mut DbConnection, site: &Site, at: NaiveDateTime) -> FlowResult<usize> {
    let mut queued = 0;
    for kind in [Reminder::TwoHours, Reminder::Day] {
        loop {
            let (sent, more) = write_transaction(conn, |c| batch(c, site, kind, at))?;
            queued += sent;
            if !more {
                break;
            }
        }
    }
    Ok(queued)
}

fn batch(
    c: &mut DbConnection,
    site: &Site,
    kind: Reminder,
    at: NaiveDateTime,
) -> FlowResult<(usize, bool)> {
    let due = events::due_reminders(c, kind, at, BATCH)?;
    let mut seen: HashMap<EventId, (Event, Chapter)> = HashMap::new();
    let mut sent = 0;
    for row in &due {
        if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(row.event_id) {
            let event = events::find_by_id(c, row.event_id)?;
            let chapter = chapters::find(c, event.chapter_id)?;
            slot.insert((event, chapter));
        }
        let Some((event, chapter)) = seen.get(&row.event_id) else {
            continue;
        };
        let person = users::find(c, row.user_id)?;
        if person.disabled_at.is_some() {
            continue;
        }
        let waitlisted = row.status == RsvpStatus::Waitlisted;
        // RSVPs older than tickets get theirs with the reminder.
        let ticket = match waitlisted {
            true => None,
            false => events::ticket_of(c, event.id, person.id)?,
        };
        if notices::event_reminder(
            c,
            site.links(),
            chapter,
            event,
            &person,
            (kind, waitlisted),
            ticket.as_deref(),
        )? {
            sent += 1;
        }
    }
    let ids: Vec<i64> = due.iter().map(|r| r.rsvp_id).collect();
    events::mark_reminded(c, kind, &ids, at)?;
    Ok((sent, due.len() as i64 == BATCH))
}

/// Did an edit move the event in time or space (what attendees must hear about)?
pub fn moved(before: &Event, after: &Event) -> bool {
    before.starts_at != after.starts_at
        || before.ends_at != after.ends_at
        || before.venue != after.venue
        || before.address != after.address
        || before.online_url != after.online_url
}

/// Tells everyone who answered (going or waitlisted) that the event moved, in the caller's
/// transaction; once per change (the key holds the event's new SEQUENCE).
pub fn tell_moved(
    c: &mut DbConnection,
    site: &Site,
    chapter: &Chapter,
    event: &Event,
) -> FlowResult<()> {
    for (user_id, status) in events::answered(c, event.id)? {
        let person = users::find(c, user_id)?;
        if person.disabled_at.is_some() {
            continue;
        }
        let waitlisted = status == RsvpStatus::Waitlisted;
        notices::event_changed(c, site.links(), chapter, event, &person, waitlisted)?;
    }
    Ok(())
}
