//! Events: drafts, edits, publishing and cancelling (announced by email), deleting drafts,
//! RSVPs and the waitlist.

use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::audit::{AuditAction, Object};
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, Event, EventStatus, Released, RsvpStatus, ValidEvent};
use crate::domain::users;
use crate::domain::{Conflict, now};
use crate::mail::notices::{self, RsvpNews};

fn audit_event(
    c: &mut DbConnection,
    actor: &Actor,
    action: AuditAction,
    event: &Event,
) -> FlowResult<()> {
    actor.audit(
        c,
        action,
        Some(event.chapter_id),
        Object::Event(event.id),
        "",
    )
}

/// Saves a new draft; its creator may edit it.
pub fn create_draft(
    conn: &mut DbConnection,
    actor: &Actor,
    chapter: &Chapter,
    valid: &ValidEvent,
) -> FlowResult<Event> {
    let me = actor.user()?.id;
    write_transaction(conn, |c| {
        let event = events::create_draft(c, chapter.id, me, valid)?;
        audit_event(c, actor, AuditAction::EventCreated, &event)?;
        Ok(event)
    })
}

/// Saves an edit (the calendar SEQUENCE rises). When a published event moves in time or
/// place, everyone who answered gets the change with the updated `.ics`.
pub fn save(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    event: &Event,
    valid: &ValidEvent,
) -> FlowResult<()> {
    actor.user()?;
    write_transaction(conn, |c| {
        events::update(c, event.id, valid)?;
        audit_event(c, actor, AuditAction::EventEdited, event)?;
        let after = events::find_by_id(c, event.id)?;
        if after.status == EventStatus::Published && super::reminders::moved(event, &after) {
            super::reminders::tell_moved(c, site, chapter, &after)?;
        }
        Ok(())
    })
}

/// Announces an event (published, or cancelled with `message`) to members who want it.
fn announce(
    c: &mut DbConnection,
    site: &Site,
    chapter: &Chapter,
    event: &Event,
    message: Option<&str>,
) -> FlowResult<()> {
    for person in events::announcement_recipients(c, chapter.id)? {
        let unsubscribe = crate::domain::announcements::unsubscribe_key(c, &person, chapter.id)?;
        notices::event_announcement(
            c,
            site.links(),
            chapter,
            event,
            &person,
            (message, &unsubscribe),
        )?;
    }
    Ok(())
}

/// Publishes a draft and announces it.
pub fn publish(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    event: &Event,
) -> FlowResult<()> {
    actor.user()?;
    write_transaction(conn, |c| {
        events::publish(c, event.id)?;
        audit_event(c, actor, AuditAction::EventPublished, event)?;
        announce(c, site, chapter, event, None)
    })
}

/// Cancels a published event and tells members why.
pub fn cancel(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    event: &Event,
    message: &str,
) -> FlowResult<()> {
    actor.user()?;
    write_transaction(conn, |c| {
        events::cancel(c, event.id, message)?;
        audit_event(c, actor, AuditAction::EventCancelled, event)?;
        announce(c, site, chapter, event, Some(message))
    })
}

pub fn delete_draft(conn: &mut DbConnection, actor: &Actor, event: &Event) -> FlowResult<()> {
    actor.user()?;
    write_transaction(conn, |c| {
        events::delete_draft(c, event.id)?;
        audit_event(c, actor, AuditAction::EventDraftDeleted, event)
    })
}

/// A member answers "going" or "not going". Past the capacity "going" joins the waitlist; a
/// seat given up goes to the person longest on it. Both are told by email.
pub fn rsvp(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    event: &Event,
    going: bool,
) -> FlowResult<RsvpStatus> {
    let me = actor.user()?;
    // "Not going" is always possible while the event is ahead; "going" only in the window.
    let window = event.registration(now());
    let open = window == events::Registration::Open
        || (!going && event.status == EventStatus::Published && event.ends_at >= now());
    if !open {
        return Err(Conflict::RsvpClosed.into());
    }
    write_transaction(conn, |c| {
        let (status, promoted) = events::rsvp(c, event, me.id, going)?;
        let news = match status {
            RsvpStatus::Going => Some(RsvpNews::Confirmed),
            RsvpStatus::Waitlisted => Some(RsvpNews::Waitlisted),
            RsvpStatus::NotGoing => None,
        };
        if let Some(news) = news {
            let ticket = match status {
                RsvpStatus::Going => events::ticket_of(c, event.id, me.id)?,
                _ => None,
            };
            notices::rsvp(c, site.links(), chapter, event, me, news, ticket.as_deref())?;
        }
        notify_promoted(c, site, &[(event.clone(), promoted)])?;
        Ok(status)
    })
}

/// Emails everyone who took a seat from a waitlist (after a "not going", a removal, a member
/// leaving, an account deleted), in the caller's transaction.
pub fn notify_promoted(c: &mut DbConnection, site: &Site, released: &[Released]) -> FlowResult<()> {
    for (event, promoted) in released {
        let Some(id) = *promoted else { continue };
        let person = users::find(c, id)?;
        let chapter = chapters::find(c, event.chapter_id)?;
        let ticket = events::ticket_of(c, event.id, id)?;
        notices::rsvp(
            c,
            site.links(),
            &chapter,
            event,
            &person,
            RsvpNews::Promoted,
            ticket.as_deref(),
        )?;
    }
    Ok(())
}
