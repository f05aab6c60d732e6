//! Prospective members: the apply form (and its QR code), email confirmation, and the status page
//! where an applicant follows or withdraws their application.

use crate::domain::FieldErrors;
use crate::domain::applications::{self, Application, ApplyInput};
use crate::domain::chapters::{self, Chapter};
use crate::domain::one_time_tokens::Purpose;
use crate::flows::{self, applications::Applied};
use crate::i18n::Locale;
use crate::paths;
use crate::qr;
use crate::web::http::access::ChapterAccess;
use crate::web::http::respond::{
    actor, client_ip, see_inbox_page, see_other, sent_to, with_status,
};
use crate::web::http::throttle::{self, Bucket};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

fn apply_url(state: &AppState, slug: &str) -> String {
    format!("{}{}", state.config.base_url, paths::apply(slug))
}

pub async fn qr_svg(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let s = slug.clone();
    db(&state, move |c| chapters::find_by_slug(c, &s)).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(qr::svg(&apply_url(&state, &slug))?))
}

pub async fn qr_png(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let s = slug.clone();
    db(&state, move |c| chapters::find_by_slug(c, &s)).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"ogug-{slug}-apply.png\""),
        ))
        .body(qr::png(&apply_url(&state, &slug), 12)?))
}

/// The form as typed, to re-render it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub job_title: String,
    #[serde(default)]
    pub desired_role: String,
    #[serde(default)]
    pub motivation: String,
    #[serde(default)]
    pub opengauss_usage: String,
    pub consent: Option<String>,
    /// Honeypot: people never see it, bots fill it in.
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub answer_0: String,
    #[serde(default)]
    pub answer_1: String,
    #[serde(default)]
    pub answer_2: String,
    #[serde(default)]
    pub answer_3: String,
    #[serde(default)]
    pub answer_4: String,
}

impl ApplyForm {
    fn answers(&self) -> Vec<String> {
        vec![
            self.answer_0.clone(),
            self.answer_1.clone(),
            self.answer_2.clone(),
            self.answer_3.clone(),
            self.answer_4.clone(),
        ]
    }
}

pub struct Question {
    pub field: String,
    pub text: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "applications/form.html")]
struct ApplyPage {
    ui: Frame,
    chapter: Chapter,
    name: String,
    form: ApplyForm,
    questions: Vec<Question>,
    errors: FieldErrors,
    signed_in_email: Option<String>,
    already_member: bool,
    /// Sent back filled in: the page was open too long (its token expired).
    expired: bool,
}

fn apply_page(
    req: &HttpRequest,
    access: ChapterAccess,
    form: ApplyForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    apply_page_with(req, access, form, errors, false)
}

