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
