//! Announcements: the form (with a preview) for an event's attendees or a whole chapter, the
//! unsubscribe page behind every announcement's link, and members' per-chapter choices.

use crate::domain::announcements::{self, Audience};
use crate::domain::events::{self, Event, EventStatus};
use crate::domain::ids::ChapterId;
use crate::domain::{Conflict, FieldErrors};
use crate::flows;
use crate::paths;
use crate::web::http::access::ChapterAccess;
use crate::web::http::auth::RequireUser;
use crate::web::http::respond::{actor, see_other, with_status};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AnnounceForm {
    #[serde(default)]
    audience: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    /// The "preview" button: show the rendered message, send nothing.
    preview: Option<String>,
}

#[derive(Template)]
#[template(path = "chapters/announce.html")]
struct AnnouncePage {
    ui: Frame,
    back_href: String,
    back_label: String,
    action: String,
    /// Each audience with how many people it reaches.
    audiences: Vec<(Audience, usize)>,
    form: AnnounceForm,
    errors: FieldErrors,
    preview_html: Option<String>,
    /// "sent" (with how many), "limit".
    notice: String,
    /// How many it went to ("sent") or would go to (a preview).
    sent_to: usize,
    left_today: i64,
}

#[derive(Deserialize)]
pub struct SentQuery {
    sent: Option<usize>,
}

struct Scope {
    access: ChapterAccess,
    event: Option<Event>,
}

impl Scope {
    fn action(&self) -> String {
        match &self.event {
            Some(e) => paths::event_announce(&self.access.chapter.slug, &e.slug),
            None => paths::chapter_announce(&self.access.chapter.slug),
        }
    }

    fn back(&self, ui: &Frame) -> (String, String) {
        let chapter = &self.access.chapter;
        match &self.event {
            Some(e) => (
                paths::event(&chapter.slug, &e.slug),
                e.title(ui.locale).to_string(),
            ),
            None => (
                paths::chapter(&chapter.slug),
                chapter.name(ui.locale).to_string(),
            ),
        }
    }

    fn audiences(&self) -> Vec<Audience> {
        match self.event {
            Some(_) => Audience::FOR_EVENT.to_vec(),
            None => vec![Audience::Members],
        }
    }
}

async fn event_scope(
    state: &AppState,
    req: &HttpRequest,
    (slug, event_slug): (String, String),
) -> Result<Scope, AppError> {
    let access = ChapterAccess::load(state, req, &slug).await?;
    access.require_event_editor()?;
    let chapter_id = access.chapter.id;
    let event = db(state, move |c| events::find_any(c, chapter_id, &event_slug)).await?;
    if event.status == EventStatus::Draft {
        return Err(AppError::NotFound);
    }
    Ok(Scope {
        access,
        event: Some(event),
    })
}

async fn chapter_scope(state: &AppState, req: &HttpRequest, slug: &str) -> Result<Scope, AppError> {
    let access = ChapterAccess::load(state, req, slug).await?;
    access.require_organizer()?;
    Ok(Scope {
        access,
        event: None,
    })
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    scope: Scope,
    form: AnnounceForm,
    (errors, preview_html): (FieldErrors, Option<String>),
    (notice, sent_to, status): (&str, usize, StatusCode),
) -> Result<HttpResponse, AppError> {
    let chapter_id = scope.access.chapter.id;
    let to_events = scope.event.is_some();
    let event_id = scope.event.as_ref().map(|e| e.id);
    let choices = scope.audiences();
    // Each choice says how many it reaches (opted-out and disabled accounts not counted).
    let (sent, reach) = db(state, move |c| {
        let reach = choices
            .iter()
            .map(|a| {
                Ok((
                    *a,
                    announcements::recipients(c, chapter_id, event_id, *a)?.len(),
                ))
            })
            .collect::<crate::domain::DomainResult<Vec<_>>>()?;
        Ok((announcements::sent_today(c, chapter_id, to_events)?, reach))
    })
    .await?;
    let cap = if to_events {
        state.config.event_announcements_per_day
    } else {
        state.config.announcements_per_day
    };
    let ui = Frame::titled(req, "announce.title");
    let (back_href, back_label) = scope.back(&ui);
    let page = AnnouncePage {
        back_href,
        back_label,
        action: scope.action(),
        audiences: reach,
        form,
        errors,
        preview_html,
        notice: notice.to_string(),
        sent_to,
        left_today: (cap - sent).max(0),
        ui,
    };
    Ok(with_status(view::render(&page)?, status))
}

async fn show(
    state: &AppState,
    req: &HttpRequest,
    scope: Scope,
    sent: Option<usize>,
) -> Result<HttpResponse, AppError> {
    let form = AnnounceForm {
        audience: scope.audiences()[0].as_str().to_string(),
        ..AnnounceForm::default()
    };
    let notice = if sent.is_some() { "sent" } else { "" };
    page(
        state,
        req,
        scope,
        form,
        (FieldErrors::default(), None),
        (notice, sent.unwrap_or(0), StatusCode::OK),
    )
    .await
}

