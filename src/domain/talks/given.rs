//! The talks given: a speaker's, one talk's entry, and the years the archive spans.

use crate::db::DbConnection;
use crate::db::schema::{talk_speakers, talks};
use crate::domain::DomainResult;
use crate::domain::ids::*;
use diesel::prelude::*;

use super::entries::{ArchiveEntry, entries_of};

/// The archived talks a person spoke at (confirmed speaker), latest first.
pub fn given_by(conn: &mut DbConnection, user_id: UserId) -> DomainResult<Vec<ArchiveEntry>> {
    let ids: Vec<TalkId> = talk_speakers::table
        .filter(talk_speakers::user_id.eq(user_id))
        .filter(talk_speakers::confirmed_at.is_not_null())
        .select(talk_speakers::talk_id)
        .load(conn)?;
    entries_of(conn, &ids)
}

/// One archived talk's entry (none if it is not in the archive).
pub fn given_entry(conn: &mut DbConnection, id: TalkId) -> DomainResult<Vec<ArchiveEntry>> {
    entries_of(conn, &[id])
}

/// The years that have archived talks, latest first (for the year filter).
pub fn years(conn: &mut DbConnection) -> DomainResult<Vec<i32>> {
    use chrono::Datelike;
    let first: Option<chrono::NaiveDateTime> = talks::table
        .filter(talks::given_at.is_not_null())
        .select(diesel::dsl::min(talks::given_at))
        .first(conn)?;
    let last: Option<chrono::NaiveDateTime> = talks::table
        .filter(talks::given_at.is_not_null())
        .select(diesel::dsl::max(talks::given_at))
        .first(conn)?;
    Ok(match (first, last) {
        (Some(f), Some(l)) => (f.year()..=l.year()).rev().collect(),
        _ => Vec::new(),
    })
}
