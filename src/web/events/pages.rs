//! Event lists and the event page (with RSVP and JSON-LD).

use super::can_edit;
use crate::db::DbConnection;
use crate::domain::DomainResult;
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, AgendaItem, Event, EventStatus, Host};
use crate::domain::ids::ChapterId;
use crate::i18n::Locale;
use crate::paths;
use crate::web::cache::shared::{Built, Part};
use crate::web::chapters::pages::{EventCard, cards_per_locale};
use crate::web::http::access::ChapterAccess;
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db};
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
struct ListPage<'a> {
    ui: Frame,
    heading: String,
    base: String,
    mode: String,
    chapter: String,
    chapters: Vec<(&'a str, &'a str)>,
    upcoming: &'a [EventCard],
    past: &'a [EventCard],
    next_href: Option<String>,
    prev_href: Option<String>,
    feeds: String,
    can_create: Option<String>,
}

/// An event list page as every reader sees it: cards in both languages (`Locale::ALL` order),
/// whether a next page exists, and the active chapters for the all-events filter.
pub struct ListShared {
    upcoming: [Vec<EventCard>; 2],
    past: [Vec<EventCard>; 2],
    has_more: bool,
    chapters: Vec<(String, [String; 2])>,
}

fn list_shared(
    c: &mut DbConnection,
    chapter: Option<ChapterId>,
    mode: Option<&str>,
    page: i64,
) -> DomainResult<Built<ListShared>> {
    let per = events::EVENTS_PAGE;
    let upcoming = if page == 0 {
        events::list_public(c, chapter, mode, true, 0, 100)?
    } else {
        vec![]
    };
    // One more than a page tells whether there is a next page.
    let mut past = events::list_public(c, chapter, mode, false, page * per, per + 1)?;
    let has_more = past.len() as i64 > per;
    past.truncate(per as usize);
    let chapters = match chapter {
        Some(_) => vec![],
        None => chapters::active(c)?
            .into_iter()
            .map(|ch| {
                let names = Locale::ALL.map(|l| ch.name(l).to_string());
                (ch.slug, names)
            })
            .collect(),
    };
    let cards = |list: &[(Event, Chapter)]| {
        cards_per_locale(list, |(e, c), locale| {
            EventCard::new(e, &c.slug, c.tz(), locale)
        })
    };
    Ok(Built {
        value: ListShared {
            upcoming: cards(&upcoming),
            past: cards(&past),
            has_more,
            chapters,
        },
        until: events::next_end(c, chapter)?,
    })
}

/// The mode filter and page asked for, made safe.
fn list_params(query: &ListQuery) -> (Option<String>, i64) {
    let mode = query
        .mode
        .clone()
        .filter(|m| events::MODES.contains(&m.as_str()));
    (mode, crate::domain::page(query.page))
}

fn list_page(
    req: &HttpRequest,
    chapter: Option<&Chapter>,
    query: ListQuery,
    shared: &ListShared,
    can_create: bool,
) -> Result<HttpResponse, AppError> {
    let (mode, page) = list_params(&query);
    let ui = Frame::titled(req, "events.title");
    let locale = ui.locale;
    let base = match chapter {
        Some(c) => paths::chapter_events(&c.slug),
        None => paths::events(),
    };
    let qs = |p: i64| {
        format!(
            "{base}?mode={}&chapter={}&page={p}",
            mode.clone().unwrap_or_default(),
            query.chapter.clone().unwrap_or_default()
        )
    };
    view::render(&ListPage {
        heading: match chapter {
            Some(c) => format!("{} · {}", c.name(locale), ui.t("events.title")),
            None => ui.t("events.title").to_string(),
        },
        feeds: base.clone(),
        can_create: can_create.then(|| format!("{base}/new")),
        next_href: shared.has_more.then(|| qs(page + 1)),
        prev_href: (page > 0).then(|| qs(page - 1)),
        mode: mode.clone().unwrap_or_default(),
        chapter: query.chapter.clone().unwrap_or_default(),
        chapters: shared
            .chapters
            .iter()
            .map(|(slug, names)| (slug.as_str(), names[locale.index()].as_str()))
            .collect(),
        upcoming: &shared.upcoming[locale.index()],
        past: &shared.past[locale.index()],
        base,
        ui,
    })
}

