//! Insights: a chapter's (organizers; ambassadors see the event half), the site's (site
//! admins) and the public totals. Each chart is drawn on the server and comes with its data,
//! as a table under the chart and as CSV.

use super::access::ChapterAccess;
use super::auth::RequireUser;
use super::charts::{BarChart, MonthChart, format_number};
use super::view::{self, Frame};
use super::{AppError, AppState, db};
use crate::domain::insights::chapter::{self, Applicants, Gatherings, SOURCES};
use crate::domain::insights::site::{self, ChapterInsight, Totals};
use crate::domain::insights::{Percentiles, Period};
use crate::domain::{FieldErrors, now};
use crate::i18n::Locale;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono_tz::Tz;

#[derive(serde::Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The CSV's series: a figure's id.
    #[serde(default)]
    series: String,
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

fn today(tz: Tz) -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

fn percent(part: i64, whole: i64) -> String {
    if whole > 0 {
        format!("{} %", (part * 100 + whole / 2) / whole)
    } else {
        "—".into()
    }
}

fn hours(seconds: f64) -> String {
    format_number(seconds / 3600.0)
}

fn hours_of(p: Option<Percentiles>, pick: fn(&Percentiles) -> f64) -> String {
    p.map_or_else(|| "—".into(), |p| hours(pick(&p)))
}

/// "3.5 天" / "16.2 h": a wait in the unit that reads best.
fn wait(locale: Locale, seconds: f64) -> String {
    if seconds >= 48.0 * 3600.0 {
        locale.tf1("insights.days", "n", &format_number(seconds / 86400.0))
    } else {
        locale.tf1("insights.hours", "n", &hours(seconds))
    }
}

/// A series of a monthly figure: its label's catalog key, its CSV column, its value per row.
type Series<T> = (&'static str, &'static str, fn(&T) -> i64);

/// Builds figures for one page; `csv_base` is the CSV route with the period's query.
struct Builder {
    locale: Locale,
    csv_base: String,
}

impl Builder {
    fn t(&self, key: &str) -> String {
        self.locale.t(key).to_string()
    }

    fn figure(&self, id: &'static str, table: DataTable) -> Figure {
        Figure {
            id,
            title: self.t(&format!("insights.{id}")),
            note: String::new(),
            bars: None,
            months: None,
            table,
            csv: format!("{}&series={id}", self.csv_base),
            empty: false,
        }
    }

