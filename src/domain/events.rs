//! Events of a chapter: meetups with an agenda and hosts.

use super::{DomainError, DomainResult, now};
use crate::db::DbConnection;
use crate::db::schema::{chapters, event_agenda_items, event_hosts, events, rsvps};
use crate::domain::Conflict;
use crate::domain::chapters::ChapterStatus;
use crate::i18n::Locale;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: i64,
    pub chapter_id: i64,
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub body: String,
    pub starts_at: chrono::NaiveDateTime,
    pub ends_at: chrono::NaiveDateTime,
    pub mode: EventMode,
    pub venue: String,
    pub address: String,
    pub online_url: String,
    pub capacity: Option<i32>,
    pub status: EventStatus,
    pub cancel_message: String,
    pub recording_url: String,
    pub photos_url: String,
    pub sequence: i32,
    pub created_by: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
    /// The body rendered when saved (None for rows not rendered yet).
    pub body_html: Option<String>,
}

impl Event {
    /// English falls back to Chinese, which is required.
    pub fn title(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.title_en.trim().is_empty() => &self.title_en,
            _ => &self.title_zh,
        }
    }

    pub fn summary(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.summary_en.trim().is_empty() => &self.summary_en,
            _ => &self.summary_zh,
        }
    }

    /// The body as sanitized HTML: stored at save time, rendered here only for an older row.
    pub fn body_html(&self) -> std::borrow::Cow<'_, str> {
        match &self.body_html {
            Some(html) => html.as_str().into(),
            None => super::markdown::render(&self.body).into(),
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == EventStatus::Cancelled
    }

    /// Catalog key of the mode's label (线下 / 线上 / 线上+线下).
    pub fn mode_key(&self) -> &'static str {
        match self.mode {
            EventMode::Online => "mode.online",
            EventMode::Hybrid => "mode.hybrid",
            EventMode::Offline => "mode.offline",
        }
    }
}

crate::text_enum! {
    /// A draft is seen by its editors only; published and cancelled events are public.
    pub enum EventStatus {
        Draft => "draft",
        Published => "published",
        Cancelled => "cancelled",
    }
}

crate::text_enum! {
    /// Where an event happens.
    pub enum EventMode {
        Offline => "offline",
        Online => "online",
        Hybrid => "hybrid",
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = event_agenda_items)]
pub struct AgendaItem {
    pub id: i64,
    pub event_id: i64,
    pub position: i32,
    pub time_label: String,
    pub title: String,
    pub speaker: String,
    pub affiliation: String,
    pub slides_url: String,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = event_hosts)]
pub struct Host {
    pub id: i64,
    pub event_id: i64,
    pub position: i32,
    pub organization: String,
    pub kind: String,
}

impl Host {
    pub fn kind_key(&self) -> &'static str {
        match self.kind.as_str() {
            "host" => "host.host",
            "sponsor" => "host.sponsor",
            _ => "host.co_host",
        }
    }
}

/// Published and cancelled events are public; drafts are not.
const PUBLIC_STATUSES: [EventStatus; 2] = [EventStatus::Published, EventStatus::Cancelled];

/// Upcoming (soonest first) and past (latest first) public events of a chapter.
pub fn public_for_chapter(
    conn: &mut DbConnection,
    chapter_id: i64,
    limit: i64,
) -> DomainResult<(Vec<Event>, Vec<Event>)> {
    let at = now();
    let base = || {
        events::table
            .filter(events::chapter_id.eq(chapter_id))
            .filter(events::status.eq_any(PUBLIC_STATUSES))
            .select(Event::as_select())
            .limit(limit)
    };
    let upcoming = base()
        .filter(events::ends_at.ge(at))
        .order((events::starts_at.asc(), events::id.asc()))
        .load(conn)?;
    let past = past_by_status(
        0,
        limit,
        |e| e,
        |status| {
            events::table
                .filter(events::chapter_id.eq(chapter_id))
                .filter(events::status.eq(status))
                .filter(events::ends_at.lt(at))
                .order((events::starts_at.desc(), events::id.desc()))
                .select(Event::as_select())
                .limit(limit)
                .load(conn)
        },
    )?;
    Ok((upcoming, past))
}

