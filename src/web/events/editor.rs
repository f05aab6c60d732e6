//! The event editor: a draft from the form, and edits.

use super::{editable_event, load_event, require_edit};
use crate::domain::FieldErrors;
use crate::domain::chapters::Chapter;
use crate::domain::events::{self, AgendaInput, EventInput, HostInput};
use crate::flows;
use crate::paths;
use crate::web::http::access::ChapterAccess;
use crate::web::http::respond::actor;
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, flow};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeZone;

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
/// The second part says whether the person asked for more agenda rows (nothing is saved then).
fn parse_form(body: &[u8]) -> Result<(EventInput, bool), AppError> {
    let form = crate::web::http::upload::FormData::urlencoded(body)?;
    let more_rows = form.field("more_rows") == "1";
    let get = |k: &str| form.field(k);
    let rows = |prefix: &str| -> usize {
        form.fields
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
            speaker_title: get(&format!("agenda_{n}_speaker_title")),
            slides_url: get(&format!("agenda_{n}_slides")),
            talk_id: get(&format!("agenda_{n}_talk")),
        })
        .collect();
    let hosts = (0..rows("host_"))
        .map(|n| HostInput {
            organization: get(&format!("host_{n}_organization")),
            kind: get(&format!("host_{n}_kind")),
            level: get(&format!("host_{n}_level")),
        })
        .collect();
    let input = EventInput {
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
        cfp_deadline_local: get("cfp_deadline_local"),
        registration_opens_local: get("registration_opens_local"),
        registration_closes_local: get("registration_closes_local"),
    };
    Ok((input, more_rows))
}

/// Existing rows plus blank ones, so rows are added without JavaScript.
fn with_blank_rows(mut form: EventInput, extra: usize) -> EventInput {
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
    // Room for the seed's whole agenda (9 rows) in one go, and always a few more.
    let blank = (BLANK_AGENDA_ROWS.saturating_sub(n)).max(3) + extra;
    form.agenda.extend((0..blank).map(|i| AgendaInput {
        position: ((n + i + 1) * 10).to_string(),
        ..AgendaInput::default()
    }));
    form.hosts.retain(|h| !h.organization.trim().is_empty());
    // The first organization named is the host (主办); the next ones co-host.
    let first = form.hosts.is_empty();
    form.hosts.extend((0..2).map(|i| HostInput {
        kind: if first && i == 0 { "host" } else { "co-host" }.to_string(),
        ..HostInput::default()
    }));
    form
}

/// Agenda rows an empty form offers (the founding meetup had 9).
const BLANK_AGENDA_ROWS: usize = 10;
/// Rows "add rows" adds.
const MORE_ROWS: usize = 5;

fn form_page(
    req: &HttpRequest,
    chapter: &Chapter,
    action: String,
    form: EventInput,
    errors: FieldErrors,
    creating: bool,
    extra_rows: usize,
) -> Result<HttpResponse, AppError> {
    let ui = Frame::titled(
        req,
        if creating {
            "event_form.new_title"
        } else {
            "event_form.edit_title"
        },
    );
    // A form sent back with field errors is 422, as every other form.
    let status = if errors.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = view::render(&FormPage {
        chapter_name: chapter.name(ui.locale).to_string(),
        time_zone: chapter.time_zone.clone(),
        action,
        form: if errors.is_empty() {
            with_blank_rows(form, extra_rows)
        } else {
            form
        },
        errors,
        creating,
        ui,
    })?;
    Ok(crate::web::http::respond::with_status(page, status))
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
    let action = paths::chapter_events(&access.chapter.slug);
    form_page(
        &req,
        &access.chapter,
        action,
        form,
        FieldErrors::default(),
        true,
        0,
    )
}

pub async fn create_event(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_event_editor()?;
    let (form, more_rows) = parse_form(&body)?;
    let action = paths::chapter_events(&access.chapter.slug);
    if more_rows {
        let errors = FieldErrors::default();
        return form_page(&req, &access.chapter, action, form, errors, true, MORE_ROWS);
    }
    let valid = match events::validate(&form, access.chapter.tz()) {
        Ok(v) => v,
        Err(errors) => return form_page(&req, &access.chapter, action, form, errors, true, 0),
    };
    let (chapter, actor) = (access.chapter.clone(), actor(&req));
    let event = match flow(&state, move |c, _| {
        flows::events::create_draft(c, &actor, &chapter, &valid)
    })
    .await
    {
        Ok(event) => event,
        Err(AppError::Invalid(errors)) => {
            return form_page(&req, &access.chapter, action, form, errors, true, 0);
        }
        Err(other) => return Err(other),
    };
    Ok(super::back_to_event(
        &access.chapter.slug,
        &event.slug,
        "saved",
    ))
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
        mode: event.mode.to_string(),
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
                speaker_title: a.speaker_title,
                slides_url: a.slides_url,
                talk_id: a.talk_id.map(|t| t.to_string()).unwrap_or_default(),
            })
            .collect(),
        hosts: hosts
            .into_iter()
            .map(|h| HostInput {
                organization: h.organization,
                kind: h.kind,
                level: h.level,
            })
            .collect(),
        cfp_deadline_local: event.cfp_deadline.map(local).unwrap_or_default(),
        registration_opens_local: event.registration_opens_at.map(local).unwrap_or_default(),
        registration_closes_local: event.registration_closes_at.map(local).unwrap_or_default(),
    };
    let action = paths::edit_event(&access.chapter.slug, &event.slug);
    form_page(
        &req,
        &access.chapter,
        action,
        form,
        FieldErrors::default(),
        false,
        0,
    )
}

pub async fn save_event(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let (form, more_rows) = parse_form(&body)?;
    let action = paths::edit_event(&access.chapter.slug, &event.slug);
    if more_rows {
        let errors = FieldErrors::default();
        return form_page(
            &req,
            &access.chapter,
            action,
            form,
            errors,
            false,
            MORE_ROWS,
        );
    }
    let valid = match events::validate(&form, access.chapter.tz()) {
        Ok(v) => v,
        Err(errors) => return form_page(&req, &access.chapter, action, form, errors, false, 0),
    };
    let (e, actor, chapter) = (event.clone(), actor(&req), access.chapter.clone());
    // The agenda's talks are checked in the flow's transaction (they must be this chapter's).
    if let Err(err) = flow(&state, move |c, site| {
        flows::events::save(c, site, &actor, &chapter, &e, &valid)
    })
    .await
    {
        return match err {
            AppError::Invalid(errors) => {
                form_page(&req, &access.chapter, action, form, errors, false, 0)
            }
            other => Err(other),
        };
    }
    Ok(super::back_to_event(
        &access.chapter.slug,
        &event.slug,
        "saved",
    ))
}
