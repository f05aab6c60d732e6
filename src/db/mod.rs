//! One connection type for both databases, its pool, and the embedded migrations.

pub mod backup;
pub mod copy;
pub mod schema;
pub mod text_enum;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::PathBuf;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// PostgreSQL or SQLite, chosen from the URL scheme. SQLite is last so that the derive's own
/// `establish` (which we do not use) tries PostgreSQL first.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite://") || url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err(DbError::BadUrl)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite:// or postgres://")]
    BadUrl,
    #[error("cannot create the database folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot create the database folder {0}: {1}")]
    Folder(String, std::io::Error),
    /// The database could not be opened; the URL is named, its password never.
    #[error("cannot open the database {0}: {1}")]
    Open(String, ConnectionError),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("migration failed: {0}")]
    Migration(String),
}

pub type Pool = r2d2::Pool<ConnManager>;
pub type PooledConn = r2d2::PooledConnection<ConnManager>;

/// Opens connections for the pool. Picking the backend from the scheme ourselves reports the
/// real libpq error (the derived `establish` hides it) and is where SQLite's pragmas live.
#[derive(Debug, Clone)]
pub struct ConnManager {
    url: String,
    backend: Backend,
}

impl ConnManager {
    pub fn new(url: &str) -> Result<ConnManager, DbError> {
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Postgres => url.to_string(),
            Backend::Sqlite => sqlite_path(url).to_string_lossy().into_owned(),
        };
        Ok(ConnManager { url, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn open(&self) -> Result<DbConnection, ConnectionError> {
        match self.backend {
            Backend::Postgres => Ok(DbConnection::Pg(establish_pg(&self.url)?)),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for ConnManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.open().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking()
            || <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Opens a PostgreSQL connection. OpenSSL (inside the bundled libpq) is initialised first
/// without its exit handler: by default it frees its state at `exit()` while pool and listener
/// threads may still be in a TLS call, which crashed a test process as it ended (SIGSEGV).
pub fn establish_pg(url: &str) -> Result<PgConnection, ConnectionError> {
    openssl_sys::init();
    PgConnection::establish(url)
}

/// `sqlite://data/ogug.sqlite3` → `data/ogug.sqlite3`.
pub fn sqlite_path(url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    PathBuf::from(rest)
}

/// Prepares the database (folder, WAL, migrations) and returns one connection (commands).
pub fn connect_one(url: &str) -> Result<DbConnection, DbError> {
    let manager = prepare(url)?;
    Ok(manager.open()?)
}

/// Prepares the database (folder, WAL, migrations) and returns a pool.
pub fn connect(url: &str, max_size: u32) -> Result<Pool, DbError> {
    let manager = prepare(url)?;
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        // No `SELECT 1` before every checkout: it was a round trip per request (two for a
        // signed-in page). A connection the server dropped fails one request and is discarded
        // (`discard_if_lost`), and r2d2's reaper closes connections idle past 10 minutes.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?;
    Ok(pool)
}

/// A database URL fit to print: `postgres://ogug:***@db/ogug`.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

fn prepare(url: &str) -> Result<ConnManager, DbError> {
    let manager = ConnManager::new(url)?;
    if manager.backend == Backend::Sqlite
        && let Some(parent) = PathBuf::from(&manager.url).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbError::Folder(parent.display().to_string(), e))?;
    }
    {
        let mut conn = manager
            .open()
            .map_err(|e| DbError::Open(without_password(url), e))?;
        if let DbConnection::Sqlite(c) = &mut conn {
            // WAL is a property of the database file: set it once, not per pooled connection.
            c.batch_execute("PRAGMA journal_mode = WAL;")?;
        }
        exclusively(&mut conn, run_migrations)??;
    }
    Ok(manager)
}

/// Marks a connection whose server went away (restarted, or ended the session) as broken, so
/// the pool drops it instead of lending it again.
pub fn discard_if_lost(conn: &mut DbConnection, err: &diesel::result::Error) {
    use diesel::result::{DatabaseErrorKind, Error};
    if matches!(
        err,
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        )
    ) {
        <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .set_in_error();
    }
}

/// Locks one row until the transaction ends (PostgreSQL), so a check-then-write such as a
/// capacity or a daily cap holds when instances race. SQLite's write transactions already run
/// one at a time. `table` is one of ogug's table names, never user input.
pub fn lock_row(conn: &mut DbConnection, table: &'static str, id: i64) -> QueryResult<()> {
    if let DbConnection::Pg(_) = conn {
        diesel::sql_query(format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE"))
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(conn)?;
    }
    Ok(())
}

/// Runs `f` while holding this database's set-up lock: on PostgreSQL a session advisory lock
/// keyed by the schema, so instances starting at the same instant migrate (and load the demo)
/// one after the other, the later ones finding nothing left to do. SQLite serialises writers
/// itself.
pub fn exclusively<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> T,
) -> Result<T, DbError> {
    const LOCK: &str = "SELECT pg_advisory_lock(hashtext('ogug-setup:' || current_schema()))";
    const UNLOCK: &str = "SELECT pg_advisory_unlock(hashtext('ogug-setup:' || current_schema()))";
    let pg = matches!(conn, DbConnection::Pg(_));
    if pg {
        diesel::sql_query(LOCK).execute(conn)?;
    }
    let result = f(conn);
    if pg {
        diesel::sql_query(UNLOCK).execute(conn)?;
    }
    Ok(result)
}

/// Keeps the query planner's statistics current. SQLite has none until ANALYZE runs, and without
/// them it picks the wrong index for some event lists (a 2 k-event chapter's past events:
/// 7 ms instead of 0.1 ms); `PRAGMA optimize` analyzes only the tables that need it, on a sample
/// (`analysis_limit`). `ogug serve` runs it just after it starts answering (not before: on a
/// database of a million members it takes ~100 ms) and hourly. PostgreSQL's autovacuum does this.
pub fn optimize(conn: &mut DbConnection) -> Result<(), DbError> {
    if let DbConnection::Sqlite(c) = conn {
        c.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
    }
    Ok(())
}

/// Whether migrations embedded in this binary have not run on the database yet.
pub fn migrations_pending(conn: &mut DbConnection) -> Result<bool, DbError> {
    let pending = match conn {
        DbConnection::Pg(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
    };
    pending.map_err(|e| DbError::Migration(e.to_string()))
}

/// Runs the pending migrations of the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, DbError> {
    let applied = match conn {
        DbConnection::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| DbError::Migration(e.to_string()))
}

/// Runs `f` in a write transaction. On SQLite it begins `IMMEDIATE`, so the write lock is taken
/// up front and waits on `busy_timeout` instead of failing when a read upgrades to a write.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Pg(_) => conn.transaction(f),
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(e) => {
                    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
                    Err(e)
                }
            }
        }
    }
}

pub fn backend_of(conn: &DbConnection) -> Backend {
    match conn {
        DbConnection::Pg(_) => Backend::Postgres,
        DbConnection::Sqlite(_) => Backend::Sqlite,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_print_without_their_password() {
        assert_eq!(
            super::without_password("postgres://ogug:s3cret@db:5432/ogug"),
            "postgres://ogug:***@db:5432/ogug"
        );
        assert_eq!(
            super::without_password("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            super::without_password("sqlite://data/ogug.sqlite3"),
            "sqlite://data/ogug.sqlite3"
        );
    }
}