/// Past events, latest first, from one ordered index walk per public status (`load` gets the
/// status and returns its first `skip + take` rows), merged here. With both statuses in one
/// `IN` list, or `= ANY($1)`, neither database reads the `(…, status, starts_at, id)` index in
/// order: both sort every past event instead (a chapter with 2 k past events: 7 ms → 0.1 ms).
fn past_by_status<T>(
    skip: i64,
    take: i64,
    event: impl Fn(&T) -> &Event,
    mut load: impl FnMut(EventStatus) -> QueryResult<Vec<T>>,
) -> DomainResult<Vec<T>> {
    let mut rows = Vec::new();
    for status in PUBLIC_STATUSES {
        rows.extend(load(status)?);
    }
    rows.sort_by(|a, b| {
        let (a, b) = (event(a), event(b));
        (b.starts_at, b.id).cmp(&(a.starts_at, a.id))
    });
    Ok(rows
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(0))
        .take(usize::try_from(take).unwrap_or(0))
        .collect())
}

/// A public event by its chapter's slug and its own; drafts answer not found.
pub fn find_public(conn: &mut DbConnection, chapter_id: i64, slug: &str) -> DomainResult<Event> {
    events::table
        .filter(events::chapter_id.eq(chapter_id))
        .filter(events::slug.eq(slug))
        .filter(events::status.eq_any(PUBLIC_STATUSES))
        .select(Event::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

pub fn agenda(conn: &mut DbConnection, event_id: i64) -> DomainResult<Vec<AgendaItem>> {
    Ok(event_agenda_items::table
        .filter(event_agenda_items::event_id.eq(event_id))
        .order((
            event_agenda_items::position.asc(),
            event_agenda_items::id.asc(),
        ))
        .select(AgendaItem::as_select())
        .load(conn)?)
}

pub fn hosts(conn: &mut DbConnection, event_id: i64) -> DomainResult<Vec<Host>> {
    Ok(event_hosts::table
        .filter(event_hosts::event_id.eq(event_id))
        .order((event_hosts::position.asc(), event_hosts::id.asc()))
        .select(Host::as_select())
        .load(conn)?)
}

/// Archived chapters (few): their events are left out by id. Filtering on the joined chapter's
/// status instead leads SQLite's planner to walk every chapter's events (100 k past events:
/// 165 ms for the home page); by id it reads only the events that have not ended (< 1 ms).
fn archived_chapter_ids(conn: &mut DbConnection) -> DomainResult<Vec<i64>> {
    Ok(chapters::table
        .filter(chapters::status.ne(ChapterStatus::Active))
        .select(chapters::id)
        .load(conn)?)
}

/// Upcoming public events across active chapters, with their chapter slug, for the home page.
pub fn upcoming_everywhere(
    conn: &mut DbConnection,
    limit: i64,
) -> DomainResult<Vec<(Event, String, String)>> {
    let archived = archived_chapter_ids(conn)?;
    Ok(events::table
        .inner_join(chapters::table)
        .filter(events::status.eq_any(PUBLIC_STATUSES))
        .filter(events::ends_at.ge(now()))
        .filter(events::chapter_id.ne_all(archived))
        .order((events::starts_at.asc(), events::id.asc()))
        .select((Event::as_select(), chapters::slug, chapters::time_zone))
        .limit(limit)
        .load(conn)?)
}

/// What a new event is made of (used by the demo loader now, by the event editor later).
#[derive(Debug, Clone)]
pub struct NewEventData<'a> {
    pub chapter_id: i64,
    pub slug: &'a str,
    pub title_zh: &'a str,
    pub title_en: &'a str,
    pub summary_zh: &'a str,
    pub summary_en: &'a str,
    pub body: &'a str,
    pub starts_at: chrono::NaiveDateTime,
    pub ends_at: chrono::NaiveDateTime,
    pub mode: &'a str,
    pub venue: &'a str,
    pub address: &'a str,
    pub recording_url: &'a str,
    pub photos_url: &'a str,
    pub status: EventStatus,
    pub created_by: Option<i64>,
}

/// Inserts an event with its agenda `(time, title, speaker, affiliation)` and hosts
/// `(organization, kind)`. The caller owns the transaction.
pub fn insert(
    conn: &mut DbConnection,
    data: &NewEventData<'_>,
    agenda: &[(&str, &str, &str, &str)],
    hosts: &[(&str, &str)],
) -> DomainResult<i64> {
    let at = now();
    let published_at = (data.status != EventStatus::Draft).then_some(at);
    let id: i64 = diesel::insert_into(events::table)
        .values((
            events::chapter_id.eq(data.chapter_id),
            events::slug.eq(data.slug),
            events::title_zh.eq(data.title_zh),
            events::title_en.eq(data.title_en),
            events::summary_zh.eq(data.summary_zh),
            events::summary_en.eq(data.summary_en),
            events::body.eq(data.body),
            events::body_html.eq(Some(super::markdown::render(data.body))),
            events::starts_at.eq(data.starts_at),
            events::ends_at.eq(data.ends_at),
            events::mode.eq(data.mode),
            events::venue.eq(data.venue),
            events::address.eq(data.address),
            events::recording_url.eq(data.recording_url),
            events::photos_url.eq(data.photos_url),
            events::status.eq(data.status),
            events::created_by.eq(data.created_by),
            events::created_at.eq(at),
            events::updated_at.eq(at),
            events::published_at.eq(published_at),
        ))
        .returning(events::id)
        .get_result(conn)
        .map_err(|e| super::unique_violation_as(e, super::Conflict::SlugTaken))?;
    for (position, (time_label, title, speaker, affiliation)) in (0i32..).zip(agenda) {
        diesel::insert_into(event_agenda_items::table)
            .values((
                event_agenda_items::event_id.eq(id),
                event_agenda_items::position.eq(position),
                event_agenda_items::time_label.eq(*time_label),
                event_agenda_items::title.eq(*title),
                event_agenda_items::speaker.eq(*speaker),
                event_agenda_items::affiliation.eq(*affiliation),
            ))
            .execute(conn)?;
    }
    for (position, (organization, kind)) in (0i32..).zip(hosts) {
        diesel::insert_into(event_hosts::table)
            .values((
                event_hosts::event_id.eq(id),
                event_hosts::position.eq(position),
                event_hosts::organization.eq(*organization),
                event_hosts::kind.eq(*kind),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Editing

pub const MODES: [&str; 3] = ["offline", "online", "hybrid"];
pub const HOST_KINDS: [&str; 3] = ["host", "co-host", "sponsor"];

#[derive(Debug, Clone, Default)]
pub struct AgendaInput {
    pub position: String,
    pub time_label: String,
    pub title: String,
    pub speaker: String,
    pub affiliation: String,
    pub slides_url: String,
}

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
    pub hosts: Vec<(String, String)>,
}

/// A checked event, times in UTC.
#[derive(Debug, Clone)]
pub struct ValidEvent {
    pub input: EventInput,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub capacity: Option<i32>,
    /// (time, title, speaker, affiliation, slides) in display order.
    pub agenda: Vec<(String, String, String, String, String)>,
    pub hosts: Vec<(String, String)>,
}

/// Years an event may fall in: iCalendar, feeds and every client handle them.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A local time in the chapter's zone, as UTC; or the catalog key of what is wrong with it.
fn parse_local(value: &str, tz: chrono_tz::Tz) -> Result<NaiveDateTime, &'static str> {
    use chrono::{Datelike, TimeZone};
    let local = NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            // A five-digit year does not parse at all: still say what is wrong with it.
            match value.trim().split('-').next().map(str::parse::<i64>) {
                Some(Ok(year)) if !YEARS.contains(&i32::try_from(year).unwrap_or(0)) => {
                    "error.datetime_range"
                }
                _ => "error.datetime_invalid",
            }
        })?;
    if !YEARS.contains(&local.year()) {
        return Err("error.datetime_range");
    }
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
        .ok_or("error.datetime_invalid")
}

fn url_ok(v: &str) -> bool {
    let v = v.trim();
    v.is_empty()
        || ((v.starts_with("https://") || v.starts_with("http://"))
            && v.len() <= 500
            && !v.contains(char::is_whitespace))
}

pub fn validate(input: &EventInput, tz: chrono_tz::Tz) -> Result<ValidEvent, super::FieldErrors> {
    use super::text::{check_line, check_markdown};
    let mut errors = super::FieldErrors::default();
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
        .flat_map(|(_, _, a)| [&a.time_label, &a.title, &a.speaker, &a.affiliation])
        .map(|v| check_line(v, 200, false))
        .find(Result::is_err)
    {
        errors.add("agenda", key);
    }
    if let Some(Err(key)) = input
        .hosts
        .iter()
        .map(|(org, _)| check_line(org, 200, false))
        .find(Result::is_err)
    {
        errors.add("hosts", key);
    }
    let hosts: Vec<(String, String)> = input
        .hosts
        .iter()
        .filter(|(org, _)| !org.trim().is_empty())
        .map(|(org, kind)| {
            let kind = if HOST_KINDS.contains(&kind.as_str()) {
                kind.clone()
            } else {
                "co-host".to_string()
            };
            (org.trim().chars().take(200).collect(), kind)
        })
        .collect();
    match (starts, ends, errors.is_empty()) {
        (Some(starts_at), Some(ends_at), true) => Ok(ValidEvent {
            starts_at,
            ends_at,
            capacity,
            agenda: agenda
                .into_iter()
                .map(|(_, _, a)| {
                    let t = |s: &str, n: usize| s.trim().chars().take(n).collect::<String>();
                    (
                        t(&a.time_label, 20),
                        t(&a.title, 200),
                        t(&a.speaker, 200),
                        t(&a.affiliation, 200),
                        t(&a.slides_url, 500),
                    )
                })
                .collect(),
            hosts,
            input: input.clone(),
        }),
        _ => Err(errors),
    }
}

fn replace_children(
    conn: &mut DbConnection,
    event_id: i64,
    valid: &ValidEvent,
) -> DomainResult<()> {
    diesel::delete(event_agenda_items::table.filter(event_agenda_items::event_id.eq(event_id)))
        .execute(conn)?;
    diesel::delete(event_hosts::table.filter(event_hosts::event_id.eq(event_id))).execute(conn)?;
    for (position, (time_label, title, speaker, affiliation, slides)) in (0i32..).zip(&valid.agenda)
    {
        diesel::insert_into(event_agenda_items::table)
            .values((
                event_agenda_items::event_id.eq(event_id),
                event_agenda_items::position.eq(position),
                event_agenda_items::time_label.eq(time_label),
                event_agenda_items::title.eq(title),
                event_agenda_items::speaker.eq(speaker),
                event_agenda_items::affiliation.eq(affiliation),
                event_agenda_items::slides_url.eq(slides),
            ))
            .execute(conn)?;
    }
    for (position, (organization, kind)) in (0i32..).zip(&valid.hosts) {
        diesel::insert_into(event_hosts::table)
            .values((
                event_hosts::event_id.eq(event_id),
                event_hosts::position.eq(position),
                event_hosts::organization.eq(organization),
                event_hosts::kind.eq(kind),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates a draft. The slug is the start date plus a short random part (titles are often
/// Chinese, and a slug must stay stable once printed).
pub fn create_draft(
    conn: &mut DbConnection,
    chapter_id: i64,
    creator: i64,
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
            events::body_html.eq(Some(super::markdown::render(&i.body))),
            events::starts_at.eq(valid.starts_at),
            events::ends_at.eq(valid.ends_at),
            events::mode.eq(&i.mode),
            events::venue.eq(i.venue.trim()),
            events::address.eq(i.address.trim()),
            events::online_url.eq(i.online_url.trim()),
            events::capacity.eq(valid.capacity),
            events::recording_url.eq(i.recording_url.trim()),
            events::photos_url.eq(i.photos_url.trim()),
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
pub fn update(conn: &mut DbConnection, event_id: i64, valid: &ValidEvent) -> DomainResult<()> {
    let i = &valid.input;
    diesel::update(events::table.find(event_id))
        .set((
            events::title_zh.eq(i.title_zh.trim()),
            events::title_en.eq(i.title_en.trim()),
            events::summary_zh.eq(i.summary_zh.trim()),
            events::summary_en.eq(i.summary_en.trim()),
            events::body.eq(&i.body),
            events::body_html.eq(Some(super::markdown::render(&i.body))),
            events::starts_at.eq(valid.starts_at),
            events::ends_at.eq(valid.ends_at),
            events::mode.eq(&i.mode),
            events::venue.eq(i.venue.trim()),
            events::address.eq(i.address.trim()),
            events::online_url.eq(i.online_url.trim()),
            events::capacity.eq(valid.capacity),
            events::recording_url.eq(i.recording_url.trim()),
            events::photos_url.eq(i.photos_url.trim()),
            events::sequence.eq(events::sequence + 1),
            events::updated_at.eq(now()),
        ))
        .execute(conn)?;
    replace_children(conn, event_id, valid)
}

/// Any event of a chapter by slug, drafts included (for its editors).
pub fn find_any(conn: &mut DbConnection, chapter_id: i64, slug: &str) -> DomainResult<Event> {
    events::table
        .filter(events::chapter_id.eq(chapter_id))
        .filter(events::slug.eq(slug))
        .select(Event::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// draft → published.
pub fn publish(conn: &mut DbConnection, id: i64) -> DomainResult<()> {
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
        Ok(())
    } else {
        Err(DomainError::Conflict(Conflict::NotDraft))
    }
}

/// published → cancelled, with a message for attendees.
pub fn cancel(conn: &mut DbConnection, id: i64, message: &str) -> DomainResult<()> {
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
        Ok(())
    } else {
        Err(DomainError::Conflict(Conflict::NotPublished))
    }
}

/// Deletes a draft (published events are cancelled instead, so calendars learn of it).
pub fn delete_draft(conn: &mut DbConnection, id: i64) -> DomainResult<()> {
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

/// Public events for lists and feeds: upcoming (soonest first) or past (latest first), optional
/// chapter and mode filters, with their chapter's slug, names and time zone.
pub fn list_public(
    conn: &mut DbConnection,
    chapter_id: Option<i64>,
    mode: Option<&str>,
    upcoming: bool,
    skip: i64,
    limit: i64,
) -> DomainResult<Vec<(Event, crate::domain::chapters::Chapter)>> {
    use crate::domain::chapters::Chapter;
    let at = now();
    let archived = archived_chapter_ids(conn)?;
    let skip = skip.max(0);
    let query = || {
        let mut q = events::table
            .inner_join(chapters::table)
            .filter(events::chapter_id.ne_all(archived.clone()))
            .select((Event::as_select(), Chapter::as_select()))
            .into_boxed();
        if let Some(id) = chapter_id {
            q = q.filter(events::chapter_id.eq(id));
        }
        if let Some(m) = mode.filter(|m| MODES.contains(m)) {
            q = q.filter(events::mode.eq(m.to_string()));
        }
        q
    };
    if upcoming {
        return Ok(query()
            .filter(events::status.eq_any(PUBLIC_STATUSES))
            .filter(events::ends_at.ge(at))
            .order((events::starts_at.asc(), events::id.asc()))
            .offset(skip)
            .limit(limit)
            .load(conn)?);
    }
    past_by_status(
        skip,
        limit,
        |(e, _)| e,
        |status| {
            query()
                .filter(events::status.eq(status))
                .filter(events::ends_at.lt(at))
                .order((events::starts_at.desc(), events::id.desc()))
                .limit(skip + limit)
                .load::<(Event, Chapter)>(conn)
        },
    )
}

/// Feed entries: the latest changed public events.
pub fn for_feed(
    conn: &mut DbConnection,
    chapter_id: Option<i64>,
    limit: i64,
) -> DomainResult<Vec<(Event, crate::domain::chapters::Chapter)>> {
    use crate::domain::chapters::Chapter;
    let mut q = events::table
        .inner_join(chapters::table)
        .filter(events::status.eq_any(PUBLIC_STATUSES))
        .filter(chapters::status.eq(ChapterStatus::Active))
        .select((Event::as_select(), Chapter::as_select()))
        .order((events::starts_at.desc(), events::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(id) = chapter_id {
        q = q.filter(events::chapter_id.eq(id));
    }
    Ok(q.load(conn)?)
}

// ---------------------------------------------------------------------------------------------
// RSVPs

crate::text_enum! {
    /// A member's answer to an event.
    pub enum RsvpStatus {
        Going => "going",
        Waitlisted => "waitlisted",
        NotGoing => "not_going",
    }
}

pub fn my_rsvp(
    conn: &mut DbConnection,
    event_id: i64,
    user_id: i64,
) -> DomainResult<Option<RsvpStatus>> {
    let s: Option<String> = rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::user_id.eq(user_id))
        .select(rsvps::status)
        .first(conn)
        .optional()?;
    Ok(s.as_deref().and_then(RsvpStatus::parse))
}

pub fn going_count(conn: &mut DbConnection, event_id: i64) -> DomainResult<i64> {
    Ok(rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::status.eq(RsvpStatus::Going))
        .count()
        .get_result(conn)?)
}

/// Records an RSVP. With a capacity, a "going" past it joins the waitlist; a "not going" that
/// frees a seat promotes the first waiting person, who is returned (to email them). The caller
/// runs it in a write transaction; on PostgreSQL the event row is locked first so concurrent
/// RSVPs never exceed the capacity.
pub fn rsvp(
    conn: &mut DbConnection,
    event: &Event,
    user_id: i64,
    going: bool,
) -> DomainResult<(RsvpStatus, Option<i64>)> {
    if let DbConnection::Pg(_) = conn {
        diesel::sql_query("SELECT id FROM events WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(event.id)
            .execute(conn)?;
    }
    let previous = my_rsvp(conn, event.id, user_id)?;
    let status = if going {
        match (previous, event.capacity) {
            (Some(RsvpStatus::Going), _) => RsvpStatus::Going,
            (Some(RsvpStatus::Waitlisted), _) => RsvpStatus::Waitlisted,
            (_, Some(cap)) if going_count(conn, event.id)? >= i64::from(cap) => {
                RsvpStatus::Waitlisted
            }
            _ => RsvpStatus::Going,
        }
    } else {
        RsvpStatus::NotGoing
    };
    let at = now();
    // A waitlist position dates from the moment one joined the waitlist (not from a first
    // "no"), and is kept while one stays on it.
    let waitlisted_at = match (status, previous) {
        (RsvpStatus::Waitlisted, Some(RsvpStatus::Waitlisted)) => None,
        (RsvpStatus::Waitlisted, _) => Some(Some(at)),
        _ => Some(None),
    };
    let target = rsvps::table
        .filter(rsvps::event_id.eq(event.id))
        .filter(rsvps::user_id.eq(user_id));
    let updated = match waitlisted_at {
        Some(w) => diesel::update(target)
            .set((
                rsvps::status.eq(status.as_str()),
                rsvps::updated_at.eq(at),
                rsvps::waitlisted_at.eq(w),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((rsvps::status.eq(status.as_str()), rsvps::updated_at.eq(at)))
            .execute(conn)?,
    };
    if updated == 0 {
        diesel::insert_into(rsvps::table)
            .values((
                rsvps::event_id.eq(event.id),
                rsvps::user_id.eq(user_id),
                rsvps::status.eq(status.as_str()),
                rsvps::created_at.eq(at),
                rsvps::updated_at.eq(at),
                rsvps::waitlisted_at.eq(waitlisted_at.flatten()),
            ))
            .execute(conn)?;
    }
    let promoted = if previous == Some(RsvpStatus::Going) && status == RsvpStatus::NotGoing {
        promote_next(conn, event, at)?
    } else {
        None
    };
    Ok((status, promoted))
}

/// Gives a freed seat to the person longest on the waitlist, if the event has a capacity and a
/// seat is free. Returns who was promoted (to email them).
fn promote_next(
    conn: &mut DbConnection,
    event: &Event,
    at: NaiveDateTime,
) -> DomainResult<Option<i64>> {
    let Some(cap) = event.capacity else {
        return Ok(None);
    };
    if going_count(conn, event.id)? >= i64::from(cap) {
        return Ok(None);
    }
    let first: Option<(i64, i64)> = rsvps::table
        .filter(rsvps::event_id.eq(event.id))
        .filter(rsvps::status.eq(RsvpStatus::Waitlisted))
        .order((rsvps::waitlisted_at.asc(), rsvps::id.asc()))
        .select((rsvps::id, rsvps::user_id))
        .first(conn)
        .optional()?;
    let Some((rsvp_id, promoted)) = first else {
        return Ok(None);
    };
    diesel::update(rsvps::table.find(rsvp_id))
        .set((
            rsvps::status.eq(RsvpStatus::Going),
            rsvps::updated_at.eq(at),
            rsvps::waitlisted_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(Some(promoted))
}

/// A seat given up by someone leaving: the event, and who took the seat from the waitlist.
pub type Released = (Event, Option<i64>);

/// Withdraws a person's answers to events not yet ended (in one chapter, or everywhere), as
/// when they leave or are removed or delete their account: their seats go to the waitlist.
/// The caller owns the transaction and emails the promoted people.
pub fn release_upcoming(
    conn: &mut DbConnection,
    user_id: i64,
    chapter_id: Option<i64>,
) -> DomainResult<Vec<Released>> {
    let mut q = rsvps::table
        .inner_join(events::table)
        .filter(rsvps::user_id.eq(user_id))
        .filter(rsvps::status.ne(RsvpStatus::NotGoing))
        .filter(events::ends_at.gt(now()))
        .select(Event::as_select())
        .order(events::id)
        .into_boxed();
    if let Some(id) = chapter_id {
        q = q.filter(events::chapter_id.eq(id));
    }
    let list: Vec<Event> = q.load(conn)?;
    let mut released = Vec::with_capacity(list.len());
    for event in list {
        let (_, promoted) = rsvp(conn, &event, user_id, false)?;
        released.push((event, promoted));
    }
    Ok(released)
}

/// An attendee: name, email, organization, RSVP status, when they answered.
pub type Attendee = (String, String, String, String, NaiveDateTime);

/// Attendees (going and waitlisted), in RSVP order.
pub fn attendees(conn: &mut DbConnection, event_id: i64) -> DomainResult<Vec<Attendee>> {
    use crate::db::schema::users;
    Ok(rsvps::table
        .inner_join(users::table)
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::status.ne(RsvpStatus::NotGoing))
        .order((rsvps::created_at.asc(), rsvps::id.asc()))
        .select((
            users::display_name,
            users::email,
            users::organization,
            rsvps::status,
            rsvps::created_at,
        ))
        .load(conn)?)
}

/// Members of a chapter who want event announcements.
pub fn announcement_recipients(
    conn: &mut DbConnection,
    chapter_id: i64,
) -> DomainResult<Vec<crate::domain::users::User>> {
    use crate::db::schema::{memberships, users};
    use crate::domain::users::User;
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::chapter_id.eq(chapter_id))
        .filter(users::event_announcements.eq(true))
        .filter(users::disabled_at.is_null())
        .select(User::as_select())
        .load(conn)?)
}
