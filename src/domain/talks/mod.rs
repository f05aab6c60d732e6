//! Talks: proposed to a chapter's call for speakers, reviewed, decided, placed in an event's
//! agenda, and kept in the site-wide archive.

mod agenda;
pub mod entries;
pub mod given;
mod proposals;
pub mod reviews;
pub mod search;

pub use agenda::*;
pub use proposals::*;

use crate::db::DbConnection;
use crate::db::schema::{talk_speakers, talk_tags, talks};
use crate::domain::ids::*;
use crate::domain::{DomainError, DomainResult};
use crate::i18n::Locale;
use diesel::prelude::*;

crate::text_enum! {
    /// Where a talk stands.
    pub enum TalkStatus {
        Proposed => "proposed",
        Accepted => "accepted",
        Declined => "declined",
        Waitlisted => "waitlisted",
        Withdrawn => "withdrawn",
    }
}

impl TalkStatus {
    pub fn key(self) -> &'static str {
        match self {
            TalkStatus::Proposed => "talk.status.proposed",
            TalkStatus::Accepted => "talk.status.accepted",
            TalkStatus::Declined => "talk.status.declined",
            TalkStatus::Waitlisted => "talk.status.waitlisted",
            TalkStatus::Withdrawn => "talk.status.withdrawn",
        }
    }
}

pub const LANGUAGES: [&str; 2] = ["zh", "en"];
pub const LEVELS: [&str; 3] = ["beginner", "intermediate", "advanced"];
pub const DURATIONS: std::ops::RangeInclusive<i32> = 5..=180;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = talks)]
pub struct Talk {
    pub id: TalkId,
    pub chapter_id: ChapterId,
    pub call_event_id: Option<EventId>,
    pub proposer_id: Option<UserId>,
    pub title_zh: String,
    pub title_en: String,
    pub abstract_md: String,
    pub abstract_html: String,
    pub language: String,
    pub level: String,
    pub duration_min: i32,
    pub tags: String,
    pub status: TalkStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<chrono::NaiveDateTime>,
    pub slides_url: String,
    pub recording_url: String,
    pub placed_event_id: Option<EventId>,
    pub given_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl Talk {
    pub fn title(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.title_en.is_empty() => &self.title_en,
            _ if !self.title_zh.is_empty() => &self.title_zh,
            _ => &self.title_en,
        }
    }

    pub fn tag_slugs(&self) -> impl Iterator<Item = &str> {
        self.tags.split_whitespace()
    }

    pub fn language_key(&self) -> &'static str {
        if self.language == "en" {
            "talk.lang.en"
        } else {
            "talk.lang.zh"
        }
    }

    pub fn level_key(&self) -> &'static str {
        match self.level.as_str() {
            "advanced" => "talk.level.advanced",
            "intermediate" => "talk.level.intermediate",
            _ => "talk.level.beginner",
        }
    }

    /// The speakers may still change it.
    pub fn is_open(&self) -> bool {
        self.status == TalkStatus::Proposed
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = talk_speakers)]
pub struct Speaker {
    pub id: i64,
    pub talk_id: TalkId,
    pub user_id: Option<UserId>,
    pub email: String,
    pub name: String,
    pub affiliation: String,
    pub position: i32,
    pub invite_hash: Option<String>,
    pub invited_at: chrono::NaiveDateTime,
    pub confirmed_at: Option<chrono::NaiveDateTime>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = talk_tags)]
pub struct Tag {
    pub id: i64,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub position: i32,
}

impl Tag {
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.name_en,
            Locale::ZhCn => &self.name_zh,
        }
    }
}

/// The site's tags, in their order.
#[derive(Debug, Clone, Default)]
pub struct Tags(pub Vec<Tag>);

impl Tags {
    /// A tag's name in a language (a slug no longer in the list shows as itself).
    pub fn name_of(&self, slug: &str, locale: Locale) -> String {
        self.0
            .iter()
            .find(|t| t.slug == slug)
            .map_or_else(|| slug.to_string(), |t| t.name(locale).to_string())
    }

    pub fn slugs(&self) -> Vec<String> {
        self.0.iter().map(|t| t.slug.clone()).collect()
    }
}

pub fn tags(conn: &mut DbConnection) -> DomainResult<Tags> {
    Ok(Tags(
        talk_tags::table
            .order((talk_tags::position.asc(), talk_tags::id.asc()))
            .select(Tag::as_select())
            .load(conn)?,
    ))
}

