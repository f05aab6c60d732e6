//! One chapter's insights: who applies and what becomes of them (organizers), and its events
//! and talks (organizers and ambassadors).

use super::{Dialect, Keyed, KeyedPercentiles, Percentiles, Period, load};
use crate::db::DbConnection;
use crate::domain::DomainResult;
use crate::domain::applications::{ApplicationSource, ApplicationStatus};
use crate::domain::events::EventStatus;
use crate::domain::events::RsvpStatus;
use crate::domain::ids::ChapterId;
use crate::domain::memberships::Role;
use crate::domain::talks::TalkStatus;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
use std::collections::BTreeMap;

/// Applications made in the period, and how far they got.
#[derive(QueryableByName, Debug, Default, Clone, PartialEq)]
pub struct Funnel {
    #[diesel(sql_type = BigInt)]
    pub applied: i64,
    #[diesel(sql_type = BigInt)]
    pub confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub approved: i64,
    #[diesel(sql_type = BigInt)]
    pub rejected: i64,
    #[diesel(sql_type = BigInt)]
    pub withdrawn: i64,
    /// Approved, and said "going" (or joined a waitlist) for an event of the chapter.
    #[diesel(sql_type = BigInt)]
    pub rsvped: i64,
    /// Approved, and checked in at an event of the chapter.
    #[diesel(sql_type = BigInt)]
    pub checked_in: i64,
}

impl Funnel {
    pub fn decided(&self) -> i64 {
        self.approved + self.rejected + self.withdrawn
    }
}

/// Applications made in one month, by what became of them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outcomes {
    pub month: String,
    pub approved: i64,
    pub rejected: i64,
    pub withdrawn: i64,
    /// Still waiting for a decision (or for the applicant's confirmation).
    pub open: i64,
}

/// Members at the end of a month, by their role today.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Members {
    pub month: String,
    pub organizers: i64,
    pub ambassadors: i64,
    pub members: i64,
}

/// Where applicants came from: the apply form, the door of an event, or signed in.
pub const SOURCES: &[ApplicationSource] = ApplicationSource::ALL;

pub struct Applicants {
    pub funnel: Funnel,
    pub outcomes: Vec<Outcomes>,
    /// Time from confirmation to decision (seconds), per month of decision.
    pub decisions: Vec<(String, Option<Percentiles>)>,
    /// The same over the whole period.
    pub decision: Option<Percentiles>,
    /// Applications waiting for a decision (confirmed) that were made more than 7 days ago.
    pub waiting: i64,
    pub members: Vec<Members>,
    /// Counts in `SOURCES` order.
    pub sources: [i64; 3],
    /// The ten organizations most applicants named.
    pub organizations: Vec<(String, i64)>,
}

fn counts(rows: &[Keyed], key: &str) -> BTreeMap<String, i64> {
    rows.iter()
        .filter(|r| r.grp == key)
        .map(|r| (r.sub.clone(), r.n))
        .collect()
}

