//! Operating ogug: readiness and request ids here; backups, the CLI, the copy to PostgreSQL,
//! deployment recipes, several instances, logs, mail delivery, the proxy, caches and their
//! invalidation, and behaviour under pressure in the modules below.

mod backups;
mod cache;
mod cli;
mod copy;
mod deploy;
mod instances;
mod logs;
mod mail;
mod proxy;
mod security;

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

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_and_parse() {
    let app = spawn_app_with(Options {
        metrics: true,
        ..Options::default()
    })
    .await;
    // Some traffic: pages (cached and not), a failed sign-in, an application.
    app.get("/chapters/beijing").await;
    app.get("/chapters/beijing").await;
    // Not in the micro-cache: the chapter's shared parts are used again, not rebuilt.
    app.get("/chapters/beijing?fresh=1").await;
    app.browser().login("nobody@example.org", "wrong").await;
    app.applicant("指标", "metrics@example.org")
        .apply("beijing")
        .await;
    // Never on the public port.
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    let port = app.metrics_port.expect("a metrics listener");
    let started = std::time::Instant::now();
    let res = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    eprintln!("scrape: {:?}, {} bytes", started.elapsed(), body.len());

    let lines = body.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("parses");
    let value = |name: &str, label: Option<(&str, &str)>| -> f64 {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => 0.0,
            })
            .sum()
    };
    assert!(
        value(
            "ogug_http_requests_total",
            Some(("route", "/chapters/:slug"))
        ) >= 2.0
    );
    assert!(value("ogug_page_cache_hits_total", None) >= 1.0);
    assert!(value("ogug_page_cache_misses_total", None) >= 1.0);
    assert_eq!(value("ogug_shared_parts_builds_total", None), 1.0);
    assert!(value("ogug_shared_parts_hits_total", None) >= 1.0);
    assert_eq!(value("ogug_sign_in_failures_total", None), 1.0);
    assert_eq!(
        value("ogug_applications_pending", None),
        0.0,
        "unconfirmed yet"
    );
    assert_eq!(
        value("ogug_outbox_emails", None),
        1.0,
        "the confirmation email, in any state"
    );
    assert!(body.contains("ogug_http_request_duration_seconds_bucket"));
    assert!(body.contains("ogug_db_pool_in_use") && body.contains("ogug_db_pool_idle"));
    assert!(body.contains("ogug_outbox_oldest_queued_age_seconds"));
    assert!(body.contains("ogug_throttle_refusals_total"));
}

#[tokio::test]
async fn a_metrics_listener_on_a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(dir.path());
    let mut config = ogug::config::Config::for_data_dir(dir.path(), &db.url);
    config.metrics_bind = Some(bind.clone());
    let pool = ogug::db::connect(&config.database_url, 2).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = ogug::Application::build_on(listener, config, pool)
        .err()
        .expect("refused");
    assert!(
        err.to_string()
            .contains(&format!("OGUG_METRICS_BIND={bind}")),
        "{err}"
    );
}

/// The pool lends connections without testing each first (a round trip per request): when
/// PostgreSQL ends the app's sessions (a restart, an administrator), a request that meets a
/// dead connection fails once and the connection is dropped, never lent again; pages recover
/// within one round of the pool.
#[tokio::test]
async fn connections_the_server_ended_are_dropped_not_lent_again() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let Some(admin_url) = app.db.admin_url.clone() else {
        return; // PostgreSQL only: SQLite has no server to end a session.
    };
    // Every connection of the app's pool, and its server process.
    let held: Vec<_> = (0..app.config.db_pool_size)
        .map(|_| app.pool.get().unwrap())
        .collect();
    let pids: Vec<i32> = held
        .into_iter()
        .map(|mut c| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
                "pg_backend_pid()",
            ))
            .get_result(&mut *c)
            .unwrap()
        })
        .collect();
    let mut admin = ogug::db::establish_pg(&admin_url).unwrap();
    for pid in &pids {
        diesel::sql_query(format!("SELECT pg_terminate_backend({pid})"))
            .execute(&mut admin)
            .unwrap();
    }
    // Each dead connection fails at most one request; then every page is answered.
    let mut failures = 0;
    for n in 0..(pids.len() * 2 + 10) {
        let status = app.get(&format!("/chapters/beijing?n={n}")).await.status();
        if status != StatusCode::OK {
            failures += 1;
        }
    }
    assert!(
        failures <= pids.len(),
        "{failures} failures for {} dead connections",
        pids.len()
    );
    for n in 0..20 {
        let res = app.get(&format!("/chapters/beijing?again={n}")).await;
        assert_eq!(res.status(), StatusCode::OK, "recovered");
    }
}

/// A pool of no connections could serve nothing: the setting is refused at start, by name.
#[test]
fn a_database_pool_of_zero_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ogug"))
        .arg("serve")
        .env("OGUG_DATA_DIR", dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/x.sqlite3", dir.path().display()),
        )
        .env("OGUG_BIND", "127.0.0.1:0")
        .env("OGUG_DB_POOL_SIZE", "0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("OGUG_DB_POOL_SIZE"), "{stderr}");
}

/// Sessions are kept in memory only while this instance hears changes: once its listener's
/// connection is gone, a session ended elsewhere (here: deleted straight in the database, whose
/// notice nobody hears) is refused at the next request, not served from memory.
#[tokio::test]
async fn a_listener_that_lost_its_connection_keeps_no_sessions() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let app = spawn_app_with(Options {
        metrics: true,
        ..Options::default()
    })
    .await;
    let Some(admin_url) = app.db.admin_url.clone() else {
        return; // PostgreSQL only: SQLite keeps no sessions in memory.
    };
    let schema: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "current_schema()",
    ))
    .get_result(&mut app.conn())
    .unwrap();
    let mut admin = ogug::db::establish_pg(&admin_url).unwrap();
    let listener = || {
        diesel::sql_query("SELECT pid FROM pg_stat_activity WHERE application_name = $1")
            .bind::<diesel::sql_types::Text, _>(format!("ogug listener {schema}"))
    };
    let since = std::time::Instant::now();
    let pid = loop {
        if let Some(p) = listener().get_result::<Pid>(&mut admin).optional().unwrap() {
            break p.pid;
        }
        assert!(
            since.elapsed().as_secs() < 10,
            "the listener never connected"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };

    app.create_user("kept@example.org", "K", Some(PASSWORD), false);
    let who = app.browser();
    assert!(
        who.login("kept@example.org", PASSWORD)
            .await
            .status()
            .is_redirection()
    );
    let port = app.metrics_port.expect("a metrics listener");
    let hits = || metric(port, "ogug_sessions_kept_hits_total");
    let before = hits().await;
    for _ in 0..3 {
        assert_eq!(who.get("/account").await.status(), StatusCode::OK);
    }
    assert!(hits().await >= before + 2.0, "the session was kept");

    diesel::sql_query(format!("SELECT pg_terminate_backend({pid})"))
        .execute(&mut admin)
        .unwrap();
    // The listener notices within its 20 ms poll; it reconnects only after a second (and
    // forgets everything then too, so a slow machine cannot make this pass wrongly).
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    diesel::delete(ogug::db::schema::sessions::table)
        .execute(&mut app.conn())
        .unwrap();
    let res = who.get("/account").await;
    assert!(
        res.location().starts_with("/login"),
        "an ended session was served from memory: {}",
        res.status()
    );
}
