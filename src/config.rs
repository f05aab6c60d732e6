//! Settings from the environment (and `.env`), with defaults that make `cargo run` work.

use crate::i18n::Locale;
use std::fmt;
use std::path::{Path, PathBuf};

/// A value that must never be printed (logs, panics, debug output).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub base_url: String,
    /// `None` → emails are written as `.eml` files into `data_dir/outbox`.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    pub default_locale: Locale,
    pub data_dir: PathBuf,
    /// Load the demo data into an empty database on `serve`.
    pub demo: bool,
    /// HTTP worker threads; `None` → one per core.
    pub workers: Option<usize>,
    pub db_pool_size: u32,
    /// Request bodies larger than this answer 413.
    pub max_body_bytes: usize,
    /// Run the mail worker inside `serve`.
    pub mail_worker: bool,
    pub mail: MailSettings,
    /// Per-IP limits on public forms.
    pub limits: Limits,
    /// Decision emails wait this long before sending, so an organizer can undo a mistake.
    pub decision_grace: chrono::TimeDelta,
    /// Password checks that may wait for a hashing thread; past that, 503 + Retry-After
    /// (`OGUG_HASH_QUEUE`).
    pub hash_queue: usize,
    /// How long sent emails keep their bodies (which hold links with live tokens) before only
    /// their metadata is kept (`OGUG_MAIL_RETENTION_DAYS`).
    pub mail_retention: chrono::TimeDelta,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers are believed
    /// (`OGUG_TRUSTED_PROXIES`, addresses or CIDRs, comma-separated; empty: nobody).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Emails nobody asked for in person (confirmation, status link, already-a-member, reset,
    /// activation) to one address per hour; more are not sent.
    pub unsolicited_per_address: i32,
    /// Such emails, site-wide per hour, to addresses that never confirmed one
    /// (`OGUG_UNCONFIRMED_MAIL_PER_HOUR`).
    pub unconfirmed_mail_per_hour: i32,
    /// Announcements to the whole chapter an organizer may send in 24 hours
    /// (`OGUG_ANNOUNCEMENTS_PER_DAY`).
    pub announcements_per_day: i64,
    /// Announcements to an event's people the chapter's staff may send in 24 hours, counted
    /// apart from the chapter's (`OGUG_EVENT_ANNOUNCEMENTS_PER_DAY`).
    pub event_announcements_per_day: i64,
    /// Messages the contact form relays to one chapter's organizers per hour, whatever the
    /// senders claim to be (`OGUG_CONTACT_PER_CHAPTER_PER_HOUR`).
    pub contact_per_chapter_per_hour: i64,
    /// The whole request body must arrive within this; a body trickled slower answers 408
    /// (`OGUG_BODY_DEADLINE_SECONDS`).
    pub body_deadline: std::time::Duration,
    /// Where `/metrics` is served (`OGUG_METRICS_BIND`); None: nowhere. Never the public port.
    pub metrics_bind: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} has an invalid value: {1}")]
    Invalid(&'static str, String),
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `10.0.0.0/8, 192.168.1.2, ::1`: networks, a bare address being its own network.
pub fn parse_networks(list: &str) -> Option<Vec<ipnet::IpNet>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .ok()
                .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
        })
        .collect()
}

/// A number from the environment, or `default` when unset.
fn parsed<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError> {
    match var(name) {
        Some(v) => v.parse().map_err(|_| ConfigError::Invalid(name, v)),
        None => Ok(default),
    }
}

