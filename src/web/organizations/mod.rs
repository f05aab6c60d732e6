//! The organizations directory: list, page, add and edit (with a logo), merge duplicates.

use crate::domain::FieldErrors;
use crate::domain::access;
use crate::domain::ids::OrganizationId;
use crate::domain::images::{self, CleanImage};
use crate::domain::organizations::{self, Hosting, Organization, OrganizationInput};
use crate::flows;
use crate::paths;
use crate::web::http::auth::RequireUser;
use crate::web::http::respond::{actor, see_other, with_status};
use crate::web::http::upload::{self, FormData};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "organizations/list.html")]
struct ListPage {
    ui: Frame,
    orgs: Vec<(Organization, Option<String>)>,
    q: String,
    page: i64,
    more: bool,
    can_add: bool,
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (q, page) = (query.q.clone(), crate::domain::page(query.page));
    let me = crate::web::http::auth::signed_in(&req).map(|s| s.user);
    let (orgs, more, can_add) = db(&state, move |c| {
        let (orgs, more) = organizations::list(c, &q, page)?;
        let can_add = match &me {
            Some(u) => {
                access::may_add_organization(u, organizations::organizes_a_chapter(c, u.id)?)
            }
            None => false,
        };
        Ok((organizations::with_logos(c, orgs)?, more, can_add))
    })
    .await?;
    view::render(&ListPage {
        ui: Frame::titled(&req, "org.directory"),
        orgs,
        q: query.q.clone(),
        page,
        more,
        can_add,
    })
}

#[derive(Template)]
#[template(path = "organizations/page.html")]
struct OrgPage {
    ui: Frame,
    org: Organization,
    logo: Option<String>,
    hostings: Vec<Hosting>,
    can_edit: bool,
    /// Signed in but not an editor of this entry: a "suggest a change" link.
    signed_in: bool,
    /// A suggestion was just sent.
    suggested: bool,
    merge_targets: Vec<Organization>,
}

#[derive(serde::Deserialize)]
pub struct OrgQuery {
    suggested: Option<String>,
}

impl OrgPage {
    fn title_of(&self, h: &Hosting) -> String {
        if self.ui.locale == crate::i18n::Locale::En && !h.title_en.is_empty() {
            h.title_en.clone()
        } else {
            h.title_zh.clone()
        }
    }
    fn when(&self, h: &Hosting) -> String {
        view::local_date(h.starts_at, chrono_tz::Asia::Shanghai, self.ui.locale)
    }
    fn kind_key(&self, h: &Hosting) -> &'static str {
        match h.kind.as_str() {
            "host" => "host.host",
            "sponsor" => "host.sponsor",
            _ => "host.co_host",
        }
    }
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<OrgQuery>,
) -> Result<HttpResponse, AppError> {
    let id = OrganizationId(id.into_inner());
    let me = crate::web::http::auth::signed_in(&req).map(|s| s.user);
    let is_admin = me.as_ref().is_some_and(|u| u.is_site_admin);
    let (org, logo, hostings, can_edit, merge_targets) = db(&state, move |c| {
        let org = organizations::find(c, id)?;
        let logo = images::path_for(c, org.logo_hash.as_deref())?;
        let can_edit = match &me {
            Some(u) => access::may_edit_organization(u, organizations::stake(c, u.id, org.id)?),
            None => false,
        };
        let targets = if is_admin {
            organizations::list(c, "", 0)?.0
        } else {
            Vec::new()
        };
        Ok((
            org.clone(),
            logo,
            organizations::hostings(c, org.id)?,
            can_edit,
            targets,
        ))
    })
    .await?;
    if let Some(into) = org.merged_into {
        return Ok(HttpResponse::MovedPermanently()
            .insert_header(("Location", paths::organization(into)))
            .finish());
    }
    let name = org.name(crate::web::http::locale::of(&req)).to_string();
    let signed_in = crate::web::http::auth::signed_in(&req).is_some();
    view::render(&OrgPage {
        suggested: query.suggested.is_some(),
        signed_in,
        ui: Frame::new(&req, name).shared_as(
            &state.config.base_url,
            &paths::organization(org.id),
            org.description.as_str(),
            logo.as_deref().unwrap_or(&paths::icon_512()),
        ),
        merge_targets: merge_targets
            .into_iter()
            .filter(|o| o.id != org.id)
            .collect(),
        org,
        logo,
        hostings,
        can_edit,
    })
}

#[derive(Template)]
#[template(path = "organizations/form.html")]
struct FormPage {
    ui: Frame,
    action: String,
    form: OrganizationInput,
    errors: FieldErrors,
    logo: Option<String>,
    /// Someone who may not edit the entry: the form sends a suggestion to the site admins.
    suggest: bool,
}

fn form_page(
    req: &HttpRequest,
    action: String,
    (form, errors): (OrganizationInput, FieldErrors),
    logo: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let page = FormPage {
        ui: Frame::titled(req, "org.form_title"),
        action,
        form,
        errors,
        logo,
        suggest: false,
    };
    Ok(with_status(view::render(&page)?, status))
}

async fn require_editor(
    state: &AppState,
    me: &crate::web::http::auth::SignedIn,
) -> Result<(), AppError> {
    let user = me.user.clone();
    if db(state, move |c| {
        Ok(access::may_add_organization(
            &user,
            organizations::organizes_a_chapter(c, user.id)?,
        ))
    })
    .await?
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn new_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
) -> Result<HttpResponse, AppError> {
    require_editor(&state, &me).await?;
    form_page(
        &req,
        paths::new_organization(),
        (OrganizationInput::default(), FieldErrors::default()),
        None,
        StatusCode::OK,
    )
}

