//! Guests register for a meetup without joining: the form on the event page (signed out),
//! "check your inbox", the one-click confirmation, and cancelling from the ticket link.

use super::load_event;
use crate::domain::FieldErrors;
use crate::domain::events::RsvpStatus;
use crate::domain::events::guests::{self, GuestInput};
use crate::flows;
use crate::paths;
use crate::web::http::access::ChapterAccess;
use crate::web::http::confirm::Confirm;
use crate::web::http::respond::{
    actor, client_ip, see_inbox_page, see_other, sent_to, with_status,
};
use crate::web::http::throttle::{self, Bucket};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// The cookie naming the address the form was sent with, for "check your inbox" only.
const SENT_TO: &str = "ogug_registered_as";

#[derive(Template)]
#[template(path = "events/register.html")]
struct RegisterPage {
    ui: Frame,
    event_title: String,
    event_href: String,
    register_action: String,
    guest: GuestInput,
    errors: FieldErrors,
    is_member: bool,
    expired: bool,
}

/// POST …/register: a signed-out visitor's registration.
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<GuestInput>,
) -> Result<HttpResponse, AppError> {
    throttle::check(&state, Bucket::Apply, client_ip(&req)).await?;
    let (slug, event_slug) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let (event, _, _) = load_event(&state, &access, &event_slug).await?;
    let event_href = paths::event(&access.chapter.slug, &event.slug);
    if access.me.is_some() {
        // Signed in: the one-tap answer on the event page is theirs.
        return Ok(see_other(event_href));
    }
    let guest = form.into_inner();
    let page = |guest: GuestInput, errors: FieldErrors, expired: bool, status: StatusCode| {
        let ui = Frame::titled(&req, "guest.title");
        let page = RegisterPage {
            event_title: event.title(ui.locale).to_string(),
            event_href: event_href.clone(),
            register_action: paths::register(&access.chapter.slug, &event.slug),
            guest,
            errors,
            is_member: false,
            expired,
            ui,
        };
        Ok(with_status(view::render(&page)?, status))
    };
    if crate::web::http::auth::form_expired(&req) {
        return page(guest, FieldErrors::default(), true, StatusCode::FORBIDDEN);
    }
    if !flows::guests::open_for_registration(&event) {
        return Err(AppError::Conflict(crate::domain::Conflict::RsvpClosed));
    }
    let sent = sent_response(&state, &access.chapter.slug, &event.slug, &guest.email);
    if !guest.website.is_empty() {
        tracing::info!("registration honeypot triggered");
        return Ok(sent);
    }
    let valid = match guests::validate(&guest) {
        Ok(v) => v,
        Err(errors) => return page(guest, errors, false, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let locale = crate::web::http::locale::of(&req);
    let (chapter, e) = (access.chapter.clone(), event.clone());
    flow(&state, move |c, site| {
        flows::guests::register(c, site, (&chapter, &e), &valid, locale)
    })
    .await?;
    Ok(sent)
}

fn sent_response(state: &AppState, slug: &str, event_slug: &str, email: &str) -> HttpResponse {
    let path = paths::register_sent(slug, event_slug);
    see_inbox_page(path, SENT_TO, email, state.config.is_https())
}

#[derive(Template)]
#[template(path = "events/register_sent.html")]
struct SentPage {
    ui: Frame,
    event_title: String,
    event_href: String,
    sent_to: Option<String>,
}

/// GET …/register/sent: "check your inbox", naming the address to the browser that sent it.
pub async fn sent(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_slug) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let (event, _, _) = load_event(&state, &access, &event_slug).await?;
    let ui = Frame::titled(&req, "guest.sent_title");
    view::render(&SentPage {
        event_title: event.title(ui.locale).to_string(),
        event_href: paths::event(&access.chapter.slug, &event.slug),
        sent_to: sent_to(&req, SENT_TO),
        ui,
    })
}

#[derive(Template)]
#[template(path = "events/register_confirm.html")]
struct ConfirmPage {
    ui: Frame,
    action: String,
}

/// GET /registrations/confirm/{token}: one button (opening a link changes nothing).
pub async fn confirm_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let t = token.clone();
    if let Err(AppError::NotFound) = db(&state, move |c| guests::by_token(c, &t)).await {
        return crate::web::account::link_invalid(&req);
    }
    view::render(&ConfirmPage {
        ui: Frame::titled(&req, "guest.confirm_title"),
        action: paths::registration_confirm(&token),
    })
}

/// POST /registrations/confirm/{token}: the seat (or the waitlist), then the ticket.
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (token, actor) = (token.into_inner(), actor(&req));
    let done = flow(&state, move |c, site| {
        flows::guests::confirm(c, site, &actor, &token)
    })
    .await;
    match done {
        Ok(done) => match (done.status, done.ticket) {
            (RsvpStatus::Going, Some(ticket)) => Ok(see_other(format!(
                "{}?done=registered",
                paths::ticket(&ticket)
            ))),
            _ => Ok(see_other(format!(
                "{}?done=waitlisted",
                paths::event(&done.chapter.slug, &done.event.slug)
            ))),
        },
        Err(AppError::NotFound) => crate::web::account::link_invalid(&req),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    confirm: String,
}

/// POST /tickets/{token}/cancel: asks first, then gives the seat up (the waitlist moves).
pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let ticket_href = paths::ticket(&token);
    // A made-up ticket is not found, asked or not.
    let t = token.clone();
    db(&state, move |c| crate::domain::events::find_ticket(c, &t)).await?;
    if !Confirm::said_yes(&form.confirm) {
        let ui = Frame::new(&req, "");
        return view::render(&Confirm {
            lines: vec![ui.t("guest.cancel_body").to_string()],
            items: Vec::new(),
            action: paths::ticket_cancel(&token),
            fields: Vec::new(),
            yes: ui.t("guest.cancel_yes").to_string(),
            danger: true,
            back_href: ticket_href,
            back: ui.t("guest.cancel_keep").to_string(),
            ui: Frame {
                title: ui.t("guest.cancel_ask").to_string(),
                ..ui
            },
        });
    }
    let t = token.clone();
    flow(&state, move |c, site| {
        flows::guests::cancel_by_ticket(c, site, &t)
    })
    .await?;
    Ok(see_other(format!("{ticket_href}?done=cancelled")))
}
