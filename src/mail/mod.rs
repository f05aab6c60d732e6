//! Email delivery through a transactional outbox (DESIGN.md section 6).
//!
//! A state change and its email commit together: `enqueue` inserts an outbox row in the caller's
//! transaction, with the bodies already rendered, so a template change never alters a queued mail
//! and a crash never loses or doubles one. The worker in `ogug serve` claims due rows and sends
//! them; see `worker`.

pub mod caps;
pub mod notices;
pub mod outbox;
pub mod templates;
pub mod transport;
pub mod worker;

use crate::db::DbConnection;
use crate::db::schema::outbox as table;
use crate::domain::users::EmailAddress;
use crate::i18n::Locale;
use diesel::prelude::*;

/// A rendered email: subject, plain text and HTML parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What an email carries besides its bodies, stored as JSON in the outbox row and turned into
/// MIME parts when sent: a QR code of a link (inline PNG, `cid:qr`) and an `.ics` attachment.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Extras {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ics: Option<String>,
    /// A relayed message: replies go to its sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// An announcement's one-click unsubscribe URL (RFC 8058 headers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_unsubscribe: Option<String>,
}

impl Extras {
    pub fn is_empty(&self) -> bool {
        self.qr_link.is_none()
            && self.ics.is_none()
            && self.list_unsubscribe.is_none()
            && self.reply_to.is_none()
    }

    /// The outbox column: empty for a plain email.
    fn to_column(&self) -> String {
        if self.is_empty() {
            String::new()
        } else {
            serde_json::to_string(self).unwrap_or_default()
        }
    }

    /// Reads the column back; an unreadable value sends the email without its extras.
    pub fn from_column(value: &str) -> Extras {
        if value.is_empty() {
            Extras::default()
        } else {
            serde_json::from_str(value).unwrap_or_default()
        }
    }
}

/// One email to queue. The idempotency key names the cause (e.g. `approve:application:42`): a
/// second enqueue with the same key is a no-op.
#[derive(Debug, Clone)]
pub struct Email {
    pub idempotency_key: String,
    pub to: EmailAddress,
    pub to_name: String,
    pub locale: Locale,
    pub content: Rendered,
    pub extras: Extras,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("a header value contains a line break or control character")]
    HeaderInjection,
    #[error(transparent)]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// True when `value` may go into a mail header: no CR, LF or other control characters.
pub fn header_safe(value: &str) -> bool {
    !value.chars().any(char::is_control)
}

#[derive(Insertable)]
#[diesel(table_name = table)]
struct NewOutboxRow<'a> {
    idempotency_key: &'a str,
    to_addr: &'a str,
    to_name: &'a str,
    locale: &'a str,
    subject: &'a str,
    body_text: &'a str,
    body_html: &'a str,
    extras: &'a str,
    status: outbox::OutboxStatus,
    attempts: i32,
    next_attempt_at: chrono::NaiveDateTime,
    created_at: chrono::NaiveDateTime,
}

/// Queues `email` in the caller's transaction. Returns false when the key was already queued.
pub fn enqueue(conn: &mut DbConnection, email: &Email) -> Result<bool, MailError> {
    enqueue_delayed(conn, email, chrono::TimeDelta::zero())
}

/// Like `enqueue`, sent no earlier than `delay` from now (a grace period in which the cause can
/// still be undone, and the email with it).
pub fn enqueue_delayed(
    conn: &mut DbConnection,
    email: &Email,
    delay: chrono::TimeDelta,
) -> Result<bool, MailError> {
    if !header_safe(email.to.as_str()) {
        return Err(MailError::HeaderInjection);
    }
    // Names and subjects carry stored text (a chapter name, an event title): a control character
    // there, in a row older than the validation that now refuses it, becomes a space rather than
    // failing the action or the job that sends the email.
    let to_name = crate::domain::text::one_line(&email.to_name);
    let subject = crate::domain::text::one_line(&email.content.subject);
    let at = crate::domain::now();
    let extras = email.extras.to_column();
    let row = NewOutboxRow {
        idempotency_key: &email.idempotency_key,
        to_addr: email.to.as_str(),
        to_name: &to_name,
        locale: email.locale.code(),
        subject: &subject,
        body_text: &email.content.text,
        body_html: &email.content.html,
        extras: &extras,
        status: outbox::OutboxStatus::Pending,
        attempts: 0,
        next_attempt_at: at + delay,
        created_at: at,
    };
    // ON CONFLICT cannot go through the connection enum: run the same builder on each backend.
    let inserted = match conn {
        DbConnection::Pg(c) => diesel::insert_into(table::table)
            .values(&row)
            .on_conflict(table::idempotency_key)
            .do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_into(table::table)
            .values(&row)
            .on_conflict(table::idempotency_key)
            .do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

/// Removes a queued email that has not been tried yet (an undone decision). True if removed.
pub fn cancel_unsent(conn: &mut DbConnection, idempotency_key: &str) -> Result<bool, MailError> {
    let removed = diesel::delete(
        table::table
            .filter(table::idempotency_key.eq(idempotency_key))
            .filter(table::status.eq(outbox::OutboxStatus::Pending))
            .filter(table::attempts.eq(0)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}

/// Rewrites a queued email that has not been tried yet, keeping its place in the queue (a
/// welcome still in its undo window, after the role it names changed). True if rewritten.
pub fn replace_unsent(
    conn: &mut DbConnection,
    idempotency_key: &str,
    content: &Rendered,
) -> Result<bool, MailError> {
    let subject = crate::domain::text::one_line(&content.subject);
    let changed = diesel::update(
        table::table
            .filter(table::idempotency_key.eq(idempotency_key))
            .filter(table::status.eq(outbox::OutboxStatus::Pending))
            .filter(table::attempts.eq(0)),
    )
    .set((
        table::subject.eq(subject),
        table::body_text.eq(&content.text),
        table::body_html.eq(&content.html),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Queues an email to a user, rendered in their locale.
pub fn enqueue_for(
    conn: &mut DbConnection,
    user: &crate::domain::users::User,
    idempotency_key: String,
    render: impl FnOnce(Locale) -> Result<Rendered, askama::Error>,
) -> Result<bool, MailError> {
    enqueue_with(conn, user, idempotency_key, Extras::default(), render)
}

/// Like `enqueue_for`, with a QR code or an attachment.
pub fn enqueue_with(
    conn: &mut DbConnection,
    user: &crate::domain::users::User,
    idempotency_key: String,
    extras: Extras,
    render: impl FnOnce(Locale) -> Result<Rendered, askama::Error>,
) -> Result<bool, MailError> {
    let locale = user.locale();
    let to = EmailAddress::parse(&user.email).map_err(|_| MailError::HeaderInjection)?;
    enqueue(
        conn,
        &Email {
            idempotency_key,
            to,
            to_name: user.display_name.clone(),
            locale,
            content: render(locale)?,
            extras,
        },
    )
}