/// Replaces the site's tag list with `slug | 中文 | English` lines; tags in use keep working
/// (talks store slugs), a removed tag simply stops being offered.
pub fn save_tags(conn: &mut DbConnection, lines: &str) -> DomainResult<usize> {
    let mut parsed = Vec::new();
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let ok = parts.len() == 3
            && !parts[0].is_empty()
            && parts[0].len() <= 40
            && parts[0]
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && parts[1..]
                .iter()
                .all(|p| crate::domain::text::check_line(p, 60, true).is_ok());
        if !ok
            || parsed
                .iter()
                .any(|(s, _, _): &(&str, &str, &str)| *s == parts[0])
        {
            return Err(DomainError::Invalid(crate::domain::FieldErrors(
                [("tags", "error.tags_invalid")].into_iter().collect(),
            )));
        }
        parsed.push((parts[0], parts[1], parts[2]));
    }
    if parsed.is_empty() || parsed.len() > 60 {
        return Err(DomainError::Invalid(crate::domain::FieldErrors(
            [("tags", "error.tags_invalid")].into_iter().collect(),
        )));
    }
    diesel::delete(talk_tags::table).execute(conn)?;
    for (position, (slug, zh, en)) in (1i32..).zip(&parsed) {
        diesel::insert_into(talk_tags::table)
            .values((
                talk_tags::slug.eq(slug),
                talk_tags::name_zh.eq(zh),
                talk_tags::name_en.eq(en),
                talk_tags::position.eq(position),
            ))
            .execute(conn)?;
    }
    Ok(parsed.len())
}

pub fn find(conn: &mut DbConnection, id: TalkId) -> DomainResult<Talk> {
    talks::table
        .find(id)
        .select(Talk::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// A talk of this chapter (a talk of another chapter is not found here).
pub fn find_in(conn: &mut DbConnection, chapter_id: ChapterId, id: TalkId) -> DomainResult<Talk> {
    let talk = find(conn, id)?;
    if talk.chapter_id == chapter_id {
        Ok(talk)
    } else {
        Err(DomainError::NotFound)
    }
}

pub fn speakers(conn: &mut DbConnection, talk_id: TalkId) -> DomainResult<Vec<Speaker>> {
    Ok(talk_speakers::table
        .filter(talk_speakers::talk_id.eq(talk_id))
        .order((talk_speakers::position.asc(), talk_speakers::id.asc()))
        .select(Speaker::as_select())
        .load(conn)?)
}

/// Confirmed speakers of many talks at once (for lists), by talk.
pub fn confirmed_speakers_of(
    conn: &mut DbConnection,
    ids: &[TalkId],
) -> DomainResult<Vec<Speaker>> {
    Ok(talk_speakers::table
        .filter(talk_speakers::talk_id.eq_any(ids))
        .filter(talk_speakers::confirmed_at.is_not_null())
        .order((
            talk_speakers::talk_id.asc(),
            talk_speakers::position.asc(),
            talk_speakers::id.asc(),
        ))
        .select(Speaker::as_select())
        .load(conn)?)
}

/// A person's own proposals and talks, newest first, with their chapter's slug.
pub fn of_person(conn: &mut DbConnection, user_id: UserId) -> DomainResult<Vec<(Talk, String)>> {
    use crate::db::schema::chapters;
    let ids = talk_speakers::table
        .filter(talk_speakers::user_id.eq(user_id))
        .filter(talk_speakers::confirmed_at.is_not_null())
        .select(talk_speakers::talk_id);
    Ok(talks::table
        .inner_join(chapters::table)
        .filter(talks::proposer_id.eq(user_id).or(talks::id.eq_any(ids)))
        .order(talks::created_at.desc())
        .select((Talk::as_select(), chapters::slug))
        .limit(200)
        .load(conn)?)
}

/// May this person change the talk (its proposer or a confirmed co-speaker)?
pub fn is_speaker(conn: &mut DbConnection, talk: &Talk, user_id: UserId) -> DomainResult<bool> {
    if talk.proposer_id == Some(user_id) {
        return Ok(true);
    }
    Ok(diesel::select(diesel::dsl::exists(
        talk_speakers::table
            .filter(talk_speakers::talk_id.eq(talk.id))
            .filter(talk_speakers::user_id.eq(user_id))
            .filter(talk_speakers::confirmed_at.is_not_null()),
    ))
    .get_result(conn)?)
}

/// Speaker names as one line, for an agenda row: confirmed speakers only.
pub fn speaker_line(speakers: &[Speaker]) -> (String, String) {
    let confirmed: Vec<&Speaker> = speakers
        .iter()
        .filter(|s| s.confirmed_at.is_some())
        .collect();
    let names = confirmed
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let mut affiliations: Vec<&str> = confirmed
        .iter()
        .map(|s| s.affiliation.as_str())
        .filter(|a| !a.is_empty())
        .collect();
    affiliations.dedup();
    (names, affiliations.join("、"))
}
