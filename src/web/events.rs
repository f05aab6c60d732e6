//! Events: lists, the event page (with RSVP and JSON-LD), the editor for ambassadors and
//! organizers, publishing and cancelling (announced by email), RSVPs and the attendee list.

use super::access::ChapterAccess;
use super::account::client_ip;
use super::public::EventCard;
use super::view::{self, Frame};
use super::{AppError, AppState, db};
use crate::db::{DbConnection, write_transaction};
use crate::domain::audit::{self, NewAuditEntry};
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, AgendaInput, AgendaItem, Event, EventInput, Host, RsvpStatus};
use crate::domain::memberships::Role;
use crate::domain::{DomainError, FieldErrors, users};
use crate::i18n::Locale;
use crate::mail::{self, templates};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeZone;
use serde::Deserialize;
use crate::domain::Conflict;

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

/// May this person edit this event? Organizers any of their chapter's; ambassadors their own.
fn can_edit(access: &ChapterAccess, event: &Event) -> bool {
    match &access.me {
        Some(me) if me.user.is_site_admin => true,
        Some(me) => match access.role {
            Some(Role::Organizer) => true,
            Some(Role::Ambassador) => event.created_by == Some(me.user.id),
            _ => false,
        },
        None => false,
    }
}

fn require_edit(access: &ChapterAccess, event: &Event) -> Result<(), AppError> {
    access.require_event_editor()?;
    if can_edit(access, event) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
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
    let (event, agenda, hosts, rsvp, going) = db(&state, move |c| {
        let event = events::find_any(c, chapter_id, &event_slug)?;
        let agenda = events::agenda(c, event.id)?;
        let hosts = events::hosts(c, event.id)?;
        let rsvp = match me {
            Some(id) => events::my_rsvp(c, event.id, id)?,
            None => None,
        };
        let going = events::going_count(c, event.id)?;
        Ok((event, agenda, hosts, rsvp, going))
    })
    .await?;
    let editable = can_edit(&access, &event);
    // Drafts exist only for their editors (the preview); everyone else gets 404.
    if event.status == "draft" && !editable {
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
        can_rsvp: access.role.is_some() && event.status == "published" && upcoming,
        rsvp: rsvp.map(|r| format!("rsvp.status_{}", r.as_str())),
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

// ---------------------------------------------------------------------------------------------
// The editor

#[derive(Template)]
#[template(path = "events/form.html")]
struct FormPage {
    ui: Frame,
    action: String,
    chapter_name: String,
    time_zone: String,
    form: EventInput,
    errors: FieldErrors,
    creating: bool,
}

/// The form as posted: agenda rows `agenda_{n}_{field}`, host rows `host_{n}_{field}`.
fn parse_form(body: &[u8]) -> Result<EventInput, AppError> {
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| AppError::BadRequest)?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let rows = |prefix: &str| -> usize {
        fields
            .iter()
            .filter_map(|(k, _)| {
                k.strip_prefix(prefix)?
                    .split('_')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .max()
            .map_or(0, |n| (n + 1).min(60))
    };
    let agenda = (0..rows("agenda_"))
        .map(|n| AgendaInput {
            position: get(&format!("agenda_{n}_position")),
            time_label: get(&format!("agenda_{n}_time")),
            title: get(&format!("agenda_{n}_title")),
            speaker: get(&format!("agenda_{n}_speaker")),
            affiliation: get(&format!("agenda_{n}_affiliation")),
            slides_url: get(&format!("agenda_{n}_slides")),
        })
        .collect();
    let hosts = (0..rows("host_"))
        .map(|n| {
            (
                get(&format!("host_{n}_organization")),
                get(&format!("host_{n}_kind")),
            )
        })
        .collect();
    Ok(EventInput {
        title_zh: get("title_zh"),
        title_en: get("title_en"),
        summary_zh: get("summary_zh"),
        summary_en: get("summary_en"),
        body: get("body"),
        starts_local: get("starts_local"),
        ends_local: get("ends_local"),
        mode: get("mode"),
        venue: get("venue"),
        address: get("address"),
        online_url: get("online_url"),
        capacity: get("capacity"),
        recording_url: get("recording_url"),
        photos_url: get("photos_url"),
        agenda,
        hosts,
    })
}

/// Existing rows plus blank ones, so rows are added without JavaScript.
fn with_blank_rows(mut form: EventInput) -> EventInput {
    let keep: Vec<AgendaInput> = form
        .agenda
        .into_iter()
        .filter(|a| !a.title.trim().is_empty())
        .collect();
    form.agenda = keep;
    for (i, a) in form.agenda.iter_mut().enumerate() {
        a.position = ((i + 1) * 10).to_string();
    }
    let n = form.agenda.len();
    form.agenda.extend((0..3).map(|i| AgendaInput {
        position: ((n + i + 1) * 10).to_string(),
        ..AgendaInput::default()
    }));
    form.hosts.retain(|(org, _)| !org.trim().is_empty());
    form.hosts
        .extend((0..2).map(|_| (String::new(), "co-host".to_string())));
    form
}

fn form_page(
    req: &HttpRequest,
    chapter: &Chapter,
    action: String,
    form: EventInput,
    errors: FieldErrors,
    creating: bool,
) -> Result<HttpResponse, AppError> {
    let ui = Frame::titled(
        req,
        if creating {
            "event_form.new_title"
        } else {
            "event_form.edit_title"
        },
    );
    view::render(&FormPage {
        chapter_name: chapter.name(ui.locale).to_string(),
        time_zone: chapter.time_zone.clone(),
        action,
        form: if errors.is_empty() {
            with_blank_rows(form)
        } else {
            form
        },
        errors,
        creating,
        ui,
    })
}

pub async fn new_event(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_event_editor()?;
    let form = EventInput {
        mode: "offline".into(),
        ..EventInput::default()
    };
    let action = format!("/chapters/{}/events", access.chapter.slug);
    form_page(
        &req,
        &access.chapter,
        action,
        form,
        FieldErrors::default(),
        true,
    )
}

pub async fn create_event(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let me = access.require_event_editor()?.user.clone();
    let form = parse_form(&body)?;
    let action = format!("/chapters/{}/events", access.chapter.slug);
    let valid = match events::validate(&form, access.chapter.tz()) {
        Ok(v) => v,
        Err(errors) => return form_page(&req, &access.chapter, action, form, errors, true),
    };
    let (chapter_id, ip) = (access.chapter.id, client_ip(&req).to_string());
    let event = db(&state, move |c| {
        write_transaction(c, |c| -> Result<Event, DomainError> {
            let event = events::create_draft(c, chapter_id, me.id, &valid)?;
            record(c, me.id, chapter_id, "event_created", event.id, &ip)?;
            Ok(event)
        })
    })
    .await?;
    Ok(see_other(format!(
        "/chapters/{}/events/{}?done=saved",
        access.chapter.slug, event.slug
    )))
}

fn record(
    c: &mut DbConnection,
    actor: i64,
    chapter_id: i64,
    action: &str,
    event_id: i64,
    ip: &str,
) -> Result<(), DomainError> {
    audit::record(
        c,
        NewAuditEntry {
            actor_user_id: Some(actor),
            action,
            chapter_id: Some(chapter_id),
            object_type: "event",
            object_id: Some(event_id),
            ip,
            ..Default::default()
        },
    )?;
    Ok(())
}

fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

async fn load_event(
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
async fn editable_event(
    state: &AppState,
    req: &HttpRequest,
    (slug, event_slug): (String, String),
) -> Result<(ChapterAccess, Event), AppError> {
    let access = ChapterAccess::load(state, req, &slug).await?;
    let (event, _, _) = load_event(state, &access, &event_slug).await?;
    require_edit(&access, &event)?;
    Ok((access, event))
}

pub async fn edit_event(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_slug) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let (event, agenda, hosts) = load_event(&state, &access, &event_slug).await?;
    require_edit(&access, &event)?;
    let tz = access.chapter.tz();
    let local = |t| {
        tz.from_utc_datetime(&t)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let form = EventInput {
        title_zh: event.title_zh.clone(),
        title_en: event.title_en.clone(),
        summary_zh: event.summary_zh.clone(),
        summary_en: event.summary_en.clone(),
        body: event.body.clone(),
        starts_local: local(event.starts_at),
        ends_local: local(event.ends_at),
        mode: event.mode.clone(),
        venue: event.venue.clone(),
        address: event.address.clone(),
        online_url: event.online_url.clone(),
        capacity: event.capacity.map(|c| c.to_string()).unwrap_or_default(),
        recording_url: event.recording_url.clone(),
        photos_url: event.photos_url.clone(),
        agenda: agenda
            .into_iter()
            .map(|a| AgendaInput {
                position: String::new(),
                time_label: a.time_label,
                title: a.title,
                speaker: a.speaker,
                affiliation: a.affiliation,
                slides_url: a.slides_url,
            })
            .collect(),
        hosts: hosts
            .into_iter()
            .map(|h| (h.organization, h.kind))
            .collect(),
    };
    let action = format!(
        "/chapters/{}/events/{}/edit",
        access.chapter.slug, event.slug
    );
    form_page(
        &req,
        &access.chapter,
        action,
        form,
        FieldErrors::default(),
        false,
    )
}

pub async fn save_event(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let me = access.me.as_ref().map_or(0, |m| m.user.id);
    let form = parse_form(&body)?;
    let action = format!(
        "/chapters/{}/events/{}/edit",
        access.chapter.slug, event.slug
    );
    let valid = match events::validate(&form, access.chapter.tz()) {
        Ok(v) => v,
        Err(errors) => return form_page(&req, &access.chapter, action, form, errors, false),
    };
    let (chapter_id, event_id, ip) = (access.chapter.id, event.id, client_ip(&req).to_string());
    db(&state, move |c| {
        write_transaction(c, |c| -> Result<(), DomainError> {
            events::update(c, event_id, &valid)?;
            record(c, me, chapter_id, "event_edited", event_id, &ip)
        })
    })
    .await?;
    Ok(see_other(format!(
        "/chapters/{}/events/{}?done=saved",
        access.chapter.slug, event.slug
    )))
}

/// Emails the announcement of a published or cancelled event to members who want them.
fn announce(
    c: &mut DbConnection,
    base: &str,
    chapter: &Chapter,
    event: &Event,
    cancelled: bool,
    message: &str,
) -> Result<(), DomainError> {
    let link = format!("{base}/chapters/{}/events/{}", chapter.slug, event.slug);
    for person in events::announcement_recipients(c, chapter.id)? {
        let locale = person.locale();
        let content = templates::EventAnnouncement {
            name: person.display_name.clone(),
            chapter: chapter.name(locale).to_string(),
            title: event.title(locale).to_string(),
            when: view::time_range(event.starts_at, event.ends_at, chapter.tz(), locale),
            venue: event.venue.clone(),
            link: link.clone(),
            cancelled,
            message: message.to_string(),
        };
        let key = format!(
            "event:{}:{}:{}",
            if cancelled { "cancelled" } else { "published" },
            event.id,
            person.id
        );
        mail::enqueue_for(c, &person, key, |l| content.render(l))?;
    }
    Ok(())
}

pub async fn publish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let me = access.me.as_ref().map_or(0, |m| m.user.id);
    let (chapter, base, ip) = (
        access.chapter.clone(),
        state.config.base_url.clone(),
        client_ip(&req).to_string(),
    );
    let e = event.clone();
    db(&state, move |c| {
        write_transaction(c, |c| -> Result<(), DomainError> {
            events::publish(c, e.id)?;
            record(c, me, chapter.id, "event_published", e.id, &ip)?;
            announce(c, &base, &chapter, &e, false, "")
        })
    })
    .await?;
    state.mail.wake();
    Ok(see_other(format!(
        "/chapters/{}/events/{}?done=published",
        access.chapter.slug, event.slug
    )))
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    message: String,
}

pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let me = access.me.as_ref().map_or(0, |m| m.user.id);
    let (chapter, base, ip) = (
        access.chapter.clone(),
        state.config.base_url.clone(),
        client_ip(&req).to_string(),
    );
    let (e, message) = (event.clone(), form.message.clone());
    db(&state, move |c| {
        write_transaction(c, |c| -> Result<(), DomainError> {
            events::cancel(c, e.id, &message)?;
            record(c, me, chapter.id, "event_cancelled", e.id, &ip)?;
            announce(c, &base, &chapter, &e, true, &message)
        })
    })
    .await?;
    state.mail.wake();
    Ok(see_other(format!(
        "/chapters/{}/events/{}?done=cancelled",
        access.chapter.slug, event.slug
    )))
}

pub async fn delete_draft(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let me = access.me.as_ref().map_or(0, |m| m.user.id);
    let (chapter_id, event_id, ip) = (access.chapter.id, event.id, client_ip(&req).to_string());
    db(&state, move |c| {
        write_transaction(c, |c| -> Result<(), DomainError> {
            events::delete_draft(c, event_id)?;
            record(c, me, chapter_id, "event_draft_deleted", event_id, &ip)
        })
    })
    .await?;
    Ok(see_other(format!(
        "/chapters/{}/events",
        access.chapter.slug
    )))
}

#[derive(Deserialize)]
pub struct RsvpForm {
    #[serde(default)]
    going: String,
}

pub async fn rsvp(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<RsvpForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_slug) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let me = access.require_member()?.user.clone();
    let going = match form.going.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::BadRequest),
    };
    let (event, _, _) = load_event(&state, &access, &event_slug).await?;
    if event.status != "published" || event.ends_at < crate::domain::now() {
        return Err(AppError::Conflict(Conflict::RsvpClosed));
    }
    let (chapter, base) = (access.chapter.clone(), state.config.base_url.clone());
    db(&state, move |c| {
        write_transaction(c, |c| -> Result<(), DomainError> {
            let (status, promoted) = events::rsvp(c, &event, me.id, going)?;
            let stamp = crate::crypto::random_token();
            match status {
                RsvpStatus::Going | RsvpStatus::Waitlisted => {
                    let key = if status == RsvpStatus::Going {
                        "rsvp.confirmed"
                    } else {
                        "rsvp.waitlisted"
                    };
                    let content = rsvp_notice(&base, &chapter, &event, &me, key);
                    mail::enqueue_for(
                        c,
                        &me,
                        format!("rsvp:{}:{}:{stamp}", event.id, me.id),
                        |l| content.render(l),
                    )?;
                }
                RsvpStatus::NotGoing => {}
            }
            notify_promoted(c, &base, &[(event, promoted)])
        })
    })
    .await?;
    state.mail.wake();
    Ok(see_other(format!(
        "/chapters/{}/events/{}?done=rsvp",
        access.chapter.slug, event_slug
    )))
}