pub async fn all_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (mode, page) = list_params(&query);
    let slug = query.chapter.clone().filter(|s| !s.is_empty());
    let shared = db(&state, move |c| {
        let chapter = match slug {
            Some(slug) => Some(chapters::find_by_slug(c, &slug)?.id),
            None => None,
        };
        Ok(list_shared(c, chapter, mode.as_deref(), page)?.value)
    })
    .await?;
    list_page(&req, None, query, &shared, false)
}

pub async fn chapter_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (mode, page) = list_params(&query);
    let cache = state.shared.clone();
    let (access, shared) = ChapterAccess::load_with(&state, &req, &slug, move |c, chapter, _| {
        let part = Part::EventList(mode.clone(), page);
        cache.get(chapter.id, chapter.content_version, part, || {
            list_shared(c, Some(chapter.id), mode.as_deref(), page)
        })
    })
    .await?;
    let can_create = access.require_event_editor().is_ok();
    list_page(&req, Some(&access.chapter), query, &shared, can_create)
}

#[derive(Template)]
#[template(path = "events/page.html")]
struct EventPage<'a> {
    ui: Frame,
    chapter_href: String,
    chapter_name: String,
    event: &'a Event,
    title: String,
    summary: &'a str,
    when: &'a str,
    body_html: std::borrow::Cow<'a, str>,
    agenda: &'a [AgendaItem],
    share_url: &'a str,
    share_qr: &'a str,
    share_png: String,
    /// Each agenda row's organization in the directory, when it is there.
    agenda_orgs: &'a [Option<crate::domain::ids::OrganizationId>],
    hosts: &'a [Host],
    json_ld: &'a str,
    ics_href: String,
    editable: bool,
    edit_base: String,
    rsvp: Option<String>,
    can_rsvp: bool,
    /// A signed-out visitor: the guest registration form.
    guest_form: bool,
    /// "Registration opens on …" / "Registration is closed", outside the window.
    window_note: Option<String>,
    register_action: String,
    is_member: bool,
    login_href: String,
    guest: crate::domain::events::guests::GuestInput,
    errors: crate::domain::FieldErrors,
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
        "organizer": { "@type": "Organization", "name": format!("oGUG {}", chapter.name(locale)), "url": format!("{base}{}", paths::chapter(&chapter.slug)) },
        "url": format!("{base}{}", paths::event(&chapter.slug, &event.slug)),
    });
    // Inside <script>, "</" would end the element: escape it (and < generally) as JSON allows.
    value.to_string().replace('<', "\\u003c")
}

/// An event as every reader sees it, built once per version of its chapter: the row, its
/// agenda and hosts, and what is formatted once per language (`Locale::ALL` order).
pub struct EventShared {
    event: Event,
    agenda: Vec<AgendaItem>,
    agenda_orgs: Vec<Option<crate::domain::ids::OrganizationId>>,
    hosts: Vec<Host>,
    /// The page's absolute link and its QR code (SVG), for the share box.
    share_url: String,
    share_qr: String,
    when: [String; 2],
    json_ld: [String; 2],
}

fn event_shared(
    c: &mut DbConnection,
    base: &str,
    chapter: &Chapter,
    slug: &str,
) -> DomainResult<Built<EventShared>> {
    let event = events::find_any(c, chapter.id, slug)?;
    let agenda = events::agenda(c, event.id)?;
    let agenda_orgs = agenda
        .iter()
        .map(|a| crate::domain::organizations::by_name(c, &a.affiliation))
        .collect::<DomainResult<Vec<_>>>()?;
    let hosts = events::hosts(c, event.id)?;
    let share_url = format!("{base}{}", paths::event(&chapter.slug, &event.slug));
    let share_qr = crate::qr::svg(&share_url).unwrap_or_default();
    let tz = chapter.tz();
    // The page's RSVP form closes when the event ends.
    let until = (event.ends_at >= crate::domain::now()).then_some(event.ends_at);
    Ok(Built {
        value: EventShared {
            when: Locale::ALL.map(|l| view::time_range(event.starts_at, event.ends_at, tz, l)),
            json_ld: Locale::ALL.map(|l| json_ld(base, chapter, &event, l)),
            event,
            agenda,
            agenda_orgs,
            hosts,
            share_url,
            share_qr,
        },
        until,
    })
}

