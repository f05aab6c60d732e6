//! Server-side sessions (ASVS 7.2–7.4): the cookie holds 32 random bytes, the database only
//! their SHA-256. Idle timeout 2 h; absolute 12 h, or 30 days with "remember me".

use super::users::User;
use super::{DomainResult, now};
use crate::crypto::{random_token, sha256_hex};
use crate::db::DbConnection;
use crate::db::schema::{sessions, users};
use crate::domain::ids::*;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

pub const IDLE_TIMEOUT: TimeDelta = TimeDelta::hours(2);
pub const ABSOLUTE_SHORT: TimeDelta = TimeDelta::hours(12);
pub const ABSOLUTE_REMEMBER: TimeDelta = TimeDelta::days(30);
/// `last_seen_at` is refreshed at most this often, so reading a page is not a write.
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: SessionId,
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub remember: bool,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ip: String,
    pub user_agent: String,
}

/// Starts a session; returns the raw cookie value (never stored) and the row.
pub fn create(
    conn: &mut DbConnection,
    user_id: UserId,
    remember: bool,
    ip: &str,
    user_agent: &str,
) -> DomainResult<(String, Session)> {
    let raw = random_token();
    let at = now();
    let lifetime = if remember {
        ABSOLUTE_REMEMBER
    } else {
        ABSOLUTE_SHORT
    };
    let session = diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash(&raw)),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(random_token()),
            sessions::remember.eq(remember),
            sessions::created_at.eq(at),
            sessions::last_seen_at.eq(at),
            sessions::expires_at.eq(at + lifetime),
            sessions::ip.eq(ip.chars().take(64).collect::<String>()),
            sessions::user_agent.eq(user_agent.chars().take(256).collect::<String>()),
        ))
        .returning(sessions::all_columns)
        .get_result::<Session>(conn)?;
    Ok((raw, session))
}

/// What the table keeps of a cookie value: its SHA-256.
pub fn token_hash(raw: &str) -> String {
    sha256_hex(raw)
}

/// The live session whose cookie value hashes to `token_hash`, and its (enabled) user. Expired
/// sessions are deleted.
pub fn lookup(conn: &mut DbConnection, token_hash: &str) -> DomainResult<Option<(Session, User)>> {
    let found: Option<(Session, User)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .optional()?;
    let Some((mut session, user)) = found else {
        return Ok(None);
    };
    let at = now();
    if session.expires_at <= at
        || session.last_seen_at + IDLE_TIMEOUT <= at
        || user.disabled_at.is_some()
    {
        diesel::delete(sessions::table.find(session.id)).execute(conn)?;
        return Ok(None);
    }
    if session.last_seen_at + TOUCH_EVERY <= at {
        diesel::update(sessions::table.find(session.id))
            .set(sessions::last_seen_at.eq(at))
            .execute(conn)?;
        session.last_seen_at = at;
    }
    Ok(Some((session, user)))
}

/// Whether `lookup` at `at` would return this session as it is, neither ending it nor
/// refreshing its `last_seen_at`: only then may a copy kept in memory stand in for it.
pub fn needs_no_visit(session: &Session, user: &User, at: NaiveDateTime) -> bool {
    session.expires_at > at && session.last_seen_at + TOUCH_EVERY > at && user.disabled_at.is_none()
}

pub fn delete(conn: &mut DbConnection, session_id: SessionId) -> DomainResult<()> {
    diesel::delete(sessions::table.find(session_id)).execute(conn)?;
    Ok(())
}

/// Ends every session of a user but `keep` (password change keeps the current one).
pub fn delete_for_user(
    conn: &mut DbConnection,
    user_id: UserId,
    keep: Option<SessionId>,
) -> DomainResult<usize> {
    let target = sessions::table.filter(sessions::user_id.eq(user_id));
    Ok(match keep {
        Some(id) => diesel::delete(target.filter(sessions::id.ne(id))).execute(conn)?,
        None => diesel::delete(target).execute(conn)?,
    })
}
