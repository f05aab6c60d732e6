//! A visitor writes to a chapter's organizers.

use super::{Actor, FlowResult};
use crate::db::{DbConnection, write_transaction};
use crate::domain::applications;
use crate::domain::chapters::Chapter;
use crate::domain::contact::{self, ValidMessage};
use crate::domain::{Conflict, DomainError};
use crate::mail::notices;

/// Relays the message to every organizer through the outbox (their addresses stay private),
/// at most a few an hour from one sender address to one chapter.
pub fn send(
    conn: &mut DbConnection,
    _actor: &Actor,
    chapter: &Chapter,
    message: &ValidMessage,
) -> FlowResult<()> {
    write_transaction(conn, |c| {
        if !contact::allowed(c, chapter.id, &message.email)? {
            return Err(DomainError::Conflict(Conflict::ContactLimit).into());
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
        Ok(())
    })
}
