//! Steering chapters: site admins create, edit and archive them and appoint first organizers;
//! organizers edit their chapter's profile and apply questions.

use crate::domain::chapters::{Chapter, ChapterInput};
use crate::domain::users::{self, EmailAddress};
use crate::domain::{Conflict, FieldErrors};
use crate::flows;
use crate::paths;
use crate::web::admin::require_site_admin;
use crate::web::http::access::ChapterAccess;
use crate::web::http::auth::RequireUser;
use crate::web::http::respond::{actor, see_other};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, flow};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct ChapterForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    founded_on: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    apply_questions: String,
}

impl ChapterForm {
    fn from_chapter(c: &Chapter) -> ChapterForm {
        ChapterForm {
            slug: c.slug.clone(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
            city: c.city.clone(),
            time_zone: c.time_zone.clone(),
            founded_on: c.founded_on.map(|d| d.to_string()).unwrap_or_default(),
            contact_email: c.contact_email.clone().unwrap_or_default(),
            description: c.description.clone(),
            description_en: c.description_en.clone(),
            apply_questions: c.apply_questions.clone(),
        }
    }

    /// Parses the fields that are not plain text; their errors join the domain's.
    fn to_input(&self, errors: &mut FieldErrors) -> ChapterInput {
        let founded_on = match self.founded_on.trim() {
            "" => None,
            s => match crate::domain::dates::date(s) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.add("founded_on", e.key());
                    None
                }
            },
        };
        let contact_email = match self.contact_email.trim() {
            "" => None,
            s => match EmailAddress::parse(s) {
                Ok(e) => Some(e.as_str().to_string()),
                Err(key) => {
                    errors.add("contact_email", key);
                    None
                }
            },
        };
        ChapterInput {
            slug: self.slug.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            city: self.city.clone(),
            time_zone: if self.time_zone.trim().is_empty() {
                "Asia/Shanghai".into()
            } else {
                self.time_zone.clone()
            },
            description: self.description.clone(),
            description_en: self.description_en.clone(),
            founded_on,
            contact_email,
        }
    }
}

#[derive(Template)]
#[template(path = "chapters/form.html")]
struct ChapterFormPage {
    ui: Frame,
    creating: bool,
    action: String,
    form: ChapterForm,
    errors: FieldErrors,
    saved: bool,
}

fn form_page(
    req: &HttpRequest,
    creating: bool,
    action: String,
    form: ChapterForm,
    errors: FieldErrors,
    saved: bool,
) -> Result<HttpResponse, AppError> {
    view::render(&ChapterFormPage {
        ui: Frame::titled(
            req,
            if creating {
                "chapter_form.new_title"
            } else {
                "chapter_form.edit_title"
            },
        ),
        creating,
        action,
        form,
        errors,
        saved,
    })
}

pub async fn new_chapter(req: HttpRequest, me: RequireUser) -> Result<HttpResponse, AppError> {
    require_site_admin(&me)?;
    let form = ChapterForm {
        time_zone: "Asia/Shanghai".into(),
        ..ChapterForm::default()
    };
    form_page(
        &req,
        true,
        paths::admin_chapters(),
        form,
        FieldErrors::default(),
        false,
    )
}

