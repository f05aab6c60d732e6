//! The emails about events: announcements, answers and waitlist moves, the door link.

use super::*;

/// An event was published or cancelled (to members who want announcements).
#[derive(Debug, Clone)]
pub struct EventAnnouncement {
    pub name: String,
    pub chapter: String,
    pub title: String,
    pub when: String,
    pub venue: String,
    pub link: String,
    pub cancelled: bool,
    pub message: String,
    pub unsubscribe: String,
}
email_parts!(
    EventAnnouncement,
    EventAnnouncementText,
    EventAnnouncementHtml,
    "emails/event_announcement.txt",
    "emails/event_announcement.html"
);

impl EventAnnouncement {
    fn subject(&self, i: Locale) -> String {
        let key = if self.cancelled {
            "email.event_cancelled.subject"
        } else {
            "email.event_published.subject"
        };
        i.tf1(key, "title", &self.title)
    }
}

/// An RSVP is confirmed, waitlisted, or promoted from the waitlist.
#[derive(Debug, Clone)]
pub struct RsvpNotice {
    pub name: String,
    pub title: String,
    pub when: String,
    pub link: String,
    pub ics_link: String,
    /// Catalog key: rsvp.confirmed / rsvp.waitlisted / rsvp.promoted.
    pub what_key: &'static str,
    /// Venue and address, or the online link.
    pub place: String,
    /// The ticket (with a seat): its QR code is inlined in the HTML part.
    pub ticket_link: Option<String>,
    /// Still on the waitlist: one line says so.
    pub waitlisted: bool,
    /// A guest without a password: where to make an account (offered, never required).
    pub make_account: Option<String>,
}
email_parts!(
    RsvpNotice,
    RsvpNoticeText,
    RsvpNoticeHtml,
    "emails/rsvp_notice.txt",
    "emails/rsvp_notice.html"
);

impl RsvpNotice {
    fn subject(&self, i: Locale) -> String {
        format!("{}: {}", i.t(self.what_key), self.title)
    }
}

/// An announcement: the author's Markdown (text part) and its sanitized HTML.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub name: String,
    pub chapter: String,
    pub subject: String,
    pub body: String,
    /// Rendered and sanitized when written (`domain::markdown`).
    pub body_html: String,
    pub link: String,
    pub unsubscribe: String,
}
email_parts!(
    Announcement,
    AnnouncementText,
    AnnouncementHtml,
    "emails/announcement.txt",
    "emails/announcement.html"
);

impl Announcement {
    fn subject(&self, _: Locale) -> String {
        format!("[{}] {}", self.chapter, self.subject)
    }
}

/// "Confirm your registration": a guest's one-click link (and, for an address with an
/// account, the way to sign in instead).
#[derive(Debug, Clone)]
pub struct GuestConfirm {
    pub name: String,
    pub title: String,
    pub chapter: String,
    pub when: String,
    pub venue: String,
    pub confirm_link: String,
    /// Set when the address has an account: "sign in or confirm".
    pub signin_link: Option<String>,
    pub also_apply: bool,
}
email_parts!(
    GuestConfirm,
    GuestConfirmText,
    GuestConfirmHtml,
    "emails/guest_confirm.txt",
    "emails/guest_confirm.html"
);

impl GuestConfirm {
    fn subject(&self, i: Locale) -> String {
        i.tf1("email.guest_confirm.subject", "title", &self.title)
    }
}
