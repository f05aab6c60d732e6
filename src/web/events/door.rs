//! The door QR: staff print it; walk-ins open it to check themselves in (and apply to join).

use super::super::respond::{actor, with_status};
use super::super::view::{self, Frame};
use super::super::{AppError, AppState, db, flow};
use super::day::{event_path, staff_event};
use crate::domain::FieldErrors;
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, Event};
use crate::domain::now;
use crate::flows;
use crate::qr;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "events/door.html")]
struct DoorPage {
    ui: Frame,
    event_title: String,
    event_href: String,
    link: String,
    png_href: String,
    qr_svg: String,
    opens: String,
    closes: String,
}

async fn door_link_of(state: &AppState, event: &Event) -> Result<String, AppError> {
    let event = event.clone();
    let key = db(state, move |c| events::door_key(c, &event)).await?;
    Ok(format!("{}/door/{key}", state.config.base_url))
}

pub async fn door_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = staff_event(&state, &req, path.into_inner()).await?;
    let link = door_link_of(&state, &event).await?;
    let chapter = &access.chapter;
    let ui = Frame::titled(&req, "door.title");
    let locale = ui.locale;
    let local = |at: chrono::NaiveDateTime| crate::i18n::date_time(at, chapter.tz(), locale);
    view::render(&DoorPage {
        event_title: event.title(locale).to_string(),
        event_href: event_path(chapter, &event),
        png_href: format!("{}/door.png", event_path(chapter, &event)),
        qr_svg: qr::svg(&link)?,
        opens: local(event.starts_at - events::DOOR_MARGIN),
        closes: local(event.ends_at + events::DOOR_MARGIN),
        link,
        ui,
    })
}

/// The door QR as a PNG, large enough to print on a poster.
pub async fn door_png(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (_, event) = staff_event(&state, &req, path.into_inner()).await?;
    let link = door_link_of(&state, &event).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "private, no-store"))
        .body(qr::png(&link, 16)?))
}

#[derive(Template)]
#[template(path = "events/walk_in.html")]
struct WalkInPage {
    ui: Frame,
    event_title: String,
    chapter_name: String,
    when: String,
    /// "form", "done", "already", "closed" or "full".
    state: &'static str,
    form: WalkInForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct WalkInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    organization: String,
    consent: Option<String>,
    /// Ticked by default; a form sent without it means "no".
    apply: Option<String>,
}

fn walk_in_page(
    req: &HttpRequest,
    door: Option<(&Event, &Chapter)>,
    state: &'static str,
    form: WalkInForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let ui = Frame::titled(req, "door.walk_in_title");
    let locale = ui.locale;
    let (event_title, chapter_name, when) = match door {
        Some((event, chapter)) => (
            event.title(locale).to_string(),
            chapter.name(locale).to_string(),
            view::time_range(event.starts_at, event.ends_at, chapter.tz(), locale),
        ),
        None => Default::default(),
    };
    let page = WalkInPage {
        ui,
        event_title,
        chapter_name,
        when,
        state,
        form,
        errors,
    };
    Ok(with_status(view::render(&page)?, status))
}

/// The event behind a door link, if the link is real and the door open now.
async fn open_door(
    state: &AppState,
    key: String,
) -> Result<Result<(Event, Chapter), (&'static str, StatusCode)>, AppError> {
    let found = db(state, move |c| {
        let event = events::find_by_door_key(c, &key)?;
        let chapter = chapters::find(c, event.chapter_id)?;
        Ok((event, chapter))
    })
    .await;
    Ok(match found {
        Err(AppError::NotFound) => Err(("forged", StatusCode::NOT_FOUND)),
        Err(e) => return Err(e),
        Ok((event, chapter)) if !events::door_open(&event, now()) || !chapter.is_active() => {
            Err(("closed", StatusCode::GONE))
        }
        Ok(found) => Ok(found),
    })
}

/// Opening the door link: a signed-in person is checked in at once; anyone else gets the
/// short form. Forged or expired links get a page that says so.
pub async fn door_open_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (event, chapter) = match open_door(&state, key.into_inner()).await? {
        Ok(found) => found,
        Err((what, status)) => {
            return walk_in_page(
                &req,
                None,
                what,
                WalkInForm::default(),
                FieldErrors::default(),
                status,
            );
        }
    };
    let Some(me) = super::super::auth::signed_in(&req) else {
        let form = WalkInForm {
            apply: Some("on".into()),
            ..WalkInForm::default()
        };
        return walk_in_page(
            &req,
            Some((&event, &chapter)),
            "form",
            form,
            FieldErrors::default(),
            StatusCode::OK,
        );
    };
    let actor = actor(&req);
    let e = event.clone();
    let result = flow(&state, move |c, _| {
        flows::checkin::walk_in_member(c, &actor, &e)
    })
    .await;
    let form = WalkInForm {
        name: me.user.display_name.clone(),
        ..WalkInForm::default()
    };
    let result = result.map(|already| if already { "already" } else { "done" });
    outcome(&req, (&event, &chapter), form, result)
}

/// The walk-in form: checked in, and (ticked by default) applied to join. No per-address limit
/// applies here (a room shares one address); the event's walk-in cap bounds it instead.
pub async fn door_walk_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
    form: web::Form<WalkInForm>,
) -> Result<HttpResponse, AppError> {
    let (event, chapter) = match open_door(&state, key.into_inner()).await? {
        Ok(found) => found,
        Err((what, status)) => {
            return walk_in_page(
                &req,
                None,
                what,
                WalkInForm::default(),
                FieldErrors::default(),
                status,
            );
        }
    };
    let form = form.into_inner();
    let (name, email, organization) = match events::validate_walk_in(
        &form.name,
        &form.email,
        &form.organization,
        form.consent.is_some(),
    ) {
        Ok(valid) => valid,
        Err(errors) => {
            return walk_in_page(
                &req,
                Some((&event, &chapter)),
                "form",
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let walk_in = flows::checkin::WalkIn {
        name,
        email,
        organization,
        apply: form.apply.is_some(),
    };
    let (actor, locale) = (actor(&req), super::super::locale::of(&req));
    let (e, ch) = (event.clone(), chapter.clone());
    let result = flow(&state, move |c, site| {
        flows::checkin::walk_in_visitor(c, site, &actor, &ch, &e, &walk_in, locale)
    })
    .await;
    outcome(&req, (&event, &chapter), form, result.map(|()| "done"))
}

/// The page after a check-in at the door: the state it reached, or why it could not.
fn outcome(
    req: &HttpRequest,
    door: (&Event, &Chapter),
    form: WalkInForm,
    result: Result<&'static str, AppError>,
) -> Result<HttpResponse, AppError> {
    let (state, status) = match result {
        Ok(state) => (state, StatusCode::OK),
        Err(AppError::Conflict(crate::domain::Conflict::DoorFull)) => {
            ("full", StatusCode::CONFLICT)
        }
        // A disabled account: the link works, but not for them; staff at the desk can help.
        Err(AppError::Forbidden) => ("closed", StatusCode::FORBIDDEN),
        Err(e) => return Err(e),
    };
    walk_in_page(req, Some(door), state, form, FieldErrors::default(), status)
}
