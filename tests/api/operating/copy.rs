//! `ogug copy --to postgres://…` (issue 16): a site started on SQLite moves to PostgreSQL.

use crate::helpers::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ogug::db::schema::outbox;
use reqwest::StatusCode;
use std::time::Duration;

/// A few thousand rows in every table, the outbox in every state.
const GENERATE: &str = "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO users (email, display_name, organization, job_title, locale, is_site_admin,
    roster_visible, event_announcements, failed_logins, created_at, updated_at)
SELECT 'gen' || i || '@example.org', '成员' || i, 'Org ' || (i % 7), '', 'zh-CN', 0, i % 2, 1, 0,
    '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n;
INSERT INTO memberships (chapter_id, user_id, role, joined_at, listed)
SELECT 1, id, CASE WHEN id % 50 = 0 THEN 'ambassador' ELSE 'member' END, '2026-01-02 00:00:00', 0
FROM users WHERE email LIKE 'gen%';
INSERT INTO applications (chapter_id, email, name, organization, job_title, desired_role,
    motivation, opengauss_usage, answers, locale, status, created_at, updated_at)
SELECT 1, 'app' || id || '@example.org', '申请' || id, 'Org', '', 'member', '交流', '', '[]', 'zh-CN',
    CASE id % 4 WHEN 0 THEN 'approved' WHEN 1 THEN 'rejected' WHEN 2 THEN 'withdrawn' ELSE 'unconfirmed' END,
    '2026-01-03 00:00:00', '2026-01-03 00:00:00'
FROM users WHERE email LIKE 'gen%';
INSERT INTO events (chapter_id, slug, title_zh, title_en, summary_zh, summary_en, body, body_html,
    starts_at, ends_at, mode, venue, address, online_url, status, cancel_message, recording_url,
    photos_url, sequence, created_at, updated_at, published_at)
SELECT 1, 'gen-' || id, '活动 ' || id, 'Event ' || id, '', '', '**x**', '<p><strong>x</strong></p>\n',
    datetime('2020-01-01', '+' || id || ' days'), datetime('2020-01-01', '+' || id || ' days', '+2 hours'),
    'offline', '中关村', '', '', CASE id % 3 WHEN 0 THEN 'draft' WHEN 1 THEN 'published' ELSE 'cancelled' END,
    '', '', '', 0, '2026-01-04 00:00:00', '2026-01-04 00:00:00', '2026-01-04 00:00:00'
FROM users WHERE email LIKE 'gen%';
INSERT INTO event_agenda_items (event_id, position, time_label, title, speaker, affiliation, slides_url)
SELECT id, 0, '14:00', '议题', '讲者', '某公司', '' FROM events WHERE slug LIKE 'gen-%';
INSERT INTO event_hosts (event_id, position, organization, kind)
SELECT id, 0, 'openGauss', 'host' FROM events WHERE slug LIKE 'gen-%';
INSERT INTO rsvps (event_id, user_id, status, created_at, updated_at)
SELECT (SELECT MIN(id) FROM events WHERE slug LIKE 'gen-%') + (u.id - (SELECT MIN(id) FROM users WHERE email LIKE 'gen%')),
    u.id, CASE u.id % 3 WHEN 0 THEN 'going' WHEN 1 THEN 'waitlisted' ELSE 'not_going' END,
    '2026-01-05 00:00:00', '2026-01-05 00:00:00'
FROM users u WHERE u.email LIKE 'gen%';
INSERT INTO tokens (token_hash, purpose, user_id, expires_at, created_at)
SELECT 'gen-token-' || id, 'reset-password', id, '2030-01-01 00:00:00', '2026-01-06 00:00:00'
FROM users WHERE email LIKE 'gen%';
INSERT INTO sessions (token_hash, user_id, csrf_token, remember, created_at, last_seen_at, expires_at, ip, user_agent)
SELECT 'gen-session-' || id, id, 'csrf' || id, 0, '2026-01-07 00:00:00', '2026-01-07 00:00:00',
    '2030-01-01 00:00:00', '127.0.0.1', 'test' FROM users WHERE email LIKE 'gen%';
INSERT INTO outbox (idempotency_key, to_addr, to_name, locale, subject, body_text, body_html, status,
    attempts, next_attempt_at, locked_until, created_at, sent_at)
SELECT 'gen-mail-' || id, 'to' || id || '@example.org', '', 'zh-CN', '测试 ' || id, 'text', '<p>html</p>',
    CASE WHEN id % 40 = 0 THEN 'pending' WHEN id % 40 = 1 THEN 'sending' WHEN id % 2 = 0 THEN 'sent' ELSE 'dead' END,
    1, '2026-01-08 00:00:00', CASE WHEN id % 40 = 1 THEN '2026-01-08 00:05:00' END,
    '2026-01-08 00:00:00', CASE WHEN id % 2 = 0 AND id % 40 > 1 THEN '2026-01-08 00:01:00' END
