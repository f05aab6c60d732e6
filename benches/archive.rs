//! The talk archive at scale: 100,000 talks given at 5,000 meetups over ten years, searched and
//! filtered by 64 connections signed in (so the anonymous micro-cache is not what is measured).
//! Prints requests/s, p50 and p99 per query. Numbers, not assertions.
//! `cargo bench --bench archive` (SQLite; set TEST_DATABASE_URL for PostgreSQL).
//! OGUG_BENCH_TALKS sets the number of talks (default 100,000), OGUG_BENCH_SECONDS the duration
//! per query (default 5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use diesel::prelude::*;
use ogug::db::schema::{talk_speakers, talks};
use ogug::db::write_transaction;
use std::time::Instant;

const CONNECTIONS: usize = 64;
const PASSWORD: &str = "bench passphrase 2021";
const TALKS_PER_EVENT: usize = 20;

/// Words the generated titles and abstracts are made of: openGauss topics in both languages.
const ZH: [&str; 24] = [
    "高可用",
    "主备切换",
    "内核",
    "执行器",
    "优化器",
    "向量化",
    "并行查询",
    "分区表",
    "分区裁剪",
    "存储引擎",
    "日志回放",
    "迁移",
    "兼容性",
    "生态",
    "安全",
    "审计",
    "加密",
    "性能调优",
    "索引",
    "事务",
    "锁",
    "分布式",
    "云原生",
    "智能运维",
];
const EN: [&str; 16] = [
    "replication",
    "failover",
    "planner",
    "executor",
    "vectorized",
    "partitioning",
    "storage",
    "migration",
    "compatibility",
    "security",
    "encryption",
    "tuning",
    "index",
    "transactions",
    "kubernetes",
    "observability",
];
const TAGS: [&str; 8] = [
    "kernel",
    "ha",
    "ai4db",
    "migration",
    "ecosystem",
    "performance",
    "security",
    "tools",
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

/// A cheap deterministic pseudo-random sequence (the same data on every run and backend).
fn pick(seed: usize, salt: usize, n: usize) -> usize {
    // splitmix64: neighbouring seeds give unrelated picks.
    let mut z = (seed as u64 ^ (salt as u64).rotate_left(32)).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) % n as u64) as usize
}

fn seed(conn: &mut ogug::db::DbConnection, chapter_id: ogug::domain::ids::ChapterId, n: usize) {
    let start = chrono::NaiveDate::from_ymd_opt(2016, 1, 2)
        .unwrap()
        .and_hms_opt(6, 0, 0)
        .unwrap();
    let events = n.div_ceil(TALKS_PER_EVENT);
    let mut event_ids = Vec::with_capacity(events);
    for chunk in 0..events.div_ceil(500) {
        write_transaction(conn, |c| -> ogug::domain::DomainResult<()> {
            for e in chunk * 500..((chunk + 1) * 500).min(events) {
                let starts = start + chrono::TimeDelta::hours(17 * e as i64);
                let slug = format!("bench-{e}");
                let id = ogug::domain::events::insert(
                    c,
                    &ogug::domain::events::NewEventData {
                        chapter_id,
                        slug: &slug,
                        title_zh: &format!("openGauss Meetup 第 {e} 期"),
                        title_en: &format!("openGauss Meetup #{e}"),
                        summary_zh: "",
                        summary_en: "",
                        body: "",
                        starts_at: starts,
                        ends_at: starts + chrono::TimeDelta::hours(3),
                        mode: "offline",
                        venue: "",
                        address: "",
                        recording_url: "",
                        photos_url: "",
                        status: ogug::domain::events::EventStatus::Published,
                        created_by: None,
                    },
                    &[],
                    &[],
                )?;
                event_ids.push((id, starts));
            }
            Ok(())
        })
        .unwrap();
    }
    let now = ogug::domain::now();
    for chunk in 0..n.div_ceil(1000) {
        write_transaction(conn, |c| -> ogug::domain::DomainResult<()> {
            for i in chunk * 1000..((chunk + 1) * 1000).min(n) {
                let (event_id, starts) = event_ids[i / TALKS_PER_EVENT];
                let words: Vec<&str> = (0..6).map(|k| ZH[pick(i, k, ZH.len())]).collect();
                let en: Vec<&str> = (0..3).map(|k| EN[pick(i, k + 9, EN.len())]).collect();
                let title_zh = format!("openGauss {}与{}实践", words[0], words[1]);
                let title_en = format!("openGauss {} and {}", en[0], en[1]);
                let abstract_md = format!(
                    "本次分享介绍 openGauss 的{}、{}和{}，结合{}场景讲解{}与{}。We cover {} in production.",
                    words[0], words[1], words[2], words[3], words[4], words[5], en[2]
                );
                let tags = format!(
                    "{} {}",
                    TAGS[pick(i, 20, TAGS.len())],
                    TAGS[pick(i, 21, TAGS.len())]
                );
                let id: ogug::domain::ids::TalkId = diesel::insert_into(talks::table)
                    .values((
                        talks::chapter_id.eq(chapter_id),
                        talks::title_zh.eq(&title_zh),
                        talks::title_en.eq(&title_en),
                        talks::abstract_md.eq(&abstract_md),
                        talks::abstract_html.eq(format!("<p>{abstract_md}</p>")),
                        talks::language.eq(if i % 5 == 0 { "en" } else { "zh" }),
                        talks::level.eq("intermediate"),
                        talks::duration_min.eq(30),
                        talks::tags.eq(&tags),
                        talks::status.eq(ogug::domain::talks::TalkStatus::Accepted),
                        talks::placed_event_id.eq(Some(event_id)),
                        talks::given_at.eq(Some(starts)),
                        talks::created_at.eq(now),
                        talks::updated_at.eq(now),
                    ))
                    .returning(talks::id)
                    .get_result(c)?;
                diesel::insert_into(talk_speakers::table)
                    .values((
                        talk_speakers::talk_id.eq(id),
                        talk_speakers::email.eq(""),
                        talk_speakers::name.eq(format!("讲师{}", i % 3000)),
                        talk_speakers::affiliation.eq(format!("单位 {}", i % 97)),
                        talk_speakers::position.eq(0),
                        talk_speakers::invited_at.eq(now),
                        talk_speakers::confirmed_at.eq(Some(now)),
                    ))
                    .execute(c)?;
                ogug::domain::talks::search::reindex(c, id)?;
            }
            Ok(())
        })
        .unwrap();
    }
}

