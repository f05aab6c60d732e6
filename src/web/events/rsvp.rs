//! RSVPs and the attendee list.

use super::load_event;
use crate::domain::events::{self};
use crate::flows;
use crate::web::http::access::ChapterAccess;
use crate::web::http::respond::actor;
use crate::web::{AppError, AppState, db, flow};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct RsvpForm {
    #[serde(default)]
    going: String,
}

pub async fn rsvp(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<RsvpForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_slug) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    // Anyone signed in: guests who are not members register too (issue 30).
    access.require_signed_in()?;
    let going = match form.going.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::BadRequest),
    };
    let (event, _, _) = load_event(&state, &access, &event_slug).await?;
    let (chapter, actor) = (access.chapter.clone(), actor(&req));
    flow(&state, move |c, site| {
        flows::events::rsvp(c, site, &actor, &chapter, &event, going)
    })
    .await?;
    Ok(super::back_to_event(
        &access.chapter.slug,
        &event_slug,
        "rsvp",
    ))
}

/// The attendee list as CSV, for organizers and the event's creator.
pub async fn attendees_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    // One rule for attendees' contact details: whoever runs the desk (ambassadors and
    // organizers of the chapter) sees them there and here (DESIGN.md section 4).
    let (_access, event) = super::day::staff_event(&state, &req, path.into_inner()).await?;
    let id = event.id;
    let rows = db(&state, move |c| events::attendees(c, id)).await?;
    let mut out = String::from("name,email,organization,status,rsvp_at,checked_in_at,source\n");
    for (name, email, org, status, at, checked_in, source) in rows {
        let checked_in = checked_in
            .map(|t| t.and_utc().to_rfc3339())
            .unwrap_or_default();
        let at = at.and_utc().to_rfc3339();
        out.push_str(&crate::web::http::csv::line([
            name.as_str(),
            &email,
            &org,
            &status,
            &at,
            &checked_in,
            &source,
        ]));
    }
    Ok(crate::web::http::csv::response(
        &format!("{}-attendees.csv", event.slug),
        out,
    ))
}
