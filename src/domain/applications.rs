//! Join applications: apply → confirm → review → approve / reject (DESIGN.md flows 1–3).
//!
//! Every transition is a guarded update (`… WHERE status = 'pending'`), so two organizers
//! deciding at once yield one decision, one membership and one email.

use super::chapters::Chapter;
use super::memberships::{self, Role};
use super::one_time_tokens::{self, Purpose};
use super::users::{self, EmailAddress, User, UserProfile};
use super::{DomainError, DomainResult, FieldErrors, now};
use crate::crypto::sha256_hex;
use crate::db::DbConnection;
use crate::db::schema::{applications, memberships as m, tokens, users as u};
use crate::domain::Conflict;
use crate::i18n::Locale;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: i64,
    pub chapter_id: i64,
    pub user_id: Option<i64>,
    pub email: String,
    pub name: String,
    pub organization: String,
    pub job_title: String,
    pub desired_role: Role,
    pub motivation: String,
    pub opengauss_usage: String,
    pub answers: String,
    pub locale: String,
    pub status: ApplicationStatus,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub organizers_notified_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl Application {
    pub fn locale(&self) -> Locale {
        Locale::parse(&self.locale).unwrap_or_default()
    }

    pub fn desired_role(&self) -> Role {
        self.desired_role
    }

    /// The chapter's extra questions with this applicant's answers.
    pub fn answers(&self) -> Vec<(String, String)> {
        serde_json::from_str(&self.answers).unwrap_or_default()
    }

    pub fn is_open(&self) -> bool {
        matches!(
            self.status,
            ApplicationStatus::Unconfirmed | ApplicationStatus::Pending
        )
    }
}

