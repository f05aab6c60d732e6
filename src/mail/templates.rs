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
