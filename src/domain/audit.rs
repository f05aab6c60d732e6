//! The audit trail: rows are only ever inserted by the app, never updated or deleted.

use crate::db::DbConnection;
use crate::db::schema::audit_log;
use diesel::prelude::*;

/// Everything the audit trail records, stored as its `as_str()` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    AccountActivated,
    PasswordReset,
    PasswordChanged,
    AccountDeleted,
    ApplicationSubmitted,
    ApplicationConfirmed,
    ApplicationWithdrawn,
    ApplicationApproved,
    ApplicationRejected,
    DecisionUndone,
    RoleChanged,
    MemberRemoved,
    MemberLeft,
    OrganizerAppointed,
    ChapterCreated,
    ChapterProfileEdited,
    ChapterArchived,
    ChapterRestored,
    EventCreated,
    EventEdited,
    EventPublished,
    EventCancelled,
    EventDraftDeleted,
}

impl AuditAction {
    pub const ALL: [AuditAction; 26] = [
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::AccountActivated,
        AuditAction::PasswordReset,
        AuditAction::PasswordChanged,
        AuditAction::AccountDeleted,
        AuditAction::ApplicationSubmitted,
        AuditAction::ApplicationConfirmed,
        AuditAction::ApplicationWithdrawn,
        AuditAction::ApplicationApproved,
        AuditAction::ApplicationRejected,
        AuditAction::DecisionUndone,
        AuditAction::RoleChanged,
        AuditAction::MemberRemoved,
        AuditAction::MemberLeft,
        AuditAction::OrganizerAppointed,
        AuditAction::ChapterCreated,
        AuditAction::ChapterProfileEdited,
        AuditAction::ChapterArchived,
        AuditAction::ChapterRestored,
        AuditAction::EventCreated,
        AuditAction::EventEdited,
        AuditAction::EventPublished,
        AuditAction::EventCancelled,
        AuditAction::EventDraftDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::AccountActivated => "account_activated",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::AccountDeleted => "account_deleted",
            AuditAction::ApplicationSubmitted => "application_submitted",
            AuditAction::ApplicationConfirmed => "application_confirmed",
            AuditAction::ApplicationWithdrawn => "application_withdrawn",
            AuditAction::ApplicationApproved => "application_approved",
            AuditAction::ApplicationRejected => "application_rejected",
            AuditAction::DecisionUndone => "decision_undone",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::MemberRemoved => "member_removed",
            AuditAction::MemberLeft => "member_left",
            AuditAction::OrganizerAppointed => "organizer_appointed",
            AuditAction::ChapterCreated => "chapter_created",
            AuditAction::ChapterProfileEdited => "chapter_profile_edited",
            AuditAction::ChapterArchived => "chapter_archived",
            AuditAction::ChapterRestored => "chapter_restored",
            AuditAction::EventCreated => "event_created",
            AuditAction::EventEdited => "event_edited",
            AuditAction::EventPublished => "event_published",
            AuditAction::EventCancelled => "event_cancelled",
            AuditAction::EventDraftDeleted => "event_draft_deleted",
        }
    }

    pub fn parse(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// What an action was done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    User(i64),
    Application(i64),
    Chapter(i64),
    Event(i64),
}

impl Object {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Object::User(id) => ("user", id),
            Object::Application(id) => ("application", id),
            Object::Chapter(id) => ("chapter", id),
            Object::Event(id) => ("event", id),
        }
    }
}

/// One row of the trail: who (None for an anonymous visitor or the system), from where, did
/// what, in which chapter, to what.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: Option<i64>,
    pub ip: &'a str,
    pub action: AuditAction,
    pub chapter: Option<i64>,
    pub object: Object,
    pub details: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewRow<'a> {
    actor_user_id: Option<i64>,
    action: &'a str,
    chapter_id: Option<i64>,
    object_type: &'a str,
    object_id: Option<i64>,
    details: &'a str,
    ip: &'a str,
    created_at: chrono::NaiveDateTime,
}

pub fn record(conn: &mut DbConnection, entry: Entry<'_>) -> QueryResult<()> {
    let (object_type, object_id) = entry.object.parts();
    diesel::insert_into(audit_log::table)
        .values(NewRow {
            actor_user_id: entry.actor,
            action: entry.action.as_str(),
            chapter_id: entry.chapter,
            object_type,
            object_id: Some(object_id),
            details: entry.details,
            ip: entry.ip,
            created_at: super::now(),
        })
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
