//! Event lists and the event page (with RSVP and JSON-LD).

use super::super::access::ChapterAccess;
use super::super::public::EventCard;
use super::super::view::{self, Frame};
use super::super::{AppError, AppState, db};
use super::can_edit;
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, AgendaItem, Event, EventStatus, Host};
use crate::i18n::Locale;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeZone;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ListQuery {
    mode: Option<String>,
    chapter: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "events/list.html")]
struct ListPage {
    ui: Frame,
    heading: String,
    base: String,
    mode: String,
    chapter: String,
    chapters: Vec<(String, String)>,
    upcoming: Vec<EventCard>,
    past: Vec<EventCard>,
    next_href: Option<String>,
    prev_href: Option<String>,
    feeds: String,
    can_create: Option<String>,
}

async fn list_page(
    state: &AppState,
    req: &HttpRequest,
    chapter: Option<Chapter>,
    query: ListQuery,
    can_create: bool,
) -> Result<HttpResponse, AppError> {
    let mode = query
        .mode
        .clone()
        .filter(|m| events::MODES.contains(&m.as_str()));
    let page = query.page.unwrap_or(0).max(0);
    let chapter_filter = match &chapter {
        Some(c) => Some(c.id),
        None => match query.chapter.as_deref().filter(|s| !s.is_empty()) {
            Some(slug) => {
                let slug = slug.to_string();
                Some(
                    db(state, move |c| chapters::find_by_slug(c, &slug))
                        .await?
                        .id,
                )
            }
            None => None,
        },
    };
    let m = mode.clone();
    let per = events::EVENTS_PAGE;
    let (upcoming, past, all) = db(state, move |c| {
        let upcoming = if page == 0 {
            events::list_public(c, chapter_filter, m.as_deref(), true, 0, 100)?
        } else {
            vec![]
        };
        // One more than a page tells whether there is a next page.
        let past =
            events::list_public(c, chapter_filter, m.as_deref(), false, page * per, per + 1)?;
        Ok((upcoming, past, chapters::active(c)?))
    })
    .await?;
    let ui = Frame::titled(req, "events.title");
    let locale = ui.locale;
    let card = |(e, c): &(Event, Chapter)| EventCard::new(e, &c.slug, c.tz(), locale);
    let has_more = past.len() as i64 > per;
    let past: Vec<EventCard> = past.iter().take(per as usize).map(card).collect();
    let base = match &chapter {
        Some(c) => format!("/chapters/{}/events", c.slug),
        None => "/events".to_string(),
    };
    let qs = |p: i64| {
        format!(
            "{base}?mode={}&chapter={}&page={p}",
            mode.clone().unwrap_or_default(),
            query.chapter.clone().unwrap_or_default()
        )
    };
    view::render(&ListPage {
        heading: match &chapter {
            Some(c) => format!("{} · {}", c.name(locale), ui.t("events.title")),
            None => ui.t("events.title").to_string(),
        },
        feeds: match &chapter {
            Some(c) => format!("/chapters/{}/events", c.slug),
            None => "/events".to_string(),
        },
        can_create: can_create.then(|| format!("{base}/new")),
        next_href: has_more.then(|| qs(page + 1)),
        prev_href: (page > 0).then(|| qs(page - 1)),
        base: base.clone(),
        mode: mode.clone().unwrap_or_default(),
        chapter: query.chapter.clone().unwrap_or_default(),
        chapters: all
            .into_iter()
            .map(|c| (c.slug.clone(), c.name(locale).to_string()))
            .collect(),
        upcoming: upcoming.iter().map(card).collect(),
        past,
        ui,
    })
}

pub async fn all_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    list_page(&state, &req, None, query.into_inner(), false).await
}

pub async fn chapter_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let can_create = access.require_event_editor().is_ok();
    list_page(
        &state,
        &req,
        Some(access.chapter),
        query.into_inner(),
        can_create,
    )
    .await
}

#[derive(Template)]
#[template(path = "public/event.html")]
struct EventPage {
    ui: Frame,
    chapter_href: String,
    chapter_name: String,
    event: Event,
    title: String,
    summary: String,
    when: String,
    body_html: String,
    agenda: Vec<AgendaItem>,
    hosts: Vec<Host>,
    json_ld: String,
    ics_href: String,
    editable: bool,
    edit_base: String,
    rsvp: Option<String>,
    can_rsvp: bool,
    /// Organizers and ambassadors of the chapter: links to the desk and the door QR.
    staff: bool,
    /// The signed-in person's ticket, when they have a seat or a waitlist place.
    ticket_href: Option<String>,
    going: i64,
    notice: String,
}