async fn submit(
    state: &AppState,
    req: &HttpRequest,
    scope: Scope,
    form: AnnounceForm,
) -> Result<HttpResponse, AppError> {
    let audience = Audience::parse(&form.audience).filter(|a| scope.audiences().contains(a));
    let valid = match announcements::validate(audience, &form.subject, &form.body) {
        Ok(valid) => valid,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(state, req, scope, form, (errors, None), ("", 0, status)).await;
        }
    };
    if form.preview.is_some() {
        // The preview says how many it would reach, before anything is sent.
        let (chapter_id, event_id, audience) = (
            scope.access.chapter.id,
            scope.event.as_ref().map(|e| e.id),
            valid.audience,
        );
        let reach = db(state, move |c| {
            Ok(announcements::recipients(c, chapter_id, event_id, audience)?.len())
        })
        .await?;
        let html = Some(valid.body_html.clone());
        let ok = StatusCode::OK;
        return page(
            state,
            req,
            scope,
            form,
            (FieldErrors::default(), html),
            ("", reach, ok),
        )
        .await;
    }
    let (actor, chapter, event) = (
        actor(req),
        scope.access.chapter.clone(),
        scope.event.clone(),
    );
    let sent = flow(state, move |c, site| {
        flows::announcements::send(c, site, &actor, &chapter, event.as_ref(), &valid)
    })
    .await;
    match sent {
        Ok(n) => Ok(see_other(format!("{}?sent={n}", scope.action()))),
        Err(AppError::Conflict(Conflict::AnnouncementLimit)) => {
            let status = StatusCode::TOO_MANY_REQUESTS;
            let none = (FieldErrors::default(), None);
            page(state, req, scope, form, none, ("limit", 0, status)).await
        }
        Err(e) => Err(e),
    }
}

pub async fn event_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<SentQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = event_scope(&state, &req, path.into_inner()).await?;
    show(&state, &req, scope, query.sent).await
}

pub async fn event_send(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<AnnounceForm>,
) -> Result<HttpResponse, AppError> {
    let scope = event_scope(&state, &req, path.into_inner()).await?;
    submit(&state, &req, scope, form.into_inner()).await
}

pub async fn chapter_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<SentQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = chapter_scope(&state, &req, &slug).await?;
    show(&state, &req, scope, query.sent).await
}

pub async fn chapter_send(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: web::Form<AnnounceForm>,
) -> Result<HttpResponse, AppError> {
    let scope = chapter_scope(&state, &req, &slug).await?;
    submit(&state, &req, scope, form.into_inner()).await
}

// ---- Unsubscribing -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/unsubscribe.html")]
struct UnsubscribePage {
    ui: Frame,
    chapter_name: String,
    done: bool,
}

/// The page behind the link in an announcement's footer: one button (mail clients that honour
/// RFC 8058 POST here themselves).
pub async fn unsubscribe_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, slug) = path.into_inner();
    let (_, chapter) = db(&state, move |c| {
        announcements::by_unsubscribe_key(c, &key, &slug)
    })
    .await?;
    let ui = Frame::titled(&req, "unsubscribe.title");
    view::render(&UnsubscribePage {
        chapter_name: chapter.name(ui.locale).to_string(),
        done: false,
        ui,
    })
}

pub async fn unsubscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (key, slug) = path.into_inner();
    let chapter = flow(&state, move |c, _| {
        flows::announcements::unsubscribe(c, &key, &slug)
    })
    .await?;
    let ui = Frame::titled(&req, "unsubscribe.title");
    view::render(&UnsubscribePage {
        chapter_name: chapter.name(ui.locale).to_string(),
        done: true,
        ui,
    })
}

// ---- A member's choices --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/announcements.html")]
struct PreferencesPage {
    ui: Frame,
    /// (chapter id, name, receives announcements)
    chapters: Vec<(ChapterId, String, bool)>,
    saved: bool,
}

#[derive(Deserialize)]
pub struct PreferencesQuery {
    saved: Option<String>,
}

pub async fn preferences(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    query: web::Query<PreferencesQuery>,
) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let (mine, out) = db(&state, move |c| {
        Ok((
            crate::domain::chapters::of_member(c, user_id)?,
            announcements::opted_out(c, user_id)?,
        ))
    })
    .await?;
    let ui = Frame::titled(&req, "announce.settings_title");
    let locale = ui.locale;
    view::render(&PreferencesPage {
        chapters: mine
            .into_iter()
            .map(|ch| {
                let on = !out.contains(&ch.id);
                (ch.id, ch.name(locale).to_string(), on)
            })
            .collect(),
        saved: query.saved.is_some(),
        ui,
    })
}

pub async fn save_preferences(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let user_id = me.user.id;
    let mine = db(&state, move |c| {
        crate::domain::chapters::of_member(c, user_id)
    })
    .await?;
    // A ticked box (`chapter_{id}`) keeps announcements coming; an unticked one is absent.
    let choices: Vec<(ChapterId, bool)> = mine
        .iter()
        .map(|ch| {
            let field = format!("chapter_{}", ch.id);
            (ch.id, !form.iter().any(|(k, _)| *k == field))
        })
        .collect();
    let actor = actor(&req);
    flow(&state, move |c, _| {
        flows::announcements::set_preferences(c, &actor, &choices)
    })
    .await?;
    Ok(see_other(format!(
        "{}?saved=1",
        paths::announcement_preferences()
    )))
}
