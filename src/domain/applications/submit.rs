//! Applying: checking the form, storing it, confirming and withdrawing.

use super::*;
use crate::crypto::sha256_hex;
use crate::db::DbConnection;
use crate::db::schema::{applications, tokens};
use crate::domain::Conflict;
use crate::domain::chapters::Chapter;
use crate::domain::ids::*;
use crate::domain::memberships::{self, Role};
use crate::domain::one_time_tokens::{self, Purpose};
use crate::domain::users::{self, EmailAddress, User};
use crate::domain::{DomainError, DomainResult, FieldErrors, now};
use crate::i18n::Locale;
use diesel::prelude::*;

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
        crate::domain::text::text(errors, field, value, max, required)
    } else {
        crate::domain::text::line(errors, field, value, max, required)
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
        // Students and people on their own have none.
        false,
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
/// Marks the person's open application to the chapter as made at an event's door.
/// Marks the open application of `email` as made at the door; false when there is none.
pub fn mark_from_door(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    email: &EmailAddress,
) -> DomainResult<bool> {
    let Some(application) = open_for(conn, chapter_id, email)? else {
        return Ok(false);
    };
    diesel::update(applications::table.find(application.id))
        .set(applications::source.eq(super::ApplicationSource::Door))
        .execute(conn)?;
    Ok(true)
}

fn open_for(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
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

/// New links for the open application of `email` in a chapter, to send again from "check your
/// inbox": a confirmation link while it is unconfirmed, and a status link. None when there is
/// no open application (the page says the same either way).
pub fn fresh_links(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    email: &EmailAddress,
) -> DomainResult<Option<(Application, Option<String>, String)>> {
    let Some(application) = open_for(conn, chapter_id, email)? else {
        return Ok(None);
    };
    let confirm = match application.status {
        ApplicationStatus::Unconfirmed => Some(one_time_tokens::issue(
            conn,
            Purpose::ConfirmApplication,
            None,
            Some(application.id),
        )?),
        _ => None,
    };
    let status =
        one_time_tokens::issue(conn, Purpose::ApplicationStatus, None, Some(application.id))?;
    Ok(Some((application, confirm, status)))
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
            applications::source.eq(if confirmed {
                super::ApplicationSource::SignedIn
            } else {
                super::ApplicationSource::Form
            }),
        ))
        .returning(applications::all_columns)
        .get_result::<Application>(conn)
        .map_err(|e| crate::domain::unique_violation_as(e, Conflict::ApplicationOpen))?;
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
pub fn withdraw(conn: &mut DbConnection, id: ApplicationId) -> DomainResult<Application> {
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