pub async fn event_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<EventQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_slug) = path.into_inner();
    let me = crate::web::http::auth::signed_in(&req).map(|m| m.user.id);
    let cache = state.shared.clone();
    let base = state.config.base_url.clone();
    let (access, (shared, going, (rsvp, ticket))) =
        ChapterAccess::load_with(&state, &req, &slug, move |c, chapter, _| {
            let part = Part::Event(event_slug.clone());
            let shared = cache.get(chapter.id, chapter.content_version, part, || {
                event_shared(c, &base, chapter, &event_slug)
            })?;
            let (going, rsvp, ticket) = events::page_answers(c, shared.event.id, me)?;
            Ok((shared, going, (rsvp, ticket)))
        })
        .await?;
    let event = &shared.event;
    let editable = can_edit(&access, event);
    // Drafts exist only for their editors (the preview); everyone else gets 404.
    if event.status == EventStatus::Draft && !editable {
        return Err(AppError::NotFound);
    }
    let chapter = &access.chapter;
    let ui = Frame::new(&req, "");
    let locale = ui.locale;
    let title = event.title(locale).to_string();
    let upcoming = event.ends_at >= crate::domain::now();
    let window = event.registration(crate::domain::now());
    let summary = event.summary(locale);
    let description = if summary.is_empty() {
        shared.when[locale.index()].clone()
    } else {
        format!("{} · {summary}", shared.when[locale.index()])
    };
    let ui = Frame {
        title: title.clone(),
        ..ui
    }
    .shared_as(
        &state.config.base_url,
        &paths::event(&chapter.slug, &event.slug),
        &description,
        &paths::event_share_png(&chapter.slug, &event.slug),
    );
    view::render(&EventPage {
        ui,
        chapter_href: paths::chapter(&chapter.slug),
        chapter_name: chapter.name(locale).to_string(),
        summary: event.summary(locale),
        when: &shared.when[locale.index()],
        body_html: event.body_html(),
        json_ld: &shared.json_ld[locale.index()],
        ics_href: paths::event_ics(&chapter.slug, &event.slug),
        edit_base: paths::event(&chapter.slug, &event.slug),
        editable,
        // Everyone signed in answers with one tap; a signed-out visitor registers as a guest;
        // both within the registration window.
        can_rsvp: access.me.is_some() && window == events::Registration::Open,
        guest_form: access.me.is_none() && window == events::Registration::Open,
        window_note: match window {
            events::Registration::NotYet(opens) => Some(locale.tf1(
                "event.registration_not_yet",
                "when",
                &view::local_date_time(opens, chapter.tz(), locale),
            )),
            events::Registration::Closed if event.status == EventStatus::Published && upcoming => {
                Some(locale.t("event.registration_closed").to_string())
            }
            _ => None,
        },
        register_action: paths::register(&chapter.slug, &event.slug),
        is_member: access.role.is_some(),
        login_href: format!(
            "{}?next={}",
            paths::login(),
            crate::web::http::auth::urlencode(&paths::event(&chapter.slug, &event.slug))
        ),
        guest: Default::default(),
        errors: Default::default(),
        rsvp: rsvp.map(|r| format!("rsvp.status_{}", r.as_str())),
        staff: access.require_event_editor().is_ok() && event.status != EventStatus::Draft,
        ticket_href: ticket.map(paths::ticket),
        going,
        notice: match query.done.as_deref() {
            Some(d @ ("saved" | "published" | "cancelled" | "rsvp" | "waitlisted")) => {
                format!("event.done_{d}")
            }
            _ => String::new(),
        },
        title,
        event,
        agenda: &shared.agenda,
        agenda_orgs: &shared.agenda_orgs,
        share_url: &shared.share_url,
        share_qr: &shared.share_qr,
        share_png: paths::event_share_png(&chapter.slug, &event.slug),
        hosts: &shared.hosts,
    })
}
