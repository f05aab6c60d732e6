//! The whole site's insights: every chapter side by side (site admins), and the public totals.

use super::{Dialect, KeyedPercentiles, Percentiles, Period, load};
use crate::db::DbConnection;
use crate::domain::DomainResult;
use crate::domain::applications::ApplicationStatus;
use crate::domain::chapters::ChapterStatus;
use crate::domain::events::EventStatus;
use crate::domain::events::RsvpStatus;
use crate::domain::memberships::Role;
use crate::domain::talks::TalkStatus;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use std::collections::BTreeMap;

/// One chapter's line: each count is over the period unless it says otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct ChapterLine {
    pub id: i64,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    /// Members now.
    pub members: i64,
    pub joined: i64,
    pub applied: i64,
    /// Of the applications made in the period.
    pub approved: i64,
    /// Applications waiting for a decision (confirmed) that were made more than 7 days ago.
    pub waiting: i64,
    pub events: i64,
    pub going: i64,
    pub checked_in: i64,
    pub no_shows: i64,
    pub talks: i64,
}

/// A chapter and the counts that are ranges of its own indexes.
#[derive(QueryableByName)]
struct ChapterRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    name_zh: String,
    #[diesel(sql_type = Text)]
    name_en: String,
    #[diesel(sql_type = BigInt)]
    members: i64,
    #[diesel(sql_type = BigInt)]
    joined: i64,
    #[diesel(sql_type = BigInt)]
    waiting: i64,
    #[diesel(sql_type = BigInt)]
    events: i64,
    #[diesel(sql_type = BigInt)]
    talks: i64,
}

/// Up to three counts per chapter.
#[derive(QueryableByName, Default, Clone, Copy)]
struct Tallies {
    #[diesel(sql_type = BigInt)]
    chapter_id: i64,
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
    #[diesel(sql_type = BigInt)]
    c: i64,
}

/// A chapter's line and its time to decision.
pub struct ChapterInsight {
    pub line: ChapterLine,
    pub decision: Option<Percentiles>,
}

