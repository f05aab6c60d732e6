//! Every email ogug sends, rendered by askama from `templates/emails/` in the recipient's locale:
//! a plain-text part and an HTML part from one set of values.

use super::Rendered;
use crate::i18n::Locale;
use askama::Template;

/// Declares the text and HTML templates of one email over a shared data struct.
macro_rules! email_parts {
    ($data:ident, $text:ident, $html:ident, $text_path:literal, $html_path:literal) => {
        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            i: Locale,
            e: &'a $data,
        }

        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            i: Locale,
            e: &'a $data,
        }

        impl $data {
            pub fn render(&self, i: Locale) -> Result<Rendered, askama::Error> {
                Ok(Rendered {
                    subject: self.subject(i),
                    text: $text { i, e: self }.render()?,
                    html: $html { i, e: self }.render()?,
                })
            }
        }
    };
}

/// "Set your password": sent for new accounts (site admins, approved applicants).
#[derive(Debug, Clone)]
pub struct Activation {
    pub name: String,
    pub link: String,
}
email_parts!(
    Activation,
    ActivationText,
    ActivationHtml,
    "emails/activation.txt",
    "emails/activation.html"
);

impl Activation {
    fn subject(&self, i: Locale) -> String {
        i.t("email.activation.subject").to_string()
    }
}

/// "You already have an account": someone asked for one with this address.
#[derive(Debug, Clone)]
pub struct AccountExists {
    pub name: String,
    pub signin: String,
    pub reset: String,
}
email_parts!(
    AccountExists,
    AccountExistsText,
    AccountExistsHtml,
    "emails/account_exists.txt",
    "emails/account_exists.html"
);

impl AccountExists {
    fn subject(&self, i: Locale) -> String {
        i.t("email.exists.subject").to_string()
    }
}

/// Password reset link (1 hour).
#[derive(Debug, Clone)]
pub struct PasswordReset {
    pub name: String,
    pub link: String,
}
email_parts!(
    PasswordReset,
    PasswordResetText,
    PasswordResetHtml,
    "emails/password_reset.txt",
    "emails/password_reset.html"
);

impl PasswordReset {
    fn subject(&self, i: Locale) -> String {
        i.t("email.reset.subject").to_string()
    }
}

/// What happened to the account (password changed, password reset), so the owner can react.
#[derive(Debug, Clone)]
pub struct SecurityNotice {
    pub name: String,
    /// Catalog key of the event's description.
    pub what_key: &'static str,
    pub when: String,
    pub reset_link: String,
}
email_parts!(
    SecurityNotice,
    SecurityNoticeText,
    SecurityNoticeHtml,
    "emails/security_notice.txt",
    "emails/security_notice.html"
);

impl SecurityNotice {
    fn subject(&self, i: Locale) -> String {
        i.t("email.security.subject").to_string()
    }
}

/// A message an operator sends to check delivery (`ogug mail test`).
#[derive(Debug, Clone)]
pub struct TestMessage {
    pub base_url: String,
}
email_parts!(
    TestMessage,
    TestMessageText,
    TestMessageHtml,
    "emails/test_message.txt",
    "emails/test_message.html"
);

impl TestMessage {
    fn subject(&self, i: Locale) -> String {
        i.t("email.test.subject").to_string()
    }
}

/// "Confirm your email" after applying.
#[derive(Debug, Clone)]
pub struct ApplicationConfirm {
    pub name: String,
    pub chapter: String,
    pub confirm_link: String,
    pub status_link: String,
}
email_parts!(
    ApplicationConfirm,
    ApplicationConfirmText,
    ApplicationConfirmHtml,
    "emails/application_confirm.txt",
    "emails/application_confirm.html"
);

impl ApplicationConfirm {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.apply_confirm.subject", "chapter", &self.chapter)
    }
}

/// Someone applied with the address of an existing member (told by email, never on the page).
#[derive(Debug, Clone)]
pub struct AlreadyMember {
    pub name: String,
    pub chapter: String,
    pub chapter_link: String,
}
email_parts!(
    AlreadyMember,
    AlreadyMemberText,
    AlreadyMemberHtml,
    "emails/already_member.txt",
    "emails/already_member.html"
);

impl AlreadyMember {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.already_member.subject", "chapter", &self.chapter)
    }
}

/// A fresh link to an application that is already open.
#[derive(Debug, Clone)]
pub struct ApplicationStatusLink {
    pub name: String,
    pub chapter: String,
    pub status_link: String,
}
email_parts!(
    ApplicationStatusLink,
    ApplicationStatusLinkText,
    ApplicationStatusLinkHtml,
    "emails/application_status_link.txt",
    "emails/application_status_link.html"
);

impl ApplicationStatusLink {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.status_link.subject", "chapter", &self.chapter)
    }
}

/// "Welcome to oGUG {chapter}" with a set-password link when the person has no password yet.
#[derive(Debug, Clone)]
pub struct ApplicationApproved {
    pub name: String,
    pub chapter: String,
    pub role_key: &'static str,
    /// Empty when the person already has a password.
    pub activation_link: String,
    pub signin_link: String,
    pub chapter_link: String,
}
email_parts!(
    ApplicationApproved,
    ApplicationApprovedText,
    ApplicationApprovedHtml,
    "emails/application_approved.txt",
    "emails/application_approved.html"
);

impl ApplicationApproved {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.approved.subject", "chapter", &self.chapter)
    }
}