fn apply_page_with(
    req: &HttpRequest,
    access: ChapterAccess,
    form: ApplyForm,
    errors: FieldErrors,
    expired: bool,
) -> Result<HttpResponse, AppError> {
    let ui = Frame::new(req, "");
    let locale = ui.locale;
    let answers = form.answers();
    let questions = applications::questions(&access.chapter)
        .into_iter()
        .take(5)
        .enumerate()
        .map(|(i, text)| Question {
            field: format!("answer_{i}"),
            text,
            value: answers.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    let name = access.chapter.name(locale).to_string();
    let title = ui.locale.tf1("apply.title", "chapter", &name);
    view::render(&ApplyPage {
        ui: Frame { title, ..ui },
        already_member: access.role.is_some(),
        signed_in_email: access.me.as_ref().map(|m| m.user.email.clone()),
        chapter: access.chapter,
        name,
        form,
        questions,
        errors,
        expired,
    })
}

pub async fn apply_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let form = match &access.me {
        Some(me) => ApplyForm {
            name: me.user.display_name.clone(),
            email: me.user.email.clone(),
            organization: me.user.organization.clone(),
            job_title: me.user.job_title.clone(),
            desired_role: "member".into(),
            ..ApplyForm::default()
        },
        None => ApplyForm {
            desired_role: "member".into(),
            ..ApplyForm::default()
        },
    };
    apply_page(&req, access, form, FieldErrors::default())
}

#[derive(Template)]
#[template(path = "applications/outcome.html")]
struct OutcomePage {
    ui: Frame,
    chapter_name: String,
    chapter_href: String,
    /// Catalog keys of the heading and the explanation.
    title_key: &'static str,
    body_key: &'static str,
}

fn outcome(
    req: &HttpRequest,
    chapter: &Chapter,
    title_key: &'static str,
    body_key: &'static str,
) -> Result<HttpResponse, AppError> {
    let ui = Frame::titled(req, title_key);
    view::render(&OutcomePage {
        chapter_name: chapter.name(ui.locale).to_string(),
        chapter_href: paths::chapter(&chapter.slug),
        ui,
        title_key,
        body_key,
    })
}

/// The cookie that carries the address just written to, to the "check your inbox" page only.
const SENT_TO: &str = "ogug_sent_to";

/// After the form: see other (a refresh does not send it again), remembering the address for
/// the page that names it.
fn check_inbox(chapter: &Chapter, email: &str, state: &AppState) -> HttpResponse {
    let path = paths::apply_sent(&chapter.slug);
    see_inbox_page(path, SENT_TO, email, state.config.is_https())
}

#[derive(Template)]
#[template(path = "applications/sent.html")]
struct SentPage {
    ui: Frame,
    chapter_name: String,
    chapter_href: String,
    apply_href: String,
    /// The address the form was sent with, when this browser sent it.
    sent_to: Option<String>,
    resent: bool,
    resend_action: String,
}

/// GET /chapters/{slug}/apply/sent: "check your inbox", naming the address.
pub async fn sent(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<SentQuery>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let ui = Frame::titled(&req, "apply.check_inbox_title");
    view::render(&SentPage {
        resent: query.resent.is_some(),
        resend_action: paths::apply_sent(&access.chapter.slug),
        chapter_name: access.chapter.name(ui.locale).to_string(),
        chapter_href: paths::chapter(&access.chapter.slug),
        apply_href: paths::apply(&access.chapter.slug),
        sent_to: sent_to(&req, SENT_TO),
        ui,
    })
}

#[derive(Deserialize)]
pub struct SentQuery {
    resent: Option<String>,
}

/// POST /chapters/{slug}/apply/sent: sends the email again to the address this browser used
/// (rate-limited like the form; the same answer whatever there was to send).
pub async fn resend(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    throttle::check(&state, Bucket::Apply, client_ip(&req)).await?;
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let address =
        sent_to(&req, SENT_TO).and_then(|v| crate::domain::users::EmailAddress::parse(&v).ok());
    if let Some(email) = address {
        let chapter = access.chapter.clone();
        flow(&state, move |c, site| {
            flows::applications::resend(c, site, &chapter, &email)
        })
        .await?;
    }
    Ok(see_other(format!(
        "{}?resent=1",
        paths::apply_sent(&access.chapter.slug)
    )))
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: web::Form<ApplyForm>,
) -> Result<HttpResponse, AppError> {
    throttle::check(&state, Bucket::Apply, client_ip(&req)).await?;
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let mut form = form.into_inner();
    if crate::web::http::auth::form_expired(&req) {
        let page = apply_page_with(&req, access, form, FieldErrors::default(), true)?;
        return Ok(with_status(page, actix_web::http::StatusCode::FORBIDDEN));
    }
    if !access.chapter.is_active() {
        return outcome(
            &req,
            &access.chapter,
            "apply.closed_title",
            "apply.closed_body",
        );
    }
    if !form.website.is_empty() {
        // A bot: answer like a success, store nothing.
        tracing::info!("application honeypot triggered");
        return Ok(check_inbox(&access.chapter, &form.email, &state));
    }
    if let Some(me) = &access.me {
        // A signed-in person applies as themselves.
        form.email = me.user.email.clone();
    }
    let input = ApplyInput {
        name: form.name.clone(),
        email: form.email.clone(),
        organization: form.organization.clone(),
        job_title: form.job_title.clone(),
        desired_role: form.desired_role.clone(),
        motivation: form.motivation.clone(),
        opengauss_usage: form.opengauss_usage.clone(),
        consent: form.consent.is_some(),
        answers: form.answers(),
    };
    let valid = match applications::validate(&input, &applications::questions(&access.chapter)) {
        Ok(v) => v,
        Err(errors) => return apply_page(&req, access, form, errors),
    };
    let locale = crate::web::http::locale::of(&req);
    let (chapter, actor) = (access.chapter.clone(), actor(&req));
    let applied = flow(&state, move |c, site| {
        flows::applications::apply(c, site, &actor, &chapter, &valid, locale)
    })
    .await?;
    match applied {
        // Anonymous: the same page whatever happened (no enumeration); the email tells the rest.
        Applied::CheckInbox => Ok(check_inbox(&access.chapter, &form.email, &state)),
        Applied::AlreadyMember => outcome(
            &req,
            &access.chapter,
            "apply.already_member_title",
            "apply.already_member_body",
        ),
        Applied::Status(token) => Ok(see_other(paths::application_status(&token))),
    }
}

#[derive(Template)]
#[template(path = "applications/confirm.html")]
struct ConfirmPage {
    ui: Frame,
    application: Application,
    chapter_name: String,
    action: String,
}

async fn application_chapter(
    state: &AppState,
    application: &Application,
) -> Result<Chapter, AppError> {
    let id = application.chapter_id;
    db(state, move |c| chapters::find(c, id)).await
}

fn link_invalid(req: &HttpRequest) -> Result<HttpResponse, AppError> {
    crate::web::account::link_invalid(req)
}

pub async fn confirm_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let application = match db(&state, move |c| {
        applications::by_token(c, &t, Purpose::ConfirmApplication)
    })
    .await
    {
        Ok(a) => a,
        Err(AppError::NotFound) => return link_invalid(&req),
        Err(e) => return Err(e),
    };
    let chapter = application_chapter(&state, &application).await?;
    let ui = Frame::titled(&req, "confirm.title");
    view::render(&ConfirmPage {
        chapter_name: chapter.name(ui.locale).to_string(),
        ui,
        application,
        action: paths::application_confirm(&token),
    })
}

pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (token, actor) = (token.into_inner(), actor(&req));
    let result = flow(&state, move |c, _| {
        flows::applications::confirm(c, &actor, &token)
    })
    .await;
    match result {
        Ok(status_token) => Ok(see_other(format!(
            "{}?confirmed=1",
            paths::application_status(&status_token)
        ))),
        Err(AppError::NotFound) => link_invalid(&req),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "applications/status.html")]
struct StatusPage {
    ui: Frame,
    application: Application,
    chapter_name: String,
    chapter_href: String,
    role_key: &'static str,
    status_key: String,
    reason_key: String,
    action: String,
    notice: Option<&'static str>,
    /// Asking "withdraw?" before doing it.
    asking: bool,
    /// Where to apply again, once the application is closed.
    apply_href: String,
}

#[derive(Deserialize)]
pub struct StatusQuery {
    confirmed: Option<String>,
    withdrawn: Option<String>,
}

async fn status_page(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    notice: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    status_page_asking(state, req, token, notice, false).await
}

async fn status_page_asking(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    notice: Option<&'static str>,
    asking: bool,
) -> Result<HttpResponse, AppError> {
    let t = token.to_string();
    let application = match db(state, move |c| {
        applications::by_token(c, &t, Purpose::ApplicationStatus)
    })
    .await
    {
        Ok(a) => a,
        Err(AppError::NotFound) => return link_invalid(req),
        Err(e) => return Err(e),
    };
    let chapter = application_chapter(state, &application).await?;
    let ui = Frame::titled(req, "status.title");
    let locale: Locale = ui.locale;
    view::render(&StatusPage {
        chapter_name: chapter.name(locale).to_string(),
        chapter_href: paths::chapter(&chapter.slug),
        role_key: application.desired_role().label_key(),
        status_key: application.status.label_key(),
        reason_key: application.reason_key(),
        action: paths::application_status(token),
        notice,
        asking: asking && application.is_open(),
        apply_href: paths::apply(&chapter.slug),
        ui,
        application,
    })
}

pub async fn status(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, AppError> {
    let notice = if query.confirmed.is_some() {
        Some("status.notice_confirmed")
    } else if query.withdrawn.is_some() {
        Some("status.notice_withdrawn")
    } else {
        None
    };
    status_page(&state, &req, &token, notice).await
}

#[derive(Deserialize)]
pub struct StatusAction {
    #[serde(default)]
    action: String,
    /// "1" once the person said yes on the confirmation.
    #[serde(default)]
    confirm: String,
}

pub async fn status_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<StatusAction>,
) -> Result<HttpResponse, AppError> {
    if form.action != "withdraw" {
        return Err(AppError::BadRequest);
    }
    if form.confirm != "1" {
        // Withdrawing cannot be undone: ask first, change nothing.
        return status_page_asking(&state, &req, &token, None, true).await;
    }
    let (token, actor) = (token.into_inner(), actor(&req));
    let t = token.clone();
    let result = flow(&state, move |c, _| {
        flows::applications::withdraw(c, &actor, &t)
    })
    .await;
    match result {
        Ok(()) => Ok(see_other(format!(
            "{}?withdrawn=1",
            paths::application_status(&token)
        ))),
        Err(AppError::Conflict(_)) => {
            status_page(&state, &req, &token, Some("status.notice_not_open")).await
        }
        Err(e) => Err(e),
    }
}
