//! A talk in an event's agenda: placing an accepted talk, keeping placements in step with the
//! agenda editor, and the talks typed straight into an agenda (guest speakers).

use super::{Talk, TalkStatus};
use crate::db::DbConnection;
use crate::db::schema::{event_agenda_items, events, talk_speakers, talks};
use crate::domain::events::{Event, EventStatus};
use crate::domain::ids::*;
use crate::domain::text::check_line;
use crate::domain::{Conflict, DomainError, DomainResult, FieldErrors, now};
use diesel::prelude::*;

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
