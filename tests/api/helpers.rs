#![allow(dead_code)]

use diesel::connection::SimpleConnection;
use ogug::config::Config;
use ogug::db::{self, Pool};
use std::path::PathBuf;

pub use crate::smtp::{Behaviour, SmtpServer, parse};
pub use crate::webdriver::ProcessGroup;
pub use ogug::domain::ids::UserId;

/// A database of the test's own: removed when the test ends.
pub struct TestDb {
    pub url: String,
    pub admin_url: Option<String>,
    schema: Option<String>,
}

impl TestDb {
    pub fn new(dir: &std::path::Path) -> TestDb {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) => {
                let schema = format!("t_{}", &ogug::crypto::random_token()[..16]);
                let mut conn =
                    ogug::db::establish_pg(&admin_url).expect("connect to TEST_DATABASE_URL");
                conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create schema");
                let sep = if admin_url.contains('?') { '&' } else { '?' };
                TestDb {
                    url: format!("{admin_url}{sep}options=-csearch_path%3D{schema}"),
                    admin_url: Some(admin_url),
                    schema: Some(schema),
                }
            }
            None => TestDb {
                url: format!("sqlite://{}", dir.join("test.sqlite3").display()),
                admin_url: None,
                schema: None,
            },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.schema.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let (Some(url), Some(schema)) = (&self.admin_url, &self.schema)
            && let Ok(mut conn) = ogug::db::establish_pg(url)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

pub struct TestApp {
    /// The metrics listener's port, with `Options::metrics`.
    pub metrics_port: Option<u16>,
    pub smtp: SmtpServer,
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub pool: Pool,
    pub config: Config,
    pub db: TestDb,
    pub dir: tempfile::TempDir,
}

pub struct Options {
    pub demo: bool,
    /// Run the app's own mail worker.
    pub mail_worker: bool,
    pub max_attempts: i32,
    pub decision_grace: chrono::TimeDelta,
    /// Per-IP limits; `None` → high limits, so tests signing in often are not throttled.
    pub limits: Option<ogug::web::http::throttle::Limits>,
    /// Serve as if behind https (`OGUG_BASE_URL=https://…`): `__Host-` cookies, HSTS.
    pub https: bool,
    /// Password checks that may wait for a hashing thread.
    pub hash_queue: usize,
    /// `OGUG_TRUSTED_PROXIES`.
    pub trusted_proxies: &'static str,
    /// `OGUG_UNCONFIRMED_MAIL_PER_HOUR`.
    pub unconfirmed_mail_per_hour: i32,
    /// Serve `/metrics` on a listener of its own.
    pub metrics: bool,
    /// An existing database to serve instead of a fresh one.
    pub database_url: Option<String>,
    /// `OGUG_BODY_DEADLINE_SECONDS`, shorter for tests that trickle a body.
    pub body_deadline: Option<std::time::Duration>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            demo: true,
            mail_worker: true,
            max_attempts: 8,
            decision_grace: chrono::TimeDelta::zero(),
            limits: None,
            https: false,
            hash_queue: 32,
            trusted_proxies: "",
            unconfirmed_mail_per_hour: 500,
            metrics: false,
            database_url: None,
            body_deadline: None,
        }
    }
}

/// Worker settings that keep tests quick: short backoff, lease and idle poll.
pub fn fast_mail_settings(max_attempts: i32) -> ogug::mail::worker::Settings {
    ogug::mail::worker::Settings {
        max_attempts,
        lease: chrono::TimeDelta::seconds(2),
        batch: 16,
        concurrency: 4,
        base_backoff: chrono::TimeDelta::milliseconds(100),
        max_backoff: chrono::TimeDelta::milliseconds(400),
        idle_poll: std::time::Duration::from_millis(100),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let test_db = TestDb::new(dir.path());
    let smtp = SmtpServer::start().await;
    let url = options.database_url.clone().unwrap_or(test_db.url.clone());
    let mut config = Config::for_data_dir(dir.path(), &url);
    config.smtp_url = Some(ogug::config::Secret::new(smtp.url()));
    config.mail_worker = options.mail_worker;
    config.mail = fast_mail_settings(options.max_attempts);
    config.decision_grace = options.decision_grace;
    config.hash_queue = options.hash_queue;
    config.trusted_proxies =
        ogug::config::parse_networks(options.trusted_proxies).expect("trusted proxies");
    config.unconfirmed_mail_per_hour = options.unconfirmed_mail_per_hour;
    if options.metrics {
        config.metrics_bind = Some("127.0.0.1:0".into());
    }
    if let Some(deadline) = options.body_deadline {
        config.body_deadline = deadline;
    }
    // Tests sign in many times from 127.0.0.1; the per-IP throttle has its own tests.
    config.limits = options.limits.unwrap_or(ogug::web::http::throttle::Limits {
        login_per_minute: 1000,
        reset_per_minute: 1000,
        apply_per_minute: 1000,
    });
    let pool = db::connect(&config.database_url, 4).expect("connect and migrate");
    if options.demo {
        ogug::cli::load_demo(&mut pool.get().unwrap(), &config).expect("demo loads");
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let scheme = if options.https { "https" } else { "http" };
    config.base_url = format!("{scheme}://127.0.0.1:{port}");
    let app =
        ogug::Application::build_on(listener, config.clone(), pool.clone()).expect("build app");
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        metrics_port,
        smtp,
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: client(),
        pool,
        config,
        db: test_db,
        dir,
    }
}

/// A browser-like client: cookies kept, redirects not followed (tests assert on them).
pub fn client() -> reqwest::Client {
    client_from(std::net::IpAddr::from([127, 0, 0, 1]))
}

/// Like `client`, connecting from another loopback address (127.0.0.2, …): another visitor.
pub fn client_from(address: std::net::IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(address)
        .build()
        .expect("client")
}

/// One browser: its own cookie jar.
#[derive(Clone)]
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
}

