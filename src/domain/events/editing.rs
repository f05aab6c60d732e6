//! The event editor's checks and writes: drafts, edits, publishing, cancelling, deleting.

use super::*;
use crate::db::DbConnection;
use crate::db::schema::{event_agenda_items, event_hosts, events};
use crate::domain::ids::*;
use crate::domain::text::url_ok;
use crate::domain::{Conflict, DomainError, DomainResult, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const MODES: [&str; 3] = ["offline", "online", "hybrid"];
pub const HOST_KINDS: [&str; 3] = ["host", "co-host", "sponsor"];

#[derive(Debug, Clone, Default)]
pub struct AgendaInput {
    pub position: String,
    pub time_label: String,
    pub title: String,
    pub speaker: String,
    /// The speaker's organization (several for several speakers, separated by "、").
    pub affiliation: String,
    /// The speaker's job title, kept apart from the organization.
    pub speaker_title: String,
    pub slides_url: String,
    /// The talk this row is (a talk placed from the call for speakers), as its id.
    pub talk_id: String,
}

/// A host or sponsor row: the organization (linked to the directory by name), its part and,
/// for a sponsor, its level.
#[derive(Debug, Clone, Default)]
pub struct HostInput {
    pub organization: String,
    pub kind: String,
    pub level: String,
}

pub const LEVELS: [&str; 3] = ["gold", "silver", "bronze"];

#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub title_zh: String,
    pub title_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub body: String,
    /// `YYYY-MM-DDTHH:MM` in the chapter's time zone (an `<input type=datetime-local>`).
    pub starts_local: String,
    pub ends_local: String,
    pub mode: String,
    pub venue: String,
    pub address: String,
    pub online_url: String,
    pub capacity: String,
    pub recording_url: String,
    pub photos_url: String,
    pub agenda: Vec<AgendaInput>,
    pub hosts: Vec<HostInput>,
    /// This event's own call for speakers closes then (empty: no call of its own).
    pub cfp_deadline_local: String,
    /// When registration opens and closes, in the chapter's zone ("" for the defaults).
    pub registration_opens_local: String,
    pub registration_closes_local: String,
}

/// A checked event, times in UTC.
#[derive(Debug, Clone)]
pub struct ValidEvent {
    pub input: EventInput,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub capacity: Option<i32>,
    /// Agenda rows in display order.
    pub agenda: Vec<ValidAgendaRow>,
    pub hosts: Vec<HostInput>,
    pub cfp_deadline: Option<NaiveDateTime>,
    pub registration_opens_at: Option<NaiveDateTime>,
    pub registration_closes_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub struct ValidAgendaRow {
    pub time_label: String,
    pub title: String,
    pub speaker: String,
    pub affiliation: String,
    pub speaker_title: String,
    pub slides_url: String,
    pub talk_id: Option<TalkId>,
}

pub use crate::domain::dates::YEARS;

/// A local time in the chapter's zone, as UTC; or the catalog key of what is wrong with it.
fn parse_local(value: &str, tz: chrono_tz::Tz) -> Result<NaiveDateTime, &'static str> {
    use chrono::{Datelike, TimeZone};
    let local = NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%d %H:%M"))
        .map_err(|_| match crate::domain::dates::year_error(value.trim()) {
            // A five-digit year does not parse at all: still say what is wrong with it.
            crate::domain::dates::DateError::OutOfRange => "error.datetime_range",
            crate::domain::dates::DateError::Invalid => "error.datetime_invalid",
        })?;
    if !YEARS.contains(&local.year()) {
        return Err("error.datetime_range");
    }
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
        .ok_or("error.datetime_invalid")
}