crate::text_enum! {
    /// Where an application stands. Open: unconfirmed (the email is not confirmed yet) and
    /// pending (waiting for an organizer).
    pub enum ApplicationStatus {
        Pending => "pending",
        Unconfirmed => "unconfirmed",
        Approved => "approved",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
}

impl ApplicationStatus {
    /// Catalog key of the status's name.
    pub fn label_key(self) -> String {
        format!("status.{}", self.as_str())
    }
}

/// The review queue's tabs, in order.
pub const STATUSES: &[ApplicationStatus] = ApplicationStatus::ALL;

/// Stock reasons for a rejection; each has a catalog key `reason.<name>`.
pub const STOCK_REASONS: [&str; 4] = ["not_local", "incomplete", "duplicate", "other"];

/// What the applicant typed, before checking.
#[derive(Debug, Clone, Default)]
pub struct ApplyInput {
    pub name: String,
    pub email: String,
    pub organization: String,
    pub job_title: String,
    pub desired_role: String,
    pub motivation: String,
    pub opengauss_usage: String,
    pub consent: bool,
    pub answers: Vec<String>,
}

/// A checked application, ready to store.
#[derive(Debug, Clone)]
pub struct ValidApplication {
    pub name: String,
    pub email: EmailAddress,
    pub organization: String,
    pub job_title: String,
    pub role: Role,
    pub motivation: String,
    pub opengauss_usage: String,
    pub answers: Vec<(String, String)>,
}

fn text(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
    multiline: bool,
) -> String {
    if multiline {
        super::text::text(errors, field, value, max, required)
    } else {
        super::text::line(errors, field, value, max, required)
    }
}

/// The chapter's own questions, one a line.
pub fn questions(chapter: &Chapter) -> Vec<String> {
    chapter
        .apply_questions
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn validate(input: &ApplyInput, questions: &[String]) -> Result<ValidApplication, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = users::parse_display_name(&input.name)
        .map_err(|e| errors.add("name", e))
        .unwrap_or_default();
    let email = EmailAddress::parse(&input.email)
        .map_err(|e| errors.add("email", e))
        .ok();
    let organization = text(
        &mut errors,
        "organization",
        &input.organization,
        100,
        true,
        false,
    );
    let job_title = text(
        &mut errors,
        "job_title",
        &input.job_title,
        100,
        false,
        false,
    );
    let role = match input.desired_role.as_str() {
        "member" => Some(Role::Member),
        "ambassador" => Some(Role::Ambassador),
        _ => {
            errors.add("desired_role", "error.invalid_choice");
            None
        }
    };
    let motivation = text(
        &mut errors,
        "motivation",
        &input.motivation,
        2000,
        true,
        true,
    );
    let opengauss_usage = text(
        &mut errors,
        "opengauss_usage",
        &input.opengauss_usage,
        2000,
        false,
        true,
    );
    if !input.consent {
        errors.add("consent", "error.consent_required");
    }
    const ANSWER_FIELDS: [&str; 5] = ["answer_0", "answer_1", "answer_2", "answer_3", "answer_4"];
    let mut answers = Vec::new();
    for (i, q) in questions.iter().enumerate().take(ANSWER_FIELDS.len()) {
        let a = input.answers.get(i).map(String::as_str).unwrap_or_default();
        answers.push((
            q.clone(),
            text(&mut errors, ANSWER_FIELDS[i], a, 1000, false, true),
        ));
    }
    match (email, role, errors.is_empty()) {
        (Some(email), Some(role), true) => Ok(ValidApplication {
            name,
            email,
            organization,
            job_title,
            role,
            motivation,
            opengauss_usage,
            answers,
        }),
        _ => Err(errors),
    }
}

/// What became of a submission.
#[derive(Debug, Clone)]
pub enum Submitted {
    /// A new application. `confirm_token` is set when the email must be confirmed first.
    Created {
        application: Application,
        confirm_token: Option<String>,
        status_token: String,
    },
    /// The address already belongs to a member of this chapter.
    AlreadyMember { user: User },
    /// An open application for this chapter and address exists; a fresh status link to it.
    Existing {
        application: Application,
        status_token: String,
    },
}

pub fn find(conn: &mut DbConnection, id: i64) -> DomainResult<Application> {
    applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

fn open_for(
    conn: &mut DbConnection,
    chapter_id: i64,
    email: &EmailAddress,
) -> DomainResult<Option<Application>> {
    Ok(applications::table
        .filter(applications::chapter_id.eq(chapter_id))
        .filter(applications::email.eq(email.as_str()))
        .filter(
            applications::status
                .eq_any([ApplicationStatus::Unconfirmed, ApplicationStatus::Pending]),
        )
        .select(Application::as_select())
        .first(conn)
        .optional()?)
}

/// Stores an application. A signed-in applicant (`signed_in`, whose email is the application's)
/// skips confirmation. The caller owns the transaction.
pub fn submit(
    conn: &mut DbConnection,
    chapter: &Chapter,
    app: &ValidApplication,
    locale: Locale,
    signed_in: Option<&User>,
) -> DomainResult<Submitted> {
    if !chapter.is_active() {
        return Err(DomainError::Conflict(Conflict::ChapterArchived));
    }
    let existing_user = match signed_in {
        Some(user) => Some(user.clone()),
        None => users::find_by_email(conn, &app.email)?,
    };
    if let Some(user) = &existing_user
        && memberships::find(conn, chapter.id, user.id)?.is_some()
    {
        return Ok(Submitted::AlreadyMember { user: user.clone() });
    }
    if let Some(application) = open_for(conn, chapter.id, &app.email)? {
        let status_token =
            one_time_tokens::issue(conn, Purpose::ApplicationStatus, None, Some(application.id))?;
        return Ok(Submitted::Existing {
            application,
            status_token,
        });
    }
    let at = now();
    let confirmed = signed_in.is_some();
    let answers = serde_json::to_string(&app.answers).unwrap_or_else(|_| "[]".into());
    let application = diesel::insert_into(applications::table)
        .values((
            applications::chapter_id.eq(chapter.id),
            applications::user_id.eq(signed_in.map(|u| u.id)),
            applications::email.eq(app.email.as_str()),
            applications::name.eq(&app.name),
            applications::organization.eq(&app.organization),
            applications::job_title.eq(&app.job_title),
            applications::desired_role.eq(app.role.as_str()),
            applications::motivation.eq(&app.motivation),
            applications::opengauss_usage.eq(&app.opengauss_usage),
            applications::answers.eq(answers),
            applications::locale.eq(locale.code()),
            applications::status.eq(if confirmed {
                ApplicationStatus::Pending
            } else {
                ApplicationStatus::Unconfirmed
            }),
            applications::created_at.eq(at),
            applications::confirmed_at.eq(confirmed.then_some(at)),
            applications::updated_at.eq(at),
        ))
        .returning(applications::all_columns)
        .get_result::<Application>(conn)
        .map_err(|e| super::unique_violation_as(e, super::Conflict::ApplicationOpen))?;
    let confirm_token = if confirmed {
        None
    } else {
        Some(one_time_tokens::issue(
            conn,
            Purpose::ConfirmApplication,
            None,
            Some(application.id),
        )?)
    };
    let status_token =
        one_time_tokens::issue(conn, Purpose::ApplicationStatus, None, Some(application.id))?;
    Ok(Submitted::Created {
        application,
        confirm_token,
        status_token,
    })
}

/// The application a live token of `purpose` points to.
pub fn by_token(conn: &mut DbConnection, raw: &str, purpose: Purpose) -> DomainResult<Application> {
    let id: Option<Option<i64>> = tokens::table
        .filter(tokens::token_hash.eq(sha256_hex(raw)))
        .filter(tokens::purpose.eq(purpose.as_str()))
        .filter(tokens::expires_at.gt(now()))
        .filter(tokens::used_at.is_null())
        .select(tokens::application_id)
        .first(conn)
        .optional()?;
    match id.flatten() {
        Some(id) => find(conn, id),
        None => Err(DomainError::NotFound),
    }
}

/// Confirms the email of an application: `unconfirmed` → `pending`. Confirming twice is harmless.
pub fn confirm(conn: &mut DbConnection, raw: &str) -> DomainResult<Application> {
    let application = by_token(conn, raw, Purpose::ConfirmApplication)?;
    let at = now();
    diesel::update(
        applications::table
            .find(application.id)
            .filter(applications::status.eq(ApplicationStatus::Unconfirmed)),
    )
    .set((
        applications::status.eq(ApplicationStatus::Pending),
        applications::confirmed_at.eq(Some(at)),
        applications::updated_at.eq(at),
    ))
    .execute(conn)?;
    diesel::update(tokens::table.filter(tokens::token_hash.eq(sha256_hex(raw))))
        .set(tokens::used_at.eq(Some(at)))
        .execute(conn)?;
    find(conn, application.id)
}

/// Withdraws an open application.
pub fn withdraw(conn: &mut DbConnection, id: i64) -> DomainResult<Application> {
    let changed = diesel::update(applications::table.find(id).filter(
        applications::status.eq_any([ApplicationStatus::Unconfirmed, ApplicationStatus::Pending]),
    ))
    .set((
        applications::status.eq(ApplicationStatus::Withdrawn),
        applications::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(DomainError::Conflict(Conflict::NotOpen));
    }
    find(conn, id)
}

#[derive(Debug, Clone)]
pub enum Decision {
    Approve(Role),
    Reject { reason: String, message: String },
}

/// What an approval did, for its email.
#[derive(Debug, Clone)]
pub struct Approved {
    pub user: User,
    /// Set when the person has no password yet.
    pub activation_token: Option<String>,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub enum Decided {
    Approved(Application, Box<Approved>),
    Rejected(Application),
}

/// Decides a pending application of `chapter_id`. Loses cleanly to a concurrent decision:
/// `Conflict(Conflict::AlreadyDecided)`. The caller owns the transaction and composes the email.
pub fn decide(
    conn: &mut DbConnection,
    chapter_id: i64,
    id: i64,
    decider: &User,
    decision: &Decision,
) -> DomainResult<Decided> {
    let at = now();
    let (status, reason, message, role) = match decision {
        Decision::Approve(role) => ("approved", None, None, Some(*role)),
        Decision::Reject { reason, message } => {
            if !STOCK_REASONS.contains(&reason.as_str()) {
                let mut errors = FieldErrors::default();
                errors.add("reason", "error.invalid_choice");
                return Err(DomainError::Invalid(errors));
            }
            let message = message.trim();
            if message.chars().count() > 2000 {
                let mut errors = FieldErrors::default();
                errors.add("message", "error.too_long");
                return Err(DomainError::Invalid(errors));
            }
            (
                "rejected",
                Some(reason.clone()),
                (!message.is_empty()).then(|| message.to_string()),
                None,
            )
        }
    };
    if matches!(role, Some(Role::Organizer)) {
        // Organizers are appointed, never applied for.
        return Err(DomainError::Forbidden);
    }
    let changed = diesel::update(
        applications::table
            .find(id)
            .filter(applications::chapter_id.eq(chapter_id))
            .filter(applications::status.eq(ApplicationStatus::Pending)),
    )
    .set((
        applications::status.eq(status),
        applications::decided_by.eq(Some(decider.id)),
        applications::decided_at.eq(Some(at)),
        applications::reason.eq(reason),
        applications::message.eq(message),
        applications::updated_at.eq(at),
    ))
    .execute(conn)?;
    let application = find(conn, id)?;
    if application.chapter_id != chapter_id {
        return Err(DomainError::NotFound);
    }
    if changed == 0 {
        return Err(DomainError::Conflict(Conflict::AlreadyDecided));
    }
    let Some(role) = role else {
        return Ok(Decided::Rejected(application));
    };
    let email = EmailAddress::parse(&application.email)
        .map_err(|_| DomainError::Conflict(Conflict::BadEmail))?;
    let user = match users::find_by_email(conn, &email)? {
        Some(user) => user,
        None => users::create(
            conn,
            &UserProfile {
                email: &email,
                display_name: &application.name,
                organization: &application.organization,
                job_title: &application.job_title,
                locale: application.locale(),
                roster_visible: false,
            },
            false,
        )?,
    };
    match memberships::find(conn, chapter_id, user.id)? {
        None => memberships::add(conn, chapter_id, user.id, role)?,
        // Already in (appointed meanwhile): raise the role, never lower it.
        Some(existing) if existing.role() > role => {
            diesel::update(m::table.find(existing.id))
                .set(m::role.eq(role.as_str()))
                .execute(conn)?;
        }
        Some(_) => {}
    }
    diesel::update(applications::table.find(id))
        .set(applications::user_id.eq(Some(user.id)))
        .execute(conn)?;
    let activation_token = match user.password_hash {
        Some(_) => None,
        None => Some(one_time_tokens::issue(
            conn,
            Purpose::Activate,
            Some(user.id),
            None,
        )?),
    };
    Ok(Decided::Approved(
        application,
        Box::new(Approved {
            user,
            activation_token,
            role,
        }),
    ))
}

/// Name of whoever decided an application, for "already decided by X".
pub fn decider_name(conn: &mut DbConnection, application: &Application) -> DomainResult<String> {
    match application.decided_by {
        Some(id) => Ok(u::table
            .find(id)
            .select(u::display_name)
            .first(conn)
            .optional()?
            .unwrap_or_default()),
        None => Ok(String::new()),
    }
}

/// Counts by status for the queue's tabs.
pub fn counts(conn: &mut DbConnection, chapter_id: i64) -> DomainResult<Vec<(String, i64)>> {
    let rows: Vec<(ApplicationStatus, i64)> = applications::table
        .filter(applications::chapter_id.eq(chapter_id))
        .group_by(applications::status)
        .select((applications::status, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(STATUSES
        .iter()
        .map(|s| {
            (
                s.to_string(),
                rows.iter().find(|(st, _)| st == s).map_or(0, |r| r.1),
            )
        })
        .collect())
}

pub const PAGE_SIZE: i64 = 50;

/// One page of the review queue: oldest first, keyset-paginated on (created_at, id).
pub fn queue(
    conn: &mut DbConnection,
    chapter_id: i64,
    status: &str,
    search: Option<&str>,
    after: Option<(NaiveDateTime, i64)>,
) -> DomainResult<Vec<Application>> {
    let mut query = applications::table
        .filter(applications::chapter_id.eq(chapter_id))
        .filter(applications::status.eq(status.to_string()))
        .order((applications::created_at.asc(), applications::id.asc()))
        .select(Application::as_select())
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(q) = search.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", q.to_lowercase().replace(['\\', '%', '_'], ""));
        query = query.filter(
            applications::email
                .like(pattern.clone())
                .or(applications::name.like(pattern.clone()))
                .or(applications::organization.like(pattern)),
        );
    }
    if let Some((at, id)) = after {
        query = query.filter(
            applications::created_at
                .gt(at)
                .or(applications::created_at.eq(at).and(applications::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Pending applications whose organizers have not been told yet, by chapter.
pub fn unnotified_pending(conn: &mut DbConnection) -> DomainResult<Vec<Application>> {
    Ok(applications::table
        .filter(applications::status.eq(ApplicationStatus::Pending))
        .filter(applications::organizers_notified_at.is_null())
        .order((applications::chapter_id, applications::created_at))
        .select(Application::as_select())
        .limit(1000)
        .load(conn)?)
}

pub fn mark_notified(conn: &mut DbConnection, ids: &[i64]) -> DomainResult<()> {
    diesel::update(applications::table.filter(applications::id.eq_any(ids)))
        .set(applications::organizers_notified_at.eq(Some(now())))
        .execute(conn)?;
    Ok(())
}

/// Pending applications older than `age`, for the weekly reminder.
pub fn stale_pending(
    conn: &mut DbConnection,
    age: chrono::TimeDelta,
) -> DomainResult<Vec<Application>> {
    Ok(applications::table
        .filter(applications::status.eq(ApplicationStatus::Pending))
        .filter(applications::created_at.lt(now() - age))
        .order((applications::chapter_id, applications::created_at))
        .select(Application::as_select())
        .limit(1000)
        .load(conn)?)
}

/// Organizers of a chapter (who get the digests).
pub fn organizers(conn: &mut DbConnection, chapter_id: i64) -> DomainResult<Vec<User>> {
    Ok(m::table
        .inner_join(u::table)
        .filter(m::chapter_id.eq(chapter_id))
        .filter(m::role.eq(Role::Organizer.as_str()))
        .filter(u::disabled_at.is_null())
        .select(User::as_select())
        .load(conn)?)
}

/// Reverts a decision back to `pending` (the organizer's undo). The caller first removed the
/// decision's unsent email; the membership an approval created goes too.
pub fn undo(conn: &mut DbConnection, chapter_id: i64, id: i64) -> DomainResult<Application> {
    let application = find(conn, id)?;
    if application.chapter_id != chapter_id {
        return Err(DomainError::NotFound);
    }
    let Some(decided_at) = application.decided_at else {
        return Err(DomainError::Conflict(Conflict::NotDecided));
    };
    if application.status == ApplicationStatus::Approved
        && let Some(user_id) = application.user_id
    {
        diesel::delete(
            m::table
                .filter(m::chapter_id.eq(chapter_id))
                .filter(m::user_id.eq(user_id))
                .filter(m::joined_at.ge(decided_at)),
        )
        .execute(conn)?;
    }
    let changed = diesel::update(applications::table.find(id).filter(
        applications::status.eq_any([ApplicationStatus::Approved, ApplicationStatus::Rejected]),
    ))
    .set((
        applications::status.eq(ApplicationStatus::Pending),
        applications::decided_by.eq(None::<i64>),
        applications::decided_at.eq(None::<NaiveDateTime>),
        applications::reason.eq(None::<String>),
        applications::message.eq(None::<String>),
        applications::updated_at.eq(now()),
    ))
    .execute(conn)
    // The same email applied again since: only one open application per person and chapter.
    .map_err(|e| super::unique_violation_as(e, super::Conflict::Reapplied))?;
    if changed == 0 {
        return Err(DomainError::Conflict(Conflict::NotDecided));
    }
    find(conn, id)
}

/// Whether a decision made at `at` was made today in the chapter's time zone: until the end of
/// that day (and while its email is unsent) it can be undone.
pub fn decided_today(chapter: &Chapter, at: Option<NaiveDateTime>) -> bool {
    use chrono::TimeZone;
    let tz = chapter.tz();
    at.is_some_and(|at| {
        tz.from_utc_datetime(&at).date_naive() == tz.from_utc_datetime(&now()).date_naive()
    })
}
