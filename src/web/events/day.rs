//! The day of the meetup: tickets (staff check people in by opening the ticket's QR link) and
//! the check-in desk. The door QR for walk-ins is in `door`.

use super::load_event;
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, CheckIn, DeskCounts, Event, Ticket};
use crate::domain::now;
use crate::flows;
use crate::paths;
use crate::qr;
use crate::web::http::access::ChapterAccess;
use crate::web::http::respond::{actor, see_other};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// A time of day in the chapter's zone, as staff read it ("14:02").
fn clock(chapter: &Chapter, at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .with_timezone(&chapter.tz())
        .format("%H:%M")
        .to_string()
}

pub(super) fn event_path(chapter: &Chapter, event: &Event) -> String {
    paths::event(&chapter.slug, &event.slug)
}

/// Organizers and ambassadors of the chapter (and site admins) run the day.
fn staff(access: &ChapterAccess) -> bool {
    access.require_event_editor().is_ok()
}

pub(super) async fn staff_event(
    state: &AppState,
    req: &HttpRequest,
    (slug, event_slug): (String, String),
) -> Result<(ChapterAccess, Event), AppError> {
    let access = ChapterAccess::load(state, req, &slug).await?;
    access.require_event_editor()?;
    let (event, _, _) = load_event(state, &access, &event_slug).await?;
    if event.status == events::EventStatus::Draft {
        return Err(AppError::NotFound);
    }
    Ok((access, event))
}

// ---- Tickets ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "events/ticket.html")]
struct TicketPage {
    ui: Frame,
    ticket: Ticket,
    event_title: String,
    event_href: String,
    when: String,
    place: String,
    /// The QR code of this page's link (SVG), for the attendee to show.
    qr_svg: String,
    /// Staff see the attendee and the check-in button.
    staff: bool,
    /// "Checked in at 14:02 by …", when they are in.
    checked_in: Option<String>,
    /// This request did the check-in.
    just_done: bool,
    /// Staff go back to the desk from here.
    desk_href: String,
    /// The holder may give the seat up (not checked in, the event not over).
    cancel_action: Option<String>,
    ics_href: String,
    /// A guest with no password yet: where to make an account.
    make_account: bool,
    /// "registered" or "cancelled", after those.
    notice: String,
}

async fn load_ticket(
    state: &AppState,
    token: String,
) -> Result<(Ticket, Event, Chapter, (Option<String>, bool)), AppError> {
    db(state, move |c| {
        let ticket = events::find_ticket(c, &token)?;
        let event = events::find_by_id(c, ticket.event_id)?;
        let chapter = chapters::find(c, event.chapter_id)?;
        let by = match ticket.checked_in_by {
            Some(id) => Some(crate::domain::users::find(c, id)?.display_name),
            None => None,
        };
        let has_password = crate::domain::users::find(c, ticket.user_id)?
            .password_hash
            .is_some();
        Ok((ticket, event, chapter, (by, has_password)))
    })
    .await
}

#[derive(Deserialize)]
pub struct TicketQuery {
    done: Option<String>,
}

pub async fn ticket_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (ticket, event, chapter, (by, has_password)) = load_ticket(&state, token.clone()).await?;
    let access = ChapterAccess::load(&state, &req, &chapter.slug).await?;
    let ui = Frame::new(&req, "");
    let locale = ui.locale;
    let checked_in = ticket.checked_in_at.map(|at| {
        let when = clock(&chapter, at);
        match &by {
            Some(name) => locale.tf("ticket.checked_in_by", &[("time", &when), ("name", name)]),
            None => locale.tf1("ticket.checked_in_at", "time", &when),
        }
    });
    let link = format!("{}{}", state.config.base_url, paths::ticket(&token));
    view::render(&TicketPage {
        ui: Frame {
            title: locale.tf1("ticket.title", "event", event.title(locale)),
            ..ui
        },
        event_title: event.title(locale).to_string(),
        event_href: event_path(&chapter, &event),
        desk_href: paths::desk(&chapter.slug, &event.slug),
        cancel_action: (ticket.checked_in_at.is_none()
            && ticket.status != crate::domain::events::RsvpStatus::NotGoing
            && event.ends_at >= crate::domain::now())
        .then(|| paths::ticket_cancel(&token)),
        ics_href: paths::event_ics(&chapter.slug, &event.slug),
        make_account: !has_password,
        notice: match query.done.as_deref() {
            Some(d @ ("registered" | "cancelled")) => d.to_string(),
            _ => String::new(),
        },
        when: view::time_range(event.starts_at, event.ends_at, chapter.tz(), locale),
        place: [event.venue.as_str(), event.address.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
        qr_svg: qr::svg(&link)?,
        staff: staff(&access),
        checked_in,
        just_done: query.done.as_deref() == Some("checked_in"),
        ticket,
    })
}

#[derive(Deserialize)]
pub struct TicketCheckInForm {
    /// Set by the "check in anyway" button a ticket that is not "going" shows.
    confirm: Option<String>,
}

