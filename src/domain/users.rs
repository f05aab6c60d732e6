//! People: accounts, their emails and profile.

use super::{DomainError, DomainResult, now};
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::domain::ids::*;
use crate::i18n::Locale;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub organization: String,
    pub job_title: String,
    pub locale: Locale,
    pub password_hash: Option<String>,
    pub is_site_admin: bool,
    pub roster_visible: bool,
    pub event_announcements: bool,
    pub failed_logins: i32,
    pub locked_until: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub disabled_at: Option<chrono::NaiveDateTime>,
    /// The key in their one-click unsubscribe links (empty until the first announcement).
    pub unsubscribe_key: String,
}

impl User {
    pub fn locale(&self) -> Locale {
        self.locale
    }
}

/// A syntactically valid email address, trimmed and lower-cased (emails are unique
/// case-insensitively). CR, LF and other control characters are refused, so an address can never
/// inject a mail header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<EmailAddress, &'static str> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err("error.required");
        }
        let valid = value.len() <= 254
            && !value.chars().any(|c| c.is_control() || c.is_whitespace())
            && !value.contains(['<', '>', '(', ')', ',', ';', ':', '"', '\\', '[', ']'])
            && match value.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && local.len() <= 64
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with(['.', '-'])
                        && !domain.ends_with(['.', '-'])
                        && !domain.contains("..")
                }
                None => false,
            };
        if valid {
            Ok(EmailAddress(value))
        } else {
            Err("error.email_invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as shown to others: 1–100 characters, no control characters.
pub fn parse_display_name(raw: &str) -> Result<String, &'static str> {
    super::text::check_line(raw, 100, true).map(|()| raw.trim().to_string())
}

#[derive(Insertable, Debug)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub organization: &'a str,
    pub job_title: &'a str,
    pub locale: &'a str,
    pub is_site_admin: bool,
    pub roster_visible: bool,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

pub struct UserProfile<'a> {
    pub email: &'a EmailAddress,
    pub display_name: &'a str,
    pub organization: &'a str,
    pub job_title: &'a str,
    pub locale: Locale,
    pub roster_visible: bool,
}

pub fn find_by_email(conn: &mut DbConnection, email: &EmailAddress) -> DomainResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email.as_str()))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: UserId) -> DomainResult<User> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// Creates a user without a password (they set one through an activation link).
pub fn create(
    conn: &mut DbConnection,
    profile: &UserProfile<'_>,
    site_admin: bool,
) -> DomainResult<User> {
    let at = now();
    let new = NewUser {
        email: profile.email.as_str(),
        display_name: profile.display_name,
        organization: profile.organization,
        job_title: profile.job_title,
        locale: profile.locale.code(),
        is_site_admin: site_admin,
        roster_visible: profile.roster_visible,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(users::table)
        .values(&new)
        .returning(users::all_columns)
        .get_result::<User>(conn)
        .map_err(|e| super::unique_violation_as(e, super::Conflict::EmailTaken))
}

/// Makes an existing user a site admin, or creates one.
pub fn ensure_site_admin(
    conn: &mut DbConnection,
    email: &EmailAddress,
    name: &str,
) -> DomainResult<User> {
    match find_by_email(conn, email)? {
        Some(user) => {
            diesel::update(users::table.find(user.id))
                .set((users::is_site_admin.eq(true), users::updated_at.eq(now())))
                .execute(conn)?;
            find(conn, user.id)
        }
        None => create(
            conn,
            &UserProfile {
                email,
                display_name: name,
                organization: "",
                job_title: "",
                locale: Locale::ZhCn,
                roster_visible: false,
            },
            true,
        ),
    }
}

/// Every site admin whose account works (suggestions for the directory reach them).
pub fn site_admins(conn: &mut DbConnection) -> DomainResult<Vec<User>> {
    Ok(users::table
        .filter(users::is_site_admin.eq(true))
        .filter(users::disabled_at.is_null())
        .order(users::id)
        .select(User::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_hostile_ones_refused() {
        assert_eq!(
            EmailAddress::parse(" A@Example.ORG ").map(|e| e.0),
            Ok("a@example.org".into())
        );
        for bad in [
            "",
            "a",
            "a@b",
            "a@@b.org",
            "a b@c.org",
            "a@b.org\r\nBcc: x@y.org",
            "<a@b.org>",
            "a@.org",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn display_names_are_bounded() {
        assert!(parse_display_name("张亮").is_ok());
        assert!(parse_display_name("  ").is_err());
        assert!(parse_display_name(&"x".repeat(101)).is_err());
        assert!(parse_display_name("a\nb").is_err());
    }
}
