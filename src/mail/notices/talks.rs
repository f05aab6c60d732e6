//! The emails of the call for speakers: co-speaker invitations and decisions.

use super::Links;
use crate::db::DbConnection;
use crate::domain::chapters::Chapter;
use crate::domain::talks::{Talk, TalkStatus};
use crate::domain::users::{EmailAddress, User};
use crate::i18n::Locale;
use crate::mail::{Email, MailError, enqueue, templates};

impl Links<'_> {
    pub fn talk_invite(&self, token: &str) -> String {
        format!("{}{}", self.0, crate::paths::talk_invite(token))
    }
    pub fn my_talks(&self) -> String {
        format!("{}{}", self.0, crate::paths::my_talks())
    }
}

/// A co-speaker's invitation, in `locale` (theirs if they have an account, else the proposer's).
pub fn talk_invite(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    talk: &Talk,
    proposer: &User,
    (to, token, locale): (&EmailAddress, &str, Locale),
) -> Result<bool, MailError> {
    let content = templates::TalkInvite {
        proposer: proposer.display_name.clone(),
        chapter: chapter.name(locale).to_string(),
        title: talk.title(locale).to_string(),
        link: links.talk_invite(token),
    };
    enqueue(
        conn,
        &Email {
            idempotency_key: format!("talk-invite:{}:{}", talk.id, to.as_str()),
            to: to.clone(),
            to_name: String::new(),
            locale,
            content: content.render(locale)?,
            extras: Default::default(),
        },
    )
}

/// A speaker a talk's news goes to: the proposer or a confirmed co-speaker, with or without an
/// account, in their language.
#[derive(Debug, Clone)]
pub struct SpeakerTo {
    pub email: EmailAddress,
    pub name: String,
    pub locale: Locale,
}

fn to_speaker(
    conn: &mut DbConnection,
    speaker: &SpeakerTo,
    key: String,
    content: crate::mail::Rendered,
) -> Result<bool, MailError> {
    enqueue(
        conn,
        &Email {
            idempotency_key: key,
            to: speaker.email.clone(),
            to_name: speaker.name.clone(),
            locale: speaker.locale,
            content,
            extras: Default::default(),
        },
    )
}

/// The decision on a proposal, to each of its speakers.
pub fn talk_decision(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    talk: &Talk,
    speaker: &SpeakerTo,
    (decision, message): (TalkStatus, &str),
) -> Result<bool, MailError> {
    let l = speaker.locale;
    let content = templates::TalkDecision {
        name: speaker.name.clone(),
        chapter: chapter.name(l).to_string(),
        title: talk.title(l).to_string(),
        decision: decision.as_str().to_string(),
        message: message.to_string(),
        link: links.my_talks(),
    }
    .render(l)?;
    // A talk takes each decision once at most (waitlisted, then accepted or declined).
    let key = format!(
        "talk-decision:{}:{}:{}",
        talk.id,
        decision.as_str(),
        speaker.email.as_str()
    );
    to_speaker(conn, speaker, key, content)
}

/// A talk placed in an event's agenda (or moved), to each of its speakers: when and where.
pub fn talk_placed(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    (talk, event, time_label): (&Talk, &crate::domain::events::Event, &str),
    speaker: &SpeakerTo,
) -> Result<bool, MailError> {
    let l = speaker.locale;
    let content = templates::TalkPlaced {
        name: speaker.name.clone(),
        title: talk.title(l).to_string(),
        event: event.title(l).to_string(),
        when: crate::i18n::time_range(event.starts_at, event.ends_at, chapter.tz(), l),
        time_label: time_label.to_string(),
        venue: event.venue.clone(),
        link: links.event(chapter, event),
    }
    .render(l)?;
    let key = format!(
        "talk-placed:{}:{}:{}:{}",
        talk.id,
        event.id,
        speaker.email.as_str(),
        crate::crypto::sha256_hex(time_label)
    );
    to_speaker(conn, speaker, key, content)
}
