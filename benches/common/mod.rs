//! What the benches share: a database of their own for one run.
#![allow(dead_code)]

/// A benchmark's database: a file in `dir` (SQLite), or a fresh schema in `TEST_DATABASE_URL`
/// (PostgreSQL). Dropping it drops that schema, unless `OGUG_BENCH_KEEP` is set (to run
/// `EXPLAIN ANALYZE` afterwards).
pub struct BenchDb {
    pub url: String,
    pub backend: &'static str,
    /// (admin URL, schema) on PostgreSQL.
    schema: Option<(String, String)>,
}

impl BenchDb {
    pub fn new(dir: &std::path::Path) -> BenchDb {
        use diesel::connection::SimpleConnection;
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin) => {
                let schema = format!("bench_{}", &ogug::crypto::random_token()[..12]);
                ogug::db::establish_pg(&admin)
                    .expect("connect to TEST_DATABASE_URL")
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create the bench schema");
                let sep = if admin.contains('?') { '&' } else { '?' };
                println!("PostgreSQL schema: {schema}");
                BenchDb {
                    url: format!("{admin}{sep}options=-csearch_path%3D{schema}"),
                    backend: "PostgreSQL",
                    schema: Some((admin, schema)),
                }
            }
            None => BenchDb {
                url: format!("sqlite://{}", dir.join("bench.sqlite3").display()),
                backend: "SQLite",
                schema: None,
            },
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        if let Some((admin, schema)) = &self.schema
            && std::env::var_os("OGUG_BENCH_KEEP").is_none()
            && let Ok(mut conn) = ogug::db::establish_pg(admin)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

pub mod history;

/// The demo loaded into `db`, the organizer's password set to `password`: a pool and the
/// server's configuration (mail worker off).
pub fn demo(
    db: &BenchDb,
    dir: &std::path::Path,
    password: &str,
) -> (ogug::db::Pool, ogug::config::Config) {
    use diesel::prelude::*;
    let pool = ogug::db::connect(&db.url, 8).unwrap();
    let mut config = ogug::config::Config::for_data_dir(dir, &db.url);
    config.mail_worker = false;
    let mut conn = pool.get().unwrap();
    ogug::cli::load_demo(&mut conn, &config).unwrap();
    let organizer: ogug::domain::ids::UserId = ogug::db::schema::users::table
        .filter(ogug::db::schema::users::email.eq("organizer@example.org"))
        .select(ogug::db::schema::users::id)
        .first(&mut conn)
        .unwrap();
    let hash = ogug::domain::passwords::hash(password).unwrap();
    ogug::domain::accounts::set_password(&mut conn, organizer, &hash, None).unwrap();
    drop(conn);
    (pool, config)
}

/// Serves `pool` on a random loopback port (in this process); the base URL.
pub fn serve(mut config: ogug::config::Config, pool: ogug::db::Pool) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    config.base_url = base.clone();
    let app = ogug::Application::build_on(listener, config, pool).unwrap();
    tokio::spawn(app.run_until_stopped());
    base
}

/// A client of `base` signed in as `email` (cookies kept, redirects not followed).
pub async fn signed_in(base: &str, email: &str, password: &str) -> reqwest::Client {
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
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "sign-in: {}", res.status());
    client
}

/// Drives `url` with `connections` for OGUG_BENCH_SECONDS (default 5): (requests/s, p50 ms,
/// p99 ms).
pub async fn load(client: &reqwest::Client, url: String, connections: usize) -> (f64, f64, f64) {
    use std::time::{Duration, Instant};
    let seconds: u64 = std::env::var("OGUG_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let res = client.get(&url).send().await.unwrap();
                assert!(res.status().is_success(), "{url}: {}", res.status());
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
