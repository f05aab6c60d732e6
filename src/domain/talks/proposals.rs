//! Proposing a talk, changing or withdrawing it, co-speakers' confirmations and decisions
//! (placing one in an agenda: `agenda`).

use super::{Talk, TalkStatus};
use crate::db::DbConnection;
use crate::db::schema::{chapters, events, talk_speakers, talks};
use crate::domain::chapters::Chapter;
use crate::domain::events::{Event, EventStatus};
use crate::domain::ids::*;
use crate::domain::text::{check_line, check_markdown, url_ok};
use crate::domain::users::{EmailAddress, User};
use crate::domain::{Conflict, DomainError, DomainResult, FieldErrors, now};
use diesel::prelude::*;

/// Co-speakers a proposal may invite.
pub const MAX_CO_SPEAKERS: usize = 3;
/// How long a co-speaker's link works.
pub const INVITE_DAYS: i64 = 30;

#[derive(Debug, Clone, Default)]
pub struct TalkInput {
    pub title_zh: String,
    pub title_en: String,
    pub abstract_md: String,
    pub language: String,
    pub level: String,
    pub duration: String,
    pub tags: Vec<String>,
    /// Co-speakers' addresses, one a line.
    pub co_speakers: String,
    /// The event whose call this answers ("" for the chapter's rolling call).
    pub event: String,
    pub slides_url: String,
    pub recording_url: String,
    /// The proposer's speaker bio, in the page's language (kept in their speaker profile).
    pub bio: String,
}

/// A checked proposal.
#[derive(Debug, Clone)]
pub struct ValidTalk {
    pub input: TalkInput,
    pub duration_min: i32,
    pub tags: String,
    pub co_speakers: Vec<EmailAddress>,
}

