//! `ogug backup FILE` and `ogug restore FILE`.
//!
//! SQLite: `VACUUM INTO` writes a consistent snapshot while the server runs (it reads in one
//! transaction); restoring checks the file (SQLite header, integrity, an ogug schema), refuses a
//! database that holds data, puts the file in place and brings its schema up to date.
//! PostgreSQL: `pg_dump` / `pg_restore` do it best; ogug runs them when they are on the PATH and
//! otherwise prints the exact command to run.

use super::{Backend, DbConnection, DbError, sqlite_path};
use diesel::prelude::*;
use std::path::Path;
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: choose a new file name")]
    Exists(String),
    #[error("the database already holds data ({0}); restore only into an empty database")]
    NotEmpty(String),
    #[error("{0} is not an ogug SQLite backup: {1}")]
    NotABackup(String, String),
    #[error("{0} is not on the PATH; run instead: {1}")]
    ToolMissing(&'static str, String),
    #[error("{0} failed: {1}")]
    ToolFailed(&'static str, String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// A file or folder that could not be read or written, named.
    #[error("{0}: {1}")]
    File(String, std::io::Error),
}

/// Names the path an I/O error is about (an operator must know which one to fix).
fn at(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::File(path.display().to_string(), e)
}

/// Tables whose rows make a database "not empty" for a restore.
const DATA_TABLES: [&str; 6] = [
    "users",
    "chapters",
    "applications",
    "events",
    "sessions",
    "outbox",
];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows per data table, for the checks and the report.
pub fn row_counts(conn: &mut DbConnection) -> Result<Vec<(&'static str, i64)>, BackupError> {
    DATA_TABLES
        .iter()
        .map(|table| {
            let n = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .get_result::<Count>(conn)?
                .n;
            Ok((*table, n))
        })
        .collect()
}

fn quoted(path: &Path) -> String {
    path.display().to_string().replace('\'', "''")
}

/// Writes a consistent snapshot of the database to `file` (which must not exist yet).
pub fn backup(conn: &mut DbConnection, url: &str, file: &Path) -> Result<String, BackupError> {
    if file.exists() {
        return Err(BackupError::Exists(file.display().to_string()));
    }
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            diesel::sql_query(format!("VACUUM INTO '{}'", quoted(file))).execute(conn)?;
            let size = std::fs::metadata(file).map_err(at(file))?.len();
            Ok(format!("Wrote {} ({size} bytes).", file.display()))
        }
        Backend::Postgres => {
            #[derive(QueryableByName)]
            struct Schema {
                #[diesel(sql_type = diesel::sql_types::Text)]
                name: String,
            }
            // ogug's own schema only (the database may hold others).
            let schema = diesel::sql_query("SELECT current_schema() AS name")
                .get_result::<Schema>(conn)?
                .name;
            let args = [
                "--format=custom",
                "--no-owner",
                "--schema",
                &schema,
                "--file",
            ];
            let shown = format!("pg_dump {} {} '{url}'", args.join(" "), file.display());
            run_tool("pg_dump", &shown, |c| {
                c.args(args).arg(file).arg(url);
            })?;
            Ok(format!("Wrote {} with pg_dump.", file.display()))
        }
    }
}

/// Loads a backup into the configured database, which must be empty.
pub fn restore(url: &str, file: &Path) -> Result<String, BackupError> {
    match Backend::from_url(url)? {
        Backend::Sqlite => restore_sqlite(url, file),
        Backend::Postgres => {
            let mut conn = super::connect_one(url)?;
            refuse_if_not_empty(&mut conn)?;
            drop(conn);
            let args = [
                "--no-owner",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--dbname",
            ];
            let shown = format!("pg_restore {} '{url}' {}", args.join(" "), file.display());
            run_tool("pg_restore", &shown, |c| {
                c.args(args).arg(url).arg(file);
            })?;
            Ok(format!("Restored {} with pg_restore.", file.display()))
        }
    }
}

fn refuse_if_not_empty(conn: &mut DbConnection) -> Result<(), BackupError> {
    let counts = row_counts(conn)?;
    let held: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t}: {n}"))
        .collect();
    if held.is_empty() {
        Ok(())
    } else {
        Err(BackupError::NotEmpty(held.join(", ")))
    }
}

fn restore_sqlite(url: &str, file: &Path) -> Result<String, BackupError> {
    let shown = file.display().to_string();
    let not_a_backup = |why: &str| BackupError::NotABackup(shown.clone(), why.to_string());
    let mut header = [0u8; 16];
    {
        use std::io::Read;
        std::fs::File::open(file)
            .map_err(at(file))?
            .read_exact(&mut header)
            .map_err(|_| not_a_backup("too short"))?;
    }
    if &header != b"SQLite format 3\0" {
        return Err(not_a_backup("not a SQLite database"));
    }
    // Check a copy, so that nothing is written anywhere before the file proved sound.
    let target = sqlite_path(url);
    let staged = target.with_extension("restore-check");
    // A new machine has no data folder yet: make what the configured database needs, as
    // `serve` does.
    if let Some(parent) = target.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(at(parent))?;
    }
    std::fs::copy(file, &staged).map_err(at(&staged))?;
    let checked = check_sqlite_backup(&staged);
    if let Err(why) = checked {
        let _ = std::fs::remove_file(&staged);
        return Err(not_a_backup(&why));
    }
    if target.exists() {
        let mut conn = super::connect_one(url)?;
        let empty = refuse_if_not_empty(&mut conn);
        drop(conn);
        if let Err(e) = empty {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
        }
    }
    std::fs::rename(&staged, &target).map_err(at(&target))?;
    // An older backup gets this binary's newer migrations.
    let mut conn = super::connect_one(url)?;
    let counts = row_counts(&mut conn)?;
    let report: Vec<String> = counts.iter().map(|(t, n)| format!("{t} {n}")).collect();
    Ok(format!("Restored {shown}: {}.", report.join(", ")))
}

fn check_sqlite_backup(path: &Path) -> Result<(), String> {
    let mut conn = diesel::SqliteConnection::establish(&path.display().to_string())
        .map_err(|e| e.to_string())?;
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        quick_check: String,
    }
    let check = diesel::sql_query("PRAGMA quick_check")
        .get_result::<Check>(&mut conn)
        .map_err(|e| format!("unreadable ({e})"))?;
    if check.quick_check != "ok" {
        return Err(format!("damaged ({})", check.quick_check));
    }
    let tables = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' \
         AND name IN ('__diesel_schema_migrations', 'chapters', 'users', 'outbox')",
    )
    .get_result::<Count>(&mut conn)
    .map_err(|e| format!("unreadable ({e})"))?;
    if tables.n != 4 {
        return Err("no ogug tables in it".into());
    }
    Ok(())
}

fn run_tool(
    tool: &'static str,
    shown: &str,
    args: impl FnOnce(&mut Command),
) -> Result<(), BackupError> {
    let mut command = Command::new(tool);
    args(&mut command);
    match command.output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(BackupError::ToolMissing(tool, shown.to_string()))
        }
        Err(e) => Err(BackupError::ToolFailed(tool, e.to_string())),
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(BackupError::ToolFailed(
            tool,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
        )),
    }
}
