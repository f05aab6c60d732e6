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
        AccountCreated => "account_created",
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

crate::text_enum! {
    /// The kinds of action the log's filter offers.
    pub enum Kind {
        Applications => "applications",
        Members => "members",
        Events => "events",
        DayOf => "day_of",
        Talks => "talks",
        Organizations => "organizations",
        Chapter => "chapter",
        Account => "account",
    }
}

impl AuditAction {
    /// The filter's kind of this action (exhaustive: a new action must say where it belongs).
    pub fn kind(self) -> Kind {
        use AuditAction::*;
        match self {
            ApplicationSubmitted | ApplicationConfirmed | ApplicationWithdrawn
            | ApplicationApproved | ApplicationRejected | DecisionUndone => Kind::Applications,
            RoleChanged | MemberRemoved | MemberLeft | OrganizerAppointed => Kind::Members,
            EventCreated | EventEdited | EventPublished | EventCancelled | EventDraftDeleted
            | AnnouncementSent => Kind::Events,
            CheckedIn | CheckInUndone | WalkedIn => Kind::DayOf,
            TalkProposed | TalkEdited | TalkWithdrawn | TalkReviewed | TalkDecided | TalkPlaced
            | CoSpeakerConfirmed | CallChanged | TagsEdited | SpeakerProfileSaved => Kind::Talks,
            OrganizationCreated
            | OrganizationEdited
            | OrganizationChangeSuggested
            | OrganizationsMerged => Kind::Organizations,
            ChapterCreated | ChapterProfileEdited | ChapterArchived | ChapterRestored => {
                Kind::Chapter
            }
            Login | LoginFailed | Logout | AccountActivated | AccountCreated | PasswordReset
            | PasswordChanged | AccountDeleted => Kind::Account,
        }
    }
}

#[derive(Queryable, Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub created_at: chrono::NaiveDateTime,
    pub actor_id: Option<UserId>,
    pub actor: Option<String>,
    pub action: AuditAction,
    pub chapter_id: Option<ChapterId>,
    pub chapter_slug: Option<String>,
    pub chapter_tz: Option<String>,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub details: String,
}

pub const PAGE: i64 = 50;

/// Which rows a reader asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// None: every chapter (site admins).
    pub chapter_id: Option<ChapterId>,
    pub kind: Option<Kind>,
    pub actor: Option<UserId>,
    /// Keyset: rows older than this id.
    pub before: Option<i64>,
}

/// Newest first, `PAGE + 1` rows (the extra one says there is a next page).
pub fn list(conn: &mut DbConnection, filter: &Filter) -> QueryResult<Vec<AuditRow>> {
    use crate::db::schema::{chapters, users};
    let mut q = audit_log::table
        .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_user_id)))
        .left_join(chapters::table.on(chapters::id.nullable().eq(audit_log::chapter_id)))
        .select((
            audit_log::id,
            audit_log::created_at,
            audit_log::actor_user_id,
            users::display_name.nullable(),
            audit_log::action,
            audit_log::chapter_id,
            chapters::slug.nullable(),
            chapters::time_zone.nullable(),
            audit_log::object_type,
            audit_log::object_id,
            audit_log::details,
        ))
        .order(audit_log::id.desc())
        .limit(PAGE + 1)
        .into_boxed();
    if let Some(id) = filter.chapter_id {
        q = q.filter(audit_log::chapter_id.eq(id));
    }
    if let Some(kind) = filter.kind {
        let actions: Vec<AuditAction> = AuditAction::ALL
            .iter()
            .copied()
            .filter(|a| a.kind() == kind)
            .collect();
        q = q.filter(audit_log::action.eq_any(actions));
    }
    if let Some(actor) = filter.actor {
        q = q.filter(audit_log::actor_user_id.eq(actor));
    }
    if let Some(b) = filter.before {
        q = q.filter(audit_log::id.lt(b));
    }
    q.load(conn)
}

/// The people who appear as actors in a chapter's log (or the site's), by name, for the filter.
pub fn actors(
    conn: &mut DbConnection,
    chapter_id: Option<ChapterId>,
) -> QueryResult<Vec<(UserId, String)>> {
    use crate::db::schema::users;
    let mut q = audit_log::table
        .inner_join(users::table.on(users::id.nullable().eq(audit_log::actor_user_id)))
        .select((users::id, users::display_name))
        .distinct()
        .order(users::display_name)
        .limit(500)
        .into_boxed();
    if let Some(id) = chapter_id {
        q = q.filter(audit_log::chapter_id.eq(id));
    }
    q.load(conn)
}

