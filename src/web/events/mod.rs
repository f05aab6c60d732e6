//! Events: lists and the event page (`pages`), the editor for ambassadors and organizers
//! (`editor`), publishing, cancelling and deleting drafts (`lifecycle`), RSVPs and the attendee
//! list (`rsvp`).

mod day;
mod door;
mod editor;
pub mod feeds;
pub mod guests;
mod lifecycle;
mod pages;
mod rsvp;

pub use day::{desk, desk_check_in, desk_undo, ticket_check_in, ticket_page};
pub use door::{
    door_link_check_in, door_link_page, door_open_page, door_page, door_png, door_walk_in,
};
pub use editor::{create_event, edit_event, new_event, save_event};
pub use lifecycle::{cancel, delete_draft, publish};
pub use pages::{all_events, chapter_events, event_page};
pub use rsvp::{attendees_csv, rsvp};

use crate::domain::events::{self, AgendaItem, Event, Host};
use crate::web::http::access::ChapterAccess;
use crate::web::{AppError, AppState, db};
use actix_web::{HttpRequest, HttpResponse};

/// Back to the event's page with a notice of what was `done` (saved, published, …).
pub(super) fn back_to_event(chapter_slug: &str, event_slug: &str, done: &str) -> HttpResponse {
    crate::web::http::respond::see_other(format!(
        "{}?done={done}",
        crate::paths::event(chapter_slug, event_slug)
    ))
}

/// May this person edit this event? (`domain::access::may_edit_event`.)
pub(super) fn can_edit(access: &ChapterAccess, event: &Event) -> bool {
    crate::domain::access::may_edit_event(access.viewer(), event.created_by)
}

pub(super) fn require_edit(access: &ChapterAccess, event: &Event) -> Result<(), AppError> {
    access.require_event_editor()?;
    if can_edit(access, event) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub(super) async fn load_event(
    state: &AppState,
    access: &ChapterAccess,
    event_slug: &str,
) -> Result<(Event, Vec<AgendaItem>, Vec<Host>), AppError> {
    let (chapter_id, s) = (access.chapter.id, event_slug.to_string());
    db(state, move |c| {
        let event = events::find_any(c, chapter_id, &s)?;
        let agenda = events::agenda(c, event.id)?;
        let hosts = events::hosts(c, event.id)?;
        Ok((event, agenda, hosts))
    })
    .await
}

/// The chapter access and the event of a path, for a person who may edit that event.
pub(super) async fn editable_event(
    state: &AppState,
    req: &HttpRequest,
    (slug, event_slug): (String, String),
) -> Result<(ChapterAccess, Event), AppError> {
    let access = ChapterAccess::load(state, req, &slug).await?;
    let (event, _, _) = load_event(state, &access, &event_slug).await?;
    require_edit(&access, &event)?;
    Ok((access, event))
}