async fn run() {
    let n: usize = std::env::var("OGUG_BENCH_TALKS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let bench_db = common::BenchDb::new(dir.path());
    let backend = bench_db.backend;
    let (pool, config) = common::demo(&bench_db, dir.path(), PASSWORD);
    let mut conn = pool.get().unwrap();
    let chapter = ogug::domain::chapters::find_by_slug(&mut conn, "beijing").unwrap();
    let seeded = Instant::now();
    seed(&mut conn, chapter.id, n);
    if backend == "PostgreSQL" {
        diesel::sql_query("ANALYZE").execute(&mut conn).unwrap();
    }
    println!(
        "{backend}: {n} talks seeded and indexed in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let base = common::serve(config.clone(), pool.clone());
    let client = common::signed_in(&base, "organizer@example.org", PASSWORD).await;
    println!(
        "| /talks query ({n} talks, 64 connections, signed in) | matches | req/s | p50 ms | p99 ms |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, query) in [
        ("first page, no filter", ""),
        ("every talk's word: openGauss", "q=openGauss"),
        ("Chinese word: 高可用", "q=%E9%AB%98%E5%8F%AF%E7%94%A8"),
        (
            "two Chinese words: 分区裁剪 向量化",
            "q=%E5%88%86%E5%8C%BA%E8%A3%81%E5%89%AA+%E5%90%91%E9%87%8F%E5%8C%96",
        ),
        ("English prefix: replic", "q=replic"),
        ("a speaker: 讲师42", "q=%E8%AE%B2%E5%B8%8842"),
        ("tag ha, year 2020", "tag=ha&year=2020"),
        (
            "word + language + tag: failover, en, ha",
            "q=failover&language=en&tag=ha",
        ),
        ("page 50 of a word: 内核", "q=%E5%86%85%E6%A0%B8&page=50"),
        ("no match: 火星", "q=%E7%81%AB%E6%98%9F"),
    ] {
        let url = format!("{base}/talks?{query}");
        let page = client.get(&url).send().await.unwrap().text().await.unwrap();
        let shown = page.matches(r#"<li class="card">"#).count();
        let more = if page.contains(r#"rel="next""#) {
            "+"
        } else {
            ""
        };
        let (rps, p50, p99) = common::load(&client, url, CONNECTIONS).await;
        println!("| {name} | {shown}{more} | {rps:.0} | {p50:.1} | {p99:.1} |");
    }
}