impl Config {
    /// Reads the environment; `.env` is loaded first when present.
    pub fn from_env() -> Result<Config, ConfigError> {
        let _ = dotenvy::dotenv();
        let data_dir = PathBuf::from(var("OGUG_DATA_DIR").unwrap_or_else(|| "data".into()));
        let default_locale = match var("OGUG_DEFAULT_LOCALE") {
            Some(v) => Locale::parse(&v).ok_or(ConfigError::Invalid("OGUG_DEFAULT_LOCALE", v))?,
            None => Locale::ZhCn,
        };
        let bind = var("OGUG_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let base_url = var("OGUG_BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        let demo = match var("OGUG_DEMO").as_deref() {
            None => true,
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => return Err(ConfigError::Invalid("OGUG_DEMO", other.into())),
        };
        let workers = match var("OGUG_WORKERS") {
            Some(v) => Some(
                v.parse()
                    .map_err(|_| ConfigError::Invalid("OGUG_WORKERS", v))?,
            ),
            None => None,
        };
        // Four connections per core: on 2 cores, 8 served signed-in pages on PostgreSQL 5–10 %
        // faster than 16, with a lower p99 (fewer backends competing for the same cores).
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let default_pool = u32::try_from(cores * 4).unwrap_or(32).clamp(4, 32);
        let db_pool_size: u32 = parsed("OGUG_DB_POOL_SIZE", default_pool)?;
        if db_pool_size == 0 {
            return Err(ConfigError::Invalid("OGUG_DB_POOL_SIZE", "0".into()));
        }
        let mut limits = Limits::default();
        for (name, slot) in [
            ("OGUG_LOGIN_PER_MINUTE", &mut limits.login_per_minute),
            ("OGUG_RESET_PER_MINUTE", &mut limits.reset_per_minute),
            ("OGUG_APPLY_PER_MINUTE", &mut limits.apply_per_minute),
        ] {
            if let Some(v) = var(name) {
                *slot = v.parse().map_err(|_| ConfigError::Invalid(name, v))?;
            }
        }
        let mut mail = MailSettings::default();
        if let Some(v) = var("OGUG_MAIL_CONCURRENCY") {
            mail.concurrency = v
                .parse()
                .map_err(|_| ConfigError::Invalid("OGUG_MAIL_CONCURRENCY", v))?;
        }
        if let Some(v) = var("OGUG_MAIL_MAX_ATTEMPTS") {
            mail.max_attempts = v
                .parse()
                .map_err(|_| ConfigError::Invalid("OGUG_MAIL_MAX_ATTEMPTS", v))?;
        }
        if let Some(v) = var("OGUG_MAIL_LEASE_SECONDS") {
            let seconds: i64 = v
                .parse()
                .map_err(|_| ConfigError::Invalid("OGUG_MAIL_LEASE_SECONDS", v))?;
            mail.lease = chrono::TimeDelta::seconds(seconds.max(1));
        }
        let hash_queue = parsed("OGUG_HASH_QUEUE", 32)?;
        let trusted_proxies = match var("OGUG_TRUSTED_PROXIES") {
            Some(v) => parse_networks(&v)
                .ok_or_else(|| ConfigError::Invalid("OGUG_TRUSTED_PROXIES", v.clone()))?,
            None => Vec::new(),
        };
        let unconfirmed_mail_per_hour = parsed("OGUG_UNCONFIRMED_MAIL_PER_HOUR", 500)?;
        let retention_days: i64 = parsed("OGUG_MAIL_RETENTION_DAYS", 7)?;
        let announcements_per_day = parsed("OGUG_ANNOUNCEMENTS_PER_DAY", 3)?;
        let event_announcements_per_day = parsed("OGUG_EVENT_ANNOUNCEMENTS_PER_DAY", 3)?;
        let contact_per_chapter_per_hour = parsed("OGUG_CONTACT_PER_CHAPTER_PER_HOUR", 10)?;
        let body_deadline: u64 = parsed("OGUG_BODY_DEADLINE_SECONDS", 10)?;
        if body_deadline == 0 {
            return Err(ConfigError::Invalid(
                "OGUG_BODY_DEADLINE_SECONDS",
                "0".into(),
            ));
        }
        Ok(Config {
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/ogug.sqlite3".into()),
            bind,
            base_url: base_url.trim_end_matches('/').to_string(),
            smtp_url: var("SMTP_URL").map(Secret::new),
            mail_from: var("OGUG_MAIL_FROM").unwrap_or_else(|| "oGUG <noreply@localhost>".into()),
            default_locale,
            data_dir,
            demo,
            workers,
            db_pool_size,
            max_body_bytes: 64 * 1024,
            mail_worker: true,
            mail,
            limits,
            decision_grace: chrono::TimeDelta::minutes(2),
            hash_queue,
            mail_retention: chrono::TimeDelta::days(retention_days),
            trusted_proxies,
            unsolicited_per_address: 3,
            unconfirmed_mail_per_hour,
            announcements_per_day,
            event_announcements_per_day,
            contact_per_chapter_per_hour,
            body_deadline: std::time::Duration::from_secs(body_deadline),
            metrics_bind: var("OGUG_METRICS_BIND"),
        })
    }

    /// A configuration for tests and tools: everything explicit, nothing read from the environment.
    pub fn for_data_dir(data_dir: &Path, database_url: &str) -> Config {
        Config {
            database_url: database_url.to_string(),
            bind: "127.0.0.1:0".into(),
            base_url: "http://127.0.0.1".into(),
            smtp_url: None,
            mail_from: "oGUG <noreply@localhost>".into(),
            default_locale: Locale::ZhCn,
            data_dir: data_dir.to_path_buf(),
            demo: false,
            workers: Some(1),
            db_pool_size: 4,
            max_body_bytes: 64 * 1024,
            mail_worker: true,
            mail: MailSettings::default(),
            limits: Limits::default(),
            decision_grace: chrono::TimeDelta::zero(),
            hash_queue: 32,
            mail_retention: chrono::TimeDelta::days(7),
            trusted_proxies: Vec::new(),
            unsolicited_per_address: 3,
            unconfirmed_mail_per_hour: 500,
            announcements_per_day: 3,
            event_announcements_per_day: 3,
            contact_per_chapter_per_hour: 10,
            body_deadline: std::time::Duration::from_secs(10),
            metrics_bind: None,
        }
    }

    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

/// The outbox worker's settings.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// After this many attempts a row is `dead`.
    pub max_attempts: i32,
    /// How long a claimed row is ours; past it another worker may reclaim the row.
    pub lease: chrono::TimeDelta,
    /// Rows claimed per round.
    pub batch: i64,
    /// Messages in flight at once.
    pub concurrency: usize,
    /// First retry delay; doubles each attempt, with ±25 % jitter, capped at `max_backoff`.
    pub base_backoff: chrono::TimeDelta,
    pub max_backoff: chrono::TimeDelta,
    /// Longest sleep when idle (rows enqueued by another instance or the CLI are seen this late
    /// at worst; rows enqueued by this instance wake the worker at once).
    pub idle_poll: std::time::Duration,
}

impl Default for MailSettings {
    fn default() -> MailSettings {
        MailSettings {
            max_attempts: 8,
            lease: chrono::TimeDelta::minutes(5),
            batch: 64,
            concurrency: 8,
            base_backoff: chrono::TimeDelta::seconds(30),
            max_backoff: chrono::TimeDelta::hours(2),
            idle_poll: std::time::Duration::from_secs(5),
        }
    }
}

/// Per-address limits on the public forms, per minute.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub login_per_minute: u32,
    pub reset_per_minute: u32,
    pub apply_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            login_per_minute: 10,
            reset_per_minute: 5,
            apply_per_minute: 10,
        }
    }
}
