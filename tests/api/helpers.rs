#![allow(dead_code)]

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ogug::config::Config;
use ogug::db::{self, Pool};
use std::path::PathBuf;

/// A database of the test's own: removed when the test ends.
pub struct TestDb {
    pub url: String,
    admin_url: Option<String>,
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
                    PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
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
            && let Ok(mut conn) = PgConnection::establish(url)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

pub struct TestApp {
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
}

impl Default for Options {
    fn default() -> Options {
        Options { demo: true }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let test_db = TestDb::new(dir.path());
    let mut config = Config::for_data_dir(dir.path(), &test_db.url);
    let pool = db::connect(&config.database_url, 4).expect("connect and migrate");
    if options.demo {
        ogug::cli::load_demo(&pool, &config).expect("demo loads");
    }
    let app = ogug::Application::build(config.clone(), pool.clone()).expect("build app");
    let port = app.port();
    config.base_url = format!("http://127.0.0.1:{port}");
    tokio::spawn(app.run_until_stopped());
    TestApp {
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
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
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

    pub fn conn(&self) -> db::PooledConn {
        self.pool.get().expect("connection")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
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
