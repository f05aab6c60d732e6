//! An archive entry: a talk given, with its event, chapter and speakers, as every archive
//! page shows it.

use super::{Talk, TalkStatus};
use crate::db::DbConnection;
use crate::db::schema::{chapters, events, talks};
use crate::domain::DomainResult;
use crate::domain::ids::*;
use crate::i18n::Locale;
use diesel::prelude::*;

/// One talk in the archive, with its event and chapter.
#[derive(Debug, Clone)]
pub struct ArchiveEntry {
    pub talk: Talk,
    pub chapter_slug: String,
    pub chapter_zh: String,
    pub chapter_en: String,
    pub event_slug: String,
    pub event_title_zh: String,
    pub event_title_en: String,
    pub event_recording: String,
    pub chapter_tz: String,
}

impl ArchiveEntry {
    pub fn chapter_name(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.chapter_en.is_empty() => &self.chapter_en,
            _ => &self.chapter_zh,
        }
    }

    pub fn event_title(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.event_title_en.is_empty() => &self.event_title_en,
            _ => &self.event_title_zh,
        }
    }

    /// The day it was given, in its chapter's time zone.
    pub fn given_on(&self, locale: Locale) -> String {
        use chrono::TimeZone;
        let tz: chrono_tz::Tz = self.chapter_tz.parse().unwrap_or(chrono_tz::Asia::Shanghai);
        self.talk
            .given_at
            .map(|t| crate::i18n::date(tz.from_utc_datetime(&t).date_naive(), locale))
            .unwrap_or_default()
    }

    /// The recording: the talk's own, else the whole event's.
    pub fn recording(&self) -> &str {
        if self.talk.recording_url.is_empty() {
            &self.event_recording
        } else {
            &self.talk.recording_url
        }
    }
}

pub(super) fn entries_of(
    conn: &mut DbConnection,
    ids: &[TalkId],
) -> DomainResult<Vec<ArchiveEntry>> {
    let rows: Vec<Row> = talks::table
        .inner_join(chapters::table)
        .inner_join(events::table.on(events::id.nullable().eq(talks::placed_event_id)))
        .filter(talks::id.eq_any(ids))
        .filter(talks::status.eq(TalkStatus::Accepted))
        .filter(talks::given_at.is_not_null())
        .filter(events::status.eq(crate::domain::events::EventStatus::Published))
        .order((talks::given_at.desc(), talks::id.desc()))
        .select((
            Talk::as_select(),
            chapters::slug,
            chapters::name_zh,
            chapters::name_en,
            events::slug,
            events::title_zh,
            events::title_en,
            events::recording_url,
            chapters::time_zone,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(entry).collect())
}

/// A talk with its chapter's slug, names and time zone, and its event's slug, titles and
/// recording.
type Row = (
    Talk,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn entry(
    (talk, chapter_slug, chapter_zh, chapter_en, event_slug, zh, en, rec, tz): Row,
) -> ArchiveEntry {
    ArchiveEntry {
        talk,
        chapter_slug,
        chapter_zh,
        chapter_en,
        event_slug,
        event_title_zh: zh,
        event_title_en: en,
        event_recording: rec,
        chapter_tz: tz,
    }
}
