//! Writing to a chapter's organizers from its page: the message is relayed by email (their
//! addresses are never shown), with the sender as `Reply-To`.

use crate::db::DbConnection;
use crate::domain::ids::ChapterId;
use crate::domain::users::{EmailAddress, parse_display_name};
use crate::domain::{DomainResult, FieldErrors, rate_limits, text};

/// Messages one sender address may relay to one chapter in an hour.
pub const PER_SENDER_PER_HOUR: i32 = 3;

/// A message, checked.
#[derive(Debug, Clone)]
pub struct ValidMessage {
    pub name: String,
    pub email: EmailAddress,
    pub message: String,
}

pub fn validate(name: &str, email: &str, message: &str) -> Result<ValidMessage, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = parse_display_name(name).map_err(|e| errors.add("name", e));
    let email = EmailAddress::parse(email).map_err(|e| errors.add("email", e));
    let message = message.trim();
    if let Err(e) = text::check_text(message, 4000, true) {
        errors.add("message", e);
    }
    match (name, email) {
        (Ok(name), Ok(email)) if errors.is_empty() => Ok(ValidMessage {
            name,
            email,
            message: message.to_string(),
        }),
        _ => Err(errors),
    }
}

/// Counts one message to the chapter from anyone; returns how many it had this hour, this one
/// included. Sender addresses are not verified, so this is what bounds a sender who changes
/// theirs with every message.
pub fn count_for_chapter(conn: &mut DbConnection, chapter_id: ChapterId) -> DomainResult<i64> {
    let key = format!("contact-chapter:{chapter_id}");
    Ok(rate_limits::hit(conn, &key, chrono::TimeDelta::hours(1))?.into())
}

/// Counts one message from `sender` to the chapter; false past the hourly cap.
pub fn allowed(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    sender: &EmailAddress,
) -> DomainResult<bool> {
    let key = format!(
        "contact:{chapter_id}:{}",
        crate::crypto::sha256_hex(sender.as_str())
    );
    Ok(rate_limits::hit(conn, &key, chrono::TimeDelta::hours(1))? <= PER_SENDER_PER_HOUR)
}
