//! The day of the meetup under load: the check-in desk of an event with 2,000 attendees (64
//! connections, signed in as an organizer; p50/p99 and requests/s for the first page and a
//! search), and the time to queue the 24-hour reminders of an event with 5,000 people going.
//! Numbers, not assertions. `cargo bench --bench day_of` (SQLite; set TEST_DATABASE_URL for
//! PostgreSQL). OGUG_BENCH_SECONDS sets the duration per page (default 5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use diesel::prelude::*;
use ogug::db::schema::{events, rsvps, users};
use ogug::db::write_transaction;
use ogug::domain::demo::EVENT_SLUG;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 64;
const PASSWORD: &str = "bench passphrase 2021";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

/// `n` people with an RSVP ("going", checked in every third) to event `event_id`.
fn attendees(conn: &mut ogug::db::DbConnection, event_id: i64, n: usize, prefix: &str) {
    let now = ogug::domain::now();
    for chunk in 0..n.div_ceil(500) {
        write_transaction(conn, |c| -> QueryResult<()> {
            for i in chunk * 500..((chunk + 1) * 500).min(n) {
                let id: i64 = diesel::insert_into(users::table)
                    .values((
                        users::email.eq(format!("{prefix}{i}@example.org")),
                        users::display_name.eq(format!("参会者 {i}")),
                        users::organization.eq(format!("单位 {}", i % 97)),
                        users::created_at.eq(now),
                        users::updated_at.eq(now),
                    ))
                    .returning(users::id)
                    .get_result(c)?;
                diesel::insert_into(rsvps::table)
                    .values((
                        rsvps::event_id.eq(event_id),
                        rsvps::user_id.eq(id),
                        rsvps::status.eq("going"),
                        rsvps::created_at.eq(now),
                        rsvps::updated_at.eq(now),
                        rsvps::checked_in_at.eq((i % 3 == 0).then_some(now)),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .unwrap();
    }
}

/// Drives `path` with 64 connections for the configured time: (requests/s, p50 ms, p99 ms).
async fn load(client: &reqwest::Client, url: String) -> (f64, f64, f64) {
    let seconds: u64 = std::env::var("OGUG_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let res = client.get(&url).send().await.unwrap();
                assert!(res.status().is_success(), "{}", res.status());
                res.bytes().await.unwrap();
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let at = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    (all.len() as f64 / elapsed, at(0.5), at(0.99))
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let bench_db = common::BenchDb::new(dir.path());
    let (url, backend) = (bench_db.url.clone(), bench_db.backend);
    let pool = ogug::db::connect(&url, 8).unwrap();
    let mut config = ogug::config::Config::for_data_dir(dir.path(), &url);
    config.mail_worker = false;
    let mut conn = pool.get().unwrap();
    ogug::cli::load_demo(&mut conn, &config).unwrap();
    let hash = ogug::domain::passwords::hash(PASSWORD).unwrap();
    let organizer: ogug::domain::ids::UserId = users::table
        .filter(users::email.eq("organizer@example.org"))
        .select(users::id)
        .first(&mut conn)
        .unwrap();
    ogug::domain::accounts::set_password(&mut conn, organizer, &hash, None).unwrap();
    let event_id: i64 = events::table
        .filter(events::slug.eq(EVENT_SLUG))
        .select(events::id)
        .first(&mut conn)
        .unwrap();
    let seeded = Instant::now();
    attendees(&mut conn, event_id, 2000, "desk");
    println!(
        "{backend}: 2,000 attendees seeded in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = ogug::Application::build_on(listener, config.clone(), pool.clone()).unwrap();
    tokio::spawn(app.run_until_stopped());
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login_page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = r#"name="csrf_token" value=""#;
    let start = login_page.find(marker).unwrap() + marker.len();
    let csrf = login_page[start..].split('"').next().unwrap();
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf),
            ("email", "organizer@example.org"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "sign-in: {}", res.status());
    let desk = format!("{base}/chapters/beijing/events/{EVENT_SLUG}/check-in");
    println!("| page (2,000 attendees, 64 connections) | req/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|");
    for (name, url) in [
        ("desk, first page", desk.clone()),
        ("desk, search", format!("{desk}?q=%E5%8D%95%E4%BD%8D%2042")),
        ("desk, page 30", format!("{desk}?page=30")),
    ] {
        let (rps, p50, p99) = load(&client, url).await;
        println!("| {name} | {rps:.0} | {p50:.1} | {p99:.1} |");
    }

    // An event of 5,000 people going, starting in 23 hours: queue its 24-hour reminders.
    let starts = ogug::domain::now() + chrono::TimeDelta::hours(23);
    diesel::update(events::table.find(event_id))
        .set((
            events::starts_at.eq(starts),
            events::ends_at.eq(starts + chrono::TimeDelta::hours(2)),
        ))
        .execute(&mut conn)
        .unwrap();
    diesel::delete(rsvps::table).execute(&mut conn).unwrap();
    attendees(&mut conn, event_id, 5000, "remind");
    let site = ogug::flows::Site::from_config(&config);
    let t = Instant::now();
    let queued = ogug::flows::reminders::send_due(&mut conn, &site, ogug::domain::now()).unwrap();
    println!(
        "{backend}: {queued} reminders queued in {:.2} s ({:.0}/s)",
        t.elapsed().as_secs_f64(),
        queued as f64 / t.elapsed().as_secs_f64()
    );
}
