//! The whole site's insights: every chapter side by side (site admins), and the public totals.

use super::{Dialect, KeyedPercentiles, Percentiles, Period, load};
use crate::db::DbConnection;
use crate::domain::DomainResult;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};

/// One chapter's line: each count is over the period unless it says otherwise.
#[derive(QueryableByName, Debug, Clone, PartialEq)]
pub struct ChapterLine {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub name_zh: String,
    #[diesel(sql_type = Text)]
    pub name_en: String,
    /// Members now.
    #[diesel(sql_type = BigInt)]
    pub members: i64,
    #[diesel(sql_type = BigInt)]
    pub joined: i64,
    #[diesel(sql_type = BigInt)]
    pub applied: i64,
    /// Of the applications made in the period.
    #[diesel(sql_type = BigInt)]
    pub approved: i64,
    /// Applications waiting for a decision (confirmed) that were made more than 7 days ago.
    #[diesel(sql_type = BigInt)]
    pub waiting: i64,
    #[diesel(sql_type = BigInt)]
    pub events: i64,
    #[diesel(sql_type = BigInt)]
    pub going: i64,
    #[diesel(sql_type = BigInt)]
    pub checked_in: i64,
    #[diesel(sql_type = BigInt)]
    pub no_shows: i64,
    #[diesel(sql_type = BigInt)]
    pub talks: i64,
}

/// A chapter's line and its time to decision.
pub struct ChapterInsight {
    pub line: ChapterLine,
    pub decision: Option<Percentiles>,
}

/// Every chapter, busiest first. Each count is a subquery on the chapter's own index range,
/// so the work grows with the period's rows, not the tables'.
pub fn chapters(
    conn: &mut DbConnection,
    period: &Period,
    now: NaiveDateTime,
) -> DomainResult<Vec<ChapterInsight>> {
    let sql = Dialect::of(conn);
    let rsvps = |cond: &str| {
        format!(
            "(SELECT COUNT(*) FROM events e JOIN rsvps r ON r.event_id = e.id \
              WHERE e.chapter_id = c.id AND e.status = 'published' AND {} AND {cond})",
            sql.within("e.starts_at", period)
        )
    };
    let lines = load::<ChapterLine>(
        conn,
        &format!(
            "SELECT c.id, c.slug, c.name_zh, c.name_en, c.member_count AS members, \
               (SELECT COUNT(*) FROM memberships m WHERE m.chapter_id = c.id \
                  AND m.role IN ('organizer', 'ambassador', 'member') AND {joined}) AS joined, \
               (SELECT COUNT(*) FROM applications a WHERE a.chapter_id = c.id AND {made}) AS applied, \
               (SELECT COUNT(*) FROM applications a WHERE a.chapter_id = c.id AND {made} \
                  AND a.status = 'approved') AS approved, \
               (SELECT COUNT(*) FROM applications a WHERE a.chapter_id = c.id \
                  AND a.status = 'pending' AND a.created_at < {week}) AS waiting, \
               (SELECT COUNT(*) FROM events e WHERE e.chapter_id = c.id \
                  AND e.status = 'published' AND {starts}) AS events, \
               {going} AS going, {checked_in} AS checked_in, {no_shows} AS no_shows, \
               (SELECT COUNT(*) FROM talks t WHERE t.chapter_id = c.id \
                  AND t.status = 'accepted' AND {given}) AS talks \
             FROM chapters c ORDER BY c.member_count DESC, c.id",
            joined = sql.within("m.joined_at", period),
            made = sql.within("a.created_at", period),
            week = sql.ts(now - TimeDelta::days(7)),
            starts = sql.within("e.starts_at", period),
            going = rsvps("r.status = 'going'"),
            checked_in = rsvps("r.checked_in_at IS NOT NULL"),
            no_shows = rsvps(&format!(
                "r.status = 'going' AND r.checked_in_at IS NULL AND e.ends_at < {}",
                sql.ts(now)
            )),
            given = sql.within("t.given_at", period),
        ),
    )?;
    let by_chapter: std::collections::BTreeMap<String, Percentiles> = load::<KeyedPercentiles>(
        conn,
        &sql.percentiles_sql(&format!(
            "SELECT CAST(a.chapter_id AS TEXT) AS grp, {} AS v FROM applications a \
                 WHERE a.chapter_id IN (SELECT id FROM chapters) \
                 AND a.status IN ('approved', 'rejected') AND {}",
            sql.seconds_between("a.decided_at", "COALESCE(a.confirmed_at, a.created_at)"),
            sql.within("a.decided_at", period)
        )),
    )?
    .into_iter()
    .map(|k| (k.grp, k.p))
    .collect();
    Ok(lines
        .into_iter()
        .map(|line| ChapterInsight {
            decision: by_chapter.get(&line.id.to_string()).copied(),
            line,
        })
        .collect())
}

/// The site in four numbers, for the public stats page.
#[derive(QueryableByName, Debug, Clone, PartialEq)]
pub struct Totals {
    /// Chapters that are open.
    #[diesel(sql_type = BigInt)]
    pub chapters: i64,
    /// Members of open chapters (a person in two chapters counts in each).
    #[diesel(sql_type = BigInt)]
    pub members: i64,
    /// Published events that are over.
    #[diesel(sql_type = BigInt)]
    pub events: i64,
    /// Talks given at those events.
    #[diesel(sql_type = BigInt)]
    pub talks: i64,
}

pub fn totals(conn: &mut DbConnection, now: NaiveDateTime) -> DomainResult<Totals> {
    let sql = Dialect::of(conn);
    let now = sql.ts(now);
    let rows = load::<Totals>(
        conn,
        &format!(
            "SELECT (SELECT COUNT(*) FROM chapters WHERE status = 'active') AS chapters, \
               (SELECT CAST(COALESCE(SUM(member_count), 0) AS BIGINT) FROM chapters \
                  WHERE status = 'active') AS members, \
               (SELECT COUNT(*) FROM events WHERE status = 'published' AND ends_at < {now}) AS events, \
               (SELECT COUNT(*) FROM talks WHERE given_at < {now} AND status = 'accepted') AS talks"
        ),
    )?;
    Ok(rows.into_iter().next().unwrap_or(Totals {
        chapters: 0,
        members: 0,
        events: 0,
        talks: 0,
    }))
}