/// Every chapter, busiest first: a few passes over the period's index ranges, each grouped by
/// chapter (applications, RSVPs, decision times), and per-chapter counts of the rest.
pub fn chapters(
    conn: &mut DbConnection,
    period: &Period,
    now: NaiveDateTime,
) -> DomainResult<Vec<ChapterInsight>> {
    let sql = Dialect::of(conn);
    let rows = load::<ChapterRow>(
        conn,
        &format!(
            "SELECT c.id, c.slug, c.name_zh, c.name_en, c.member_count AS members, \
               (SELECT COUNT(*) FROM memberships m WHERE m.chapter_id = c.id \
                  AND m.role IN ({st_organizer}, {st_ambassador}, {st_member}) AND {joined}) AS joined, \
               (SELECT COUNT(*) FROM applications a WHERE a.chapter_id = c.id \
                  AND a.status = {st_pending} AND a.created_at < {week}) AS waiting, \
               (SELECT COUNT(*) FROM events e WHERE e.chapter_id = c.id \
                  AND e.status = {st_published} AND {starts}) AS events, \
               (SELECT COUNT(*) FROM talks t WHERE t.chapter_id = c.id \
                  AND t.status = {st_accepted} AND {given}) AS talks \
             FROM chapters c ORDER BY c.member_count DESC, c.id",
            joined = sql.within("m.joined_at", period),
            week = sql.ts(now - TimeDelta::days(7)),
            starts = sql.within("e.starts_at", period),
            given = sql.within("t.given_at", period),
            st_organizer = Role::Organizer.sql(),
            st_ambassador = Role::Ambassador.sql(),
            st_member = Role::Member.sql(),
            st_pending = ApplicationStatus::Pending.sql(),
            st_published = EventStatus::Published.sql(),
            st_accepted = TalkStatus::Accepted.sql()
        ),
    )?;
    let by_chapter = |tallies: Vec<Tallies>| -> BTreeMap<i64, Tallies> {
        tallies.into_iter().map(|t| (t.chapter_id, t)).collect()
    };
    let applications = by_chapter(load::<Tallies>(
        conn,
        &format!(
            "SELECT a.chapter_id, COUNT(*) AS a, \
               COUNT(CASE WHEN a.status = {st_approved} THEN 1 END) AS b, CAST(0 AS BIGINT) AS c \
             FROM applications a WHERE a.chapter_id IN (SELECT id FROM chapters) AND {} \
             GROUP BY a.chapter_id",
            sql.within("a.created_at", period),
            st_approved = ApplicationStatus::Approved.sql()
        ),
    )?);
    let rsvps = by_chapter(load::<Tallies>(
        conn,
        &format!(
            "SELECT e.chapter_id, COUNT(CASE WHEN r.status = {st_going} THEN 1 END) AS a, \
               COUNT(CASE WHEN r.checked_in_at IS NOT NULL AND e.ends_at < {now} THEN 1 END) AS b, \
               COUNT(CASE WHEN r.status = {st_going} AND r.checked_in_at IS NULL \
                 AND e.ends_at < {now} THEN 1 END) AS c \
             FROM events e JOIN rsvps r ON r.event_id = e.id \
             WHERE e.chapter_id IN (SELECT id FROM chapters) AND e.status = {st_published} AND {within} \
             GROUP BY e.chapter_id",
            now = sql.ts(now),
            within = sql.within("e.starts_at", period),
            st_going = RsvpStatus::Going.sql(),
            st_published = EventStatus::Published.sql()
        ),
    )?);
    let decisions: BTreeMap<String, Percentiles> = load::<KeyedPercentiles>(
        conn,
        &sql.percentiles_sql(&format!(
            "SELECT CAST(a.chapter_id AS TEXT) AS grp, {} AS v FROM applications a \
             WHERE a.chapter_id IN (SELECT id FROM chapters) \
             AND a.status IN ({st_approved}, {st_rejected}) AND {}",
            sql.seconds_between("a.decided_at", "COALESCE(a.confirmed_at, a.created_at)"),
            sql.within("a.decided_at", period),
            st_approved = ApplicationStatus::Approved.sql(),
            st_rejected = ApplicationStatus::Rejected.sql()
        )),
    )?
    .into_iter()
    .map(|k| (k.grp, k.p))
    .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let apps = applications.get(&r.id).copied().unwrap_or_default();
            let rsvp = rsvps.get(&r.id).copied().unwrap_or_default();
            ChapterInsight {
                decision: decisions.get(&r.id.to_string()).copied(),
                line: ChapterLine {
                    id: r.id,
                    slug: r.slug,
                    name_zh: r.name_zh,
                    name_en: r.name_en,
                    members: r.members,
                    joined: r.joined,
                    applied: apps.a,
                    approved: apps.b,
                    waiting: r.waiting,
                    events: r.events,
                    going: rsvp.a,
                    checked_in: rsvp.b,
                    no_shows: rsvp.c,
                    talks: r.talks,
                },
            }
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
            "SELECT (SELECT COUNT(*) FROM chapters WHERE status = {st_active}) AS chapters, \
               (SELECT CAST(COALESCE(SUM(member_count), 0) AS BIGINT) FROM chapters \
                  WHERE status = {st_active}) AS members, \
               (SELECT COUNT(*) FROM events WHERE status = {st_published} AND ends_at < {now}) AS events, \
               (SELECT COUNT(*) FROM talks WHERE given_at < {now} AND status = {st_accepted}) AS talks",
            st_active = ChapterStatus::Active.sql(),
            st_published = EventStatus::Published.sql(),
            st_accepted = TalkStatus::Accepted.sql()
        ),
    )?;
    Ok(rows.into_iter().next().unwrap_or(Totals {
        chapters: 0,
        members: 0,
        events: 0,
        talks: 0,
    }))
}