    fn table(&self, head: &[(&str, &'static str)], rows: Vec<Vec<String>>) -> DataTable {
        DataTable {
            head: head.iter().map(|(k, _)| self.t(k)).collect(),
            csv_head: head.iter().map(|(_, c)| *c).collect(),
            rows,
        }
    }

    /// Counts per month: the table (the month, then a column per series) and the stacked chart,
    /// both from `series` (label key, CSV name, value).
    fn stacked<T>(
        &self,
        id: &'static str,
        months: &[String],
        rows: &[T],
        month: fn(&T) -> &String,
        series: &[Series<T>],
    ) -> Figure {
        let mut head = vec![("insights.month", "month")];
        head.extend(series.iter().map(|(label, csv, _)| (*label, *csv)));
        let mut figure = self.figure(
            id,
            self.table(
                &head,
                rows.iter()
                    .map(|r| {
                        let mut cells = vec![month(r).clone()];
                        cells.extend(series.iter().map(|(_, _, value)| value(r).to_string()));
                        cells
                    })
                    .collect(),
            ),
        );
        figure.months = Some(MonthChart::stacked(
            months,
            series
                .iter()
                .map(|(label, _, value)| (self.t(label), rows.iter().map(value).collect()))
                .collect(),
            self.locale,
        ));
        figure
    }

    fn applicants(&self, months: &[String], a: &Applicants) -> Vec<Figure> {
        let f = &a.funnel;
        // (label, shown in the chart, count): declined and withdrawn are in the table only.
        let steps = [
            ("insights.applied", true, f.applied),
            ("insights.confirmed", true, f.confirmed),
            ("insights.decided", true, f.decided()),
            ("insights.approved", true, f.approved),
            ("insights.rejected", false, f.rejected),
            ("insights.withdrawn", false, f.withdrawn),
            ("insights.rsvped", true, f.rsvped),
            ("insights.checked_in", true, f.checked_in),
        ];
        let mut funnel = self.figure(
            "funnel",
            self.table(
                &[
                    ("insights.step", "step"),
                    ("insights.count", "count"),
                    ("insights.share", "share_of_applied"),
                ],
                steps
                    .iter()
                    .map(|(label, _, n)| vec![self.t(label), n.to_string(), percent(*n, f.applied)])
                    .collect(),
            ),
        );
        funnel.bars = Some(BarChart::single(
            steps
                .iter()
                .filter(|(_, charted, _)| *charted)
                .map(|(label, _, n)| (self.t(label), *n))
                .collect(),
        ));
        funnel.empty = f.applied == 0;

        let mut outcomes = self.stacked(
            "applications",
            months,
            &a.outcomes,
            |o| &o.month,
            &[
                ("insights.approved", "approved", |o| o.approved),
                ("insights.rejected", "rejected", |o| o.rejected),
                ("insights.withdrawn", "withdrawn", |o| o.withdrawn),
                ("insights.open", "open", |o| o.open),
            ],
        );
        outcomes.empty = f.applied == 0;

        let mut decisions = self.figure(
            "decisions",
            self.table(
                &[
                    ("insights.month", "month"),
                    ("insights.decisions_n", "decisions"),
                    ("insights.median_hours", "median_hours"),
                    ("insights.p90_hours", "p90_hours"),
                ],
                a.decisions
                    .iter()
                    .map(|(m, p)| {
                        vec![
                            m.clone(),
                            p.map_or(0, |p| p.n).to_string(),
                            hours_of(*p, |p| p.median),
                            hours_of(*p, |p| p.p90),
                        ]
                    })
                    .collect(),
            ),
        );
        let line = |pick: fn(&Percentiles) -> f64| {
            a.decisions
                .iter()
                .map(|(_, p)| p.map(|p| pick(&p) / 3600.0))
                .collect()
        };
        decisions.months = Some(MonthChart::lines(
            months,
            vec![
                (self.t("insights.median_hours"), line(|p| p.median)),
                (self.t("insights.p90_hours"), line(|p| p.p90)),
            ],
            self.locale,
        ));
        decisions.note = match a.decision {
            Some(p) => self.locale.tf(
                "insights.decision_note",
                &[
                    ("median", &wait(self.locale, p.median)),
                    ("p90", &wait(self.locale, p.p90)),
                    ("n", &p.n),
                ],
            ),
            None => self.t("insights.no_decisions"),
        };
        decisions.empty = a.decision.is_none();

        let mut members = self.stacked(
            "members",
            months,
            &a.members,
            |m| &m.month,
            &[
                ("role.organizer", "organizers", |m| m.organizers),
                ("role.ambassador", "ambassadors", |m| m.ambassadors),
                ("role.member", "members", |m| m.members),
            ],
        );
        members.note = self.t("insights.members_note");

        let source_label = |s: &str| self.t(&format!("insights.source_{s}"));
        let mut sources = self.figure(
            "sources",
            self.table(
                &[("insights.source", "source"), ("insights.count", "count")],
                SOURCES
                    .iter()
                    .zip(a.sources)
                    .map(|(s, n)| vec![source_label(s), n.to_string()])
                    .collect(),
            ),
        );
        sources.bars = Some(BarChart::single(
            SOURCES
                .iter()
                .zip(a.sources)
                .map(|(s, n)| (source_label(s), n))
                .collect(),
        ));
        sources.empty = f.applied == 0;

        let mut organizations = self.figure(
            "organizations",
            self.table(
                &[
                    ("insights.organization", "organization"),
                    ("insights.count", "count"),
                ],
                a.organizations
                    .iter()
                    .map(|(o, n)| vec![o.clone(), n.to_string()])
                    .collect(),
            ),
        );
        organizations.bars = Some(BarChart::single(a.organizations.clone()));
        organizations.empty = a.organizations.is_empty();

        vec![funnel, outcomes, decisions, members, sources, organizations]
    }

    fn gatherings(&self, months: &[String], g: &Gatherings, tz: Tz) -> Vec<Figure> {
        let mut events = self.figure(
            "events",
            self.table(
                &[
                    ("insights.month", "month"),
                    ("insights.events_n", "events"),
                    ("insights.going", "going"),
                    ("insights.checked_in_n", "checked_in"),
                    ("insights.no_shows", "no_shows"),
                    ("insights.waitlisted", "waitlisted"),
                    ("insights.attendance", "attendance"),
                ],
                g.months
                    .iter()
                    .map(|m| {
                        vec![
                            m.grp.clone(),
                            m.events.to_string(),
                            m.going.to_string(),
                            m.checked_in.to_string(),
                            m.no_shows.to_string(),
                            m.waitlisted.to_string(),
                            percent(m.checked_in, m.checked_in + m.no_shows),
                        ]
                    })
                    .collect(),
            ),
        );
        let column = |pick: fn(&chapter::EventMonth) -> i64| g.months.iter().map(pick).collect();
        events.months = Some(MonthChart::stacked(
            months,
            vec![
                (self.t("insights.checked_in_n"), column(|m| m.checked_in)),
                (self.t("insights.no_shows"), column(|m| m.no_shows)),
                (
                    self.t("insights.upcoming"),
                    column(|m| (m.going - m.checked_in - m.no_shows).max(0)),
                ),
                (self.t("insights.waitlisted"), column(|m| m.waitlisted)),
            ],
            self.locale,
        ));
        let held: i64 = g.months.iter().map(|m| m.events).sum();
        events.empty = held == 0;
        let (checked, missed) = g
            .months
            .iter()
            .fold((0, 0), |(c, n), m| (c + m.checked_in, n + m.no_shows));
        events.note = self.locale.tf(
            "insights.events_note",
            &[
                ("events", &held),
                ("rate", &percent(checked, checked + missed)),
            ],
        );

        let mut list = self.figure(
            "event-list",
            self.table(
                &[
                    ("insights.event", "event"),
                    ("insights.date", "date"),
                    ("insights.capacity", "capacity"),
                    ("insights.going", "going"),
                    ("insights.waitlisted", "waitlisted"),
                    ("insights.checked_in_n", "checked_in"),
                    ("insights.no_shows", "no_shows"),
                    ("insights.attendance", "attendance"),
                ],
                g.events
                    .iter()
                    .map(|e| {
                        let title = match self.locale {
                            Locale::En if !e.title_en.is_empty() => &e.title_en,
                            _ => &e.title_zh,
                        };
                        vec![
                            title.clone(),
                            view::local_date(e.starts_at, tz, self.locale),
                            e.capacity.map_or_else(|| "—".into(), |c| c.to_string()),
                            e.going.to_string(),
                            e.waitlisted.to_string(),
                            e.checked_in.to_string(),
                            e.no_shows.to_string(),
                            if e.ended == 1 {
                                percent(e.checked_in, e.checked_in + e.no_shows)
                            } else {
                                "—".into()
                            },
                        ]
                    })
                    .collect(),
            ),
        );
        list.empty = g.events.is_empty();
        if g.events.len() as i64 >= chapter::EVENT_LINES {
            list.note = self.locale.tf1(
                "insights.event_list_cut",
                "n",
                &chapter::EVENT_LINES.to_string(),
            );
        }

        let mut talks = self.stacked(
            "talks",
            months,
            &g.talks,
            |t| &t.month,
            &[
                ("talk.lang.zh", "zh", |t| t.zh),
                ("talk.lang.en", "en", |t| t.en),
            ],
        );
        let given: i64 = g.talks.iter().map(|t| t.zh + t.en).sum();
        talks.empty = given == 0;
        talks.note = self.locale.tf(
            "insights.talks_note",
            &[("given", &given), ("proposed", &g.proposed)],
        );
        vec![events, list, talks]
    }
}

/// The period's own query string, for links and the CSV.
fn period_query(period: &Period) -> String {
    format!("from={}&to={}", period.from, period.to)
}

/// Quick choices of period: (label key, query).
fn presets(today: chrono::NaiveDate) -> Vec<(&'static str, String)> {
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

#[derive(Template)]
#[template(path = "manage/insights.html")]
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

/// The data a chapter's page shows to this reader.
struct ChapterData {
    applicants: Option<Applicants>,
    gatherings: Gatherings,
}

async fn chapter_data(
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

fn chapter_figures(
    locale: Locale,
    slug: &str,
    period: &Period,
    data: &ChapterData,
) -> (Vec<Figure>, Vec<Figure>) {
    let builder = Builder {
        locale,
        csv_base: format!(
            "/chapters/{slug}/manage/insights.csv?{}",
            period_query(period)
        ),
    };
    let months = period.months();
    let joining = data
        .applicants
        .as_ref()
        .map(|a| builder.applicants(&months, a))
        .unwrap_or_default();
    (
        joining,
        builder.gatherings(&months, &data.gatherings, period.tz),
    )
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
        (e + m.events, c + m.checked_in, n + m.no_shows)
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
            return Ok(super::respond::with_status(
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

/// One figure's data as CSV: cells quoted, spreadsheet formulas neutralised.
pub fn csv_response(filename: &str, table: &DataTable) -> HttpResponse {
    let mut out = super::csv::line(table.csv_head.iter().copied());
    for row in &table.rows {
        out.push_str(&super::csv::line(row.iter().map(String::as_str)));
    }
    super::csv::response(filename, out)
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
    let locale = super::locale::of(&req);
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

#[derive(Template)]
#[template(path = "admin/insights.html")]
struct SiteInsightsPage {
    ui: Frame,
    from: String,
    to: String,
    errors: FieldErrors,
    presets: Vec<(&'static str, String)>,
    figures: Vec<Figure>,
}

/// The site's periods are in the community's home zone.
const SITE_TZ: Tz = chrono_tz::Asia::Shanghai;

fn site_figures(locale: Locale, period: &Period, lines: &[ChapterInsight]) -> Vec<Figure> {
    let builder = Builder {
        locale,
        csv_base: format!("/admin/insights.csv?{}", period_query(period)),
    };
    let mut table = builder.figure(
        "chapters",
        builder.table(
            &[
                ("admin.chapter", "chapter"),
                ("insights.members_now", "members"),
                ("insights.joined", "joined"),
                ("insights.applied", "applied"),
                ("insights.approved", "approved"),
                ("insights.median_hours", "median_hours"),
                ("insights.waiting", "waiting_over_7_days"),
                ("insights.events_n", "events"),
                ("insights.going", "going"),
                ("insights.attendance", "attendance"),
                ("insights.talks_given", "talks"),
            ],
            lines
                .iter()
                .map(|c| {
                    let l = &c.line;
                    vec![
                        match locale {
                            Locale::En if !l.name_en.is_empty() => l.name_en.clone(),
                            _ => l.name_zh.clone(),
                        },
                        l.members.to_string(),
                        l.joined.to_string(),
                        l.applied.to_string(),
                        l.approved.to_string(),
                        hours_of(c.decision, |p| p.median),
                        l.waiting.to_string(),
                        l.events.to_string(),
                        l.going.to_string(),
                        percent(l.checked_in, l.checked_in + l.no_shows),
                        l.talks.to_string(),
                    ]
                })
                .collect(),
        ),
    );
    table.empty = lines.is_empty();
    let mut chart = builder.figure(
        "applied-by-chapter",
        builder.table(
            &[
                ("admin.chapter", "chapter"),
                ("insights.applied", "applied"),
            ],
            Vec::new(),
        ),
    );
    let mut busiest: Vec<(String, i64)> = table
        .table
        .rows
        .iter()
        .zip(lines)
        .map(|(row, c)| (row[0].clone(), c.line.applied))
        .collect();
    busiest.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    busiest.truncate(15);
    chart.table.rows = busiest
        .iter()
        .map(|(name, n)| vec![name.clone(), n.to_string()])
        .collect();
    chart.empty = busiest.iter().all(|(_, n)| *n == 0);
    chart.bars = Some(BarChart::single(busiest));
    vec![chart, table]
}

async fn site_data(state: &AppState, period: &Period) -> Result<Vec<ChapterInsight>, AppError> {
    let (period, at) = (period.clone(), now());
    db(state, move |c| site::chapters(c, &period, at)).await
}

/// GET /admin/insights
pub async fn site_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    super::admin::require_site_admin(&me)?;
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
            return Ok(super::respond::with_status(
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

/// GET /admin/insights.csv?series=…
pub async fn site_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    super::admin::require_site_admin(&me)?;
    let locale = super::locale::of(&req);
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

#[derive(Template)]
#[template(path = "public/stats.html")]
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