/// The staff's tap on a ticket: idempotent (a second tap shows who was first, and when). A
/// ticket whose holder is not going (answered no, or waiting) is checked in only when the
/// staff confirmed it on the page that says so.
pub async fn ticket_check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<TicketCheckInForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (ticket, event, chapter, _) = load_ticket(&state, token.clone()).await?;
    let access = ChapterAccess::load(&state, &req, &chapter.slug).await?;
    access.require_event_editor()?;
    if ticket.status != "going" && form.confirm.is_none() {
        return Ok(see_other(paths::ticket(&token)));
    }
    let actor = actor(&req);
    let rsvp_id = ticket.rsvp_id;
    let done = flow(&state, move |c, _| {
        flows::checkin::check_in(c, &actor, &event, rsvp_id)
    })
    .await?;
    Ok(match done {
        CheckIn::Done(_) => see_other(format!("{}?done=checked_in", paths::ticket(&token))),
        CheckIn::Already(..) => see_other(paths::ticket(&token)),
    })
}

// ---- The desk --------------------------------------------------------------------------------

pub struct DeskRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organization: String,
    pub status_key: String,
    pub walk_in: bool,
    pub checked_in: Option<String>,
    /// Checked in within the last minute: the desk offers "undo".
    pub undoable: bool,
}

#[derive(Template)]
#[template(path = "events/desk.html")]
struct DeskPage {
    ui: Frame,
    event_title: String,
    event_href: String,
    base: String,
    counts: DeskCounts,
    ended: bool,
    rows: Vec<DeskRow>,
    q: String,
    page: i64,
    more: bool,
    notice: String,
}

#[derive(Deserialize)]
pub struct DeskQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
    done: Option<String>,
}

pub async fn desk(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<DeskQuery>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = staff_event(&state, &req, path.into_inner()).await?;
    let query = query.into_inner();
    let page = crate::domain::page(query.page);
    let (id, q) = (event.id, query.q.clone());
    let (counts, (list, more)) = db(&state, move |c| {
        Ok((
            events::desk_counts(c, id)?,
            events::desk_rows(c, id, &q, page)?,
        ))
    })
    .await?;
    let chapter = &access.chapter;
    let ui = Frame::titled(&req, "desk.title");
    let locale = ui.locale;
    let recent = now() - events::UNDO_WINDOW;
    let rows = list
        .into_iter()
        .map(|t| DeskRow {
            id: t.rsvp_id,
            status_key: format!("desk.status_{}", t.status.as_str()),
            walk_in: t.source == events::RsvpSource::Door,
            checked_in: t.checked_in_at.map(|at| clock(chapter, at)),
            undoable: t.checked_in_at.is_some_and(|at| at >= recent),
            name: t.name,
            email: t.email,
            organization: t.organization,
        })
        .collect();
    view::render(&DeskPage {
        event_title: event.title(locale).to_string(),
        event_href: event_path(chapter, &event),
        base: format!("{}/check-in", event_path(chapter, &event)),
        ended: event.ends_at < now(),
        counts,
        rows,
        q: query.q,
        page,
        more,
        notice: match query.done.as_deref() {
            Some(d @ ("checked_in" | "already" | "undone" | "too_late")) => {
                format!("desk.done_{d}")
            }
            _ => String::new(),
        },
        ui,
    })
}

#[derive(Deserialize)]
pub struct DeskForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

fn back_to_desk(base: &str, form: &DeskForm, done: &str) -> HttpResponse {
    let query = serde_urlencoded::to_string([
        ("q", form.q.as_str()),
        ("page", &form.page.to_string()),
        ("done", done),
    ])
    .unwrap_or_default();
    see_other(format!("{base}?{query}"))
}

/// The desk's row actions: the event (for staff), where to go back, and who acts.
async fn desk_row(
    state: &AppState,
    req: &HttpRequest,
    (slug, event_slug, rsvp_id): (String, String, i64),
) -> Result<(Event, String, flows::Actor, i64), AppError> {
    let (access, event) = staff_event(state, req, (slug, event_slug)).await?;
    let base = format!("{}/check-in", event_path(&access.chapter, &event));
    Ok((event, base, actor(req), rsvp_id))
}

/// One tap per row.
pub async fn desk_check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, i64)>,
    form: web::Form<DeskForm>,
) -> Result<HttpResponse, AppError> {
    let (event, base, actor, rsvp_id) = desk_row(&state, &req, path.into_inner()).await?;
    let done = flow(&state, move |c, _| {
        flows::checkin::check_in(c, &actor, &event, rsvp_id)
    })
    .await?;
    let done = match done {
        CheckIn::Done(_) => "checked_in",
        CheckIn::Already(..) => "already",
    };
    Ok(back_to_desk(&base, &form, done))
}

/// Takes a mistaken tap back, within a minute.
pub async fn desk_undo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, i64)>,
    form: web::Form<DeskForm>,
) -> Result<HttpResponse, AppError> {
    let (event, base, actor, rsvp_id) = desk_row(&state, &req, path.into_inner()).await?;
    let undone = flow(&state, move |c, _| {
        flows::checkin::undo_check_in(c, &actor, &event, rsvp_id)
    })
    .await?;
    let done = if undone { "undone" } else { "too_late" };
    Ok(back_to_desk(&base, &form, done))
}
