//! Load benchmark: seeds a database, starts `ogug serve` (release) and, in the same run, a
//! ceiling server answering a fixed byte string of the chapter page's size; drives each endpoint
//! over loopback with 64 keep-alive connections for a fixed time; prints one table.
//! `cargo bench --bench load` (SQLite; TEST_DATABASE_URL=postgres://… for PostgreSQL).
//! Numbers, not assertions. OGUG_BENCH_SECONDS sets the duration per endpoint (default 5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use diesel::prelude::*;
use ogug::db::schema::{applications, events, memberships, users};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 64;

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn seed(url: &str) {
    let pool = ogug::db::connect(url, 2).unwrap();
    let mut conn = pool.get().unwrap();
    let config = ogug::config::Config::for_data_dir(std::path::Path::new("."), url);
    ogug::cli::load_demo(&mut conn, &config).unwrap();
    let chapter = ogug::domain::chapters::find_by_slug(&mut conn, "beijing").unwrap();
    let now = ogug::domain::now();
    ogug::db::write_transaction(&mut conn, |c| -> QueryResult<()> {
        for i in 0..1000i64 {
            let id: i64 = diesel::insert_into(users::table)
                .values((
                    users::email.eq(format!("member{i}@example.org")),
                    users::display_name.eq(format!("成员 {i}")),
                    users::organization.eq("云和恩墨"),
                    users::roster_visible.eq(i % 10 == 0),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                ))
                .returning(users::id)
                .get_result(c)?;
            diesel::insert_into(memberships::table)
                .values((
                    memberships::chapter_id.eq(chapter.id),
                    memberships::user_id.eq(id),
                    memberships::role.eq("member"),
                    memberships::joined_at.eq(now),
                ))
                .execute(c)?;
            diesel::insert_into(applications::table)
                .values((
                    applications::chapter_id.eq(chapter.id),
                    applications::email.eq(format!("applicant{i}@example.org")),
                    applications::name.eq(format!("申请人 {i}")),
                    applications::desired_role.eq("member"),
                    applications::status.eq("pending"),
                    applications::created_at.eq(now - chrono::TimeDelta::minutes(i)),
                    applications::updated_at.eq(now),
                ))
                .execute(c)?;
        }
        for i in 0..100i64 {
            let start = now + chrono::TimeDelta::days(i - 50);
            diesel::insert_into(events::table)
                .values((
                    events::chapter_id.eq(chapter.id),
                    events::slug.eq(format!("bench-{i}")),
                    events::title_zh.eq(format!("openGauss 技术沙龙 第 {i} 期")),
                    events::summary_zh.eq("数据库内核、生态与实践"),
                    events::starts_at.eq(start),
                    events::ends_at.eq(start + chrono::TimeDelta::hours(3)),
                    events::mode.eq("offline"),
                    events::venue.eq("中关村"),
                    events::status.eq("published"),
                    events::created_at.eq(now),
                    events::updated_at.eq(now),
                ))
                .execute(c)?;
        }
        Ok(())
    })
    .unwrap();
    // The organizer and one member sign in for the signed-in pages.
    let hash = ogug::domain::passwords::hash("bench passphrase 2021").unwrap();
    for email in ["organizer@example.org", "member0@example.org"] {
        let id: ogug::domain::ids::UserId = users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first(&mut conn)
            .unwrap();
        ogug::domain::accounts::set_password(&mut conn, id, &hash, None).unwrap();
    }
}

/// Signs `email` in; its session cookie.
async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    anon: &str,
    csrf: &str,
    email: &str,
) -> String {
    let res = client
        .post(format!("{base}/login"))
        .header("Cookie", anon)
        .form(&[
            ("email", email),
            ("password", "bench passphrase 2021"),
            ("csrf_token", csrf),
        ])
        .send()
        .await
        .unwrap();
    let session = res
        .cookies()
        .find(|c| c.name() == "ogug_session")
        .unwrap()
        .value()
        .to_string();
    format!("ogug_session={session}")
}

