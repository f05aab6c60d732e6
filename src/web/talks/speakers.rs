//! A person's speaker profile (`/account/speaker`): bio in both languages, links, photo, and
//! whether the public speaker page shows.

use crate::domain::FieldErrors;
use crate::domain::images;
use crate::domain::speakers::{self, ProfileInput};
use crate::flows;
use crate::paths;
use crate::web::http::auth::RequireUser;
use crate::web::http::respond::{actor, see_other, with_status};
use crate::web::http::upload;
use crate::web::http::view::{self, Frame};
use crate::web::organizations::checked_picture;
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "talks/speaker_form.html")]
struct ProfilePage {
    ui: Frame,
    form: ProfileInput,
    errors: FieldErrors,
    photo: Option<String>,
    user_id: i64,
    saved: bool,
}

#[derive(serde::Deserialize)]
pub struct ProfileQuery {
    saved: Option<String>,
}

async fn current_photo(
    state: &AppState,
    id: crate::domain::ids::UserId,
) -> Result<(Option<speakers::SpeakerProfile>, Option<String>), AppError> {
    db(state, move |c| {
        let profile = speakers::find(c, id)?;
        let photo = images::path_for(c, profile.as_ref().and_then(|p| p.photo_hash.as_deref()))?;
        Ok((profile, photo))
    })
    .await
}

pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    query: web::Query<ProfileQuery>,
) -> Result<HttpResponse, AppError> {
    let (profile, photo) = current_photo(&state, me.user.id).await?;
    let form = match profile {
        Some(p) => ProfileInput {
            affiliation: p.affiliation,
            bio_zh: p.bio_zh,
            bio_en: p.bio_en,
            links: p.links,
            public: p.public.then(|| "on".to_string()),
        },
        None => ProfileInput {
            affiliation: me.user.organization.clone(),
            ..ProfileInput::default()
        },
    };
    view::render(&ProfilePage {
        ui: Frame::titled(&req, "speaker.form_title"),
        form,
        errors: FieldErrors::default(),
        photo,
        user_id: me.user.id.get(),
        saved: query.saved.is_some(),
    })
}

pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
) -> Result<HttpResponse, AppError> {
    let upload = upload::take(&req)?;
    let form: ProfileInput = upload.form()?;
    let mut errors = FieldErrors::default();
    let photo = checked_picture(&state, &upload, "photo", &mut errors).await?;
    if let Err(e) = speakers::validate(&form) {
        errors.0.extend(e.0);
    }
    if !errors.is_empty() {
        let (_, current) = current_photo(&state, me.user.id).await?;
        let page = ProfilePage {
            ui: Frame::titled(&req, "speaker.form_title"),
            form,
            errors,
            photo: current,
            user_id: me.user.id.get(),
            saved: false,
        };
        return Ok(with_status(
            view::render(&page)?,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let actor = actor(&req);
    flow(&state, move |c, _| {
        flows::organizations::save_speaker_profile(c, &actor, &form, photo.as_ref())
    })
    .await?;
    Ok(see_other(format!("{}?saved=1", paths::speaker_profile())))
}