/// Checks the text fields and the picture of an upload form; field errors on failure.
pub async fn checked_picture(
    state: &AppState,
    upload: &FormData,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Result<Option<CleanImage>, AppError> {
    let Some(bytes) = upload.file(field).map(<[u8]>::to_vec) else {
        return Ok(None);
    };
    if bytes.is_empty() {
        // A file field sent without a file: nothing chosen.
        return Ok(None);
    }
    // Decoding is CPU work and memory: off the async workers, a bounded number at once.
    let _turn = state
        .image_decodes
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    match web::block(move || images::clean(&bytes)).await? {
        Ok(image) => Ok(Some(image)),
        Err(key) => {
            errors.add(field, key);
            Ok(None)
        }
    }
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
) -> Result<HttpResponse, AppError> {
    require_editor(&state, &me).await?;
    let upload = upload::take(&req)?;
    let form: OrganizationInput = upload.form()?;
    let mut errors = FieldErrors::default();
    let logo = checked_picture(&state, &upload, "logo", &mut errors).await?;
    let valid = organizations::validate(&form).map_err(|e| {
        errors.0.extend(e.0);
    });
    let (Ok(valid), true) = (valid, errors.is_empty()) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return form_page(
            &req,
            paths::new_organization(),
            (form, errors),
            None,
            status,
        );
    };
    let actor = actor(&req);
    let org = flow(&state, move |c, _| {
        flows::organizations::create(c, &actor, &valid, logo.as_ref())
    })
    .await?;
    Ok(see_other(paths::organization(org.id)))
}

/// Whether this person may edit this entry (else their form is a suggestion).
async fn may_edit_entry(
    state: &AppState,
    me: &crate::web::http::auth::SignedIn,
    id: OrganizationId,
) -> Result<bool, AppError> {
    let user = me.user.clone();
    db(state, move |c| {
        Ok(access::may_edit_organization(
            &user,
            organizations::stake(c, user.id, id)?,
        ))
    })
    .await
}

/// The edit form, for those who may edit the entry; for any other signed-in person the same
/// form sends a suggestion to the site admins.
pub async fn edit_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = OrganizationId(id.into_inner());
    let suggest = !may_edit_entry(&state, &me, id).await?;
    let (org, logo) = db(&state, move |c| {
        let org = organizations::find(c, id)?;
        let logo = images::path_for(c, org.logo_hash.as_deref())?;
        Ok((org, logo))
    })
    .await?;
    if org.merged_into.is_some() {
        return Err(AppError::NotFound);
    }
    let form = OrganizationInput {
        name_zh: org.name_zh,
        name_en: org.name_en,
        website: org.website,
        description: org.description,
    };
    if suggest {
        return suggest_page(&req, id, (form, FieldErrors::default()), StatusCode::OK);
    }
    form_page(
        &req,
        paths::edit_organization(id),
        (form, FieldErrors::default()),
        logo,
        StatusCode::OK,
    )
}

fn suggest_page(
    req: &HttpRequest,
    id: OrganizationId,
    (form, errors): (OrganizationInput, FieldErrors),
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let page = FormPage {
        ui: Frame::titled(req, "org.suggest_title"),
        action: paths::edit_organization(id),
        form,
        errors,
        logo: None,
        suggest: true,
    };
    Ok(with_status(view::render(&page)?, status))
}

pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = OrganizationId(id.into_inner());
    let upload = upload::take(&req)?;
    let form: OrganizationInput = upload.form()?;
    if !may_edit_entry(&state, &me, id).await? {
        let valid = match organizations::validate(&form) {
            Ok(valid) => valid,
            Err(errors) => {
                return suggest_page(&req, id, (form, errors), StatusCode::UNPROCESSABLE_ENTITY);
            }
        };
        let actor = actor(&req);
        flow(&state, move |c, site| {
            flows::organizations::suggest_change(c, site, &actor, id, &valid)
        })
        .await?;
        return Ok(see_other(format!(
            "{}?suggested=1",
            paths::organization(id)
        )));
    }
    let mut errors = FieldErrors::default();
    let logo = checked_picture(&state, &upload, "logo", &mut errors).await?;
    let valid = organizations::validate(&form).map_err(|e| errors.0.extend(e.0));
    let (Ok(valid), true) = (valid, errors.is_empty()) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        let action = paths::edit_organization(id);
        return form_page(&req, action, (form, errors), None, status);
    };
    let actor = actor(&req);
    flow(&state, move |c, _| {
        flows::organizations::edit(c, &actor, id, &valid, logo.as_ref())
    })
    .await?;
    Ok(see_other(paths::organization(id)))
}

#[derive(serde::Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    into: String,
}

/// Site admins fold a duplicate into another organization.
pub async fn merge(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<MergeForm>,
) -> Result<HttpResponse, AppError> {
    // Site admins only: the route says so (`Permission::SiteAdmin`), the guard enforces it.
    let (Ok(from), Ok(into)) = (form.from.parse::<i64>(), form.into.parse::<i64>()) else {
        return Err(AppError::BadRequest);
    };
    let (from, into) = (OrganizationId(from), OrganizationId(into));
    let actor = actor(&req);
    match flow(&state, move |c, _| {
        flows::organizations::merge(c, &actor, from, into)
    })
    .await
    {
        Ok(_) => Ok(see_other(paths::organization(into))),
        Err(AppError::Invalid(_)) => Err(AppError::BadRequest),
        Err(e) => Err(e),
    }
}
