//! Proposing a talk, changing or withdrawing it, co-speakers' confirmations, decisions and
//! placing a talk in an event's agenda.

use super::{Talk, TalkStatus};
use crate::db::DbConnection;
use crate::db::schema::{chapters, event_agenda_items, events, talk_speakers, talks};
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

/// Appends an accepted talk to an event's agenda (an event of the talk's own chapter).
pub fn place(
    conn: &mut DbConnection,
    talk: &Talk,
    event: &Event,
    time_label: &str,
) -> DomainResult<()> {
    if event.chapter_id != talk.chapter_id {
        return Err(DomainError::NotFound);
    }
    if talk.status != TalkStatus::Accepted {
        return Err(DomainError::Conflict(Conflict::NotAccepted));
    }
    if event.status == EventStatus::Cancelled {
        return Err(DomainError::Conflict(Conflict::NotPublished));
    }
    if let Err(key) = check_line(time_label, 20, false) {
        return Err(DomainError::Invalid(FieldErrors(
            [("time_label", key)].into_iter().collect(),
        )));
    }
    let (names, affiliations) = super::speaker_line(&super::speakers(conn, talk.id)?);
    let position: Option<i32> = event_agenda_items::table
        .filter(event_agenda_items::event_id.eq(event.id))
        .select(diesel::dsl::max(event_agenda_items::position))
        .first(conn)?;
    // A talk sits in one agenda: placing it again moves it.
    diesel::delete(event_agenda_items::table.filter(event_agenda_items::talk_id.eq(talk.id)))
        .execute(conn)?;
    diesel::insert_into(event_agenda_items::table)
        .values((
            event_agenda_items::event_id.eq(event.id),
            event_agenda_items::position.eq(position.map_or(0, |p| p + 1)),
            event_agenda_items::time_label.eq(time_label.trim()),
            event_agenda_items::title.eq(if talk.title_zh.is_empty() {
                &talk.title_en
            } else {
                &talk.title_zh
            }),
            event_agenda_items::speaker.eq(&names),
            event_agenda_items::affiliation.eq(&affiliations),
            event_agenda_items::slides_url.eq(&talk.slides_url),
            event_agenda_items::talk_id.eq(Some(talk.id)),
        ))
        .execute(conn)?;
    sync_placements(conn, event.id)?;
    if let Some(previous) = talk.placed_event_id.filter(|p| *p != event.id) {
        sync_placements(conn, previous)?;
    }
    Ok(())
}