pub fn validate(
    input: &EventInput,
    tz: chrono_tz::Tz,
) -> Result<ValidEvent, crate::domain::FieldErrors> {
    use crate::domain::text::{check_line, check_markdown};
    let mut errors = crate::domain::FieldErrors::default();
    for (field, value, max, required) in [
        ("title_zh", &input.title_zh, 200, true),
        ("title_en", &input.title_en, 200, false),
        ("summary_zh", &input.summary_zh, 500, false),
        ("summary_en", &input.summary_en, 500, false),
        ("venue", &input.venue, 200, false),
        ("address", &input.address, 300, false),
    ] {
        if let Err(key) = check_line(value, max, required) {
            errors.add(field, key);
        }
    }
    if let Err(key) = check_markdown(&input.body) {
        errors.add("body", key);
    }
    let starts = parse_local(&input.starts_local, tz)
        .map_err(|key| errors.add("starts_local", key))
        .ok();
    let ends = parse_local(&input.ends_local, tz)
        .map_err(|key| errors.add("ends_local", key))
        .ok();
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        errors.add("ends_local", "error.ends_before_start");
    }
    if !MODES.contains(&input.mode.as_str()) {
        errors.add("mode", "error.invalid_choice");
    }
    for (field, value) in [
        ("online_url", &input.online_url),
        ("recording_url", &input.recording_url),
        ("photos_url", &input.photos_url),
    ] {
        if !url_ok(value) {
            errors.add(field, "error.url_invalid");
        }
    }
    let capacity = match input.capacity.trim() {
        "" => None,
        c => match c.parse::<i32>() {
            Ok(n) if (1..=100_000).contains(&n) => Some(n),
            _ => {
                errors.add("capacity", "error.capacity_invalid");
                None
            }
        },
    };
    let mut agenda: Vec<(i32, usize, &AgendaInput)> = input
        .agenda
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.title.trim().is_empty())
        .map(|(i, a)| {
            (
                a.position.trim().parse::<i32>().unwrap_or(1000 + i as i32),
                i,
                a,
            )
        })
        .collect();
    agenda.sort_by_key(|(p, i, _)| (*p, *i));
    if agenda.len() > 40 {
        errors.add("agenda", "error.too_long");
    }
    if agenda.iter().any(|(_, _, a)| !url_ok(&a.slides_url)) {
        errors.add("agenda", "error.url_invalid");
    }
    if let Some(Err(key)) = agenda
        .iter()
        .flat_map(|(_, _, a)| {
            [
                &a.time_label,
                &a.title,
                &a.speaker,
                &a.affiliation,
                &a.speaker_title,
            ]
        })
        .map(|v| check_line(v, 200, false))
        .find(Result::is_err)
    {
        errors.add("agenda", key);
    }
    if let Some(Err(key)) = input
        .hosts
        .iter()
        .map(|h| check_line(&h.organization, 200, false))
        .find(Result::is_err)
    {
        errors.add("hosts", key);
    }
    let hosts: Vec<HostInput> = input
        .hosts
        .iter()
        .filter(|h| !h.organization.trim().is_empty())
        .map(|h| {
            let kind = if HOST_KINDS.contains(&h.kind.as_str()) {
                h.kind.clone()
            } else {
                "co-host".to_string()
            };
            let level = if kind == "sponsor" && LEVELS.contains(&h.level.as_str()) {
                h.level.clone()
            } else {
                String::new()
            };
            HostInput {
                organization: h.organization.trim().chars().take(200).collect(),
                kind,
                level,
            }
        })
        .collect();
    if agenda
        .iter()
        .any(|(_, _, a)| !a.talk_id.trim().is_empty() && a.talk_id.trim().parse::<i64>().is_err())
    {
        errors.add("agenda", "error.agenda_talk_invalid");
    }
    let when =
        |field: &'static str, value: &str, errors: &mut crate::domain::FieldErrors| match value
            .trim()
        {
            "" => None,
            v => parse_local(v, tz)
                .map_err(|key| errors.add(field, key))
                .ok(),
        };
    let registration_opens_at = when(
        "registration_opens_local",
        &input.registration_opens_local,
        &mut errors,
    );
    let registration_closes_at = when(
        "registration_closes_local",
        &input.registration_closes_local,
        &mut errors,
    );
    if let (Some(o), Some(c)) = (registration_opens_at, registration_closes_at)
        && c <= o
    {
        errors.add("registration_closes_local", "error.registration_window");
    }
    let cfp_deadline = match input.cfp_deadline_local.trim() {
        "" => None,
        v => parse_local(v, tz)
            .map_err(|key| errors.add("cfp_deadline_local", key))
            .ok(),
    };
    match (starts, ends, errors.is_empty()) {
        (Some(starts_at), Some(ends_at), true) => Ok(ValidEvent {
            starts_at,
            ends_at,
            capacity,
            agenda: agenda
                .into_iter()
                .map(|(_, _, a)| {
                    let t = |s: &str, n: usize| s.trim().chars().take(n).collect::<String>();
                    ValidAgendaRow {
                        time_label: t(&a.time_label, 20),
                        title: t(&a.title, 200),
                        speaker: t(&a.speaker, 200),
                        affiliation: t(&a.affiliation, 200),
                        speaker_title: t(&a.speaker_title, 200),
                        slides_url: t(&a.slides_url, 500),
                        talk_id: a.talk_id.trim().parse::<i64>().ok().map(TalkId),
                    }
                })
                .collect(),
            hosts,
            cfp_deadline,
            registration_opens_at,
            registration_closes_at,
            input: input.clone(),
        }),
        _ => Err(errors),
    }
}

