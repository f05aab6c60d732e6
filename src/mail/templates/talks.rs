//! The emails of the call for speakers.

use super::*;

/// A proposer named this person as co-speaker: confirm by the link.
#[derive(Debug, Clone)]
pub struct TalkInvite {
    pub proposer: String,
    pub chapter: String,
    pub title: String,
    pub link: String,
}
email_parts!(
    TalkInvite,
    TalkInviteText,
    TalkInviteHtml,
    "emails/talk_invite.txt",
    "emails/talk_invite.html"
);

impl TalkInvite {
    pub fn lead(&self, i: Locale) -> String {
        i.tf(
            "email.talk_invite.lead",
            &[("name", &self.proposer), ("chapter", &self.chapter)],
        )
    }

    fn subject(&self, i: Locale) -> String {
        i.tf(
            "email.talk_invite.subject",
            &[("name", &self.proposer), ("title", &self.title)],
        )
    }
}

/// The chapter's decision on a proposal.
#[derive(Debug, Clone)]
pub struct TalkDecision {
    pub name: String,
    pub chapter: String,
    pub title: String,
    /// accepted, declined or waitlisted.
    pub decision: String,
    pub message: String,
    pub link: String,
}
email_parts!(
    TalkDecision,
    TalkDecisionText,
    TalkDecisionHtml,
    "emails/talk_decision.txt",
    "emails/talk_decision.html"
);

impl TalkDecision {
    fn subject(&self, i: Locale) -> String {
        i.tf(
            &format!("email.talk_decision.subject_{}", self.decision),
            &[("chapter", &self.chapter), ("title", &self.title)],
        )
    }

    /// The decision's sentence.
    pub fn lead(&self, i: Locale) -> String {
        i.tf(
            &format!("email.talk_decision.lead_{}", self.decision),
            &[("chapter", &self.chapter), ("title", &self.title)],
        )
    }
}

/// A talk placed in an agenda, to a speaker.
#[derive(Debug, Clone)]
pub struct TalkPlaced {
    pub name: String,
    pub title: String,
    pub event: String,
    pub when: String,
    /// The agenda row's time ("14:00"), when the organizer gave one.
    pub time_label: String,
    pub venue: String,
    pub link: String,
}
email_parts!(
    TalkPlaced,
    TalkPlacedText,
    TalkPlacedHtml,
    "emails/talk_placed.txt",
    "emails/talk_placed.html"
);

impl TalkPlaced {
    fn subject(&self, i: Locale) -> String {
        i.tf(
            "email.talk_placed.subject",
            &[("title", &self.title), ("event", &self.event)],
        )
    }

    pub fn lead(&self, i: Locale) -> String {
        i.tf(
            "email.talk_placed.lead",
            &[("title", &self.title), ("event", &self.event)],
        )
    }
}
