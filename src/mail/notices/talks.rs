//! The emails of the call for speakers: co-speaker invitations and decisions.

use super::Links;
use crate::db::DbConnection;
use crate::domain::chapters::Chapter;
use crate::domain::talks::{Talk, TalkStatus};
use crate::domain::users::{EmailAddress, User};
use crate::i18n::Locale;
use crate::mail::{Email, MailError, enqueue, enqueue_for, templates};

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

/// The decision on a proposal, to its proposer.
pub fn talk_decision(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    talk: &Talk,
    proposer: &User,
    (decision, message): (TalkStatus, &str),
) -> Result<bool, MailError> {
    let render = |l: Locale| {
        templates::TalkDecision {
            name: proposer.display_name.clone(),
            chapter: chapter.name(l).to_string(),
            title: talk.title(l).to_string(),
            decision: decision.as_str().to_string(),
            message: message.to_string(),
            link: links.my_talks(),
        }
        .render(l)
    };
    // A talk takes each decision once at most (waitlisted, then accepted or declined).
    let key = format!("talk-decision:{}:{}", talk.id, decision.as_str());
    enqueue_for(conn, proposer, key, render)
}