/// The large scale: 50 chapters, 1 M members, 1 M applications, 100 k events, generated in the
/// database (a recursive CTE on SQLite, generate_series on PostgreSQL).
fn seed_large(url: &str) {
    use diesel::connection::SimpleConnection;
    let mut conn = ogug::db::connect_one(url).unwrap();
    let series = |n: u64| match &conn {
        ogug::db::DbConnection::Pg(_) => format!("(SELECT generate_series(1, {n}) AS i) AS s"),
        ogug::db::DbConnection::Sqlite(_) => format!(
            "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s) AS s"
        ),
    };
    let now = "'2026-11-25 00:00:00'";
    let sql = format!(
        "INSERT INTO chapters (slug, name_zh, name_en, city, created_at, updated_at) \
           SELECT 'city-' || i, '城市' || i, 'City ' || i, 'City ' || i, {now}, {now} FROM {chapters};
         INSERT INTO users (email, display_name, organization, roster_visible, created_at, updated_at) \
           SELECT 'bulk' || i || '@example.org', '成员 ' || i, '单位 ' || (i % 500), (i % 50 = 0), {now}, {now} FROM {members};
         INSERT INTO memberships (chapter_id, user_id, role, joined_at) \
           SELECT c.id, u.id, 'member', {now} FROM users u JOIN chapters c ON c.slug = 'city-' || (1 + u.id % 49) WHERE u.email LIKE 'bulk%';
         INSERT INTO applications (chapter_id, email, name, desired_role, status, created_at, updated_at) \
           SELECT c.id, 'applicant' || s.i || '@example.org', '申请人 ' || s.i, 'member', CASE WHEN s.i % 3 = 0 THEN 'pending' ELSE 'rejected' END, {now}, {now} \
           FROM {members} JOIN chapters c ON c.slug = 'city-' || (1 + s.i % 49);
         INSERT INTO events (chapter_id, slug, title_zh, starts_at, ends_at, mode, status, body_html, created_at, updated_at) \
           SELECT c.id, 'bulk-' || s.i, '活动 ' || s.i, {now}, {now}, 'offline', 'published', '', {now}, {now} \
           FROM {events} JOIN chapters c ON c.slug = 'city-' || (1 + s.i % 49);",
        chapters = series(49),
        members = series(1_000_000),
        events = series(100_000),
    );
    // The events carry their (empty) rendered body, as saved events do: with none, the start-up
    // job would be rendering 100 k rows while the pages are measured.
    conn.batch_execute(&sql).unwrap();
    // PostgreSQL's autovacuum would analyze the new rows within a minute; SQLite's statistics
    // come from `ogug serve` itself (`PRAGMA optimize` at start-up and hourly).
    if let ogug::db::DbConnection::Pg(_) = &conn {
        conn.batch_execute("ANALYZE;").unwrap();
    }
}

struct Stats {
    requests: u64,
    errors: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
    /// Body size of the last good response.
    bytes: usize,
}

/// Reads one HTTP/1.1 response with a Content-Length; returns its status and body size.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(u16, usize)> {
    buf.clear();
    let mut chunk = [0u8; 16384];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).ok()?.to_ascii_lowercase();
            let status: u16 = head.get(9..12)?.parse().ok()?;
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some((status, len));
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Drives `port` with `CONNECTIONS` keep-alive connections for `seconds`. `request` builds the
/// bytes of the n-th request.
async fn load(
    port: u16,
    seconds: u64,
    ok: u16,
    request: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>,
) -> Stats {
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (request, counter) = (request.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut bytes = 0usize;
            let mut buf = Vec::with_capacity(65536);
            let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            stream.set_nodelay(true).unwrap();
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                if stream.write_all(&request(n)).await.is_err() {
                    errors += 1;
                    stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                    continue;
                }
                match read_response(&mut stream, &mut buf).await {
                    Some((status, len)) if status == ok => {
                        bytes = len;
                        latencies.push(t.elapsed());
                    }
                    Some(_) => errors += 1,
                    None => {
                        errors += 1;
                        stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                    }
                }
            }
            (latencies, errors, bytes)
        }));
    }
    let mut stats = Stats {
        requests: 0,
        errors: 0,
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
        bytes: 0,
    };
    for t in tasks {
        let (l, e, b) = t.await.unwrap();
        stats.requests += l.len() as u64;
        stats.errors += e;
        stats.bytes = stats.bytes.max(b);
        stats.latencies.extend(l);
    }
    stats.elapsed = started.elapsed();
    stats.latencies.sort();
    stats
}

