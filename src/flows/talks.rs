//! The call for speakers: proposing, changing and withdrawing talks, co-speakers confirming,
//! reviews, decisions and placing talks in agendas.

use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::access::{self, Permission, Viewer};
use crate::domain::audit::{AuditAction, Object};
use crate::domain::chapters::Chapter;
use crate::domain::events::Event;
use crate::domain::ids::*;
use crate::domain::talks::{self, Invite, Talk, TalkStatus, ValidTalk, reviews};
use crate::domain::{DomainError, speakers, users};
use crate::mail::notices::{self, SpeakerTo};

fn send_invites(
    c: &mut DbConnection,
    site: &Site,
    chapter: &Chapter,
    talk: &Talk,
    proposer: &users::User,
    invites: &[Invite],
) -> FlowResult<()> {
    for invite in invites {
        // Their account's language, else the one they applied to a chapter in, else the
        // proposer's.
        let locale = match users::find_by_email(c, &invite.email)? {
            Some(u) => u.locale(),
            None => crate::domain::applications::locale_of_email(c, &invite.email)?
                .unwrap_or(proposer.locale()),
        };
        notices::talk_invite(
            c,
            site.links(),
            chapter,
            talk,
            proposer,
            (&invite.email, &invite.token, locale),
        )?;
    }
    Ok(())
}

/// A signed-in person proposes a talk to one of the chapter's open calls.
pub fn propose(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    valid: &ValidTalk,
    locale: crate::i18n::Locale,
) -> FlowResult<Talk> {
    let proposer = actor.user()?.clone();
    write_transaction(conn, |c| {
        if !valid.input.bio.trim().is_empty() {
            speakers::set_bio(c, proposer.id, locale, &valid.input.bio)?;
        }
        let calls = talks::open_calls(c, chapter)?;
        let call_event = talks::call_for(&calls, &valid.input.event)?;
        let affiliation = speakers::find(c, proposer.id)?
            .map(|p| p.affiliation)
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| proposer.organization.clone());
        let (talk, invites) =
            talks::insert(c, chapter.id, call_event, &proposer, &affiliation, valid)?;
        send_invites(c, site, chapter, &talk, &proposer, &invites)?;
        actor.audit(
            c,
            AuditAction::TalkProposed,
            Some(chapter.id),
            Object::Talk(talk.id),
            "",
        )?;
        Ok(talk)
    })
}

/// Its speakers change a proposal (all of it while undecided; its links at any time).
pub fn edit(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    talk_id: TalkId,
    valid: &ValidTalk,
) -> FlowResult<()> {
    let me = actor.user()?.clone();
    write_transaction(conn, |c| {
        let talk = talks::find_in(c, chapter.id, talk_id)?;
        if !access::may_change_talk(talks::is_speaker(c, &talk, me.id)?) {
            return Err(DomainError::Forbidden.into());
        }
        let invites = talks::update(c, &talk, &me, valid)?;
        send_invites(c, site, chapter, &talk, &me, &invites)?;
        if talk.placed_event_id.is_some() {
            talks::search::reindex(c, talk.id)?;
        }
        actor.audit(
            c,
            AuditAction::TalkEdited,
            Some(chapter.id),
            Object::Talk(talk.id),
            "",
        )
    })
}

/// Its speakers take a proposal back.
pub fn withdraw(
    conn: &mut DbConnection,
    actor: &Actor,
    chapter: &Chapter,
    talk_id: TalkId,
) -> FlowResult<()> {
    let me = actor.user()?.id;
    write_transaction(conn, |c| {
        let talk = talks::find_in(c, chapter.id, talk_id)?;
        if !access::may_change_talk(talks::is_speaker(c, &talk, me)?) {
            return Err(DomainError::Forbidden.into());
        }
        talks::withdraw(c, talk.id)?;
        actor.audit(
            c,
            AuditAction::TalkWithdrawn,
            Some(chapter.id),
            Object::Talk(talk.id),
            "",
        )
    })
}

/// A co-speaker confirms by the link in their email.
pub fn confirm_co_speaker(
    conn: &mut DbConnection,
    actor: &Actor,
    token: &str,
    name: &str,
    affiliation: &str,
) -> FlowResult<Talk> {
    write_transaction(conn, |c| {
        let (speaker, talk) = talks::invitation(c, token)?;
        talks::confirm_invitation(c, speaker.id, name, affiliation)?;
        if talk.placed_event_id.is_some() {
            talks::search::reindex(c, talk.id)?;
        }
        actor.audit(
            c,
            AuditAction::CoSpeakerConfirmed,
            Some(talk.chapter_id),
            Object::Talk(talk.id),
            "",
        )?;
        Ok(talk)
    })
}

