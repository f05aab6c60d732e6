//! Events of a chapter: meetups with an agenda and hosts. Queries here; the editor's checks
//! and writes in `editing`; answers and the waitlist in `rsvps`.

mod editing;
pub mod guests;
mod reminders;
mod rsvp;
mod tickets;

pub use editing::*;
pub use reminders::*;
pub use rsvp::*;
pub use tickets::*;

use crate::db::DbConnection;
use crate::db::schema::{chapters, event_agenda_items, event_hosts, events};
use crate::domain::chapters::ChapterStatus;
use crate::domain::ids::*;
use crate::domain::{DomainError, DomainResult, now};
use crate::i18n::Locale;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: EventId,
    pub chapter_id: ChapterId,
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
    pub created_by: Option<UserId>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
    /// The body rendered when saved (None for rows not rendered yet).
    pub body_html: Option<String>,
    /// The door QR's key; empty until staff first open the door page.
    pub door_key: String,
    /// This event's own call for speakers is open until then.
    pub cfp_deadline: Option<chrono::NaiveDateTime>,
    /// Registration opens then (None: once published).
    pub registration_opens_at: Option<chrono::NaiveDateTime>,
    /// Registration closes then (None: when the event ends).
    pub registration_closes_at: Option<chrono::NaiveDateTime>,
}

/// Where an event's registration stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// Not yet: it opens at this time.
    NotYet(chrono::NaiveDateTime),
    Open,
    /// Closed (its closing time passed, or the event is over, cancelled or a draft).
    Closed,
}

impl Event {
    /// Whether people may register (or answer "going") at `at`.
    pub fn registration(&self, at: chrono::NaiveDateTime) -> Registration {
        if self.status != EventStatus::Published || self.ends_at < at {
            return Registration::Closed;
        }
        match (self.registration_opens_at, self.registration_closes_at) {
            (Some(opens), _) if at < opens => Registration::NotYet(opens),
            (_, Some(closes)) if at >= closes => Registration::Closed,
            _ => Registration::Open,
        }
    }

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
            None => crate::domain::markdown::render(&self.body).into(),
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
    pub event_id: EventId,
    pub position: i32,
    pub time_label: String,
    pub title: String,
    pub speaker: String,
    pub affiliation: String,
    pub slides_url: String,
    /// The talk this row is, if it is one.
    pub talk_id: Option<TalkId>,
    /// The speaker's job title, apart from the organization (`affiliation`).
    pub speaker_title: String,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = event_hosts)]
pub struct Host {
    pub id: i64,
    pub event_id: EventId,
    pub position: i32,
    pub organization: String,
    pub kind: String,
    pub organization_id: Option<OrganizationId>,
    /// A sponsor's level: gold, silver, bronze or none.
    pub level: String,
}

impl Host {
    pub fn level_key(&self) -> &'static str {
        match self.level.as_str() {
            "gold" => "level.gold",
            "silver" => "level.silver",
            _ => "level.bronze",
        }
    }

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
    chapter_id: ChapterId,
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

/// When the next public event of a chapter (or of any chapter) ends: until then its lists of
/// upcoming and past events stay as they are (unless an event is written).
pub fn next_end(
    conn: &mut DbConnection,
    chapter_id: Option<ChapterId>,
) -> DomainResult<Option<chrono::NaiveDateTime>> {
    // One index lookup per status (with both in one `IN` list, PostgreSQL read every upcoming
    // event of the site to find the least: 100 k events, tens of milliseconds).
    let at = now();
    let mut next: Option<chrono::NaiveDateTime> = None;
    for status in PUBLIC_STATUSES {
        let mut query = events::table
            .filter(events::status.eq(status))
            .filter(events::ends_at.ge(at))
            .select(diesel::dsl::min(events::ends_at))
            .into_boxed();
        if let Some(id) = chapter_id {
            query = query.filter(events::chapter_id.eq(id));
        }
        let found: Option<chrono::NaiveDateTime> = query.first(conn)?;
        next = match (next, found) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(next)
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
pub fn find_public(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    slug: &str,
) -> DomainResult<Event> {
    events::table
        .filter(events::chapter_id.eq(chapter_id))
        .filter(events::slug.eq(slug))
        .filter(events::status.eq_any(PUBLIC_STATUSES))
        .select(Event::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

pub fn agenda(conn: &mut DbConnection, event_id: EventId) -> DomainResult<Vec<AgendaItem>> {
    Ok(event_agenda_items::table
        .filter(event_agenda_items::event_id.eq(event_id))
        .order((
            event_agenda_items::position.asc(),
            event_agenda_items::id.asc(),
        ))
        .select(AgendaItem::as_select())
        .load(conn)?)
}

pub fn hosts(conn: &mut DbConnection, event_id: EventId) -> DomainResult<Vec<Host>> {
    Ok(event_hosts::table
        .filter(event_hosts::event_id.eq(event_id))
        .order((event_hosts::position.asc(), event_hosts::id.asc()))
        .select(Host::as_select())
        .load(conn)?)
}

/// Archived chapters (few): their events are left out by id. Filtering on the joined chapter's
/// status instead leads SQLite's planner to walk every chapter's events (100 k past events:
/// 165 ms for the home page); by id it reads only the events that have not ended (< 1 ms).
fn archived_chapter_ids(conn: &mut DbConnection) -> DomainResult<Vec<ChapterId>> {
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
    pub chapter_id: ChapterId,
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
    pub created_by: Option<UserId>,
}

/// Inserts an event with its agenda `(time, title, speaker, affiliation)` and hosts
/// `(organization, kind)`. The caller owns the transaction.
pub fn insert(
    conn: &mut DbConnection,
    data: &NewEventData<'_>,
    agenda: &[(&str, &str, &str, &str)],
    hosts: &[(&str, &str)],
) -> DomainResult<EventId> {
    let at = now();
    let published_at = (data.status != EventStatus::Draft).then_some(at);
    let id: EventId = diesel::insert_into(events::table)
        .values((
            events::chapter_id.eq(data.chapter_id),
            events::slug.eq(data.slug),
            events::title_zh.eq(data.title_zh),
            events::title_en.eq(data.title_en),
            events::summary_zh.eq(data.summary_zh),
            events::summary_en.eq(data.summary_en),
            events::body.eq(data.body),
            events::body_html.eq(Some(crate::domain::markdown::render(data.body))),
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
        .map_err(|e| crate::domain::unique_violation_as(e, super::Conflict::SlugTaken))?;
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

/// Public events for lists and feeds: upcoming (soonest first) or past (latest first), optional
/// chapter and mode filters, with their chapter's slug, names and time zone.
pub fn list_public(
    conn: &mut DbConnection,
    chapter_id: Option<ChapterId>,
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
    chapter_id: Option<ChapterId>,
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
