//! The door QR: staff print it; walk-ins open it to check themselves in (and apply to join).

use super::day::{event_path, staff_event};
use crate::domain::FieldErrors;
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, Event};
use crate::domain::now;
use crate::flows;
use crate::paths;
use crate::qr;
use crate::web::http::respond::{actor, with_status};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
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
    Ok(format!("{}{}", state.config.base_url, paths::walk_in(&key)))
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
    /// "form" (signed out), "member" (signed in: one button), "done", "already",
    /// "waitlisted", "link_sent", "link" (the emailed link's button), "closed", "forged" or
    /// "full".
    state: &'static str,
    /// Offer "also apply to join": not to members of the chapter.
    offer_apply: bool,
    /// The catalog key saying an application to join was submitted ("" when none was).
    applied: &'static str,
    /// The signed-in (or link's) person's name.
    person: String,
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
    /// Unticked by default: only a ticked box applies.
    apply: Option<String>,
}

/// What a door page shows besides its state.
#[derive(Default)]
struct Shown {
    offer_apply: bool,
    applied: &'static str,
    person: String,
}

fn walk_in_page(
    req: &HttpRequest,
    door: Option<(&Event, &Chapter)>,
    (state, status): (&'static str, StatusCode),
    shown: Shown,
    form: WalkInForm,
    errors: FieldErrors,
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
        offer_apply: shown.offer_apply,
        applied: shown.applied,
        person: shown.person,
        form,
        errors,
    };
    let mut res = with_status(view::render(&page)?, status);
    // The door's pages answer the person holding the phone: never kept by a cache.
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// The page for a door link that is not (or no longer) usable.
fn refused(req: &HttpRequest, what: (&'static str, StatusCode)) -> Result<HttpResponse, AppError> {
    walk_in_page(
        req,
        None,
        what,
        Shown::default(),
        WalkInForm::default(),
        FieldErrors::default(),
    )
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

/// Whether the signed-in person (if any) is a member of the chapter: members are not offered
/// "also apply".
async fn is_member(
    state: &AppState,
    req: &HttpRequest,
    chapter: &Chapter,
) -> Result<bool, AppError> {
    let Some(me) = crate::web::http::auth::signed_in(req) else {
        return Ok(false);
    };
    let (chapter_id, user_id) = (chapter.id, me.user.id);
    db(state, move |c| {
        Ok(crate::domain::memberships::find(c, chapter_id, user_id)?.is_some())
    })
    .await
}

/// Opening the door link changes nothing: a signed-in person sees one big "check me in"
/// button, anyone else the short form. Forged or expired links get a page that says so.
pub async fn door_open_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (event, chapter) = match open_door(&state, key.into_inner()).await? {
        Ok(found) => found,
        Err(what) => return refused(&req, what),
    };
    let member = is_member(&state, &req, &chapter).await?;
    let (page_state, person) = match crate::web::http::auth::signed_in(&req) {
        Some(me) => ("member", me.user.display_name.clone()),
        None => ("form", String::new()),
    };
    walk_in_page(
        &req,
        Some((&event, &chapter)),
        (page_state, StatusCode::OK),
        Shown {
            offer_apply: !member,
            applied: "",
            person,
        },
        WalkInForm::default(),
        FieldErrors::default(),
    )
}

/// The door's POST: a signed-in person's "check me in", or the walk-in form. No per-address
/// limit applies here (a room shares one address); the event's walk-in cap bounds it instead.
pub async fn door_walk_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
    form: web::Form<WalkInForm>,
) -> Result<HttpResponse, AppError> {
    let key = key.into_inner();
    let (event, chapter) = match open_door(&state, key.clone()).await? {
        Ok(found) => found,
        Err(what) => return refused(&req, what),
    };
    let form = form.into_inner();
    let (actor, locale) = (actor(&req), crate::web::http::locale::of(&req));
    let apply = form.apply.is_some();
    let (e, ch) = (event.clone(), chapter.clone());
    if let Some(me) = crate::web::http::auth::signed_in(&req) {
        let result = flow(&state, move |c, site| {
            flows::checkin::walk_in_member(c, site, &actor, (&ch, &e), apply, locale)
        })
        .await;
        let person = me.user.display_name.clone();
        let applied = "door.applied_signed_in";
        return outcome(&req, (&event, &chapter), (person, applied), form, result);
    }
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
                ("form", StatusCode::UNPROCESSABLE_ENTITY),
                Shown {
                    offer_apply: true,
                    ..Shown::default()
                },
                form,
                errors,
            );
        }
    };
    let walk_in = flows::checkin::WalkIn {
        name,
        email,
        organization,
        apply,
    };
    let result = flow(&state, move |c, site| {
        flows::checkin::walk_in_visitor(c, site, &actor, (&ch, &e, &key), &walk_in, locale)
    })
    .await;
    let person = form.name.clone();
    outcome(
        &req,
        (&event, &chapter),
        (person, "door.applied"),
        form,
        result,
    )
}

