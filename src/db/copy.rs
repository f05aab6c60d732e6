//! `ogug copy --to postgres://…`: moves a whole site from the configured database (the SQLite
//! an operator started on) to PostgreSQL. Every table is copied with its ids in one target
//! transaction, in batches of JSON rows (`json_populate_recordset` turns them back into rows of
//! the target's own column types); derived columns are recomputed, the sequences reset, and the
//! row counts of every table compared. A target that holds data is refused; a failure leaves the
//! target as it was.

use super::{Backend, DbConnection, DbError, connect_one, write_transaction};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// Parents before children (foreign keys).
pub const TABLES: [&str; 22] = [
    "users",
    "chapters",
    "memberships",
    "applications",
    "events",
    "images",
    "organizations",
    "speaker_profiles",
    "talk_tags",
    "talks",
    "talk_speakers",
    "talk_reviews",
    "event_agenda_items",
    "event_hosts",
    "rsvps",
    "tokens",
    "sessions",
    "outbox",
    "audit_log",
    "rate_limits",
    "announcements",
    "announcement_optouts",
];

const BATCH: i64 = 2000;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the target must be a postgres:// URL")]
    TargetNotPostgres,
    #[error("the target database already holds data ({0}); copy only into an empty database")]
    TargetNotEmpty(String),
    #[error("{table}: {source_rows} rows in the source but {target_rows} in the target")]
    CountMismatch {
        table: &'static str,
        source_rows: i64,
        target_rows: i64,
    },
    #[error("cannot reach the target: {0}")]
    Unreachable(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Json {
    #[diesel(sql_type = Text)]
    rows: String,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

fn count(conn: &mut DbConnection, table: &str) -> QueryResult<i64> {
    Ok(
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(conn)?
            .n,
    )
}

/// The order rows are read in: the table's key.
fn order_of(table: &str) -> &'static str {
    match table {
        "rate_limits" => "key",
        "speaker_profiles" => "user_id",
        "talk_reviews" => "talk_id, reviewer_id",
        "announcement_optouts" => "user_id, chapter_id",
        _ => "id",
    }
}

/// One batch of `table`'s rows as a JSON array of objects.
fn read_batch(conn: &mut DbConnection, table: &str, offset: i64) -> QueryResult<String> {
    let order = order_of(table);
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            let columns =
                diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')"))
                    .load::<Column>(conn)?;
            // JSON holds no bytes: pictures travel as PostgreSQL's hex form of bytea.
            let pairs: Vec<String> = columns
                .iter()
                .map(|c| match (table, c.name.as_str()) {
                    ("images", "bytes") => "'bytes', '\\x' || lower(hex(bytes))".to_string(),
                    _ => format!("'{0}', {0}", c.name),
                })
                .collect();
            format!(
                "SELECT COALESCE(json_group_array(json_object({})), '[]') AS rows \
                 FROM (SELECT * FROM {table} ORDER BY {order} LIMIT {BATCH} OFFSET {offset})",
                pairs.join(", ")
            )
        }
        DbConnection::Pg(_) => format!(
            "SELECT COALESCE(json_agg(t), '[]')::text AS rows \
             FROM (SELECT * FROM {table} ORDER BY {order} LIMIT {BATCH} OFFSET {offset}) t"
        ),
    };
    Ok(diesel::sql_query(sql).get_result::<Json>(conn)?.rows)
}

/// Copies the source database into the empty PostgreSQL database at `target_url`; returns a
/// line per table.
pub fn copy(source: &mut DbConnection, target_url: &str) -> Result<Vec<String>, CopyError> {
    if Backend::from_url(target_url).ok() != Some(Backend::Postgres) {
        return Err(CopyError::TargetNotPostgres);
    }
    let mut target = connect_one(target_url).map_err(|e| match e {
        DbError::Connection(c) | DbError::Open(_, c) => CopyError::Unreachable(
            c.to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string(),
        ),
        other => CopyError::Db(other),
    })?;
    let mut held = Vec::new();
    // The migrations seed the tag list: those rows are replaced by the source's.
    for table in TABLES.into_iter().filter(|t| *t != "talk_tags") {
        let n = count(&mut target, table)?;
        if n > 0 {
            held.push(format!("{table}: {n}"));
        }
    }
    if !held.is_empty() {
        return Err(CopyError::TargetNotEmpty(held.join(", ")));
    }
    let mut report = Vec::new();
    // One read transaction on the source (a consistent snapshot, even while a server runs on
    // it) and one write transaction on the target (all or nothing).
    source.transaction(|source| {
        write_transaction(&mut target, |t| copy_all(source, t, &mut report))
    })?;
    Ok(report)
}

fn copy_all(
    source: &mut DbConnection,
    t: &mut DbConnection,
    report: &mut Vec<String>,
) -> Result<(), CopyError> {
    diesel::sql_query("DELETE FROM talk_tags").execute(t)?;
    for table in TABLES {
        let mut offset = 0;
        loop {
            let rows = read_batch(source, table, offset)?;
            if rows == "[]" {
                break;
            }
            diesel::sql_query(format!(
                "INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, $1::json)"
            ))
            .bind::<Text, _>(&rows)
            .execute(t)?;
            offset += BATCH;
        }
        if order_of(table) == "id" {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 1), \
                 (SELECT MAX(id) FROM {table}) IS NOT NULL)"
            ))
            .execute(t)?;
        }
    }
    // The archive's search index: SQLite keeps it in an FTS5 table, PostgreSQL in a column.
    if let DbConnection::Sqlite(_) = source {
        diesel::sql_query(
            "SELECT COALESCE(json_group_array(json_object('id', talk_id, 'doc', doc)), '[]') \
             AS rows FROM talk_search",
        )
        .get_result::<Json>(source)
        .and_then(|docs| {
            diesel::sql_query(
                "UPDATE talks SET search = to_tsvector('simple', d.doc) \
                 FROM json_to_recordset($1::json) AS d(id BIGINT, doc TEXT) WHERE talks.id = d.id",
            )
            .bind::<Text, _>(&docs.rows)
            .execute(t)
        })?;
    }
    // Kept by triggers as memberships arrive one by one; here they arrived with the counts
    // already on the chapter rows.
    diesel::sql_query(
        "UPDATE chapters SET member_count = \
         (SELECT COUNT(*) FROM memberships m WHERE m.chapter_id = chapters.id)",
    )
    .execute(t)?;
    for table in TABLES {
        let (source_rows, target_rows) = (count(source, table)?, count(t, table)?);
        if source_rows != target_rows {
            return Err(CopyError::CountMismatch {
                table,
                source_rows,
                target_rows,
            });
        }
        report.push(format!("{table:<20} {target_rows}"));
    }
    Ok(())
}