/// What a row was done to, as a reader names it.
#[derive(Debug, Clone)]
pub enum Named {
    Person(String),
    Application {
        name: String,
        chapter_slug: String,
    },
    Chapter {
        slug: String,
        zh: String,
        en: String,
    },
    Event {
        chapter_slug: String,
        slug: String,
        zh: String,
        en: String,
    },
    Talk {
        zh: String,
        en: String,
    },
    Organization {
        zh: String,
        en: String,
    },
}

/// The names of everything the rows mention: their objects, the people checked in (`rsvp N`)
/// and the events talks were placed in. One query per kind of thing.
#[derive(Debug, Default)]
pub struct Names {
    pub objects: std::collections::HashMap<(String, i64), Named>,
    /// rsvp id → the person's name.
    pub rsvps: std::collections::HashMap<i64, String>,
    /// (chapter, event slug) → the event.
    pub events_by_slug: std::collections::HashMap<(i64, String), Named>,
}

/// The rsvp id a day-of row names in its details (`rsvp 12`).
pub fn rsvp_of(details: &str) -> Option<i64> {
    details.strip_prefix("rsvp ")?.parse().ok()
}

pub fn names(conn: &mut DbConnection, rows: &[AuditRow]) -> QueryResult<Names> {
    use crate::db::schema::{applications, chapters, events, organizations, rsvps, talks, users};
    let ids = |kind: &str| -> Vec<i64> {
        let mut v: Vec<i64> = rows
            .iter()
            .filter(|r| r.object_type == kind)
            .filter_map(|r| r.object_id)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut names = Names::default();
    let mut put = |kind: &str, id: i64, named: Named| {
        names.objects.insert((kind.to_string(), id), named);
    };
    for (id, name) in users::table
        .filter(users::id.eq_any(ids("user")))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)?
    {
        put("user", id, Named::Person(name));
    }
    for (id, name, slug) in applications::table
        .inner_join(chapters::table)
        .filter(applications::id.eq_any(ids("application")))
        .select((applications::id, applications::name, chapters::slug))
        .load::<(i64, String, String)>(conn)?
    {
        put(
            "application",
            id,
            Named::Application {
                name,
                chapter_slug: slug,
            },
        );
    }
    for (id, slug, zh, en) in chapters::table
        .filter(chapters::id.eq_any(ids("chapter")))
        .select((
            chapters::id,
            chapters::slug,
            chapters::name_zh,
            chapters::name_en,
        ))
        .load::<(i64, String, String, String)>(conn)?
    {
        put("chapter", id, Named::Chapter { slug, zh, en });
    }
    for (id, chapter_slug, slug, zh, en) in events::table
        .inner_join(chapters::table)
        .filter(events::id.eq_any(ids("event")))
        .select((
            events::id,
            chapters::slug,
            events::slug,
            events::title_zh,
            events::title_en,
        ))
        .load::<(i64, String, String, String, String)>(conn)?
    {
        put(
            "event",
            id,
            Named::Event {
                chapter_slug,
                slug,
                zh,
                en,
            },
        );
    }
    for (id, zh, en) in talks::table
        .filter(talks::id.eq_any(ids("talk")))
        .select((talks::id, talks::title_zh, talks::title_en))
        .load::<(i64, String, String)>(conn)?
    {
        put("talk", id, Named::Talk { zh, en });
    }
    for (id, zh, en) in organizations::table
        .filter(organizations::id.eq_any(ids("organization")))
        .select((
            organizations::id,
            organizations::name_zh,
            organizations::name_en,
        ))
        .load::<(i64, String, String)>(conn)?
    {
        put("organization", id, Named::Organization { zh, en });
    }
    let rsvp_ids: Vec<i64> = rows.iter().filter_map(|r| rsvp_of(&r.details)).collect();
    names.rsvps = rsvps::table
        .inner_join(users::table)
        .filter(rsvps::id.eq_any(rsvp_ids))
        .select((rsvps::id, users::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let placed: Vec<(i64, String)> = rows
        .iter()
        .filter(|r| r.action == AuditAction::TalkPlaced)
        .filter_map(|r| Some((r.chapter_id?.get(), r.details.clone())))
        .collect();
    for (chapter_id, slug) in placed {
        let found = events::table
            .inner_join(chapters::table)
            .filter(events::chapter_id.eq(chapter_id))
            .filter(events::slug.eq(&slug))
            .select((chapters::slug, events::title_zh, events::title_en))
            .first::<(String, String, String)>(conn)
            .optional()?;
        if let Some((chapter_slug, zh, en)) = found {
            names.events_by_slug.insert(
                (chapter_id, slug.clone()),
                Named::Event {
                    chapter_slug,
                    slug,
                    zh,
                    en,
                },
            );
        }
    }
    Ok(names)
}