#[derive(Debug, Clone)]
pub struct ApplicationRejected {
    pub name: String,
    pub chapter: String,
    pub reason_key: String,
    pub message: String,
    pub status_link: String,
}
email_parts!(
    ApplicationRejected,
    ApplicationRejectedText,
    ApplicationRejectedHtml,
    "emails/application_rejected.txt",
    "emails/application_rejected.html"
);

impl ApplicationRejected {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.rejected.subject", "chapter", &self.chapter)
    }
}

#[derive(Debug, Clone)]
pub struct DigestEntry {
    pub name: String,
    pub organization: String,
    pub role_key: &'static str,
    pub waiting_days: i64,
}

/// New pending applications (hourly at most), or the weekly reminder of old ones.
#[derive(Debug, Clone)]
pub struct OrganizerDigest {
    pub name: String,
    pub chapter: String,
    pub entries: Vec<DigestEntry>,
    pub queue_link: String,
    pub reminder: bool,
}
email_parts!(
    OrganizerDigest,
    OrganizerDigestText,
    OrganizerDigestHtml,
    "emails/organizer_digest.txt",
    "emails/organizer_digest.html"
);

impl OrganizerDigest {
    fn subject(&self, i: Locale) -> String {
        let key = if self.reminder {
            "email.reminder.subject"
        } else {
            "email.digest.subject"
        };
        i.tf1(key, "chapter", &self.chapter)
            .replace("{n}", &self.entries.len().to_string())
    }
}

/// An organizer changed the person's role in a chapter.
#[derive(Debug, Clone)]
pub struct RoleChanged {
    pub name: String,
    pub chapter: String,
    pub role_key: &'static str,
    pub chapter_link: String,
}
email_parts!(
    RoleChanged,
    RoleChangedText,
    RoleChangedHtml,
    "emails/role_changed.txt",
    "emails/role_changed.html"
);

impl RoleChanged {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.role_changed.subject", "chapter", &self.chapter)
    }
}

/// An organizer removed the person from a chapter.
#[derive(Debug, Clone)]
pub struct MemberRemoved {
    pub name: String,
    pub chapter: String,
    pub reason: String,
}
email_parts!(
    MemberRemoved,
    MemberRemovedText,
    MemberRemovedHtml,
    "emails/member_removed.txt",
    "emails/member_removed.html"
);

impl MemberRemoved {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.removed.subject", "chapter", &self.chapter)
    }
}

/// A visitor's message to the organizers, from the chapter page.
#[derive(Debug, Clone)]
pub struct ContactMessage {
    pub name: String,
    pub chapter: String,
    pub from_name: String,
    pub from_email: String,
    pub message: String,
}
email_parts!(
    ContactMessage,
    ContactMessageText,
    ContactMessageHtml,
    "emails/contact_message.txt",
    "emails/contact_message.html"
);

impl ContactMessage {
    fn subject(&self, i: Locale) -> String {
        i.tf(
            "email.contact.subject",
            &[("chapter", &self.chapter), ("name", &self.from_name)],
        )
    }
}

/// To each organizer, once an hour at most: the contact form reached the chapter's ceiling.
#[derive(Debug, Clone)]
pub struct ContactCeiling {
    pub name: String,
    pub chapter: String,
    pub ceiling: String,
}
email_parts!(
    ContactCeiling,
    ContactCeilingText,
    ContactCeilingHtml,
    "emails/contact_ceiling.txt",
    "emails/contact_ceiling.html"
);

impl ContactCeiling {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.contact_ceiling.subject", "chapter", &self.chapter)
    }

    fn lead(&self, i: Locale) -> String {
        i.tf(
            "email.contact_ceiling.lead",
            &[("chapter", &self.chapter), ("count", &self.ceiling)],
        )
    }
}

/// The one-tap check-in link for an address typed at the door that already has an account.
#[derive(Debug, Clone)]
pub struct DoorLink {
    pub name: String,
    pub event: String,
    pub link: String,
    /// When the door (and the link) closes, in the chapter's time.
    pub until: String,
}
email_parts!(
    DoorLink,
    DoorLinkText,
    DoorLinkHtml,
    "emails/door_link.txt",
    "emails/door_link.html"
);

impl DoorLink {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.door_link.subject", "event", &self.event)
    }
}

/// A suggested change to an organization in the directory, for a site admin.
#[derive(Debug, Clone)]
pub struct OrganizationSuggestion {
    pub name: String,
    pub organization: String,
    pub from_name: String,
    pub from_email: String,
    pub link: String,
    pub name_zh: String,
    pub name_en: String,
    pub website: String,
    pub description: String,
}
email_parts!(
    OrganizationSuggestion,
    OrganizationSuggestionText,
    OrganizationSuggestionHtml,
    "emails/organization_suggestion.txt",
    "emails/organization_suggestion.html"
);

impl OrganizationSuggestion {
    fn subject(&self, i: Locale) -> String {
        i.tf1(
            "email.org_suggestion.subject",
            "organization",
            &self.organization,
        )
    }

    /// One proposed field, "label: value" with the language's own colon.
    fn field(&self, i: Locale, label: &str, value: &str) -> String {
        i.tf(
            "email.org_suggestion.field",
            &[("label", &i.t(label)), ("value", &value)],
        )
    }

    fn lead(&self, i: Locale) -> String {
        i.tf(
            "email.org_suggestion.lead",
            &[("name", &self.from_name), ("email", &self.from_email)],
        )
    }
}

mod events;
mod talks;
pub use events::*;
pub use talks::*;
