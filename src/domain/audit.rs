//! The audit trail: rows are only ever inserted by the app, never updated or deleted.

use crate::db::DbConnection;
use crate::db::schema::audit_log;
use diesel::prelude::*;

#[derive(Insertable, Debug, Default)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub chapter_id: Option<i64>,
    pub object_type: &'a str,
    pub object_id: Option<i64>,
    pub details: &'a str,
    pub ip: &'a str,
    pub created_at: chrono::NaiveDateTime,
}

pub fn record(conn: &mut DbConnection, entry: NewAuditEntry<'_>) -> QueryResult<()> {
    let entry = NewAuditEntry {
        created_at: super::now(),
        ..entry
    };
    diesel::insert_into(audit_log::table)
        .values(&entry)
        .execute(conn)
        .map(|_| ())
}

#[derive(Queryable, Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub created_at: chrono::NaiveDateTime,
    pub actor: Option<String>,
    pub action: String,
    pub chapter_slug: Option<String>,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub details: String,
}

pub const PAGE: i64 = 50;

/// Newest first; `chapter_id` None means every chapter (site admins); keyset on id.
pub fn list(
    conn: &mut DbConnection,
    chapter_id: Option<i64>,
    action: Option<&str>,
    before_id: Option<i64>,
) -> QueryResult<Vec<AuditRow>> {
    use crate::db::schema::{chapters, users};
    let mut q = audit_log::table
        .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_user_id)))
        .left_join(chapters::table.on(chapters::id.nullable().eq(audit_log::chapter_id)))
        .select((
            audit_log::id,
            audit_log::created_at,
            users::display_name.nullable(),
            audit_log::action,
            chapters::slug.nullable(),
            audit_log::object_type,
            audit_log::object_id,
            audit_log::details,
        ))
        .order(audit_log::id.desc())
        .limit(PAGE + 1)
        .into_boxed();
    if let Some(id) = chapter_id {
        q = q.filter(audit_log::chapter_id.eq(id));
    }
    if let Some(a) = action.filter(|a| !a.is_empty()) {
        q = q.filter(audit_log::action.eq(a.to_string()));
    }
    if let Some(b) = before_id {
        q = q.filter(audit_log::id.lt(b));
    }
    q.load(conn)
}