/// The page after a check-in at the door: what happened, or why it could not.
fn outcome(
    req: &HttpRequest,
    door: (&Event, &Chapter),
    (person, applied_key): (String, &'static str),
    form: WalkInForm,
    result: Result<flows::checkin::AtTheDoor, AppError>,
) -> Result<HttpResponse, AppError> {
    use flows::checkin::Door;
    let (state, status, applied) = match result {
        Ok(at) => (
            match at.outcome {
                Door::CheckedIn => "done",
                Door::Already => "already",
                Door::Waitlisted => "waitlisted",
                Door::LinkSent => "link_sent",
            },
            StatusCode::OK,
            at.applied,
        ),
        Err(AppError::Conflict(crate::domain::Conflict::DoorFull)) => {
            ("full", StatusCode::CONFLICT, false)
        }
        // A disabled account: the link works, but not for them; staff at the desk can help.
        Err(AppError::Forbidden) => ("closed", StatusCode::FORBIDDEN, false),
        Err(e) => return Err(e),
    };
    let shown = Shown {
        offer_apply: false,
        applied: if applied { applied_key } else { "" },
        person,
    };
    walk_in_page(
        req,
        Some(door),
        (state, status),
        shown,
        form,
        FieldErrors::default(),
    )
}

/// The door behind an emailed link `(key, token)` and the token; or the page saying the door
/// is not open.
async fn link_door(
    state: &AppState,
    req: &HttpRequest,
    (key, token): (String, String),
) -> Result<Result<((Event, Chapter), String), HttpResponse>, AppError> {
    Ok(match open_door(state, key).await? {
        Ok(found) => Ok((found, token)),
        Err(what) => Err(refused(req, what)?),
    })
}

/// The one-tap link from the email: a page with one button (opening it changes nothing).
pub async fn door_link_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let ((event, chapter), token) = match link_door(&state, &req, path.into_inner()).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let person = db(&state, move |c| {
        crate::domain::accounts::peek_token(
            c,
            &token,
            crate::domain::one_time_tokens::Purpose::DoorCheckIn,
        )
    })
    .await;
    let person = match person {
        Ok(user) => user.display_name,
        // Used already, or not a link of ours: the desk can help.
        Err(AppError::NotFound) => return refused(&req, ("link_used", StatusCode::GONE)),
        Err(e) => return Err(e),
    };
    walk_in_page(
        &req,
        Some((&event, &chapter)),
        ("link", StatusCode::OK),
        Shown {
            person,
            ..Shown::default()
        },
        WalkInForm::default(),
        FieldErrors::default(),
    )
}

/// The tap on the emailed link's button: checked in while the door is open.
pub async fn door_link_check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let ((event, chapter), token) = match link_door(&state, &req, path.into_inner()).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let (actor, e) = (actor(&req), event.clone());
    let result = flow(&state, move |c, _| {
        flows::checkin::door_link_check_in(c, &actor, &e, &token)
    })
    .await;
    let result = match result {
        Err(AppError::NotFound) => return refused(&req, ("link_used", StatusCode::GONE)),
        other => other.map(|outcome| flows::checkin::AtTheDoor {
            outcome,
            applied: false,
        }),
    };
    let who = (String::new(), "");
    outcome(&req, (&event, &chapter), who, WalkInForm::default(), result)
}