fn rsvp_notice(
    base: &str,
    chapter: &Chapter,
    event: &Event,
    person: &users::User,
    what_key: &'static str,
) -> templates::RsvpNotice {
    let locale = person.locale();
    let link = format!("{base}/chapters/{}/events/{}", chapter.slug, event.slug);
    templates::RsvpNotice {
        name: person.display_name.clone(),
        title: event.title(locale).to_string(),
        when: view::time_range(event.starts_at, event.ends_at, chapter.tz(), locale),
        ics_link: format!("{link}/event.ics"),
        link,
        what_key,
    }
}

/// Emails everyone who took a seat from a waitlist (after an RSVP of "no", a removal, a member
/// leaving or an account deleted), in the caller's transaction.
pub fn notify_promoted(
    conn: &mut crate::db::DbConnection,
    base: &str,
    released: &[events::Released],
) -> Result<(), DomainError> {
    for (event, promoted) in released {
        let Some(id) = *promoted else { continue };
        let person = users::find(conn, id)?;
        let chapter = crate::domain::chapters::find(conn, event.chapter_id)?;
        let content = rsvp_notice(base, &chapter, event, &person, "rsvp.promoted");
        mail::enqueue_for(
            conn,
            &person,
            format!(
                "rsvp-promoted:{}:{id}:{}",
                event.id,
                crate::crypto::random_token()
            ),
            |l| content.render(l),
        )?;
    }
    Ok(())
}

/// The attendee list as CSV, for organizers and the event's creator.
pub async fn attendees_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (_access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let id = event.id;
    let rows = db(&state, move |c| events::attendees(c, id)).await?;
    let cell = |s: &str| {
        // Quote every cell; neutralise spreadsheet formulas (CSV injection).
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    let mut out = String::from("name,email,organization,status,rsvp_at\n");
    for (name, email, org, status, at) in rows {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            cell(&name),
            cell(&email),
            cell(&org),
            cell(&status),
            cell(&at.and_utc().to_rfc3339())
        ));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}-attendees.csv\"", event.slug),
        ))
        .body(out))
}
