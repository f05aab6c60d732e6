//! Operating under pressure: retention of sent mail, health checks while the pool is busy, pages behind secret links never cached.
//! (Regression tests for the findings of the outside probe of issue 13.)

const WAIT: Duration = Duration::from_secs(10);

use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::outbox;
use reqwest::StatusCode;
use std::time::Duration;

// 6. Raw tokens in the outbox ----------------------------------------------------------------

#[tokio::test]
async fn sent_emails_lose_their_bodies_after_the_retention_period() {
    let app = spawn_app().await;
    for email in ["old@example.org", "new@example.org"] {
        app.applicant("申请人", email).apply("beijing").await;
    }
    app.smtp.wait_for(2, WAIT).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while outbox::table
        .filter(outbox::status.eq("sent"))
        .count()
        .get_result::<i64>(&mut app.conn())
        .unwrap()
        < 2
    {
        assert!(tokio::time::Instant::now() < deadline, "never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let eight_days_ago = ogug::domain::now() - chrono::TimeDelta::days(8);
    diesel::update(outbox::table.filter(outbox::to_addr.eq("old@example.org")))
        .set(outbox::sent_at.eq(Some(eight_days_ago)))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(ogug::jobs::housekeeping(&app.pool, &app.config).unwrap(), 1);
    let rows: Vec<(String, String, String, String)> = outbox::table
        .order(outbox::to_addr)
        .select((
            outbox::to_addr,
            outbox::subject,
            outbox::body_text,
            outbox::body_html,
        ))
        .load(&mut app.conn())
        .unwrap();
    let (new, old) = (&rows[0], &rows[1]);
    assert_eq!(old.0, "old@example.org");
    assert!(old.2.is_empty() && old.3.is_empty(), "no token at rest");
    assert!(!old.1.is_empty(), "the metadata stays");
    assert!(
        new.2.contains("/applications/confirm/"),
        "recent bodies stay"
    );
    assert_eq!(
        ogug::mail::outbox::purged_count(&mut app.conn()).unwrap(),
        1
    );
}

#[tokio::test]
async fn healthz_answers_while_every_database_connection_is_busy() {
    let app = spawn_app().await;
    // Hold every connection of the app's pool: pages wait, the liveness probe must not.
    let held: Vec<_> = (0..app.config.db_pool_size)
        .map(|_| app.pool.get().unwrap())
        .collect();
    let res = tokio::time::timeout(Duration::from_secs(3), app.get("/healthz"))
        .await
        .expect("/healthz does not wait for the database");
    assert_eq!(res.status(), StatusCode::OK);
    drop(held);
}

// 13. Token pages and caches -----------------------------------------------------------------

#[tokio::test]
async fn pages_behind_secret_links_are_never_cached() {
    use ogug::domain::one_time_tokens::Purpose;
    let app = spawn_app().await;
    let id = app.create_user("t@example.org", "T", None, false);
    let activate = app.issue_token(Purpose::Activate, id);
    let reset = app.issue_token(Purpose::ResetPassword, id);
    let unknown = "0".repeat(64);
    for path in [
        format!("/account/activate/{activate}"),
        format!("/account/reset/{reset}"),
        format!("/account/activate/{unknown}"),
        format!("/applications/status/{unknown}"),
        format!("/applications/confirm/{unknown}"),
    ] {
        let res = app.browser().get(&path).await;
        assert_eq!(
            res.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }
    // Public pages stay cacheable.
    let res = app.browser().get("/chapters/beijing/events.ics").await;
    assert_ne!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}