/// An organizer or ambassador rates a proposal (their private review; one per reviewer).
pub fn review(
    conn: &mut DbConnection,
    actor: &Actor,
    chapter: &Chapter,
    talk_id: TalkId,
    (rating, comment): (i32, &str),
) -> FlowResult<()> {
    let me = actor.user()?.id;
    write_transaction(conn, |c| {
        let talk = talks::find_in(c, chapter.id, talk_id)?;
        reviews::save(c, talk.id, me, rating, comment)?;
        actor.audit(
            c,
            AuditAction::TalkReviewed,
            Some(chapter.id),
            Object::Talk(talk.id),
            &rating.to_string(),
        )
    })
}

/// Accept, decline or waitlist a proposal; its proposer is told in their language.
pub fn decide(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    talk_id: TalkId,
    (decision, message): (TalkStatus, &str),
) -> FlowResult<()> {
    let me = actor.user()?.id;
    write_transaction(conn, |c| {
        let talk = talks::find_in(c, chapter.id, talk_id)?;
        talks::decide(c, talk.id, decision, me)?;
        for speaker in speakers_of(c, &talk)? {
            notices::talk_decision(
                c,
                site.links(),
                chapter,
                &talk,
                &speaker,
                (decision, message),
            )?;
        }
        actor.audit(
            c,
            AuditAction::TalkDecided,
            Some(chapter.id),
            Object::Talk(talk.id),
            decision.as_str(),
        )
    })
}

/// Everyone a talk's news goes to: its proposer and the co-speakers who confirmed, once each,
/// in their language (their account's, else the one they applied in, else the proposer's).
fn speakers_of(c: &mut DbConnection, talk: &Talk) -> FlowResult<Vec<SpeakerTo>> {
    let proposer = match talk.proposer_id {
        Some(id) => Some(users::find(c, id)?),
        None => None,
    };
    let fallback = proposer
        .as_ref()
        .map_or(crate::i18n::Locale::ZhCn, |p| p.locale());
    let mut out: Vec<SpeakerTo> = Vec::new();
    if let Some(p) = &proposer
        && let Ok(email) = users::EmailAddress::parse(&p.email)
    {
        out.push(SpeakerTo {
            email,
            name: p.display_name.clone(),
            locale: p.locale(),
        });
    }
    for s in talks::speakers(c, talk.id)? {
        let Ok(email) = users::EmailAddress::parse(&s.email) else {
            continue;
        };
        if s.confirmed_at.is_none() || out.iter().any(|o| o.email == email) {
            continue;
        }
        let locale = match users::find_by_email(c, &email)? {
            Some(u) => u.locale(),
            None => crate::domain::applications::locale_of_email(c, &email)?.unwrap_or(fallback),
        };
        out.push(SpeakerTo {
            email,
            name: s.name.clone(),
            locale,
        });
    }
    Ok(out)
}

/// An accepted talk goes into the agenda of one of the chapter's events; its speakers are told
/// when and where.
pub fn place(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    talk_id: TalkId,
    event: &Event,
    time_label: &str,
) -> FlowResult<()> {
    write_transaction(conn, |c| {
        let talk = talks::find_in(c, chapter.id, talk_id)?;
        talks::place(c, &talk, event, time_label)?;
        for speaker in speakers_of(c, &talk)? {
            notices::talk_placed(
                c,
                site.links(),
                chapter,
                (&talk, event, time_label),
                &speaker,
            )?;
        }
        actor.audit(
            c,
            AuditAction::TalkPlaced,
            Some(chapter.id),
            Object::Talk(talk.id),
            &event.slug,
        )
    })
}

/// Opens or closes the chapter's rolling call.
pub fn set_call(
    conn: &mut DbConnection,
    actor: &Actor,
    chapter: &Chapter,
    open: bool,
) -> FlowResult<()> {
    write_transaction(conn, |c| {
        talks::set_rolling_call(c, chapter.id, open)?;
        actor.audit(
            c,
            AuditAction::CallChanged,
            Some(chapter.id),
            Object::Chapter(chapter.id),
            if open { "open" } else { "closed" },
        )
    })
}

/// A site admin replaces the site's talk tags.
pub fn save_tags(conn: &mut DbConnection, actor: &Actor, lines: &str) -> FlowResult<usize> {
    let me = actor.user()?;
    if !access::may(Viewer::of(Some(me), None), Permission::SiteAdmin) {
        return Err(DomainError::Forbidden.into());
    }
    let id = me.id;
    write_transaction(conn, |c| {
        let n = talks::save_tags(c, lines)?;
        actor.audit(
            c,
            AuditAction::TagsEdited,
            None,
            Object::User(id),
            &n.to_string(),
        )?;
        Ok(n)
    })
}