/// The CSRF token a page's forms carry.
pub fn csrf_in(html: &str) -> String {
    html.split(r#"name="csrf_token" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("page carries a CSRF token")
        .to_string()
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_html(&self, path: &str) -> (reqwest::StatusCode, String) {
        let res = self.get(path).await;
        let status = res.status();
        (status, res.text().await.expect("body"))
    }

    /// This browser's current CSRF token (read from a page, as a form would carry it).
    pub async fn csrf(&self) -> String {
        csrf_in(&self.get_html("/account/reset").await.1)
    }

    /// Submits a form the way a browser does, CSRF token included.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.client
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .expect("request")
    }

    /// Submits a form with a file (`multipart/form-data`), CSRF token included; `file` is
    /// (field, file name, bytes).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, Vec<u8>)>,
    ) -> reqwest::Response {
        let token = self.csrf().await;
        let mut form = reqwest::multipart::Form::new().text("csrf_token", token);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some((field, name, bytes)) = file {
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_string())
                .mime_str("application/octet-stream")
                .unwrap();
            form = form.part(field.to_string(), part);
        }
        self.client
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// Posts without touching the token (for CSRF tests).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        Browser {
            address: self.address.clone(),
            client: client(),
        }
    }

    /// A browser on another loopback address.
    pub fn browser_from(&self, address: [u8; 4]) -> Browser {
        Browser {
            address: self.address.clone(),
            client: client_from(std::net::IpAddr::from(address)),
        }
    }

    fn default_browser(&self) -> Browser {
        Browser {
            address: self.address.clone(),
            client: self.client.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.default_browser().get(path).await
    }

    pub async fn get_html(&self, path: &str) -> (reqwest::StatusCode, String) {
        self.default_browser().get_html(path).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.default_browser().post_form(path, fields).await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.default_browser().login(email, password).await
    }

    /// Creates a user directly in the database, with a password if given.
    pub fn create_user(
        &self,
        email: &str,
        name: &str,
        password: Option<&str>,
        site_admin: bool,
    ) -> UserId {
        use ogug::domain::users::{self, EmailAddress, UserProfile};
        let email = EmailAddress::parse(email).unwrap();
        let mut conn = self.conn();
        let user = users::create(
            &mut conn,
            &UserProfile {
                email: &email,
                display_name: name,
                organization: "Test Org",
                job_title: "",
                locale: ogug::i18n::Locale::ZhCn,
                roster_visible: false,
            },
            site_admin,
        )
        .unwrap();
        if let Some(pw) = password {
            let hash = ogug::domain::passwords::hash(pw).unwrap();
            ogug::domain::accounts::set_password(&mut conn, user.id, &hash, None).unwrap();
        }
        user.id
    }

    /// Gives an existing user a password (e.g. the demo staff accounts); returns their id.
    pub fn set_password(&self, email: &str, password: &str) -> UserId {
        use diesel::prelude::*;
        use ogug::db::schema::users;
        let mut conn = self.conn();
        let id: UserId = users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first(&mut conn)
            .unwrap();
        let hash = ogug::domain::passwords::hash(password).unwrap();
        ogug::domain::accounts::set_password(&mut conn, id, &hash, None).unwrap();
        id
    }

    /// Creates a user with a password and makes them `role` of chapter `slug`.
    pub fn member(
        &self,
        email: &str,
        slug: &str,
        role: ogug::domain::memberships::Role,
        password: &str,
    ) -> UserId {
        let id = self.create_user(
            email,
            email.split('@').next().unwrap(),
            Some(password),
            false,
        );
        let chapter = ogug::domain::chapters::find_by_slug(&mut self.conn(), slug).unwrap();
        ogug::domain::memberships::add(&mut self.conn(), chapter.id, id, role).unwrap();
        id
    }

    /// Creates another chapter.
    pub fn chapter(&self, slug: &str) {
        ogug::domain::chapters::create(
            &mut self.conn(),
            &ogug::domain::chapters::ChapterInput {
                slug: slug.into(),
                name_zh: format!("{slug}用户组"),
                name_en: format!("{slug} User Group"),
                city: slug.into(),
                time_zone: "Asia/Shanghai".into(),
                description: String::new(),
                description_en: String::new(),
                founded_on: None,
                contact_email: None,
            },
        )
        .unwrap();
    }

    /// Issues a one-time link token directly (as `ogug admin create` or an approval would).
    pub fn issue_token(
        &self,
        purpose: ogug::domain::one_time_tokens::Purpose,
        user_id: UserId,
    ) -> String {
        ogug::domain::one_time_tokens::issue(&mut self.conn(), purpose, Some(user_id), None)
            .unwrap()
    }

    pub fn conn(&self) -> db::PooledConn {
        self.pool.get().expect("connection")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// Waits for the first received message matching `pred`.
pub async fn wait_for_mail(
    app: &TestApp,
    pred: impl Fn(&crate::smtp::Parsed) -> bool,
) -> crate::smtp::Parsed {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(m) = app.smtp.received().iter().map(parse).find(|m| pred(m)) {
            return m;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the expected email never arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The first link in a text that starts with `prefix`.
pub fn link_in(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no link {prefix} in {text}"));
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_string()
}

pub fn assert_redirect_to(res: &reqwest::Response, location: &str) {
    assert!(
        res.status().is_redirection(),
        "expected a redirect, got {}",
        res.status()
    );
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(location)
    );
}

/// The password every story-test person has.
pub const PASSWORD: &str = "a story passphrase 2021";

impl TestApp {
    /// The demo chapter's organizer, signed in (their password set to `PASSWORD` first).
    pub async fn organizer(&self) -> Browser {
        self.set_password("organizer@example.org", PASSWORD);
        self.sign_in("organizer@example.org", PASSWORD).await
    }

    /// A browser signed in as `email`, who must have `password`.
    pub async fn sign_in(&self, email: &str, password: &str) -> Browser {
        let b = self.browser();
        let res = b.login(email, password).await;
        assert!(
            res.status().is_redirection(),
            "{email} signs in: {}",
            res.status()
        );
        b
    }

    /// A new person with `role` in chapter `slug`, signed in (password `PASSWORD`).
    pub async fn signed_in_as(&self, role: ogug::domain::memberships::Role, slug: &str) -> Browser {
        let email = format!(
            "{}-{}@example.org",
            role.as_str(),
            &ogug::crypto::random_token()[..8]
        );
        self.member(&email, slug, role, PASSWORD);
        self.sign_in(&email, PASSWORD).await
    }

    /// A new organizer of `slug`, signed in.
    pub async fn organizer_of(&self, slug: &str) -> Browser {
        self.signed_in_as(ogug::domain::memberships::Role::Organizer, slug)
            .await
    }

    /// The emails this app sent, as the test's mailbox.
    pub fn mail(&self) -> Mailbox<'_> {
        Mailbox(self)
    }
}

/// What the loopback SMTP server received.
pub struct Mailbox<'a>(&'a TestApp);

impl Mailbox<'_> {
    /// The path of the newest link starting with `prefix` (e.g. `/applications/confirm/`) in the
    /// emails received so far, waiting for one to arrive.
    pub async fn link_to(&self, prefix: &str) -> String {
        let absolute = format!("{}{prefix}", self.0.address);
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let found = self
                .0
                .smtp
                .received()
                .iter()
                .rev()
                .map(parse)
                .find(|m| m.text.contains(&absolute));
            if let Some(mail) = found {
                return link_in(&mail.text, &absolute)
                    .trim_start_matches(&self.0.address)
                    .to_string();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no email with a link to {prefix}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// Someone applying to a chapter, in their own browser.
pub struct Applicant {
    pub browser: Browser,
    pub name: String,
    pub email: String,
}

impl TestApp {
    pub fn applicant(&self, name: &str, email: &str) -> Applicant {
        Applicant {
            browser: self.browser(),
            name: name.into(),
            email: email.into(),
        }
    }
}

impl Applicant {
    /// Fills in the apply form of `slug` as a person would.
    pub async fn apply(&self, slug: &str) -> reqwest::Response {
        self.browser
            .post_form(
                &format!("/chapters/{slug}/apply"),
                &[
                    ("name", self.name.as_str()),
                    ("email", self.email.as_str()),
                    ("organization", "某公司"),
                    ("desired_role", "member"),
                    ("motivation", "交流"),
                    ("consent", "on"),
                ],
            )
            .await
    }
}

/// Reading a response the way the tests talk about it.
pub trait ResponseExt {
    /// The `Location` header ("" when there is none).
    fn location(&self) -> String;
}

impl ResponseExt for reqwest::Response {
    fn location(&self) -> String {
        self.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

/// A catalog entry in the app's default language (tests assert on these, not pasted wording).
pub fn zh(key: &str) -> &str {
    ogug::i18n::Locale::ZhCn.t(key)
}

/// Runs the `ogug` binary on `database_url`; (success, stdout and stderr).
pub fn ogug_cli(database_url: &str, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ogug"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env("OGUG_DATA_DIR", std::env::temp_dir())
        .output()
        .expect("run ogug");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The text of the one QR code in a PNG (decoded with rqrr, as a phone camera would).
pub fn decode_qr(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes.to_vec()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().unwrap().1
}

/// The value of one unlabelled metric on an instance's metrics listener.
pub async fn metric(metrics_port: u16, name: &str) -> f64 {
    let text = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metric {name}"))
}