fn replace_children(
    conn: &mut DbConnection,
    event_id: EventId,
    valid: &ValidEvent,
) -> DomainResult<()> {
    // Talks named by the agenda must be accepted talks of this event's own chapter.
    let chapter_id: ChapterId = events::table
        .find(event_id)
        .select(events::chapter_id)
        .first(conn)?;
    let talk_ids: Vec<TalkId> = valid.agenda.iter().filter_map(|a| a.talk_id).collect();
    crate::domain::talks::check_agenda_talks(conn, chapter_id, &talk_ids)?;
    diesel::delete(event_agenda_items::table.filter(event_agenda_items::event_id.eq(event_id)))
        .execute(conn)?;
    diesel::delete(event_hosts::table.filter(event_hosts::event_id.eq(event_id))).execute(conn)?;
    for (position, row) in (0i32..).zip(&valid.agenda) {
        // A row with a speaker is a talk: typed in by hand, it becomes a guest talk of the
        // archive (kept in step with the row); a proposed talk stays as it is.
        let talk_id = crate::domain::talks::guest_talk(conn, chapter_id, row)?;
        diesel::insert_into(event_agenda_items::table)
            .values((
                event_agenda_items::event_id.eq(event_id),
                event_agenda_items::position.eq(position),
                event_agenda_items::time_label.eq(&row.time_label),
                event_agenda_items::title.eq(&row.title),
                event_agenda_items::speaker.eq(&row.speaker),
                event_agenda_items::affiliation.eq(&row.affiliation),
                event_agenda_items::speaker_title.eq(&row.speaker_title),
                event_agenda_items::slides_url.eq(&row.slides_url),
                event_agenda_items::talk_id.eq(talk_id),
            ))
            .execute(conn)?;
    }
    for (position, host) in (0i32..).zip(&valid.hosts) {
        let organization_id = crate::domain::organizations::by_name(conn, &host.organization)?;
        diesel::insert_into(event_hosts::table)
            .values((
                event_hosts::event_id.eq(event_id),
                event_hosts::position.eq(position),
                event_hosts::organization.eq(&host.organization),
                event_hosts::kind.eq(&host.kind),
                event_hosts::organization_id.eq(organization_id),
                event_hosts::level.eq(&host.level),
            ))
            .execute(conn)?;
    }
    crate::domain::talks::sync_placements(conn, event_id)?;
    Ok(())
}

/// Creates a draft. The slug is the start date plus a short random part (titles are often
/// Chinese, and a slug must stay stable once printed).
pub fn create_draft(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    creator: UserId,
    valid: &ValidEvent,
) -> DomainResult<Event> {
    let slug = format!(
        "{}-{}",
        valid.starts_at.format("%Y-%m-%d"),
        &crate::crypto::random_token()[..6]
    );
    let i = &valid.input;
    let at = now();
    let event = diesel::insert_into(events::table)
        .values((
            events::chapter_id.eq(chapter_id),
            events::slug.eq(&slug),
            events::title_zh.eq(i.title_zh.trim()),
            events::title_en.eq(i.title_en.trim()),
            events::summary_zh.eq(i.summary_zh.trim()),
            events::summary_en.eq(i.summary_en.trim()),
            events::body.eq(&i.body),
            events::body_html.eq(Some(crate::domain::markdown::render(&i.body))),
            events::starts_at.eq(valid.starts_at),
            events::ends_at.eq(valid.ends_at),
            events::mode.eq(&i.mode),
            events::venue.eq(i.venue.trim()),
            events::address.eq(i.address.trim()),
            events::online_url.eq(i.online_url.trim()),
            events::capacity.eq(valid.capacity),
            events::recording_url.eq(i.recording_url.trim()),
            events::photos_url.eq(i.photos_url.trim()),
            events::cfp_deadline.eq(valid.cfp_deadline),
            events::registration_opens_at.eq(valid.registration_opens_at),
            events::registration_closes_at.eq(valid.registration_closes_at),
            events::status.eq(EventStatus::Draft),
            events::created_by.eq(Some(creator)),
            events::created_at.eq(at),
            events::updated_at.eq(at),
        ))
        .returning(events::all_columns)
        .get_result::<Event>(conn)?;
    replace_children(conn, event.id, valid)?;
    Ok(event)
}

