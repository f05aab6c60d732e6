//! iCalendar text of events (RFC 5545): the feeds, and the `.ics` attached to ticket emails.

use crate::domain::chapters::Chapter;
use crate::domain::events::Event;
use crate::i18n::Locale;
use icalendar::{Calendar, Component, EventLike, EventStatus};

pub fn event_url(base: &str, chapter: &Chapter, event: &Event) -> String {
    format!("{base}{}", crate::paths::event(&chapter.slug, &event.slug))
}

fn uid(base: &str, event: &Event) -> String {
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(base)
        .split(['/', ':'])
        .next()
        .unwrap_or("ogug");
    format!("ogug-event-{}@{host}", event.id)
}

/// Every text value goes through here before it becomes an iCalendar property (RFC 5545
/// §3.3.11). Line breaks become LF, which the crate writes as `\n`; it also escapes `\ ; ,`.
/// Other control characters (a lone CR ends a line for many parsers) are dropped, so stored text
/// can never end a property and start a forged one.
fn ics_text(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|&c| c == '\n' || !crate::domain::text::forbidden_in_line(c))
        .collect()
}

/// `NAME` (RFC 7986) and `X-WR-CALNAME`, both typed as TEXT so both are escaped: the crate's
/// `Calendar::name` writes `NAME` raw.
fn calendar_name(calendar: &mut Calendar, name: &str) {
    let name = ics_text(name);
    for key in ["NAME", "X-WR-CALNAME"] {
        calendar.append_property(
            icalendar::Property::new(key, &name)
                .add_parameter("VALUE", "TEXT")
                .done(),
        );
    }
}

/// Who a calendar is for: the public feeds leave the online meeting link out (it is for people
/// who registered: their ticket and its calendar attachment carry it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Registered,
}

pub fn ics(base: &str, name: &str, list: &[(Event, Chapter)], audience: Audience) -> String {
    let mut calendar = Calendar::new();
    calendar_name(&mut calendar, name);
    for (event, chapter) in list {
        let mut e = icalendar::Event::new();
        e.uid(&uid(base, event))
            .summary(&ics_text(event.title(Locale::ZhCn)))
            .description(&ics_text(&format!(
                "{}\n\n{}",
                event.summary(Locale::ZhCn),
                event_url(base, chapter, event)
            )))
            .starts(event.starts_at.and_utc())
            .ends(event.ends_at.and_utc())
            .timestamp(event.updated_at.and_utc())
            .sequence(u32::try_from(event.sequence).unwrap_or(0))
            .status(if event.is_cancelled() {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            })
            .add_property("URL", event_url(base, chapter, event));
        let location = [
            event.venue.as_str(),
            event.address.as_str(),
            if audience == Audience::Registered {
                event.online_url.as_str()
            } else {
                ""
            },
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        if !location.is_empty() {
            e.location(&ics_text(&location));
        }
        calendar.push(e.done());
    }
    calendar.done().to_string()
}