/// After an event's agenda or time changed: the talks in its agenda are placed there (given
/// at its start if it is published), and talks no longer in it are not.
pub fn sync_placements(conn: &mut DbConnection, event_id: EventId) -> DomainResult<Vec<TalkId>> {
    let (starts_at, status): (chrono::NaiveDateTime, EventStatus) = events::table
        .find(event_id)
        .select((events::starts_at, events::status))
        .first(conn)?;
    let in_agenda: Vec<TalkId> = event_agenda_items::table
        .filter(event_agenda_items::event_id.eq(event_id))
        .filter(event_agenda_items::talk_id.is_not_null())
        .select(event_agenda_items::talk_id.assume_not_null())
        .load(conn)?;
    let given = (status == EventStatus::Published).then_some(starts_at);
    let dropped: Vec<TalkId> = talks::table
        .filter(talks::placed_event_id.eq(event_id))
        .filter(talks::id.ne_all(&in_agenda))
        .select(talks::id)
        .load(conn)?;
    diesel::update(talks::table.filter(talks::id.eq_any(&dropped)))
        .set((
            talks::placed_event_id.eq(None::<EventId>),
            talks::given_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::update(talks::table.filter(talks::id.eq_any(&in_agenda)))
        .set((
            talks::placed_event_id.eq(Some(event_id)),
            talks::given_at.eq(given),
        ))
        .execute(conn)?;
    let mut touched = dropped;
    touched.extend(in_agenda);
    for id in &touched {
        super::search::reindex(conn, *id)?;
    }
    Ok(touched)
}

/// Talk ids named by an agenda that are accepted talks of this chapter; any other id refuses
/// the agenda (a talk of another chapter cannot be placed here).
pub fn check_agenda_talks(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    ids: &[TalkId],
) -> DomainResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: i64 = talks::table
        .filter(talks::id.eq_any(ids))
        .filter(talks::chapter_id.eq(chapter_id))
        .filter(talks::status.eq(TalkStatus::Accepted))
        .count()
        .get_result(conn)?;
    let mut distinct = ids.to_vec();
    distinct.sort_by_key(|id| id.get());
    distinct.dedup();
    if found == distinct.len() as i64 && distinct.len() == ids.len() {
        Ok(())
    } else {
        Err(DomainError::Invalid(FieldErrors(
            [("agenda", "error.agenda_talk_invalid")]
                .into_iter()
                .collect(),
        )))
    }
}

/// The talk an agenda row stands for. A proposed talk (it has a proposer) is left as it is. A
/// row typed in by hand with a speaker becomes, or keeps in step, a guest talk: its title,
/// slides and speakers follow the row (speakers split on "、", each with the affiliation at
/// the same place, or all of it). A row without a speaker (a break, an opening) is no talk.
pub fn guest_talk(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    row: &crate::domain::events::ValidAgendaRow,
) -> DomainResult<Option<TalkId>> {
    let existing = match row.talk_id {
        Some(id) => Some(super::find(conn, id)?),
        None => None,
    };
    if existing.as_ref().is_some_and(|t| t.proposer_id.is_some()) {
        return Ok(row.talk_id);
    }
    if row.speaker.trim().is_empty() {
        return Ok(None);
    }
    let chinese = !row.title.is_ascii();
    let (title_zh, title_en) = if chinese {
        (row.title.as_str(), "")
    } else {
        ("", row.title.as_str())
    };
    let at = now();
    let id = match existing {
        Some(talk) => {
            diesel::update(talks::table.find(talk.id))
                .set((
                    talks::title_zh.eq(title_zh),
                    talks::title_en.eq(title_en),
                    talks::slides_url.eq(&row.slides_url),
                    talks::updated_at.eq(at),
                ))
                .execute(conn)?;
            diesel::delete(talk_speakers::table.filter(talk_speakers::talk_id.eq(talk.id)))
                .execute(conn)?;
            talk.id
        }
        None => diesel::insert_into(talks::table)
            .values((
                talks::chapter_id.eq(chapter_id),
                talks::title_zh.eq(title_zh),
                talks::title_en.eq(title_en),
                talks::abstract_md.eq(""),
                talks::abstract_html.eq(""),
                talks::language.eq(if chinese { "zh" } else { "en" }),
                talks::level.eq("intermediate"),
                talks::duration_min.eq(30),
                talks::status.eq(TalkStatus::Accepted),
                talks::slides_url.eq(&row.slides_url),
                talks::created_at.eq(at),
                talks::updated_at.eq(at),
            ))
            .returning(talks::id)
            .get_result(conn)?,
    };
    add_speakers(conn, id, &row.speaker, &row.affiliation)?;
    Ok(Some(id))
}

/// Confirmed speakers typed in by hand: names split on "、", each with the affiliation at the
/// same place when there are as many, else all of it.
pub fn add_speakers(
    conn: &mut DbConnection,
    talk_id: TalkId,
    speaker: &str,
    affiliation: &str,
) -> DomainResult<()> {
    let at = now();
    let names: Vec<&str> = speaker
        .split('、')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let places: Vec<&str> = affiliation.split('、').map(str::trim).collect();
    for (position, name) in (0i32..).zip(&names) {
        let place = match places.get(position as usize) {
            Some(p) if places.len() == names.len() => p,
            _ => affiliation,
        };
        diesel::insert_into(talk_speakers::table)
            .values((
                talk_speakers::talk_id.eq(talk_id),
                talk_speakers::email.eq(""),
                talk_speakers::name.eq(*name),
                talk_speakers::affiliation.eq(place),
                talk_speakers::position.eq(position),
                talk_speakers::invited_at.eq(at),
                talk_speakers::confirmed_at.eq(Some(at)),
            ))
            .execute(conn)?;
    }
    Ok(())
}
