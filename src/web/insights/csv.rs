//! Each figure's data as CSV, for the period asked.

use super::figures::{chapter_figures, site_figures};
use super::{DataTable, Figure, PeriodQuery, SITE_TZ, chapter_data, site_data, today};
use crate::domain::FieldErrors;
use crate::domain::insights::Period;
use crate::i18n::Locale;
use crate::web::http::access::ChapterAccess;
use crate::web::http::auth::RequireUser;
use crate::web::{AppError, AppState};
use actix_web::{HttpRequest, HttpResponse, web};

/// One figure's data as CSV: cells quoted, spreadsheet formulas neutralised.
pub fn csv_response(filename: &str, table: &DataTable) -> HttpResponse {
    let mut out = crate::web::http::csv::line(table.csv_head.iter().copied());
    for row in &table.rows {
        out.push_str(&crate::web::http::csv::line(row.iter().map(String::as_str)));
    }
    crate::web::http::csv::response(filename, out)
}

/// A CSV asked for with a bad period: 422 and the reasons, as text.
fn period_refused(locale: Locale, errors: &FieldErrors) -> HttpResponse {
    let reasons: Vec<&str> = errors.0.values().map(|key| locale.t(key)).collect();
    HttpResponse::UnprocessableEntity()
        .content_type("text/plain; charset=utf-8")
        .body(reasons.join("\n"))
}

fn pick(figures: Vec<Figure>, series: &str) -> Option<Figure> {
    figures.into_iter().find(|f| f.id == series)
}

/// GET /chapters/{slug}/manage/insights.csv?series=…
pub async fn chapter_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_event_editor()?;
    let tz = access.chapter.tz();
    let locale = crate::web::http::locale::of(&req);
    let period = match Period::parse(&query.from, &query.to, today(tz), tz) {
        Ok(period) => period,
        Err(errors) => return Ok(period_refused(locale, &errors)),
    };
    let gathering = ["events", "event-list", "talks"].contains(&query.series.as_str());
    // The applicant series are the organizers'.
    let organizer = if gathering {
        false
    } else {
        access.require_organizer()?;
        true
    };
    let data = chapter_data(&state, &access, &period, organizer).await?;
    let (joining, gatherings) = chapter_figures(locale, &access.chapter.slug, &period, &data);
    let figure = pick(if gathering { gatherings } else { joining }, &query.series)
        .ok_or(AppError::NotFound)?;
    Ok(csv_response(
        &format!(
            "{}-{}-{}-{}.csv",
            access.chapter.slug, figure.id, period.from, period.to
        ),
        &figure.table,
    ))
}

/// GET /admin/insights.csv?series=…
pub async fn site_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    crate::web::admin::require_site_admin(&me)?;
    let locale = crate::web::http::locale::of(&req);
    let period = match Period::parse(&query.from, &query.to, today(SITE_TZ), SITE_TZ) {
        Ok(period) => period,
        Err(errors) => return Ok(period_refused(locale, &errors)),
    };
    let lines = site_data(&state, &period).await?;
    let figure =
        pick(site_figures(locale, &period, &lines), &query.series).ok_or(AppError::NotFound)?;
    Ok(csv_response(
        &format!("ogug-{}-{}-{}.csv", figure.id, period.from, period.to),
        &figure.table,
    ))
}
