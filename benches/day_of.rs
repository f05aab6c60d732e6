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
use std::time::Instant;

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

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let bench_db = common::BenchDb::new(dir.path());
    let backend = bench_db.backend;
    let (pool, config) = common::demo(&bench_db, dir.path(), PASSWORD);
    let mut conn = pool.get().unwrap();
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

    let base = common::serve(config.clone(), pool.clone());
    let client = common::signed_in(&base, "organizer@example.org", PASSWORD).await;
    let desk = format!("{base}/chapters/beijing/events/{EVENT_SLUG}/check-in");
    println!("| page (2,000 attendees, 64 connections) | req/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|");
    for (name, url) in [
        ("desk, first page", desk.clone()),
        ("desk, search", format!("{desk}?q=%E5%8D%95%E4%BD%8D%2042")),
        ("desk, page 30", format!("{desk}?page=30")),
    ] {
        let (rps, p50, p99) = common::load(&client, url, CONNECTIONS).await;
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
