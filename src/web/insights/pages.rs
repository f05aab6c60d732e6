//! The insights pages: a chapter's, the site's and the public totals.

use super::ChapterData;
use super::figures::{chapter_figures, percent, site_figures, wait};
use super::{Figure, PeriodQuery, SITE_TZ, chapter_data, presets, site_data, today};
use crate::domain::insights::Period;
use crate::domain::insights::site::{self, Totals};
use crate::domain::{FieldErrors, now};
use crate::i18n::Locale;
use crate::web::http::access::ChapterAccess;
use crate::web::http::auth::RequireUser;
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "insights/chapter.html")]
struct ChapterInsightsPage {
    ui: Frame,
    chapter_name: String,
    slug: String,
    from: String,
    to: String,
    errors: FieldErrors,
    presets: Vec<(&'static str, String)>,
    tiles: Vec<(String, String)>,
    joining: Vec<Figure>,
    gatherings: Vec<Figure>,
    organizer: bool,
}

fn tiles(locale: Locale, data: &ChapterData) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(a) = &data.applicants {
        out.push((
            locale.t("insights.applied").to_string(),
            a.funnel.applied.to_string(),
        ));
        out.push((
            locale.t("insights.approval_rate").to_string(),
            percent(a.funnel.approved, a.funnel.approved + a.funnel.rejected),
        ));
        out.push((
            locale.t("insights.median_wait").to_string(),
            a.decision
                .map_or_else(|| "—".into(), |p| wait(locale, p.median)),
        ));
        out.push((
            locale.t("insights.waiting").to_string(),
            a.waiting.to_string(),
        ));
    }
    let g = &data.gatherings;
    let (events, checked, missed) = g.months.iter().fold((0, 0, 0), |(e, c, n), m| {
        (e + m.events, c + m.attended, n + m.no_shows)
    });
    out.push((
        locale.t("insights.events_n").to_string(),
        events.to_string(),
    ));
    out.push((
        locale.t("insights.attendance").to_string(),
        percent(checked, checked + missed),
    ));
    out.push((
        locale.t("insights.talks_given").to_string(),
        g.talks.iter().map(|t| t.zh + t.en).sum::<i64>().to_string(),
    ));
    out
}

/// GET /chapters/{slug}/manage/insights
pub async fn chapter_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_event_editor()?;
    let organizer = access.require_organizer().is_ok();
    let ui = Frame::titled(&req, "insights.title");
    let tz = access.chapter.tz();
    let today = today(tz);
    let mut page = ChapterInsightsPage {
        chapter_name: access.chapter.name(ui.locale).to_string(),
        slug: access.chapter.slug.clone(),
        from: query.from.clone(),
        to: query.to.clone(),
        errors: FieldErrors::default(),
        presets: presets(today),
        tiles: Vec::new(),
        joining: Vec::new(),
        gatherings: Vec::new(),
        organizer,
        ui,
    };
    let period = match Period::parse(&query.from, &query.to, today, tz) {
        Ok(period) => period,
        Err(errors) => {
            page.errors = errors;
            return Ok(crate::web::http::respond::with_status(
                view::render(&page)?,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let data = chapter_data(&state, &access, &period, organizer).await?;
    page.from = period.from.to_string();
    page.to = period.to.to_string();
    page.tiles = tiles(page.ui.locale, &data);
    (page.joining, page.gatherings) = chapter_figures(page.ui.locale, &page.slug, &period, &data);
    view::render(&page)
}

#[derive(Template)]
#[template(path = "insights/site.html")]
struct SiteInsightsPage {
    ui: Frame,
    from: String,
    to: String,
    errors: FieldErrors,
    presets: Vec<(&'static str, String)>,
    figures: Vec<Figure>,
}

/// GET /admin/insights
pub async fn site_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    crate::web::admin::require_site_admin(&me)?;
    let ui = Frame::titled(&req, "insights.site_title");
    let today = today(SITE_TZ);
    let mut page = SiteInsightsPage {
        from: query.from.clone(),
        to: query.to.clone(),
        errors: FieldErrors::default(),
        presets: presets(today),
        figures: Vec::new(),
        ui,
    };
    let period = match Period::parse(&query.from, &query.to, today, SITE_TZ) {
        Ok(period) => period,
        Err(errors) => {
            page.errors = errors;
            return Ok(crate::web::http::respond::with_status(
                view::render(&page)?,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let lines = site_data(&state, &period).await?;
    page.from = period.from.to_string();
    page.to = period.to.to_string();
    page.figures = site_figures(page.ui.locale, &period, &lines);
    view::render(&page)
}

#[derive(Template)]
#[template(path = "insights/stats.html")]
struct StatsPage {
    ui: Frame,
    totals: Totals,
}

/// GET /stats: the community in four numbers.
pub async fn stats(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let at = now();
    let totals = db(&state, move |c| site::totals(c, at)).await?;
    view::render(&StatsPage {
        ui: Frame::titled(&req, "stats.title"),
        totals,
    })
}