pub async fn create_chapter(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    form: web::Form<ChapterForm>,
) -> Result<HttpResponse, AppError> {
    require_site_admin(&me)?;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let input = form.to_input(&mut errors);
    if !errors.is_empty() {
        return form_page(&req, true, paths::admin_chapters(), form, errors, false);
    }
    let (questions, actor) = (form.apply_questions.clone(), actor(&req));
    let result: Result<Chapter, AppError> = flow(&state, move |c, _| {
        flows::chapters::create(c, &actor, &input, &questions)
    })
    .await;
    match result {
        Ok(chapter) => Ok(see_other(format!(
            "{}?saved=1",
            paths::admin_edit_chapter(&chapter.slug)
        ))),
        Err(AppError::Invalid(errors)) => {
            form_page(&req, true, paths::admin_chapters(), form, errors, false)
        }
        Err(AppError::Conflict(Conflict::SlugTaken)) => {
            let mut errors = FieldErrors::default();
            errors.add("slug", "error.slug_taken");
            form_page(&req, true, paths::admin_chapters(), form, errors, false)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn edit_form(
    state: &AppState,
    req: &HttpRequest,
    slug: &str,
    admin: bool,
    saved: bool,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(state, req, slug).await?;
    access.require_organizer()?;
    let action = edit_action(&access.chapter.slug, admin);
    form_page(
        req,
        false,
        action,
        ChapterForm::from_chapter(&access.chapter),
        FieldErrors::default(),
        saved,
    )
}

fn edit_action(slug: &str, admin: bool) -> String {
    if admin {
        paths::admin_edit_chapter(slug)
    } else {
        paths::chapter_profile(slug)
    }
}

async fn save(
    state: &AppState,
    req: &HttpRequest,
    slug: &str,
    form: ChapterForm,
    admin: bool,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(state, req, slug).await?;
    access.require_organizer()?;
    let mut errors = FieldErrors::default();
    let input = form.to_input(&mut errors);
    let action = edit_action(&access.chapter.slug, admin);
    if !errors.is_empty() {
        return form_page(req, false, action, form, errors, false);
    }
    let (chapter_id, actor) = (access.chapter.id, actor(req));
    let questions = form.apply_questions.clone();
    let result = flow(state, move |c, _| {
        flows::chapters::edit(c, &actor, chapter_id, &input, &questions)
    })
    .await;
    match result {
        Ok(()) => Ok(see_other(format!("{action}?saved=1"))),
        Err(AppError::Invalid(errors)) => form_page(req, false, action, form, errors, false),
        Err(e) => Err(e),
    }
}

pub async fn profile_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    edit_form(&state, &req, &slug, false, query.saved.is_some()).await
}

pub async fn save_profile(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: web::Form<ChapterForm>,
) -> Result<HttpResponse, AppError> {
    save(&state, &req, &slug, form.into_inner(), false).await
}

pub async fn admin_edit_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    slug: web::Path<String>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    require_site_admin(&me)?;
    edit_form(&state, &req, &slug, true, query.saved.is_some()).await
}

pub async fn admin_save(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    slug: web::Path<String>,
    form: web::Form<ChapterForm>,
) -> Result<HttpResponse, AppError> {
    require_site_admin(&me)?;
    save(&state, &req, &slug, form.into_inner(), true).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn set_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    slug: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    require_site_admin(&me)?;
    let active = match form.status.as_str() {
        "active" => true,
        "archived" => false,
        _ => return Err(AppError::BadRequest),
    };
    let (slug, actor) = (slug.into_inner(), actor(&req));
    flow(&state, move |c, _| {
        flows::chapters::set_active(c, &actor, &slug, active)
    })
    .await?;
    Ok(see_other(format!("{}?done=status", paths::admin())))
}

#[derive(Deserialize)]
pub struct AppointForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

pub async fn appoint_organizer(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    slug: web::Path<String>,
    form: web::Form<AppointForm>,
) -> Result<HttpResponse, AppError> {
    require_site_admin(&me)?;
    let Ok(email) = EmailAddress::parse(&form.email) else {
        return Ok(see_other(format!("{}?error=email", paths::admin())));
    };
    let name = users::parse_display_name(if form.name.trim().is_empty() {
        email.as_str()
    } else {
        &form.name
    })
    .map_err(|_| AppError::BadRequest)?;
    let (slug, actor) = (slug.into_inner(), actor(&req));
    flow(&state, move |c, site| {
        flows::members::appoint_organizer(c, site, &actor, &slug, &email, &name)
    })
    .await?;
    Ok(see_other(format!("{}?done=appointed", paths::admin())))
}
