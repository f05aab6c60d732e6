//! Insights at scale: years of a community generated in the database (OGUG_BENCH_SCALE=large:
//! 50 chapters, 1 M members, 1 M applications, 100 k events, 1 M RSVPs over ten years;
//! otherwise one chapter's two years), then each insights page driven by signed-in clients
//! (OGUG_BENCH_CONNECTIONS at once, default 2: one per core, so p99 is the render time and not
//! a queue; OGUG_BENCH_SECONDS each): requests/s, p50 and p99.
//! `cargo bench --bench insights`; TEST_DATABASE_URL set: PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::history;
use diesel::prelude::*;
use ogug::db::schema::{chapters, memberships, users};
use std::time::Instant;

const PASSWORD: &str = "bench passphrase 2021";

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}

/// A person with a password, `role` of chapter `chapter` (none: a site admin).
fn person(conn: &mut ogug::db::DbConnection, email: &str, chapter: Option<(i64, &str)>) {
    let email_address = ogug::domain::users::EmailAddress::parse(email).unwrap();
    let user = ogug::domain::users::create(
        conn,
        &ogug::domain::users::UserProfile {
            email: &email_address,
            display_name: email,
            organization: "",
            job_title: "",
            locale: ogug::i18n::Locale::ZhCn,
            roster_visible: false,
        },
        chapter.is_none(),
    )
    .unwrap();
    let hash = ogug::domain::passwords::hash(PASSWORD).unwrap();
    ogug::domain::accounts::set_password(conn, user.id, &hash, None).unwrap();
    if let Some((chapter, role)) = chapter {
        diesel::insert_into(memberships::table)
            .values((
                memberships::chapter_id.eq(chapter),
                memberships::user_id.eq(user.id),
                memberships::role.eq(role),
                memberships::joined_at.eq(ogug::domain::now()),
            ))
            .execute(conn)
            .unwrap();
    }
}

async fn run() {
    let large = std::env::var("OGUG_BENCH_SCALE").is_ok_and(|s| s == "large");
    let scale = if large {
        &history::LARGE
    } else {
        &history::SMALL
    };
    let temp = tempfile::tempdir().unwrap();
    let dir = if std::env::var_os("OGUG_BENCH_KEEP").is_some() {
        // Keeps the SQLite file for EXPLAIN QUERY PLAN afterwards.
        let kept = temp.keep();
        println!("kept: {}", kept.display());
        kept
    } else {
        temp.path().to_path_buf()
    };
    let dir = dir.as_path();
    let bench_db = common::BenchDb::new(dir);
    let (url, backend) = (bench_db.url.clone(), bench_db.backend);
    let pool = ogug::db::connect(&url, 8).unwrap();
    let mut config = ogug::config::Config::for_data_dir(dir, &url);
    config.mail_worker = false;
    config.demo = false;
    let mut conn = pool.get().unwrap();
    ogug::db::run_migrations(&mut conn).unwrap();
    let now = ogug::domain::now();
    let stamp = now.format("'%Y-%m-%d %H:%M:%S'").to_string();
    let stamp = if backend == "PostgreSQL" {
        format!("TIMESTAMP {stamp}")
    } else {
        stamp
    };
    for i in 1..=scale.chapters {
        diesel::sql_query(format!(
            "INSERT INTO chapters (slug, name_zh, name_en, city, created_at, updated_at) \
             VALUES ('hist-{i}', '城市{i}', 'City {i}', 'City {i}', {stamp}, {stamp})"
        ))
        .execute(&mut conn)
        .unwrap();
    }
    let first: i64 = chapters::table
        .filter(chapters::slug.eq("hist-1"))
        .select(chapters::id)
        .first(&mut conn)
        .unwrap();
    let seeded = Instant::now();
    history::seed(&mut conn, first, scale, now);
    let count = |conn: &mut ogug::db::DbConnection, table: &str| -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<N>(conn)
            .unwrap()
            .n
    };
    println!(
        "{backend}: seeded {} chapters, {} members, {} applications, {} events, {} RSVPs, {} talks in {:.1} s",
        scale.chapters,
        count(&mut conn, "memberships"),
        count(&mut conn, "applications"),
        count(&mut conn, "events"),
        count(&mut conn, "rsvps"),
        count(&mut conn, "talks"),
        seeded.elapsed().as_secs_f64()
    );
    person(
        &mut conn,
        "organizer@bench.example",
        Some((first, "organizer")),
    );
    person(
        &mut conn,
        "ambassador@bench.example",
        Some((first, "ambassador")),
    );
    person(&mut conn, "admin@bench.example", None);
    let people: i64 = users::table.count().get_result(&mut conn).unwrap();
    let per_chapter = people / scale.chapters as i64;
    drop(conn);

    let base = common::serve(config, pool);
    let organizer = common::signed_in(&base, "organizer@bench.example", PASSWORD).await;
    let ambassador = common::signed_in(&base, "ambassador@bench.example", PASSWORD).await;
    let admin = common::signed_in(&base, "admin@bench.example", PASSWORD).await;
    let ten_years = {
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive();
        format!(
            "from={}&to={today}",
            today - chrono::TimeDelta::days(3650) + chrono::TimeDelta::days(31)
        )
    };
    let chapter = format!("{base}/chapters/hist-1/manage/insights");
    let connections: usize = std::env::var("OGUG_BENCH_CONNECTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    println!(
        "\nogug insights bench · {backend} · {} chapters, ~{per_chapter} people per chapter · {connections} connections, signed in\n",
        scale.chapters
    );
    println!("| page | bytes | req/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|");
    for (name, client, url) in [
        (
            "chapter insights, 12 months (organizer)",
            &organizer,
            chapter.clone(),
        ),
        (
            "chapter insights, 10 years (organizer)",
            &organizer,
            format!("{chapter}?{ten_years}"),
        ),
        (
            "chapter insights, 12 months (ambassador)",
            &ambassador,
            chapter.clone(),
        ),
        (
            "chapter CSV: time to decision",
            &organizer,
            format!("{chapter}.csv?series=decisions"),
        ),
        (
            "site insights, 12 months",
            &admin,
            format!("{base}/admin/insights"),
        ),
        (
            "site insights, 10 years",
            &admin,
            format!("{base}/admin/insights?{ten_years}"),
        ),
        (
            "/stats (signed in: uncached)",
            &admin,
            format!("{base}/stats"),
        ),
    ] {
        let page = client.get(&url).send().await.unwrap();
        assert!(page.status().is_success(), "{url}: {}", page.status());
        let bytes = page.bytes().await.unwrap().len();
        let (rps, p50, p99) = common::load(client, url, connections).await;
        println!("| {name} | {bytes} | {rps:.0} | {p50:.1} | {p99:.1} |");
    }
}