/// The organizer half: applications, decisions and members.
pub fn applicants(
    conn: &mut DbConnection,
    chapter: ChapterId,
    period: &Period,
    now: NaiveDateTime,
) -> DomainResult<Applicants> {
    let sql = Dialect::of(conn);
    let c = chapter.0;
    let made = sql.within("a.created_at", period);
    // An approved applicant's furthest step at the chapter's events, one probe each:
    // 2 checked in, 1 going or waitlisted, 0 or NULL neither.
    let furthest = format!(
        "CASE WHEN a.status = {st_approved} THEN (SELECT MAX(CASE \
           WHEN r.checked_in_at IS NOT NULL THEN 2 WHEN r.status <> {st_not_going} THEN 1 ELSE 0 END) \
           FROM rsvps r JOIN events e ON e.id = r.event_id \
           WHERE r.user_id = a.user_id AND e.chapter_id = {c} AND e.status = {st_published}) END",
        st_approved = ApplicationStatus::Approved.sql(),
        st_not_going = RsvpStatus::NotGoing.sql(),
        st_published = EventStatus::Published.sql()
    );
    let funnel = load::<Funnel>(
        conn,
        &format!(
            "SELECT COUNT(*) AS applied, COUNT(f.confirmed_at) AS confirmed, \
               COUNT(CASE WHEN f.status = {st_approved} THEN 1 END) AS approved, \
               COUNT(CASE WHEN f.status = {st_rejected} THEN 1 END) AS rejected, \
               COUNT(CASE WHEN f.status = {st_withdrawn} THEN 1 END) AS withdrawn, \
               COUNT(CASE WHEN f.furthest >= 1 THEN 1 END) AS rsvped, \
               COUNT(CASE WHEN f.furthest = 2 THEN 1 END) AS checked_in \
             FROM (SELECT a.status, a.confirmed_at, {furthest} AS furthest \
                   FROM applications a WHERE a.chapter_id = {c} AND {made}) AS f",
            st_approved = ApplicationStatus::Approved.sql(),
            st_rejected = ApplicationStatus::Rejected.sql(),
            st_withdrawn = ApplicationStatus::Withdrawn.sql()
        ),
    )?
    .pop()
    .unwrap_or_default();

    // Outcomes per month and sources, in one pass.
    let by_month = load::<Keyed>(
        conn,
        &format!(
            "SELECT {} AS grp, a.status || ':' || a.source AS sub, COUNT(*) AS n \
             FROM applications a WHERE a.chapter_id = {c} AND {made} GROUP BY 1, 2",
            sql.month("a.created_at", period)
        ),
    )?;
    let mut sources = [0; 3];
    debug_assert_eq!(SOURCES.len(), sources.len());
    let mut outcomes: Vec<Outcomes> = period
        .months()
        .into_iter()
        .map(|month| Outcomes {
            month,
            ..Outcomes::default()
        })
        .collect();
    for row in &by_month {
        let (status, source) = row.sub.split_once(':').unwrap_or((&row.sub, ""));
        if let Some(i) = SOURCES.iter().position(|s| s.as_str() == source) {
            sources[i] += row.n;
        }
        if let Some(o) = outcomes.iter_mut().find(|o| o.month == row.grp) {
            match ApplicationStatus::parse(status) {
                Some(ApplicationStatus::Approved) => o.approved += row.n,
                Some(ApplicationStatus::Rejected) => o.rejected += row.n,
                Some(ApplicationStatus::Withdrawn) => o.withdrawn += row.n,
                _ => o.open += row.n,
            }
        }
    }

    let organizations = load::<Keyed>(
        conn,
        &format!(
            "SELECT a.organization AS grp, '' AS sub, COUNT(*) AS n FROM applications a \
             WHERE a.chapter_id = {c} AND {made} AND a.organization <> '' \
             GROUP BY a.organization ORDER BY n DESC, a.organization LIMIT 10"
        ),
    )?
    .into_iter()
    .map(|r| (r.grp, r.n))
    .collect();

    let decided = format!(
        "FROM applications a WHERE a.chapter_id = {c} AND a.status IN ({st_approved}, {st_rejected}) \
         AND {}",
        sql.within("a.decided_at", period),
        st_approved = ApplicationStatus::Approved.sql(),
        st_rejected = ApplicationStatus::Rejected.sql()
    );
    let wait = sql.seconds_between("a.decided_at", "COALESCE(a.confirmed_at, a.created_at)");
    let mut by_month: BTreeMap<String, Percentiles> = load::<KeyedPercentiles>(
        conn,
        &format!(
            "{} UNION ALL {}",
            sql.percentiles_sql(&format!(
                "SELECT {} AS grp, {wait} AS v {decided}",
                sql.month("a.decided_at", period)
            )),
            sql.percentiles_sql(&format!("SELECT '*' AS grp, {wait} AS v {decided}")),
        ),
    )?
    .into_iter()
    .map(|k| (k.grp, k.p))
    .collect();
    let decision = by_month.remove("*");
    let decisions = period
        .months()
        .into_iter()
        .map(|m| {
            let p = by_month.get(&m).copied();
            (m, p)
        })
        .collect();

    let waiting = load::<Keyed>(
        conn,
        &format!(
            "SELECT '' AS grp, '' AS sub, COUNT(*) AS n FROM applications a \
             WHERE a.chapter_id = {c} AND a.status = {st_pending} \
             AND a.created_at < {}",
            sql.ts(now - TimeDelta::days(7)),
            st_pending = ApplicationStatus::Pending.sql()
        ),
    )?
    .first()
    .map_or(0, |r| r.n);

    // Members who joined before the period, then each month's joins, by role: ranges of the
    // (chapter, role, joined_at) index.
    let roles = format!(
        "m.role IN ({st_organizer}, {st_ambassador}, {st_member})",
        st_organizer = Role::Organizer.sql(),
        st_ambassador = Role::Ambassador.sql(),
        st_member = Role::Member.sql()
    );
    let joined = load::<Keyed>(
        conn,
        &format!(
            "SELECT '' AS grp, m.role AS sub, COUNT(*) AS n FROM memberships m \
             WHERE m.chapter_id = {c} AND {roles} AND m.joined_at < {} GROUP BY m.role \
             UNION ALL \
             SELECT {} AS grp, m.role AS sub, COUNT(*) AS n FROM memberships m \
             WHERE m.chapter_id = {c} AND {roles} AND {} GROUP BY 1, 2",
            sql.ts(period.start),
            sql.month("m.joined_at", period),
            sql.within("m.joined_at", period),
        ),
    )?;
    let mut running = counts(&joined, "");
    let members = period
        .months()
        .into_iter()
        .map(|month| {
            for (role, n) in counts(&joined, &month) {
                *running.entry(role).or_default() += n;
            }
            let of = |role: &str| running.get(role).copied().unwrap_or(0);
            Members {
                organizers: of("organizer"),
                ambassadors: of("ambassador"),
                members: of("member"),
                month,
            }
        })
        .collect();

    Ok(Applicants {
        funnel,
        outcomes,
        decisions,
        decision,
        waiting,
        members,
        sources,
        organizations,
    })
}

