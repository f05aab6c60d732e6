//! Publishing and cancelling (announced by email) and deleting drafts.

use super::editable_event;
use crate::domain::Conflict;
use crate::domain::events::{self, EventStatus};
use crate::flows;
use crate::paths;
use crate::web::http::confirm::Confirm;
use crate::web::http::respond::{actor, see_other};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PublishForm {
    /// "1" once the person saw how many will be emailed and said yes.
    #[serde(default)]
    confirm: String,
}

#[derive(Template)]
#[template(path = "events/publish.html")]
struct PublishPage {
    ui: Frame,
    title: String,
    event_href: String,
    action: String,
    /// Members who will get the "new event" email.
    recipients: String,
}

/// POST …/publish: first the question (publishing emails the chapter's members, which cannot
/// be taken back), then, with `confirm=1`, publishing.
pub async fn publish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<PublishForm>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    if event.status != EventStatus::Draft {
        return Err(AppError::Conflict(Conflict::NotDraft));
    }
    if form.confirm != "1" {
        let chapter_id = access.chapter.id;
        let n = db(&state, move |c| {
            Ok(events::announcement_recipients(c, chapter_id)?.len())
        })
        .await?;
        let ui = Frame::titled(&req, "event.publish_ask");
        return view::render(&PublishPage {
            title: event.title(ui.locale).to_string(),
            event_href: paths::event(&access.chapter.slug, &event.slug),
            action: paths::publish_event(&access.chapter.slug, &event.slug),
            recipients: ui
                .locale
                .tf1("event.publish_recipients", "n", &n.to_string()),
            ui,
        });
    }
    let (chapter, e, actor) = (access.chapter.clone(), event.clone(), actor(&req));
    flow(&state, move |c, site| {
        flows::events::publish(c, site, &actor, &chapter, &e)
    })
    .await?;
    Ok(super::back_to_event(
        &access.chapter.slug,
        &event.slug,
        "published",
    ))
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    message: String,
    /// "1" once the organizer saw whom cancelling tells and said yes.
    #[serde(default)]
    confirm: String,
}

pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let (chapter, e, actor) = (access.chapter.clone(), event.clone(), actor(&req));
    let mut errors = crate::domain::FieldErrors::default();
    let message = crate::domain::text::text(&mut errors, "message", &form.message, 2000, false);
    errors.into_result()?;
    if event.status != EventStatus::Published {
        return Err(AppError::Conflict(Conflict::NotPublished));
    }
    if !Confirm::said_yes(&form.confirm) {
        let (chapter_id, event_id) = (access.chapter.id, event.id);
        let (emailed, counts) = db(&state, move |c| {
            Ok((
                events::announcement_recipients(c, chapter_id)?.len(),
                events::desk_counts(c, event_id)?,
            ))
        })
        .await?;
        let ui = Frame::new(&req, "");
        let mut lines = vec![
            ui.tf1("event.cancel_ask_emailed", "n", &emailed.to_string()),
            ui.tf1(
                "event.cancel_ask_seats",
                "n",
                &(counts.going + counts.waitlisted).to_string(),
            ),
        ];
        if !message.is_empty() {
            lines.push(ui.tf1("event.cancel_ask_message", "message", &message));
        }
        lines.push(ui.t("event.cancel_ask_final").to_string());
        let title = event.title(ui.locale).to_string();
        return view::render(&Confirm {
            lines,
            items: Vec::new(),
            action: paths::cancel_event(&access.chapter.slug, &event.slug),
            fields: vec![("message".into(), message)],
            yes: ui.t("event.cancel_yes").to_string(),
            danger: true,
            back_href: paths::event(&access.chapter.slug, &event.slug),
            back: ui.t("confirm.back").to_string(),
            ui: Frame {
                title: ui.tf1("event.cancel_ask", "title", &title),
                ..ui
            },
        });
    }
    flow(&state, move |c, site| {
        flows::events::cancel(c, site, &actor, &chapter, &e, &message)
    })
    .await?;
    Ok(super::back_to_event(
        &access.chapter.slug,
        &event.slug,
        "cancelled",
    ))
}

pub async fn delete_draft(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (access, event) = editable_event(&state, &req, path.into_inner()).await?;
    let (e, actor) = (event.clone(), actor(&req));
    flow(&state, move |c, _| {
        flows::events::delete_draft(c, &actor, &e)
    })
    .await?;
    Ok(see_other(paths::chapter_events(&access.chapter.slug)))
}
