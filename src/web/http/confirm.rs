//! The page that asks before an action that mails many people or cannot be undone: it says what
//! will happen, to whom, and posts the same fields again with `confirm=1`. No JavaScript.

use super::view::Frame;
use askama::Template;

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct Confirm {
    /// Its title is the question.
    pub ui: Frame,
    /// What will happen, sentence by sentence.
    pub lines: Vec<String>,
    /// Whom or what it touches (names), when a list helps.
    pub items: Vec<String>,
    pub action: String,
    /// The form's own fields, posted again.
    pub fields: Vec<(String, String)>,
    pub yes: String,
    /// Irreversible: the button says so by its colour.
    pub danger: bool,
    pub back_href: String,
    pub back: String,
}

impl Confirm {
    /// Whether a form said yes on this page.
    pub fn said_yes(confirm: &str) -> bool {
        confirm == "1"
    }
}