/// A month of events: how many, and their RSVPs.
#[derive(QueryableByName, Debug, Default, Clone, PartialEq)]
pub struct EventMonth {
    #[diesel(sql_type = Text)]
    pub grp: String,
    #[diesel(sql_type = BigInt)]
    pub events: i64,
    #[diesel(sql_type = BigInt)]
    pub going: i64,
    #[diesel(sql_type = BigInt)]
    pub checked_in: i64,
    /// Checked in at events that are over (attendance counts only those).
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    /// Going, not checked in, and the event is over.
    #[diesel(sql_type = BigInt)]
    pub no_shows: i64,
    #[diesel(sql_type = BigInt)]
    pub waitlisted: i64,
}

/// One event of the period and its RSVPs.
#[derive(QueryableByName, Debug, Clone, PartialEq)]
pub struct EventLine {
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub title_zh: String,
    #[diesel(sql_type = Text)]
    pub title_en: String,
    #[diesel(sql_type = Timestamp)]
    pub starts_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Integer>)]
    pub capacity: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub ended: i64,
    #[diesel(sql_type = BigInt)]
    pub going: i64,
    #[diesel(sql_type = BigInt)]
    pub checked_in: i64,
    #[diesel(sql_type = BigInt)]
    pub no_shows: i64,
    #[diesel(sql_type = BigInt)]
    pub waitlisted: i64,
}

/// Talks given in one month, by language.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TalkMonth {
    pub month: String,
    pub zh: i64,
    pub en: i64,
}

