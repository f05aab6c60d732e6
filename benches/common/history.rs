//! Years of a community's life, generated in the database (generate_series on PostgreSQL, a
//! recursive CTE on SQLite): members, applications with outcomes and decision times, events
//! with RSVPs and check-ins, and talks, spread over `days` days back from `now`. Row i of each
//! table is a pure function of i, so two runs (and the two backends) get the same data.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

pub struct Scale {
    pub chapters: usize,
    pub members: usize,
    pub applications: usize,
    pub events: usize,
    /// At most `members` (an RSVP's person is a function of i modulo `members`).
    pub rsvps: usize,
    pub talks: usize,
    pub days: usize,
}

/// The bench's large scale.
pub const LARGE: Scale = Scale {
    chapters: 50,
    members: 1_000_000,
    applications: 1_000_000,
    events: 100_000,
    rsvps: 1_000_000,
    talks: 20_000,
    days: 3650,
};

/// The bench's small scale: one chapter's two years.
pub const SMALL: Scale = Scale {
    chapters: 1,
    members: 1_000,
    applications: 1_000,
    events: 100,
    rsvps: 1_000,
    talks: 100,
    days: 730,
};

const ORGANIZATIONS: &str = "CASE (i % 9) WHEN 0 THEN '华为' WHEN 1 THEN '云和恩墨' \
    WHEN 2 THEN '海量数据' WHEN 3 THEN '中国移动' WHEN 4 THEN '招商银行' WHEN 5 THEN '北京大学' \
    WHEN 6 THEN 'Enmotech' WHEN 7 THEN '' ELSE '个人开发者' END";

