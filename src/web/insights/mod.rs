//! Insights: a chapter's (organizers; ambassadors see the event half), the site's (site
//! admins) and the public totals. Each chart is drawn on the server and comes with its data,
//! as a table under the chart and as CSV.

pub mod charts;
mod csv;
mod figures;
mod pages;

pub use csv::{chapter_csv, site_csv};
pub use pages::{chapter_page, site_page, stats};

use crate::domain::insights::Period;
use crate::domain::insights::chapter::{self, Applicants, Gatherings};
use crate::domain::insights::site::{self, ChapterInsight};
use crate::domain::now;
use crate::web::http::access::ChapterAccess;
use crate::web::insights::charts::{BarChart, MonthChart};
use crate::web::{AppError, AppState, db};
use chrono_tz::Tz;

#[derive(serde::Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    pub(super) from: String,
    #[serde(default)]
    pub(super) to: String,
    /// The CSV's series: a figure's id.
    #[serde(default)]
    pub(super) series: String,
}

/// The data of a chart: column headers for people and for CSV, and the rows (the same text in
/// the HTML table and in the CSV).
pub struct DataTable {
    pub head: Vec<String>,
    pub csv_head: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// A chart (or, with neither, a table shown as is) with its data and its CSV link.
pub struct Figure {
    pub id: &'static str,
    pub title: String,
    pub note: String,
    pub bars: Option<BarChart>,
    pub months: Option<MonthChart>,
    pub table: DataTable,
    pub csv: String,
    /// Nothing to draw: the empty state shows instead of the chart.
    pub empty: bool,
}

pub(super) fn today(tz: Tz) -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

/// The period's own query string, for links and the CSV.
pub(super) fn period_query(period: &Period) -> String {
    format!("from={}&to={}", period.from, period.to)
}

/// Quick choices of period: (label key, query).
pub(super) fn presets(today: chrono::NaiveDate) -> Vec<(&'static str, String)> {
    use chrono::Datelike;
    let year = today.year();
    vec![
        ("insights.last_12", String::new()),
        ("insights.this_year", format!("?from={year}-01-01")),
        (
            "insights.last_year",
            format!("?from={}-01-01&to={}-12-31", year - 1, year - 1),
        ),
    ]
}

/// The site's periods are in the community's home zone.
pub(super) const SITE_TZ: Tz = chrono_tz::Asia::Shanghai;

/// The data a chapter's page shows to this reader.
pub(super) struct ChapterData {
    pub(super) applicants: Option<Applicants>,
    pub(super) gatherings: Gatherings,
}

pub(super) async fn chapter_data(
    state: &AppState,
    access: &ChapterAccess,
    period: &Period,
    organizer: bool,
) -> Result<ChapterData, AppError> {
    let (id, period, at) = (access.chapter.id, period.clone(), now());
    db(state, move |c| {
        Ok(ChapterData {
            applicants: if organizer {
                Some(chapter::applicants(c, id, &period, at)?)
            } else {
                None
            },
            gatherings: chapter::gatherings(c, id, &period, at)?,
        })
    })
    .await
}

pub(super) async fn site_data(
    state: &AppState,
    period: &Period,
) -> Result<Vec<ChapterInsight>, AppError> {
    let (period, at) = (period.clone(), now());
    db(state, move |c| site::chapters(c, &period, at)).await
}