/// Saves an edit; SEQUENCE rises so subscribed calendars take the change.
pub fn update(conn: &mut DbConnection, event_id: EventId, valid: &ValidEvent) -> DomainResult<()> {
    let i = &valid.input;
    diesel::update(events::table.find(event_id))
        .set((
            events::title_zh.eq(i.title_zh.trim()),
            events::title_en.eq(i.title_en.trim()),
            events::summary_zh.eq(i.summary_zh.trim()),
            events::summary_en.eq(i.summary_en.trim()),
            events::body.eq(&i.body),
            events::body_html.eq(Some(crate::domain::markdown::render(&i.body))),
            events::starts_at.eq(valid.starts_at),
            events::ends_at.eq(valid.ends_at),
            events::mode.eq(&i.mode),
            events::venue.eq(i.venue.trim()),
            events::address.eq(i.address.trim()),
            events::online_url.eq(i.online_url.trim()),
            events::capacity.eq(valid.capacity),
            events::recording_url.eq(i.recording_url.trim()),
            events::photos_url.eq(i.photos_url.trim()),
            events::cfp_deadline.eq(valid.cfp_deadline),
            events::registration_opens_at.eq(valid.registration_opens_at),
            events::registration_closes_at.eq(valid.registration_closes_at),
            events::sequence.eq(events::sequence + 1),
            events::updated_at.eq(now()),
        ))
        .execute(conn)?;
    replace_children(conn, event_id, valid)
}

pub fn find_by_id(conn: &mut DbConnection, id: EventId) -> DomainResult<Event> {
    events::table
        .find(id)
        .select(Event::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// Any event of a chapter by slug, drafts included (for its editors).
pub fn find_any(conn: &mut DbConnection, chapter_id: ChapterId, slug: &str) -> DomainResult<Event> {
    events::table
        .filter(events::chapter_id.eq(chapter_id))
        .filter(events::slug.eq(slug))
        .select(Event::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// draft → published.
pub fn publish(conn: &mut DbConnection, id: EventId) -> DomainResult<()> {
    let at = now();
    let n = diesel::update(
        events::table
            .find(id)
            .filter(events::status.eq(EventStatus::Draft)),
    )
    .set((
        events::status.eq(EventStatus::Published),
        events::published_at.eq(Some(at)),
        events::sequence.eq(events::sequence + 1),
        events::updated_at.eq(at),
    ))
    .execute(conn)?;
    if n == 1 {
        crate::domain::talks::sync_placements(conn, id)?;
        Ok(())
    } else {
        Err(DomainError::Conflict(Conflict::NotDraft))
    }
}

/// published → cancelled, with a message for attendees.
pub fn cancel(conn: &mut DbConnection, id: EventId, message: &str) -> DomainResult<()> {
    let n = diesel::update(
        events::table
            .find(id)
            .filter(events::status.eq(EventStatus::Published)),
    )
    .set((
        events::status.eq(EventStatus::Cancelled),
        events::cancel_message.eq(message.trim().chars().take(2000).collect::<String>()),
        events::sequence.eq(events::sequence + 1),
        events::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 1 {
        crate::domain::talks::sync_placements(conn, id)?;
        Ok(())
    } else {
        Err(DomainError::Conflict(Conflict::NotPublished))
    }
}

/// Deletes a draft (published events are cancelled instead, so calendars learn of it).
pub fn delete_draft(conn: &mut DbConnection, id: EventId) -> DomainResult<()> {
    let n = diesel::delete(
        events::table
            .find(id)
            .filter(events::status.eq(EventStatus::Draft)),
    )
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(DomainError::Conflict(Conflict::NotDraft))
    }
}

pub const EVENTS_PAGE: i64 = 20;

/// Events a talk can be placed in: the chapter's events not cancelled, from a month ago on.
pub fn placeable(conn: &mut DbConnection, chapter_id: ChapterId) -> DomainResult<Vec<Event>> {
    Ok(events::table
        .filter(events::chapter_id.eq(chapter_id))
        .filter(events::status.ne(EventStatus::Cancelled))
        .filter(events::starts_at.ge(now() - chrono::TimeDelta::days(30)))
        .order(events::starts_at.asc())
        .select(Event::as_select())
        .limit(100)
        .load(conn)?)
}