#[derive(Deserialize)]
pub struct EventQuery {
    done: Option<String>,
}

fn json_ld(base: &str, chapter: &Chapter, event: &Event, locale: Locale) -> String {
    let mode = match event.mode.as_str() {
        "online" => "https://schema.org/OnlineEventAttendanceMode",
        "hybrid" => "https://schema.org/MixedEventAttendanceMode",
        _ => "https://schema.org/OfflineEventAttendanceMode",
    };
    let status = if event.is_cancelled() {
        "https://schema.org/EventCancelled"
    } else {
        "https://schema.org/EventScheduled"
    };
    let tz = chapter.tz();
    let value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title(locale),
        "description": event.summary(locale),
        "startDate": tz.from_utc_datetime(&event.starts_at).to_rfc3339(),
        "endDate": tz.from_utc_datetime(&event.ends_at).to_rfc3339(),
        "eventAttendanceMode": mode,
        "eventStatus": status,
        "location": { "@type": "Place", "name": event.venue, "address": event.address },
        "organizer": { "@type": "Organization", "name": format!("oGUG {}", chapter.name(locale)), "url": format!("{base}/chapters/{}", chapter.slug) },
        "url": format!("{base}/chapters/{}/events/{}", chapter.slug, event.slug),
    });
    // Inside <script>, "</" would end the element: escape it (and < generally) as JSON allows.
    value.to_string().replace('<', "\\u003c")
}

pub async fn event_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<EventQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_slug) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let chapter_id = access.chapter.id;
    let me = access.me.as_ref().map(|m| m.user.id);
    let (event, agenda, hosts, rsvp, going, ticket) = db(&state, move |c| {
        let event = events::find_any(c, chapter_id, &event_slug)?;
        let agenda = events::agenda(c, event.id)?;
        let hosts = events::hosts(c, event.id)?;
        let (rsvp, ticket) = match me {
            Some(id) => (
                events::my_rsvp(c, event.id, id)?,
                events::my_ticket(c, event.id, id)?,
            ),
            None => (None, None),
        };
        let going = events::going_count(c, event.id)?;
        Ok((event, agenda, hosts, rsvp, going, ticket))
    })
    .await?;
    let editable = can_edit(&access, &event);
    // Drafts exist only for their editors (the preview); everyone else gets 404.
    if event.status == EventStatus::Draft && !editable {
        return Err(AppError::NotFound);
    }
    let chapter = &access.chapter;
    let ui = Frame::new(&req, "");
    let locale = ui.locale;
    let title = event.title(locale).to_string();
    let base = &state.config.base_url;
    let upcoming = event.ends_at >= crate::domain::now();
    view::render(&EventPage {
        ui: Frame {
            title: title.clone(),
            ..ui
        },
        chapter_href: format!("/chapters/{}", chapter.slug),
        chapter_name: chapter.name(locale).to_string(),
        summary: event.summary(locale).to_string(),
        when: view::time_range(event.starts_at, event.ends_at, chapter.tz(), locale),
        body_html: event.body_html().into_owned(),
        json_ld: json_ld(base, chapter, &event, locale),
        ics_href: format!("/chapters/{}/events/{}/event.ics", chapter.slug, event.slug),
        edit_base: format!("/chapters/{}/events/{}", chapter.slug, event.slug),
        editable,
        can_rsvp: access.role.is_some() && event.status == EventStatus::Published && upcoming,
        rsvp: rsvp.map(|r| format!("rsvp.status_{}", r.as_str())),
        staff: access.require_event_editor().is_ok() && event.status != EventStatus::Draft,
        ticket_href: ticket.map(|t| format!("/tickets/{t}")),
        going,
        notice: match query.done.as_deref() {
            Some(d @ ("saved" | "published" | "cancelled" | "rsvp")) => format!("event.done_{d}"),
            _ => String::new(),
        },
        title,
        event,
        agenda,
        hosts,
    })
}
