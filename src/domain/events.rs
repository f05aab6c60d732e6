//! Events of a chapter: meetups with an agenda and hosts.

use super::{DomainError, DomainResult, now};
use crate::db::DbConnection;
use crate::db::schema::{chapters, event_agenda_items, event_hosts, events};
use crate::i18n::Locale;
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
    pub mode: String,
    pub venue: String,
    pub address: String,
    pub online_url: String,
    pub capacity: Option<i32>,
    pub status: String,
    pub cancel_message: String,
    pub recording_url: String,
    pub photos_url: String,
    pub sequence: i32,
    pub created_by: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
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

    pub fn is_cancelled(&self) -> bool {
        self.status == "cancelled"
    }

    /// Catalog key of the mode's label (线下 / 线上 / 线上+线下).
    pub fn mode_key(&self) -> &'static str {
        match self.mode.as_str() {
            "online" => "mode.online",
            "hybrid" => "mode.hybrid",
            _ => "mode.offline",
        }
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
const PUBLIC_STATUSES: [&str; 2] = ["published", "cancelled"];

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
    let past = base()
        .filter(events::ends_at.lt(at))
        .order((events::starts_at.desc(), events::id.desc()))
        .load(conn)?;
    Ok((upcoming, past))
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

/// Upcoming public events across active chapters, with their chapter slug, for the home page.
pub fn upcoming_everywhere(
    conn: &mut DbConnection,
    limit: i64,
) -> DomainResult<Vec<(Event, String, String)>> {
    Ok(events::table
        .inner_join(chapters::table)
        .filter(events::status.eq_any(PUBLIC_STATUSES))
        .filter(events::ends_at.ge(now()))
        .filter(chapters::status.eq("active"))
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
    pub status: &'a str,
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
    let published_at = (data.status != "draft").then_some(at);
    let id: i64 = diesel::insert_into(events::table)
        .values((
            events::chapter_id.eq(data.chapter_id),
            events::slug.eq(data.slug),
            events::title_zh.eq(data.title_zh),
            events::title_en.eq(data.title_en),
            events::summary_zh.eq(data.summary_zh),
            events::summary_en.eq(data.summary_en),
            events::body.eq(data.body),
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
        .map_err(|e| super::unique_violation_as(e, "slug_taken"))?;
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
