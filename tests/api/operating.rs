//! What an operator relies on (issue 16): readiness, request ids.

use crate::helpers::*;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn readyz_says_ready_only_when_the_database_and_mail_worker_are() {
    let app = spawn_app().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let res = app.get("/readyz").await;
        if res.status() == StatusCode::OK {
            assert_eq!(res.text().await.unwrap(), "ready");
            break;
        }
        // The mail worker may not have gone round yet right after start.
        assert!(tokio::time::Instant::now() < deadline, "never ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A migration this binary knows is missing from the database.
    app.conn()
        .batch_execute(
            "DELETE FROM __diesel_schema_migrations WHERE version = \
             (SELECT MAX(version) FROM __diesel_schema_migrations)",
        )
        .unwrap();
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.text().await.unwrap(), "database: migrations pending");
    // Every connection busy: not ready, said within the probe's own time limit; still alive.
    let held: Vec<_> = (0..app.config.db_pool_size)
        .map(|_| app.pool.get().unwrap())
        .collect();
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.text().await.unwrap(), "database: no answer within 3 s");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    drop(held);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_500_shows_it() {
    let app = spawn_app().await;
    let mut seen = std::collections::HashSet::new();
    for path in ["/", "/nope", "/healthz", "/static/app.css"] {
        let res = app.get(path).await;
        let id = res
            .headers()
            .get("x-request-id")
            .expect("an id")
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(id.len(), 16, "{path}");
        assert!(seen.insert(id), "ids differ");
    }
    // A refused form (the CSRF middleware answers) carries one too.
    let res = app.browser().post_raw("/login", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers().contains_key("x-request-id"));

    // Something breaks: the error page names the request, and nothing else about it.
    app.conn().batch_execute("DROP TABLE event_hosts").unwrap();
    let res = app
        .get(&format!(
            "/chapters/beijing/events/{}?fresh=1",
            ogug::domain::demo::EVENT_SLUG
        ))
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = res
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("<code>{id}</code>")), "{html}");
    assert!(!html.contains("event_hosts"), "no detail leaks");
}
