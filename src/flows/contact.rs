//! A visitor writes to a chapter's organizers.

use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::applications;
use crate::domain::chapters::Chapter;
use crate::domain::contact::{self, ValidMessage};
use crate::domain::{Conflict, DomainError};
use crate::mail::notices;

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relayed {
    Sent,
    /// The chapter took all the messages it takes this hour; nothing was relayed.
    ChapterFull,
}

/// Relays the message to every organizer through the outbox (their addresses stay private),
/// at most a few an hour from one sender address and `Site::contact_per_chapter_per_hour` from
/// anyone to one chapter. The first message past the chapter's ceiling tells the organizers,
/// once, that it was reached (committed with the count, so it is never lost or doubled).
pub fn send(
    conn: &mut DbConnection,
    site: &Site,
    _actor: &Actor,
    chapter: &Chapter,
    message: &ValidMessage,
) -> FlowResult<Relayed> {
    write_transaction(conn, |c| {
        if !contact::allowed(c, chapter.id, &message.email)? {
            return Err(DomainError::Conflict(Conflict::ContactLimit).into());
        }
        let ceiling = site.contact_per_chapter_per_hour;
        let count = contact::count_for_chapter(c, chapter.id)?;
        if count > ceiling {
            if count == ceiling + 1 {
                let hour = crate::domain::now().format("%Y%m%d%H").to_string();
                for organizer in applications::organizers(c, chapter.id)? {
                    notices::contact_ceiling(c, chapter, &organizer, ceiling, &hour)?;
                }
            }
            return Ok(Relayed::ChapterFull);
        }
        let key = crate::crypto::random_token()[..16].to_string();
        for organizer in applications::organizers(c, chapter.id)? {
            notices::contact_message(
                c,
                chapter,
                &organizer,
                (&message.name, &message.email, &message.message),
                &key,
            )?;
        }
        Ok(Relayed::Sent)
    })
}
