//! The figures of the insights pages: each chart with its data table and CSV link, and the
//! tiles above them, built from what the domain counted.

use super::{ChapterData, DataTable, Figure, period_query};
use crate::domain::applications::ApplicationSource;
use crate::domain::insights::chapter::{self, Applicants, Gatherings, SOURCES};
use crate::domain::insights::site::ChapterInsight;
use crate::domain::insights::{Percentiles, Period};
use crate::i18n::Locale;
use crate::web::http::view::{self};
use crate::web::insights::charts::{BarChart, MonthChart, format_number};
use chrono_tz::Tz;

pub(super) fn percent(part: i64, whole: i64) -> String {
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
pub(super) fn wait(locale: Locale, seconds: f64) -> String {
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

        let source_label =
            |s: &ApplicationSource| self.t(&format!("insights.source_{}", s.as_str()));
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
                            percent(m.attended, m.attended + m.no_shows),
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
            .fold((0, 0), |(c, n), m| (c + m.attended, n + m.no_shows));
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

pub(super) fn chapter_figures(
    locale: Locale,
    slug: &str,
    period: &Period,
    data: &ChapterData,
) -> (Vec<Figure>, Vec<Figure>) {
    let builder = Builder {
        locale,
        csv_base: format!(
            "{}?{}",
            crate::paths::chapter_insights_csv(slug),
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

pub(super) fn site_figures(
    locale: Locale,
    period: &Period,
    lines: &[ChapterInsight],
) -> Vec<Figure> {
    let builder = Builder {
        locale,
        csv_base: format!(
            "{}?{}",
            crate::paths::site_insights_csv(),
            period_query(period)
        ),
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
