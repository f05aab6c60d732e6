//! Where emails go: SMTP (lettre's pooled async transport, TLS by rustls), `.eml` files, or the log.

use super::outbox::OutboxRow;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    /// Logs the recipient and subject only (never bodies: they carry tokens).
    Log,
}

/// How a send failed decides what happens to the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth retrying later: connection refused, timeouts, 4xx replies.
    Transient(String),
    /// Retrying cannot help: 5xx replies, an address lettre refuses.
    Permanent(String),
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("SMTP_URL is invalid: {0}")]
    SmtpUrl(String),
    #[error("cannot create the outbox folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("OGUG_MAIL_FROM is not a valid mailbox: {0}")]
    From(String),
}

impl Transport {
    /// SMTP when `smtp_url` is set (`log://` selects the log transport), else `.eml` files in
    /// `outbox_dir`.
    pub fn new(
        smtp_url: Option<&str>,
        outbox_dir: &std::path::Path,
    ) -> Result<Transport, TransportError> {
        match smtp_url {
            Some("log://") => Ok(Transport::Log),
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    // The error text can contain the URL's password: do not echo it.
                    .map_err(|_| {
                        TransportError::SmtpUrl(
                            "cannot parse it (scheme, host, tls parameter)".into(),
                        )
                    })?
                    .timeout(Some(Duration::from_secs(30)))
                    .pool_config(PoolConfig::new().max_size(8))
                    .build();
                Ok(Transport::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(outbox_dir)?;
                Ok(Transport::File(AsyncFileTransport::new(outbox_dir)))
            }
        }
    }

    pub async fn send(&self, from: &Mailbox, row: &OutboxRow) -> Result<(), SendError> {
        let message = build_message(from, row)?;
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() || e.is_client() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Transient(e.to_string())
                }
            }),
            Transport::File(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::Transient(e.to_string())),
            Transport::Log => {
                tracing::info!(outbox_id = row.id, to = %row.to_addr, subject = %row.subject, "email (log transport)");
                Ok(())
            }
        }
    }
}

pub fn parse_from(value: &str) -> Result<Mailbox, TransportError> {
    value
        .parse()
        .map_err(|_| TransportError::From(value.to_string()))
}

/// A multipart (text + HTML) message. The Message-ID derives from the idempotency key, so a
/// message delivered twice (an instance died between sending and recording it) carries the same
/// id and receivers can drop the copy.
pub fn build_message(from: &Mailbox, row: &OutboxRow) -> Result<Message, SendError> {
    if !super::header_safe(&row.to_name) || !super::header_safe(&row.subject) {
        return Err(SendError::Permanent("header contains a line break".into()));
    }
    let address = row
        .to_addr
        .parse()
        .map_err(|e| SendError::Permanent(format!("invalid recipient: {e}")))?;
    let name = (!row.to_name.is_empty()).then(|| row.to_name.clone());
    let domain = from.email.domain();
    let digest = crate::crypto::sha256_hex(&row.idempotency_key);
    let mut builder = Message::builder()
        .from(from.clone())
        .to(Mailbox::new(name, address))
        .subject(row.subject.clone())
        .message_id(Some(format!("<{}@{domain}>", &digest[..32])));
    let extras = super::Extras::from_column(&row.extras);
    if let Some(reply_to) = extras.reply_to.as_deref().and_then(|a| a.parse().ok()) {
        builder = builder.reply_to(Mailbox::new(None, reply_to));
    }
    // Announcements: one-click unsubscribe (RFC 8058), which mail clients show as a button.
    if let Some(url) = extras.list_unsubscribe
        && super::header_safe(&url)
    {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_string(),
            ));
    }
    builder
        .multipart(body(row)?)
        .map_err(|e| SendError::Permanent(format!("cannot build message: {e}")))
}

/// text + HTML; with a QR code, the HTML and its inline PNG are `multipart/related`; with an
/// `.ics`, all of it goes in `multipart/mixed` beside the attachment.
fn body(row: &OutboxRow) -> Result<MultiPart, SendError> {
    let alternative =
        MultiPart::alternative_plain_html(row.body_text.clone(), row.body_html.clone());
    let extras = super::Extras::from_column(&row.extras);
    let content = match &extras.qr_link {
        Some(link) => {
            let png = crate::qr::png(link, 6)
                .map_err(|e| SendError::Permanent(format!("cannot draw the QR code: {e}")))?;
            MultiPart::related().multipart(alternative).singlepart(
                Attachment::new_inline("qr".into()).body(png, content_type("image/png")?),
            )
        }
        None => alternative,
    };
    Ok(match &extras.ics {
        Some(ics) => MultiPart::mixed().multipart(content).singlepart(
            Attachment::new("event.ics".into()).body(
                ics.clone(),
                content_type("text/calendar; charset=utf-8; method=PUBLISH")?,
            ),
        ),
        None => content,
    })
}

fn content_type(value: &str) -> Result<ContentType, SendError> {
    ContentType::parse(value).map_err(|e| SendError::Permanent(format!("content type: {e}")))
}