FROM users WHERE email LIKE 'gen%';
INSERT INTO audit_log (actor_user_id, action, chapter_id, object_type, object_id, details, ip, created_at)
SELECT id, 'login', NULL, 'user', id, '', '127.0.0.1', '2026-01-09 00:00:00' FROM users WHERE email LIKE 'gen%';
INSERT INTO rate_limits (key, window_start, count)
SELECT 'gen-limit-' || id, '2026-01-10 00:00:00', id % 9 FROM users WHERE email LIKE 'gen%';
";

/// The PostgreSQL test database, even while the source is SQLite.
fn postgres_target(test: &str) -> Option<(TestDb, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(dir.path());
    if !db.is_postgres() {
        eprintln!("skipped {test}: needs PostgreSQL (set TEST_DATABASE_URL)");
        return None;
    }
    Some((db, dir))
}

#[tokio::test]
async fn a_sqlite_site_moves_to_postgres_with_its_sessions_pages_and_queued_mail() {
    let Some((target, _dir)) = postgres_target("a_sqlite_site_moves_to_postgres") else {
        return;
    };
    // The source: an SQLite site with the demo, a signed-in organizer and generated data. Its
    // mail worker is off: the queued emails are to be sent by the new site.
    let dir = tempfile::tempdir().unwrap();
    let source_url = format!("sqlite://{}", dir.path().join("site.sqlite3").display());
    let source = spawn_app_with(Options {
        database_url: Some(source_url.clone()),
        mail_worker: false,
        ..Options::default()
    })
    .await;
    let organizer = source.organizer_of("beijing").await;
    source.conn().batch_execute(GENERATE).unwrap();
    let queued: i64 = outbox::table
        .filter(outbox::status.eq_any(["pending", "sending"]))
        .count()
        .get_result(&mut source.conn())
        .unwrap();

    let started = std::time::Instant::now();
    let (ok, out) = ogug_cli(&source_url, &["copy", "--to", &target.url]);
    assert!(ok, "{out}");
    eprintln!("copy SQLite → PostgreSQL: {:?}\n{out}", started.elapsed());
    assert!(out.contains("row counts match"));

    // The PostgreSQL site, on the copy.
    let moved = spawn_app_with(Options {
        database_url: Some(target.url.clone()),
        demo: false,
        ..Options::default()
    })
    .await;
    // The same public pages, byte for byte (but for the address they are served from).
    let event = format!(
        "/chapters/beijing/events/{}",
        ogug::domain::demo::EVENT_SLUG
    );
    for path in [
        "/",
        "/chapters",
        "/chapters/beijing",
        "/chapters/beijing/events",
        "/chapters/beijing/events?when=past",
        event.as_str(),
        "/events.ics",
        "/api/v1/events.json",
    ] {
        let fetch = |a: &TestApp| {
            let address = a.address.clone();
            let url = format!("{address}{path}");
            async move {
                let body = reqwest::get(url).await.unwrap().text().await.unwrap();
                // The share box's QR code draws the absolute address: compare without it.
                let body = match (
                    body.find(r#"<figure class="qr share-qr">"#),
                    body.find("</figure>"),
                ) {
                    (Some(from), Some(to)) if to > from => {
                        format!("{}{}", &body[..from], &body[to..])
                    }
                    _ => body,
                };
                body.replace(&address, "ORIGIN")
            }
        };
        assert_eq!(fetch(&source).await, fetch(&moved).await, "{path}");
    }
    // The old session cookie still works.
    let old = Browser {
        address: moved.address.clone(),
        client: organizer.client.clone(),
    };
    assert_eq!(old.get("/account").await.status(), StatusCode::OK);
    // The queued emails are sent, once each ('sending' ones after their lease ran out).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while (moved.smtp.received().len() as i64) < queued {
        assert!(
            tokio::time::Instant::now() < deadline,
            "queued emails not sent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = moved.smtp.received();
    let mut ids: Vec<String> = received.iter().map(|m| parse(m).message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(received.len() as i64, queued, "each once");
    assert_eq!(ids.len() as i64, queued);
    // New rows get new ids (the sequences moved on).
    let applicant = moved.applicant("新申请", "after-copy@example.org");
    assert_eq!(
        applicant.apply("beijing").await.status(),
        StatusCode::SEE_OTHER
    );

    // A target with data is refused, and nothing is written.
    let (ok, out) = ogug_cli(&source_url, &["copy", "--to", &target.url]);
    assert!(!ok && out.contains("already holds data"), "{out}");
}

#[tokio::test]
async fn copy_refuses_an_unreachable_or_non_postgres_target() {
    let dir = tempfile::tempdir().unwrap();
    let source = format!("sqlite://{}", dir.path().join("s.sqlite3").display());
    let (ok, out) = ogug_cli(&source, &["copy", "--to", "sqlite://elsewhere.sqlite3"]);
    assert!(!ok && out.contains("must be a postgres:// URL"), "{out}");
    let (ok, out) = ogug_cli(
        &source,
        &[
            "copy",
            "--to",
            "postgres://nobody@127.0.0.1:1/none?connect_timeout=2",
        ],
    );
    assert!(!ok && out.contains("cannot reach the target"), "{out}");
    assert_eq!(out.trim().lines().count(), 1, "{out}");
}
