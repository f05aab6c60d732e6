//! "Contact the organizers": a form on its own page (it works signed out), relayed by email.

use crate::domain::chapters::Chapter;
use crate::domain::{Conflict, FieldErrors, contact};
use crate::flows;
use crate::paths;
use crate::web::http::access::ChapterAccess;
use crate::web::http::respond::{actor, client_ip, see_other, with_status};
use crate::web::http::throttle::{self, Bucket};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    message: String,
    /// The honeypot: people never see it, bots fill it in.
    #[serde(default)]
    website: String,
}

#[derive(Template)]
#[template(path = "chapters/contact.html")]
struct ContactPage {
    ui: Frame,
    chapter: Chapter,
    chapter_name: String,
    form: ContactForm,
    errors: FieldErrors,
    /// "sent" or "limit".
    notice: &'static str,
}

fn page(
    req: &HttpRequest,
    chapter: Chapter,
    form: ContactForm,
    errors: FieldErrors,
    (notice, status): (&'static str, StatusCode),
) -> Result<HttpResponse, AppError> {
    let ui = Frame::titled(req, "contact.title");
    let page = ContactPage {
        chapter_name: chapter.name(ui.locale).to_string(),
        chapter,
        form,
        errors,
        notice,
        ui,
    };
    Ok(with_status(view::render(&page)?, status))
}

#[derive(Deserialize)]
pub struct ContactQuery {
    sent: Option<String>,
}

pub async fn contact_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ContactQuery>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let form = match &access.me {
        Some(me) => ContactForm {
            name: me.user.display_name.clone(),
            email: me.user.email.clone(),
            ..ContactForm::default()
        },
        None => ContactForm::default(),
    };
    let notice = if query.sent.is_some() { "sent" } else { "" };
    page(
        &req,
        access.chapter,
        form,
        FieldErrors::default(),
        (notice, StatusCode::OK),
    )
}

pub async fn send(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: web::Form<ContactForm>,
) -> Result<HttpResponse, AppError> {
    throttle::check(&state, Bucket::Contact, client_ip(&req)).await?;
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let form = form.into_inner();
    if crate::web::http::auth::form_expired(&req) {
        let status = StatusCode::FORBIDDEN;
        let errors = FieldErrors::default();
        return page(&req, access.chapter, form, errors, ("form.expired", status));
    }
    let done = see_other(format!("{}?sent=1", paths::contact(&access.chapter.slug)));
    if !form.website.is_empty() {
        // A bot: answer like a success, send nothing.
        tracing::info!("contact honeypot triggered");
        return Ok(done);
    }
    let valid = match contact::validate(&form.name, &form.email, &form.message) {
        Ok(valid) => valid,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&req, access.chapter, form, errors, ("", status));
        }
    };
    let (actor, chapter) = (actor(&req), access.chapter.clone());
    match flow(&state, move |c, site| {
        flows::contact::send(c, site, &actor, &chapter, &valid)
    })
    .await
    {
        Ok(flows::contact::Relayed::Sent) => Ok(done),
        Ok(flows::contact::Relayed::ChapterFull) => page(
            &req,
            access.chapter,
            form,
            FieldErrors::default(),
            ("chapter_full", StatusCode::TOO_MANY_REQUESTS),
        ),
        Err(AppError::Conflict(Conflict::ContactLimit)) => page(
            &req,
            access.chapter,
            form,
            FieldErrors::default(),
            ("limit", StatusCode::TOO_MANY_REQUESTS),
        ),
        Err(e) => Err(e),
    }
}
