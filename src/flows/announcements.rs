//! Announcements to an event's attendees or a chapter's members, and opting out of them.

use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::announcements::{self, ValidAnnouncement};
use crate::domain::audit::{AuditAction, Object};
use crate::domain::chapters::Chapter;
use crate::domain::events::Event;
use crate::domain::ids::ChapterId;
use crate::domain::{Conflict, DomainError};
use crate::mail::notices;

/// Sends an announcement through the outbox (one email per recipient, each with its one-click
/// unsubscribe link), within the chapter's daily allowance. Returns how many it went to.
pub fn send(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    event: Option<&Event>,
    valid: &ValidAnnouncement,
) -> FlowResult<usize> {
    let author = actor.user()?.id;
    write_transaction(conn, |c| {
        // Two organizers sending at once on two instances: the cap is counted under a lock.
        crate::db::lock_row(c, "chapters", chapter.id.get()).map_err(DomainError::from)?;
        let cap = match event {
            Some(_) => site.event_announcements_per_day,
            None => site.announcements_per_day,
        };
        if announcements::sent_today(c, chapter.id, event.is_some())? >= cap {
            return Err(DomainError::Conflict(Conflict::AnnouncementLimit).into());
        }
        let event_id = event.map(|e| e.id);
        let people = announcements::recipients(c, chapter.id, event_id, valid.audience)?;
        let key = crate::crypto::random_token()[..16].to_string();
        for person in &people {
            let unsubscribe = announcements::unsubscribe_key(c, person, chapter.id)?;
            notices::announcement(
                c,
                site.links(),
                chapter,
                person,
                (&valid.subject, &valid.body, &valid.body_html),
                (&key, &unsubscribe),
                event,
            )?;
        }
        announcements::record(c, chapter.id, event_id, author, valid, people.len())?;
        let object = match event {
            Some(e) => Object::Event(e.id),
            None => Object::Chapter(chapter.id),
        };
        actor.audit(
            c,
            AuditAction::AnnouncementSent,
            Some(chapter.id),
            object,
            &format!("{} {}", valid.audience, people.len()),
        )?;
        Ok(people.len())
    })
}

/// The one-click link (or its page's button): no more announcements from this chapter.
pub fn unsubscribe(conn: &mut DbConnection, key: &str, slug: &str) -> FlowResult<Chapter> {
    write_transaction(conn, |c| {
        let (user, chapter) = announcements::by_unsubscribe_key(c, key, slug)?;
        announcements::set_opted_out(c, user.id, chapter.id, true)?;
        Ok(chapter)
    })
}

/// A member's choices in their settings: the chapters they want no announcements from.
pub fn set_preferences(
    conn: &mut DbConnection,
    actor: &Actor,
    choices: &[(ChapterId, bool)],
) -> FlowResult<()> {
    let me = actor.user()?.id;
    write_transaction(conn, |c| {
        for (chapter_id, out) in choices {
            announcements::set_opted_out(c, me, *chapter_id, *out)?;
        }
        Ok(())
    })
}