/// Fills the `scale.chapters` chapters whose ids start at `first_chapter` (consecutive).
pub fn seed(
    conn: &mut ogug::db::DbConnection,
    first_chapter: i64,
    scale: &Scale,
    now: chrono::NaiveDateTime,
) {
    let pg = matches!(conn, ogug::db::DbConnection::Pg(_));
    let now = now.format("%Y-%m-%d %H:%M:%S").to_string();
    let series = |n: usize| {
        if pg {
            format!("(SELECT generate_series(1, {n}::bigint) AS i) AS s")
        } else {
            format!(
                "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s) AS s"
            )
        }
    };
    // `minutes` before now, and a timestamp plus `hours`.
    let ago = |minutes: &str| {
        if pg {
            format!("(TIMESTAMP '{now}' - ({minutes}) * INTERVAL '1 minute')")
        } else {
            format!("datetime('{now}', (-({minutes})) || ' minutes')")
        }
    };
    let plus = |t: &str, hours: &str| {
        if pg {
            format!("({t} + ({hours}) * INTERVAL '1 hour')")
        } else {
            format!("datetime({t}, ({hours}) || ' hours')")
        }
    };
    let span = scale.days * 1440;
    // Row i's chapter: the high bits of a multiplicative hash, so that a chapter's rows do not
    // share i's residues (i % 20 is an application's status).
    let chapter = format!(
        "({first_chapter} + ((i * 2654435761) % 4294967296) / 65536 % {})",
        scale.chapters
    );
    let (m, e) = (scale.members, scale.events);
    conn.batch_execute(&format!(
        "INSERT INTO users (email, display_name, organization, roster_visible, created_at, updated_at) \
           SELECT 'h' || i || '@hist.example', '成员 ' || i, {ORGANIZATIONS}, (i % 50 = 0), {now_ts}, {now_ts} \
           FROM {members};",
        now_ts = ago("0"),
        members = series(m),
    ))
    .unwrap();
    let first_user: i64 = ogug::db::schema::users::table
        .filter(ogug::db::schema::users::email.eq("h1@hist.example"))
        .select(ogug::db::schema::users::id)
        .first(conn)
        .unwrap();
    let user = |expr: &str| format!("({first_user} + ({expr}) % {m})");
    let created = ago(&format!("(i * 104729) % {span}"));
    conn.batch_execute(&format!(
        "INSERT INTO memberships (chapter_id, user_id, role, joined_at) \
           SELECT {chapter}, {u}, \
             CASE WHEN i % 500 = 1 THEN 'organizer' WHEN i % 50 = 1 THEN 'ambassador' ELSE 'member' END, \
             {joined} FROM {members};
         INSERT INTO applications (chapter_id, user_id, email, name, organization, desired_role, status, \
             source, created_at, confirmed_at, decided_at, updated_at) \
           SELECT {chapter}, CASE WHEN i % 20 < 12 THEN {applicant} END, \
             'a' || i || '@hist.example', '申请人 ' || i, {org}, 'member', \
             CASE WHEN i % 20 < 12 THEN 'approved' WHEN i % 20 < 16 THEN 'rejected' \
                  WHEN i % 20 = 16 THEN 'withdrawn' WHEN i % 20 < 19 THEN 'pending' ELSE 'unconfirmed' END, \
             CASE WHEN i % 9 = 0 THEN 'door' WHEN i % 4 = 0 THEN 'signed_in' ELSE 'form' END, \
             {created}, CASE WHEN i % 20 < 19 THEN {created} END, \
             CASE WHEN i % 20 < 16 THEN {decided} END, {created} \
           FROM {applications};
         INSERT INTO events (chapter_id, slug, title_zh, title_en, starts_at, ends_at, mode, status, capacity, created_at, updated_at) \
           SELECT {chapter}, 'h-' || i, '技术沙龙 ' || i, 'Meetup ' || i, {starts}, {ends}, 'offline', \
             CASE WHEN i % 97 = 0 THEN 'cancelled' ELSE 'published' END, 80, {starts}, {starts} \
           FROM {events};",
        u = user("i"),
        joined = ago(&format!("(i * 7919) % {span}")),
        members = series(m),
        applicant = user("i * 7"),
        org = ORGANIZATIONS.replace("(i % 9)", "((i * 7) % 9)"),
        decided = plus(&created, "(i * 37) % 240 + 1"),
        applications = series(scale.applications),
        starts = ago(&format!("((i * 7) % {}) * 1440 - 600", scale.days)),
        ends = ago(&format!("((i * 7) % {}) * 1440 - 780", scale.days)),
        events = series(e),
    ))
    .unwrap();
    let first_event: i64 = ogug::db::schema::events::table
        .filter(ogug::db::schema::events::slug.eq("h-1"))
        .select(ogug::db::schema::events::id)
        .first(conn)
        .unwrap();
    conn.batch_execute(&format!(
        "INSERT INTO rsvps (event_id, user_id, status, created_at, updated_at, checked_in_at) \
           SELECT ev.id, {u}, \
             CASE WHEN i % 10 < 8 THEN 'going' WHEN i % 10 = 8 THEN 'waitlisted' ELSE 'not_going' END, \
             ev.created_at, ev.created_at, \
             CASE WHEN i % 10 < 8 AND i % 4 <> 0 AND ev.ends_at < {now_ts} THEN ev.starts_at END \
           FROM {rsvps} JOIN events ev ON ev.id = {first_event} + i % {e};
         INSERT INTO talks (chapter_id, proposer_id, title_zh, title_en, abstract, abstract_html, language, level, \
             duration_min, status, placed_event_id, given_at, created_at, updated_at) \
           SELECT ev.chapter_id, {u}, '议题 ' || i, 'Talk ' || i, '', '', \
             CASE WHEN i % 4 = 0 THEN 'en' ELSE 'zh' END, 'intermediate', 30, 'accepted', ev.id, \
             ev.starts_at, ev.created_at, ev.created_at \
           FROM {talks} JOIN events ev ON ev.id = {first_event} + (i * 3) % {e} \
           WHERE ev.status = 'published';",
        u = user("i * 13"),
        now_ts = ago("0"),
        rsvps = series(scale.rsvps.min(m)),
        talks = series(scale.talks),
    ))
    .unwrap();
    // What autovacuum would have done by now: statistics, and (PostgreSQL) the visibility map
    // that lets index-only scans skip the table.
    conn.batch_execute(if pg { "VACUUM ANALYZE" } else { "ANALYZE" })
        .unwrap();
}