fn pct(stats: &Stats, p: f64) -> f64 {
    if stats.latencies.is_empty() {
        return 0.0;
    }
    let i = ((stats.latencies.len() as f64 - 1.0) * p) as usize;
    stats.latencies[i].as_secs_f64() * 1000.0
}

fn get(path: &str, cookie: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: zh-CN\r\nCookie: {cookie}\r\n\r\n").into_bytes()
}

fn post(path: &str, cookie: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let seconds: u64 = std::env::var("OGUG_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let db = common::BenchDb::new(dir.path());
    let (url, backend) = (db.url.clone(), db.backend);
    seed(&url);
    let large = std::env::var("OGUG_BENCH_SCALE").is_ok_and(|s| s == "large");
    if large {
        let t = Instant::now();
        seed_large(&url);
        println!(
            "seeded the large scale in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    if std::env::var_os("OGUG_BENCH_OPERATIONS").is_some() {
        operations(&url, dir.path());
        return;
    }
    let scale = if large {
        "large (50 chapters, 1 M members, 1 M applications, 100 k events; Beijing keeps its small-scale rows)"
    } else {
        "small (1 chapter, 1k members, 1k applications, 100 events)"
    };

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_ogug"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("OGUG_BIND", format!("127.0.0.1:{port}"))
        .env("OGUG_DATA_DIR", dir.path())
        .env("OGUG_DEMO", "false")
        .env("SMTP_URL", "log://")
        .env("RUST_LOG", "warn")
        .env("OGUG_LOGIN_PER_MINUTE", "100000000")
        .env("OGUG_APPLY_PER_MINUTE", "100000000")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let first_response = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = rss_mib(server.id());

    // A CSRF cookie and token for anonymous forms; a signed-in organizer for the queue.
    let res = client.get(format!("{base}/login")).send().await.unwrap();
    let csrf_cookie = res
        .cookies()
        .find(|c| c.name() == "ogug_csrf")
        .unwrap()
        .value()
        .to_string();
    let anon = format!("ogug_csrf={csrf_cookie}");
    let signed_in = sign_in(&client, &base, &anon, &csrf_cookie, "organizer@example.org").await;
    let member = sign_in(&client, &base, &anon, &csrf_cookie, "member0@example.org").await;
    let chapter_page = client
        .get(format!("{base}/chapters/beijing"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    // The ceiling: same stack, no database, no template: the chapter page's bytes.
    let body = chapter_page.clone();
    let ceiling = actix_web::HttpServer::new(move || {
        let body = body.clone();
        actix_web::App::new().default_service(actix_web::web::to(move || {
            let body = body.clone();
            async move {
                actix_web::HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(body)
            }
        }))
    })
    .workers(2)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let ceiling_port = ceiling.addrs()[0].port();
    tokio::spawn(ceiling.run());

    type Req = Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>;
    let fixed = |bytes: Vec<u8>| -> Req { Arc::new(move |_| bytes.clone()) };
    let apply_cookie = anon.clone();
    let apply_token = csrf_cookie.clone();
    let login_cookie = anon.clone();
    let login_token = csrf_cookie.clone();
    let endpoints: Vec<(String, u16, u16, Req)> = vec![
        (
            "ceiling (fixed bytes)".to_string(),
            ceiling_port,
            200,
            fixed(get("/", "")),
        ),
        (
            "review queue (signed in)".to_string(),
            port,
            200,
            fixed(get("/chapters/beijing/manage/applications", &signed_in)),
        ),
        // Everyone signed in gets pages uncached: a member of the chapter reading them.
        (
            "chapter page (signed-in member)".to_string(),
            port,
            200,
            fixed(get("/chapters/beijing", &member)),
        ),
        (
            "chapter events (signed-in member)".to_string(),
            port,
            200,
            fixed(get("/chapters/beijing/events", &member)),
        ),
        (
            "event page (signed-in member)".to_string(),
            port,
            200,
            fixed(get("/chapters/beijing/events/bench-60", &member)),
        ),
        (
            "chapter page (signed-in organizer)".to_string(),
            port,
            200,
            fixed(get("/chapters/beijing", &signed_in)),
        ),
        (
            "apply (POST + outbox)".to_string(),
            port,
            200,
            Arc::new(move |n| {
                let body = format!(
                    "name=Bench&email=bench{n}%40example.org&organization=O&desired_role=member&motivation=M&consent=on&website=&csrf_token={apply_token}"
                );
                post("/chapters/beijing/apply", &apply_cookie, &body)
            }),
        ),
        (
            "sign-in (argon2)".to_string(),
            port,
            303,
            Arc::new(move |_| {
                let body = format!(
                    "email=organizer%40example.org&password=bench+passphrase+2021&csrf_token={login_token}"
                );
                post("/login", &login_cookie, &body)
            }),
        ),
    ];

    // Public pages twice: as visitors get them (the micro-cache answers most), and uncached (a
    // fresh query string each request), which is the database and template work itself.
    let mut pages = vec![
        ("home", "/".to_string()),
        ("chapter page", "/chapters/beijing".to_string()),
        ("chapter events", "/chapters/beijing/events".to_string()),
        (
            "event page",
            "/chapters/beijing/events/bench-60".to_string(),
        ),
        ("chapter .ics", "/chapters/beijing/events.ics".to_string()),
    ];
    if large {
        // The busiest chapters of the large scale: 20 k members, 2 k events, 6.8 k pending.
        pages.extend([
            ("city-2 chapter page", "/chapters/city-2".to_string()),
            (
                "city-2 chapter events",
                "/chapters/city-2/events".to_string(),
            ),
            (
                "city-2 event page",
                "/chapters/city-2/events/bulk-1".to_string(),
            ),
        ]);
    }
    let mut endpoints = endpoints;
    let mut at = 1;
    // The host's CPU share drifts during a run: a cached page is compared with a ceiling
    // measured just before it, not only with the one at the start.
    // Uncached and signed-in pages too: the share drifted by a third over a whole run, which
    // made the pages measured last look slower than they are.
    let mut adjacent: Vec<String> = pages.iter().map(|(n, _)| n.to_string()).collect();
    adjacent.extend(pages.iter().map(|(n, _)| format!("{n} (uncached)")));
    adjacent.extend(
        endpoints
            .iter()
            .map(|(n, ..)| n.clone())
            .filter(|n| n.contains("signed")),
    );
    for (name, path) in pages {
        endpoints.insert(at, (name.to_string(), port, 200, fixed(get(&path, &anon))));
        let anon = anon.clone();
        endpoints.insert(
            at + 1,
            (
                format!("{name} (uncached)"),
                port,
                200,
                Arc::new(move |n| get(&format!("{path}?r={n}"), &anon)),
            ),
        );
        at += 2;
    }

    // OGUG_BENCH_ONLY=<text>: only the endpoints whose name holds it, and the server's pid
    // first (to attach a profiler: `perf record -g -p <pid>`).
    let only = std::env::var("OGUG_BENCH_ONLY").ok();
    if let Some(only) = &only {
        endpoints.retain(|(name, ..)| name.contains(only.as_str()));
        println!("server pid {}", server.id());
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
    println!(
        "\nogug load benchmark · backend={backend} · scale={scale} · {CONNECTIONS} connections · {seconds}s each"
    );
    println!("| endpoint | bytes | req/s | p50 ms | p99 ms | errors | vs ceiling |");
    println!("|---|---|---|---|---|---|---|");
    let mut ceiling_rps = 0.0;
    let mut peak_rss = idle_rss;
    let ceiling_request = fixed(get("/", ""));
    for (name, p, ok, request) in endpoints {
        let mut against = String::new();
        let mut ceiling_now = ceiling_rps;
        if adjacent.contains(&name) {
            let c = load(ceiling_port, seconds, 200, ceiling_request.clone()).await;
            ceiling_now = c.requests as f64 / c.elapsed.as_secs_f64();
            against = format!(" (of {ceiling_now:.0} measured just before)");
        }
        let stats = load(p, seconds, ok, request).await;
        let rps = stats.requests as f64 / stats.elapsed.as_secs_f64();
        if ceiling_rps == 0.0 {
            ceiling_rps = rps;
            ceiling_now = rps;
        }
        peak_rss = peak_rss.max(rss_mib(server.id()));
        println!(
            "| {name} | {} | {rps:.0} | {:.2} | {:.2} | {} | {:.0} %{against} |",
            stats.bytes,
            pct(&stats, 0.5),
            pct(&stats, 0.99),
            stats.errors,
            rps / ceiling_now * 100.0
        );
    }
    if only.is_some() {
        let _ = server.kill();
        let _ = server.wait();
        return;
    }
    // Sign-in storm: the chapter page's p99 while 16 connections sign in at full argon2 cost.
    let storm_token = csrf_cookie.clone();
    let storm_cookie = anon.clone();
    let storm = tokio::spawn(load(
        port,
        seconds,
        303,
        Arc::new(move |_| {
            let body = format!(
                "email=organizer%40example.org&password=bench+passphrase+2021&csrf_token={storm_token}"
            );
            post("/login", &storm_cookie, &body)
        }),
    ));
    let page = load(port, seconds, 200, fixed(get("/chapters/beijing", &anon))).await;
    let _ = storm.await;
    println!(
        "| chapter page during a sign-in storm | {} | {:.0} | {:.2} | {:.2} | {} | |",
        page.bytes,
        page.requests as f64 / page.elapsed.as_secs_f64(),
        pct(&page, 0.5),
        pct(&page, 0.99),
        page.errors
    );
    println!(
        "\nstart to first 200: {:.0} ms · idle RSS {idle_rss:.1} MiB · peak RSS under load {peak_rss:.1} MiB",
        first_response.as_secs_f64() * 1000.0
    );
    let _ = server.kill();
    let _ = server.wait();
    // Dropping `db` drops the PostgreSQL schema (OGUG_BENCH_KEEP=1 keeps it).
    drop(db);
}

/// `OGUG_BENCH_OPERATIONS=1`: instead of the load, times what an operator runs on this data:
/// `ogug backup` (and the file's size) and, when OGUG_BENCH_COPY_TO names a PostgreSQL database,
/// `ogug copy` to a fresh schema of it.
fn operations(url: &str, dir: &std::path::Path) {
    let ogug = |args: &[&str], database_url: &str| {
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ogug"))
            .args(args)
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        t.elapsed()
    };
    let file = dir.join("backup.sqlite3");
    let took = ogug(&["backup", file.to_str().unwrap()], url);
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup: {:.2} s, {:.1} MB",
        took.as_secs_f64(),
        size as f64 / 1e6
    );
    if let Ok(admin) = std::env::var("OGUG_BENCH_COPY_TO")
        && url.starts_with("sqlite")
    {
        use diesel::connection::SimpleConnection;
        let schema = format!("copy_{}", &ogug::crypto::random_token()[..12]);
        let mut c = ogug::db::establish_pg(&admin).unwrap();
        c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
        let sep = if admin.contains('?') { '&' } else { '?' };
        let target = format!("{admin}{sep}options=-csearch_path%3D{schema}");
        let took = ogug(&["copy", "--to", &target], url);
        println!("copy SQLite → PostgreSQL: {:.1} s", took.as_secs_f64());
        c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
    }
}