/// The most events the per-event table lists (the newest); the months count them all.
pub const EVENT_LINES: i64 = 100;

pub struct Gatherings {
    pub months: Vec<EventMonth>,
    pub events: Vec<EventLine>,
    pub talks: Vec<TalkMonth>,
    /// Talks proposed in the period.
    pub proposed: i64,
}

/// The event half: published events starting in the period, their RSVPs, and talks given.
pub fn gatherings(
    conn: &mut DbConnection,
    chapter: ChapterId,
    period: &Period,
    now: NaiveDateTime,
) -> DomainResult<Gatherings> {
    let sql = Dialect::of(conn);
    let c = chapter.0;
    let over = format!("e.ends_at < {}", sql.ts(now));
    let tallies = format!(
        "COUNT(CASE WHEN r.status = {st_going} THEN 1 END) AS going, \
         COUNT(r.checked_in_at) AS checked_in, \
         COUNT(CASE WHEN r.checked_in_at IS NOT NULL AND {over} THEN 1 END) AS attended, \
         COUNT(CASE WHEN r.status = {st_going} AND r.checked_in_at IS NULL AND {over} THEN 1 END) AS no_shows, \
         COUNT(CASE WHEN r.status = {st_waitlisted} THEN 1 END) AS waitlisted",
        st_going = RsvpStatus::Going.sql(),
        st_waitlisted = RsvpStatus::Waitlisted.sql()
    );
    let from = format!(
        "FROM events e LEFT JOIN rsvps r ON r.event_id = e.id \
         WHERE e.chapter_id = {c} AND e.status = {st_published} AND {}",
        sql.within("e.starts_at", period),
        st_published = EventStatus::Published.sql()
    );
    let found = load::<EventMonth>(
        conn,
        &format!(
            "SELECT {} AS grp, COUNT(DISTINCT e.id) AS events, {tallies} {from} GROUP BY 1",
            sql.month("e.starts_at", period)
        ),
    )?;
    let months = period
        .months()
        .into_iter()
        .map(|m| {
            found
                .iter()
                .find(|f| f.grp == m)
                .cloned()
                .unwrap_or(EventMonth {
                    grp: m,
                    ..EventMonth::default()
                })
        })
        .collect();
    let events = load::<EventLine>(
        conn,
        &format!(
            "SELECT e.slug, e.title_zh, e.title_en, e.starts_at, e.capacity, \
               CAST(CASE WHEN {over} THEN 1 ELSE 0 END AS BIGINT) AS ended, {tallies} {from} \
             GROUP BY e.id, e.slug, e.title_zh, e.title_en, e.starts_at, e.capacity, e.ends_at \
             ORDER BY e.starts_at DESC, e.id DESC LIMIT {EVENT_LINES}"
        ),
    )?;
    let given = load::<Keyed>(
        conn,
        &format!(
            "SELECT {} AS grp, t.language AS sub, COUNT(*) AS n FROM talks t \
             WHERE t.chapter_id = {c} AND t.status = {st_accepted} AND {} GROUP BY 1, 2",
            sql.month("t.given_at", period),
            sql.within("t.given_at", period),
            st_accepted = TalkStatus::Accepted.sql()
        ),
    )?;
    let talks = period
        .months()
        .into_iter()
        .map(|month| {
            let of = counts(&given, &month);
            TalkMonth {
                zh: of.get("zh").copied().unwrap_or(0),
                en: of.get("en").copied().unwrap_or(0),
                month,
            }
        })
        .collect();
    let proposed = load::<Keyed>(
        conn,
        &format!(
            "SELECT '' AS grp, '' AS sub, COUNT(*) AS n FROM talks t \
             WHERE t.chapter_id = {c} AND t.proposer_id IS NOT NULL AND {}",
            sql.within("t.created_at", period)
        ),
    )?
    .first()
    .map_or(0, |r| r.n);
    Ok(Gatherings {
        months,
        events,
        talks,
        proposed,
    })
}
