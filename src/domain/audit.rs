//! The audit trail: rows are only ever inserted by the app, never updated or deleted.

use crate::db::DbConnection;
use crate::db::schema::audit_log;
use crate::domain::ids::*;
use diesel::prelude::*;

crate::text_enum! {
    /// Everything the audit trail records.
    pub enum AuditAction {
        Login => "login",
        LoginFailed => "login_failed",
        Logout => "logout",
        AccountActivated => "account_activated",
        PasswordReset => "password_reset",
        PasswordChanged => "password_changed",
        AccountDeleted => "account_deleted",
        ApplicationSubmitted => "application_submitted",
        ApplicationConfirmed => "application_confirmed",
        ApplicationWithdrawn => "application_withdrawn",
        ApplicationApproved => "application_approved",
        ApplicationRejected => "application_rejected",
        DecisionUndone => "decision_undone",
        RoleChanged => "role_changed",
        MemberRemoved => "member_removed",
        MemberLeft => "member_left",
        OrganizerAppointed => "organizer_appointed",
        ChapterCreated => "chapter_created",
        ChapterProfileEdited => "chapter_profile_edited",
        ChapterArchived => "chapter_archived",
        ChapterRestored => "chapter_restored",
        EventCreated => "event_created",
        EventEdited => "event_edited",
        EventPublished => "event_published",
        EventCancelled => "event_cancelled",
        EventDraftDeleted => "event_draft_deleted",
        CheckedIn => "checked_in",
        CheckInUndone => "check_in_undone",
        WalkedIn => "walked_in",
        AnnouncementSent => "announcement_sent",
        TalkProposed => "talk_proposed",
        TalkEdited => "talk_edited",
        TalkWithdrawn => "talk_withdrawn",
        TalkReviewed => "talk_reviewed",
        TalkDecided => "talk_decided",
        TalkPlaced => "talk_placed",
        CoSpeakerConfirmed => "co_speaker_confirmed",
        CallChanged => "call_changed",
        TagsEdited => "tags_edited",
        OrganizationCreated => "organization_created",
        OrganizationEdited => "organization_edited",
        OrganizationChangeSuggested => "organization_change_suggested",
        OrganizationsMerged => "organizations_merged",
        SpeakerProfileSaved => "speaker_profile_saved",
    }
}

/// What an action was done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    User(UserId),
    Application(ApplicationId),
    Chapter(ChapterId),
    Event(EventId),
    Talk(TalkId),
    Organization(OrganizationId),
}

impl Object {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Object::User(id) => ("user", id.get()),
            Object::Application(id) => ("application", id.get()),
            Object::Chapter(id) => ("chapter", id.get()),
            Object::Event(id) => ("event", id.get()),
            Object::Talk(id) => ("talk", id.get()),
            Object::Organization(id) => ("organization", id.get()),
        }
    }
}

/// One row of the trail: who (None for an anonymous visitor or the system), from where, did
/// what, in which chapter, to what.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: Option<UserId>,
    pub ip: &'a str,
    pub action: AuditAction,
    pub chapter: Option<ChapterId>,
    pub object: Object,
    pub details: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewRow<'a> {
    actor_user_id: Option<UserId>,
    action: AuditAction,
    chapter_id: Option<ChapterId>,
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
            action: entry.action,
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
    chapter_id: Option<ChapterId>,
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
