//! The chapter's side of the call for speakers: the review list, a proposal with its reviews,
//! decisions, placing talks in agendas, the rolling call, and the balance report.

use crate::domain::chapters::Chapter;
use crate::domain::events::{self, Event, EventStatus};
use crate::domain::ids::TalkId;
use crate::domain::organizations::{self, BalanceRow};
use crate::domain::talks::reviews::{self, QueueEntry, QueueFilter, Review};
use crate::domain::talks::{self, Speaker, Tags, Talk, TalkStatus};
use crate::domain::{Conflict, FieldErrors};
use crate::flows;
use crate::paths;
use crate::web::http::access::ChapterAccess;
use crate::web::http::respond::{actor, see_other, with_status};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "talks/queue.html")]
struct QueuePage {
    ui: Frame,
    chapter: Chapter,
    chapter_name: String,
    filter: QueueFilter,
    entries: Vec<QueueEntry>,
    tags: Tags,
    can_manage: bool,
}

pub async fn queue(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<QueueFilter>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    let me = access.require_event_editor()?.user.id;
    let filter = query.into_inner();
    let (f, chapter_id) = (filter.clone(), access.chapter.id);
    let (entries, tags) = db(&state, move |c| {
        Ok((reviews::queue(c, chapter_id, me, &f)?, talks::tags(c)?))
    })
    .await?;
    let ui = Frame::titled(&req, "review_talks.title");
    view::render(&QueuePage {
        chapter_name: access.chapter.name(ui.locale).to_string(),
        can_manage: access.can_manage(),
        chapter: access.chapter,
        filter,
        entries,
        tags,
        ui,
    })
}

#[derive(serde::Deserialize)]
pub struct CallForm {
    #[serde(default)]
    open: String,
}

/// Opens or closes the rolling call (organizers).
pub async fn set_call(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: web::Form<CallForm>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    let open = match form.open.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::BadRequest),
    };
    let (actor, chapter) = (actor(&req), access.chapter.clone());
    flow(&state, move |c, _| {
        flows::talks::set_call(c, &actor, &chapter, open)
    })
    .await?;
    Ok(see_other(paths::talk_queue(&access.chapter.slug)))
}

#[derive(Template)]
#[template(path = "talks/review.html")]
struct DetailPage {
    ui: Frame,
    chapter: Chapter,
    chapter_name: String,
    talk: Talk,
    speakers: Vec<Speaker>,
    reviews: Vec<Review>,
    mine: Option<Review>,
    average: String,
    events: Vec<Event>,
    tags: Tags,
    can_decide: bool,
    errors: FieldErrors,
    /// The review form's input, kept on an error.
    rating: String,
    comment: String,
    notice: &'static str,
}

impl DetailPage {
    fn event_label(&self, e: &Event) -> String {
        format!(
            "{} · {}",
            view::local_date(e.starts_at, self.chapter.tz(), self.ui.locale),
            e.title(self.ui.locale)
        )
    }
    fn rating_is(&self, n: &i32) -> bool {
        self.rating == n.to_string()
    }
}

struct Loaded {
    talk: Talk,
    speakers: Vec<Speaker>,
    reviews: Vec<Review>,
    events: Vec<Event>,
    tags: Tags,
}

async fn load(state: &AppState, access: &ChapterAccess, id: i64) -> Result<Loaded, AppError> {
    let chapter_id = access.chapter.id;
    db(state, move |c| {
        let talk = talks::find_in(c, chapter_id, TalkId(id))?;
        Ok(Loaded {
            speakers: talks::speakers(c, talk.id)?,
            reviews: reviews::of_talk(c, talk.id)?,
            events: events::placeable(c, chapter_id)?,
            tags: talks::tags(c)?,
            talk,
        })
    })
    .await
}

fn detail_page(
    req: &HttpRequest,
    access: ChapterAccess,
    loaded: Loaded,
    (errors, rating, comment): (FieldErrors, String, String),
    (notice, status): (&'static str, StatusCode),
) -> Result<HttpResponse, AppError> {
    let me = access.me.as_ref().map(|m| m.user.id);
    let mine = loaded
        .reviews
        .iter()
        .find(|r| Some(r.reviewer_id) == me)
        .cloned();
    let n = loaded.reviews.len();
    let average = if n == 0 {
        "–".to_string()
    } else {
        let sum: i32 = loaded.reviews.iter().map(|r| r.rating).sum();
        format!("{:.1}", f64::from(sum) / n as f64)
    };
    let ui = Frame::new(
        req,
        loaded
            .talk
            .title(crate::web::http::locale::of(req))
            .to_string(),
    );
    let (rating, comment) = match (&mine, rating.is_empty()) {
        (Some(r), true) => (r.rating.to_string(), r.comment.clone()),
        _ => (rating, comment),
    };
    let page = DetailPage {
        chapter_name: access.chapter.name(ui.locale).to_string(),
        can_decide: access.can_manage(),
        chapter: access.chapter,
        talk: loaded.talk,
        speakers: loaded.speakers,
        reviews: loaded.reviews,
        mine,
        average,
        events: loaded.events,
        tags: loaded.tags,
        errors,
        rating,
        comment,
        notice,
        ui,
    };
    Ok(with_status(view::render(&page)?, status))
}

/// The proposal's page again, after a refused action: with field errors or a notice.
async fn again(
    state: &AppState,
    req: &HttpRequest,
    access: ChapterAccess,
    id: i64,
    errors: FieldErrors,
    (notice, status): (&'static str, StatusCode),
) -> Result<HttpResponse, AppError> {
    let loaded = load(state, &access, id).await?;
    let nothing = (errors, String::new(), String::new());
    detail_page(req, access, loaded, nothing, (notice, status))
}

#[derive(serde::Deserialize)]
pub struct DetailQuery {
    done: Option<String>,
}

pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_event_editor()?;
    let loaded = load(&state, &access, id).await?;
    let notice = match query.done.as_deref() {
        Some("reviewed") => "reviewed",
        Some("decided") => "decided",
        Some("placed") => "placed",
        _ => "",
    };
    detail_page(
        &req,
        access,
        loaded,
        (FieldErrors::default(), String::new(), String::new()),
        (notice, StatusCode::OK),
    )
}

#[derive(serde::Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

pub async fn review(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    form: web::Form<ReviewForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_event_editor()?;
    let form = form.into_inner();
    let (rating, comment) = match reviews::validate(&form.rating, &form.comment) {
        Ok(v) => v,
        Err(errors) => {
            let loaded = load(&state, &access, id).await?;
            return detail_page(
                &req,
                access,
                loaded,
                (errors, form.rating, form.comment),
                ("", StatusCode::UNPROCESSABLE_ENTITY),
            );
        }
    };
    let (actor, chapter) = (actor(&req), access.chapter.clone());
    flow(&state, move |c, _| {
        flows::talks::review(c, &actor, &chapter, TalkId(id), (rating, &comment))
    })
    .await?;
    Ok(see_other(format!(
        "{}?done=reviewed",
        paths::talk_detail(&access.chapter.slug, id)
    )))
}

#[derive(serde::Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    message: String,
}

pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    let decision = match form.decision.as_str() {
        "accept" => TalkStatus::Accepted,
        "decline" => TalkStatus::Declined,
        "waitlist" => TalkStatus::Waitlisted,
        _ => return Err(AppError::BadRequest),
    };
    let mut errors = FieldErrors::default();
    if let Err(key) = crate::domain::text::check_text(&form.message, 2000, false) {
        errors.add("message", key);
    }
    if !errors.is_empty() {
        let invalid = ("", StatusCode::UNPROCESSABLE_ENTITY);
        return again(&state, &req, access, id, errors, invalid).await;
    }
    let (actor, chapter, message) = (actor(&req), access.chapter.clone(), form.message.clone());
    match flow(&state, move |c, site| {
        flows::talks::decide(
            c,
            site,
            &actor,
            &chapter,
            TalkId(id),
            (decision, message.trim()),
        )
    })
    .await
    {
        Ok(()) => Ok(see_other(format!(
            "{}?done=decided",
            paths::talk_detail(&access.chapter.slug, id)
        ))),
        Err(AppError::Conflict(Conflict::AlreadyDecided)) => {
            let notice = ("already_decided", StatusCode::CONFLICT);
            again(&state, &req, access, id, FieldErrors::default(), notice).await
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    event: String,
    #[serde(default)]
    time_label: String,
}

/// Places an accepted talk in one of this chapter's events (event editors).
pub async fn place(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    form: web::Form<PlaceForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_event_editor()?;
    let (chapter_id, event_slug) = (access.chapter.id, form.event.clone());
    // An event of another chapter is not found here: the talk cannot be placed there.
    let event = db(&state, move |c| {
        events::find_any(c, chapter_id, &event_slug)
    })
    .await;
    let event = match event {
        Ok(e) if e.status != EventStatus::Cancelled => e,
        _ => {
            let mut errors = FieldErrors::default();
            errors.add("event", "error.invalid_choice");
            let invalid = ("", StatusCode::UNPROCESSABLE_ENTITY);
            return again(&state, &req, access, id, errors, invalid).await;
        }
    };
    let (actor, chapter, label) = (actor(&req), access.chapter.clone(), form.time_label.clone());
    match flow(&state, move |c, site| {
        flows::talks::place(c, site, &actor, &chapter, TalkId(id), &event, &label)
    })
    .await
    {
        Ok(()) => Ok(see_other(format!(
            "{}?done=placed",
            paths::talk_detail(&access.chapter.slug, id)
        ))),
        Err(AppError::Conflict(Conflict::NotAccepted)) => {
            let notice = ("not_accepted", StatusCode::CONFLICT);
            again(&state, &req, access, id, FieldErrors::default(), notice).await
        }
        Err(AppError::Invalid(errors)) => {
            let invalid = ("", StatusCode::UNPROCESSABLE_ENTITY);
            again(&state, &req, access, id, errors, invalid).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "talks/balance.html")]
struct BalancePage {
    ui: Frame,
    chapter: Chapter,
    chapter_name: String,
    rows: Vec<BalanceRow>,
    chart: crate::web::insights::charts::BarChart,
}

/// Talks, hosting and sponsorships per organization over the last 12 months (organizers).
pub async fn balance(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    let ui = Frame::titled(&req, "balance.title");
    let (chapter_id, locale) = (access.chapter.id, ui.locale);
    let since = crate::domain::now() - chrono::TimeDelta::days(365);
    let rows = db(&state, move |c| {
        organizations::balance(c, chapter_id, since, locale)
    })
    .await?;
    let chart = crate::web::insights::charts::BarChart::stacked(
        rows.iter()
            .take(15)
            .map(|r| (r.name.clone(), [r.talks, r.hosted, r.sponsored]))
            .collect(),
        [
            ui.t("balance.talks").to_string(),
            ui.t("balance.hosted").to_string(),
            ui.t("balance.sponsored").to_string(),
        ],
    );
    view::render(&BalancePage {
        chapter_name: access.chapter.name(ui.locale).to_string(),
        chapter: access.chapter,
        rows,
        chart,
        ui,
    })
}