pub fn validate(input: &TalkInput, known_tags: &[String]) -> Result<ValidTalk, FieldErrors> {
    let mut errors = FieldErrors::default();
    if input.title_zh.trim().is_empty() && input.title_en.trim().is_empty() {
        errors.add("title_zh", "error.title_one_language");
    }
    for (field, value) in [("title_zh", &input.title_zh), ("title_en", &input.title_en)] {
        if let Err(key) = check_line(value, 200, false) {
            errors.add(field, key);
        }
    }
    if input.bio.chars().count() > 2000 {
        errors.add("bio", "error.too_long");
    }
    if input.abstract_md.trim().is_empty() {
        errors.add("abstract", "error.required");
    } else if let Err(key) = check_markdown(&input.abstract_md) {
        errors.add("abstract", key);
    }
    if !super::LANGUAGES.contains(&input.language.as_str()) {
        errors.add("language", "error.invalid_choice");
    }
    if !super::LEVELS.contains(&input.level.as_str()) {
        errors.add("level", "error.invalid_choice");
    }
    let duration_min = match input.duration.trim().parse::<i32>() {
        Ok(d) if super::DURATIONS.contains(&d) => d,
        _ => {
            errors.add("duration", "error.duration_invalid");
            0
        }
    };
    if input.tags.len() > 5 || input.tags.iter().any(|t| !known_tags.contains(t)) {
        errors.add("tags", "error.invalid_choice");
    }
    let mut co_speakers = Vec::new();
    for line in input.co_speakers.lines().filter(|l| !l.trim().is_empty()) {
        match EmailAddress::parse(line) {
            Ok(email) if !co_speakers.contains(&email) => co_speakers.push(email),
            Ok(_) => {}
            Err(_) => errors.add("co_speakers", "error.co_speakers_invalid"),
        }
    }
    if co_speakers.len() > MAX_CO_SPEAKERS {
        errors.add("co_speakers", "error.co_speakers_too_many");
    }
    for (field, value) in [
        ("slides_url", &input.slides_url),
        ("recording_url", &input.recording_url),
    ] {
        if !url_ok(value) {
            errors.add(field, "error.url_invalid");
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut tags = input.tags.clone();
    tags.sort();
    tags.dedup();
    Ok(ValidTalk {
        input: input.clone(),
        duration_min,
        tags: tags.join(" "),
        co_speakers,
    })
}

/// The calls for speakers open now in a chapter: its rolling call, and events whose own call
/// has not reached its deadline.
#[derive(Debug, Clone)]
pub struct OpenCalls {
    pub rolling: bool,
    pub events: Vec<Event>,
}

impl OpenCalls {
    pub fn any(&self) -> bool {
        self.rolling || !self.events.is_empty()
    }
}

pub fn open_calls(conn: &mut DbConnection, chapter: &Chapter) -> DomainResult<OpenCalls> {
    let events = events::table
        .filter(events::chapter_id.eq(chapter.id))
        .filter(events::cfp_deadline.gt(now()))
        .filter(events::status.ne(EventStatus::Cancelled))
        .order(events::starts_at.asc())
        .select(Event::as_select())
        .load(conn)?;
    Ok(OpenCalls {
        rolling: chapter.cfp_open,
        events,
    })
}

/// Which call a proposal answers; refused when that call is not open.
pub fn call_for(calls: &OpenCalls, event_slug: &str) -> DomainResult<Option<EventId>> {
    if event_slug.is_empty() {
        return if calls.rolling {
            Ok(None)
        } else {
            Err(DomainError::Conflict(Conflict::CallClosed))
        };
    }
    calls
        .events
        .iter()
        .find(|e| e.slug == event_slug)
        .map(|e| Some(e.id))
        .ok_or(DomainError::Conflict(Conflict::CallClosed))
}

/// Opens or closes a chapter's rolling call.
pub fn set_rolling_call(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    open: bool,
) -> DomainResult<()> {
    diesel::update(chapters::table.find(chapter_id))
        .set(chapters::cfp_open.eq(open))
        .execute(conn)?;
    Ok(())
}

/// A co-speaker to invite: their address and the raw link token (only its hash is kept).
pub struct Invite {
    pub email: EmailAddress,
    pub token: String,
}

/// Stores a new proposal with its proposer as first (confirmed) speaker and the co-speakers
/// invited; returns the talk and the invitations to email.
pub fn insert(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    call_event: Option<EventId>,
    proposer: &User,
    affiliation: &str,
    valid: &ValidTalk,
) -> DomainResult<(Talk, Vec<Invite>)> {
    let at = now();
    let i = &valid.input;
    let talk = diesel::insert_into(talks::table)
        .values((
            talks::chapter_id.eq(chapter_id),
            talks::call_event_id.eq(call_event),
            talks::proposer_id.eq(Some(proposer.id)),
            talks::title_zh.eq(i.title_zh.trim()),
            talks::title_en.eq(i.title_en.trim()),
            talks::abstract_md.eq(&i.abstract_md),
            talks::abstract_html.eq(crate::domain::markdown::render(&i.abstract_md)),
            talks::language.eq(&i.language),
            talks::level.eq(&i.level),
            talks::duration_min.eq(valid.duration_min),
            talks::tags.eq(&valid.tags),
            talks::status.eq(TalkStatus::Proposed),
            talks::slides_url.eq(i.slides_url.trim()),
            talks::recording_url.eq(i.recording_url.trim()),
            talks::created_at.eq(at),
            talks::updated_at.eq(at),
        ))
        .returning(talks::all_columns)
        .get_result::<Talk>(conn)?;
    diesel::insert_into(talk_speakers::table)
        .values((
            talk_speakers::talk_id.eq(talk.id),
            talk_speakers::user_id.eq(Some(proposer.id)),
            talk_speakers::email.eq(&proposer.email),
            talk_speakers::name.eq(&proposer.display_name),
            talk_speakers::affiliation.eq(affiliation),
            talk_speakers::position.eq(0),
            talk_speakers::invited_at.eq(at),
            talk_speakers::confirmed_at.eq(Some(at)),
        ))
        .execute(conn)?;
    let invites = invite(conn, talk.id, proposer, &valid.co_speakers)?;
    Ok((talk, invites))
}

/// Invites the addresses not yet on the talk (the proposer's own is skipped).
fn invite(
    conn: &mut DbConnection,
    talk_id: TalkId,
    proposer: &User,
    emails: &[EmailAddress],
) -> DomainResult<Vec<Invite>> {
    let on_talk: Vec<String> = talk_speakers::table
        .filter(talk_speakers::talk_id.eq(talk_id))
        .select(talk_speakers::email)
        .load(conn)?;
    let mut out = Vec::new();
    for (position, email) in (1i32..).zip(emails) {
        if email.as_str() == proposer.email || on_talk.iter().any(|e| e == email.as_str()) {
            continue;
        }
        let token = crate::crypto::random_token();
        diesel::insert_into(talk_speakers::table)
            .values((
                talk_speakers::talk_id.eq(talk_id),
                talk_speakers::email.eq(email.as_str()),
                talk_speakers::name.eq(""),
                talk_speakers::position.eq(position),
                talk_speakers::invite_hash.eq(Some(crate::crypto::sha256_hex(&token))),
                talk_speakers::invited_at.eq(now()),
            ))
            .execute(conn)?;
        out.push(Invite {
            email: email.clone(),
            token,
        });
    }
    Ok(out)
}

/// Changes a proposal while it is undecided (its links, at any time); new co-speakers are
/// invited, removed ones dropped.
pub fn update(
    conn: &mut DbConnection,
    talk: &Talk,
    proposer: &User,
    valid: &ValidTalk,
) -> DomainResult<Vec<Invite>> {
    let i = &valid.input;
    let links = (
        talks::slides_url.eq(i.slides_url.trim()),
        talks::recording_url.eq(i.recording_url.trim()),
        talks::updated_at.eq(now()),
    );
    if !talk.is_open() {
        diesel::update(talks::table.find(talk.id))
            .set(links)
            .execute(conn)?;
        return Ok(Vec::new());
    }
    let n = diesel::update(
        talks::table
            .find(talk.id)
            .filter(talks::status.eq(TalkStatus::Proposed)),
    )
    .set((
        talks::title_zh.eq(i.title_zh.trim()),
        talks::title_en.eq(i.title_en.trim()),
        talks::abstract_md.eq(&i.abstract_md),
        talks::abstract_html.eq(crate::domain::markdown::render(&i.abstract_md)),
        talks::language.eq(&i.language),
        talks::level.eq(&i.level),
        talks::duration_min.eq(valid.duration_min),
        talks::tags.eq(&valid.tags),
        links,
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DomainError::Conflict(Conflict::NotProposed));
    }
    let keep: Vec<&str> = valid.co_speakers.iter().map(EmailAddress::as_str).collect();
    diesel::delete(
        talk_speakers::table
            .filter(talk_speakers::talk_id.eq(talk.id))
            .filter(talk_speakers::position.gt(0))
            .filter(talk_speakers::email.ne_all(&keep)),
    )
    .execute(conn)?;
    invite(conn, talk.id, proposer, &valid.co_speakers)
}

/// The speakers take their proposal back while it is undecided or waitlisted.
pub fn withdraw(conn: &mut DbConnection, talk_id: TalkId) -> DomainResult<()> {
    let n = diesel::update(
        talks::table
            .find(talk_id)
            .filter(talks::status.eq_any([TalkStatus::Proposed, TalkStatus::Waitlisted])),
    )
    .set((
        talks::status.eq(TalkStatus::Withdrawn),
        talks::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(DomainError::Conflict(Conflict::NotProposed))
    }
}

/// The co-speaker row a link points at (404 when unknown or expired).
pub fn invitation(conn: &mut DbConnection, token: &str) -> DomainResult<(super::Speaker, Talk)> {
    let speaker: super::Speaker = talk_speakers::table
        .filter(talk_speakers::invite_hash.eq(crate::crypto::sha256_hex(token)))
        .select(super::Speaker::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)?;
    if speaker.confirmed_at.is_none()
        && speaker.invited_at < now() - chrono::TimeDelta::days(INVITE_DAYS)
    {
        return Err(DomainError::Conflict(Conflict::TooLate));
    }
    let talk = super::find(conn, speaker.talk_id)?;
    Ok((speaker, talk))
}

/// A co-speaker confirms by their link; their account (if the address has one) is linked.
pub fn confirm_invitation(
    conn: &mut DbConnection,
    speaker_id: i64,
    name: &str,
    affiliation: &str,
) -> DomainResult<()> {
    let email: String = talk_speakers::table
        .find(speaker_id)
        .select(talk_speakers::email)
        .first(conn)?;
    let user_id = EmailAddress::parse(&email)
        .ok()
        .map(|e| crate::domain::users::find_by_email(conn, &e))
        .transpose()?
        .flatten()
        .map(|u| u.id);
    diesel::update(
        talk_speakers::table
            .find(speaker_id)
            .filter(talk_speakers::confirmed_at.is_null()),
    )
    .set((
        talk_speakers::name.eq(name.trim()),
        talk_speakers::affiliation.eq(affiliation.trim()),
        talk_speakers::user_id.eq(user_id),
        talk_speakers::confirmed_at.eq(Some(now())),
    ))
    .execute(conn)?;
    Ok(())
}

/// A decision on a proposal (or a waitlisted one): guarded, so two reviewers deciding at once
/// make one decision.
pub fn decide(
    conn: &mut DbConnection,
    talk_id: TalkId,
    decision: TalkStatus,
    by: UserId,
) -> DomainResult<()> {
    if !matches!(
        decision,
        TalkStatus::Accepted | TalkStatus::Declined | TalkStatus::Waitlisted
    ) {
        return Err(DomainError::Conflict(Conflict::NotProposed));
    }
    let at = now();
    let n = diesel::update(
        talks::table
            .find(talk_id)
            .filter(talks::status.eq_any([TalkStatus::Proposed, TalkStatus::Waitlisted]))
            .filter(talks::status.ne(decision)),
    )
    .set((
        talks::status.eq(decision),
        talks::decided_by.eq(Some(by)),
        talks::decided_at.eq(Some(at)),
        talks::updated_at.eq(at),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(DomainError::Conflict(Conflict::AlreadyDecided))
    }
}
