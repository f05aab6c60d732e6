//! Insights: a chapter's join funnel and life in numbers. Every number is an aggregate the
//! database computes (counts grouped by month, percentiles by window functions); no rows are
//! loaded to be counted here. Months are the chapter's: each local month's first instant in UTC
//! is computed here (so daylight saving time is exact), and the SQL sorts a timestamp into its
//! month by comparing it with those instants.

pub mod chapter;
pub mod site;

use super::FieldErrors;
use crate::db::DbConnection;
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;
use diesel::pg::Pg;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::{BigInt, Double, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

/// The longest period one page shows: ten years of months.
pub const MAX_MONTHS: i64 = 120;

/// A span of whole days in one time zone, `from` and `to` included.
#[derive(Debug, Clone)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tz: Tz,
    /// UTC bounds: [start, end).
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    /// Each month the period touches ("YYYY-MM") and the UTC instant it starts (the first: `start`).
    month_starts: Vec<(String, NaiveDateTime)>,
}

/// The UTC instant of a local midnight (the first one, in a fold; an hour later in a gap).
fn midnight_utc(tz: Tz, day: NaiveDate) -> NaiveDateTime {
    let local = day.and_time(chrono::NaiveTime::MIN);
    let resolved = tz.from_local_datetime(&local).earliest().or_else(|| {
        tz.from_local_datetime(&(local + TimeDelta::hours(1)))
            .earliest()
    });
    match resolved {
        Some(t) => t.naive_utc(),
        None => local,
    }
}

/// The first day of the month `back` months before `day`'s.
fn months_back(day: NaiveDate, back: i32) -> NaiveDate {
    let index = day.year() * 12 + day.month0() as i32 - back;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1).unwrap_or(day)
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate, tz: Tz) -> Period {
        let start = midnight_utc(tz, from);
        let end = midnight_utc(tz, to.succ_opt().unwrap_or(to));
        let mut month_starts = Vec::new();
        let mut month = months_back(from, 0);
        while month <= to {
            let at = if month_starts.is_empty() {
                start
            } else {
                midnight_utc(tz, month)
            };
            month_starts.push((month.format("%Y-%m").to_string(), at));
            month = months_back(month, -1);
        }
        Period {
            from,
            to,
            tz,
            start,
            end,
            month_starts,
        }
    }

    /// The last 12 months: from the first day of the month 11 months ago to today.
    pub fn last_year(today: NaiveDate, tz: Tz) -> Period {
        Period::new(months_back(today, 11), today, tz)
    }

    /// A period asked for as `YYYY-MM-DD` dates (either empty: the default's). The end may not
    /// be before the start, the start not after today, and the span at most ten years; an end
    /// after today is today.
    pub fn parse(from: &str, to: &str, today: NaiveDate, tz: Tz) -> Result<Period, FieldErrors> {
        let default = Period::last_year(today, tz);
        let mut errors = FieldErrors::default();
        let mut date = |field: &'static str, text: &str, fallback: NaiveDate| {
            let text = text.trim();
            if text.is_empty() {
                return Some(fallback);
            }
            match crate::domain::dates::date(text) {
                Ok(d) => Some(d),
                Err(crate::domain::dates::DateError::Invalid) => {
                    errors.add(field, "insights.error_date");
                    None
                }
                Err(e) => {
                    errors.add(field, e.key());
                    None
                }
            }
        };
        let (from, to) = (date("from", from, default.from), date("to", to, default.to));
        let (Some(from), Some(to)) = (from, to) else {
            return Err(errors);
        };
        if from > today {
            errors.add("from", "insights.error_future");
        } else if to < from {
            errors.add("to", "insights.error_reversed");
        } else if months_back(to, MAX_MONTHS as i32 - 1) > from {
            errors.add("from", "insights.error_too_long");
        }
        if errors.is_empty() {
            Ok(Period::new(from, to.min(today), tz))
        } else {
            Err(errors)
        }
    }

    /// Each month the period touches, as "YYYY-MM".
    pub fn months(&self) -> Vec<String> {
        self.month_starts.iter().map(|(m, _)| m.clone()).collect()
    }

    /// Whether the period is the default (the last 12 months up to today).
    pub fn is_last_year(&self, today: NaiveDate) -> bool {
        let d = Period::last_year(today, self.tz);
        (d.from, d.to) == (self.from, self.to)
    }
}

/// The SQL of one backend: literals and the expressions the two spell differently. Values
/// reach the SQL only as numbers and timestamps formatted here, never as text from a request.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub pg: bool,
}

impl Dialect {
    pub fn of(conn: &DbConnection) -> Dialect {
        Dialect {
            pg: matches!(conn, DbConnection::Pg(_)),
        }
    }

    pub fn ts(self, t: NaiveDateTime) -> String {
        let text = t.format("%Y-%m-%d %H:%M:%S%.f");
        if self.pg {
            format!("TIMESTAMP '{text}'")
        } else {
            format!("'{text}'")
        }
    }

    /// `col` within the period.
    pub fn within(self, col: &str, period: &Period) -> String {
        format!(
            "{col} >= {} AND {col} < {}",
            self.ts(period.start),
            self.ts(period.end)
        )
    }

    /// The chapter-local month ("YYYY-MM") of the UTC timestamp `col`, inside the period: a
    /// balanced tree of comparisons with the months' first instants (a handful per row, where
    /// formatting each timestamp in SQL would cost more).
    pub fn month(self, col: &str, period: &Period) -> String {
        fn tree(sql: Dialect, col: &str, months: &[(String, NaiveDateTime)]) -> String {
            match months {
                [] => "''".into(),
                [(only, _)] => format!("'{only}'"),
                _ => {
                    let (before, after) = months.split_at(months.len() / 2);
                    format!(
                        "CASE WHEN {col} < {} THEN {} ELSE {} END",
                        sql.ts(after[0].1),
                        tree(sql, col, before),
                        tree(sql, col, after)
                    )
                }
            }
        }
        tree(self, col, &period.month_starts)
    }

    /// Whole seconds from `earlier` to `later`.
    pub fn seconds_between(self, later: &str, earlier: &str) -> String {
        if self.pg {
            format!("CAST(ROUND(EXTRACT(EPOCH FROM ({later} - {earlier}))) AS BIGINT)")
        } else {
            format!("CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400.0) AS BIGINT)")
        }
    }
}

/// Runs a query written for both backends.
pub(crate) fn load<R>(conn: &mut DbConnection, sql: &str) -> QueryResult<Vec<R>>
where
    R: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
    diesel::query_builder::SqlQuery: QueryFragment<Pg> + QueryFragment<Sqlite>,
{
    match conn {
        DbConnection::Pg(c) => diesel::sql_query(sql).load(c),
        DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c),
    }
}

/// A count under a key and a sub-key (month and status, say).
#[derive(QueryableByName, Debug)]
pub(crate) struct Keyed {
    #[diesel(sql_type = Text)]
    pub grp: String,
    #[diesel(sql_type = Text)]
    pub sub: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// The median and 90th percentile of `n` values (interpolated between ranks).
#[derive(QueryableByName, Debug, Clone, Copy, PartialEq, Default)]
pub struct Percentiles {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Double)]
    pub median: f64,
    #[diesel(sql_type = Double)]
    pub p90: f64,
}

/// Percentiles under a key.
#[derive(QueryableByName, Debug)]
pub(crate) struct KeyedPercentiles {
    #[diesel(sql_type = Text)]
    pub grp: String,
    #[diesel(embed)]
    pub p: Percentiles,
}

impl Dialect {
    /// The continuous percentile `p` (0–1) of `expr` over a group: PostgreSQL's ordered-set
    /// aggregate, SQLite's percentile extension (built in: see .cargo/config.toml).
    fn percentile(self, expr: &str, p: f64) -> String {
        if self.pg {
            format!("percentile_cont({p}) WITHIN GROUP (ORDER BY {expr})")
        } else {
            format!("percentile_cont({expr}, {p})")
        }
    }

    /// `n`, median and 90th percentile of column `v` of `values`, per `grp`.
    pub(crate) fn percentiles_sql(self, values: &str) -> String {
        format!(
            "SELECT grp, COUNT(*) AS n, {} AS median, {} AS p90 FROM ({values}) AS vals GROUP BY grp",
            self.percentile("v", 0.5),
            self.percentile("v", 0.9)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_default_is_twelve_months_to_today() {
        let p = Period::last_year(day("2026-11-25"), chrono_tz::Asia::Shanghai);
        assert_eq!(p.from, day("2025-12-01"));
        assert_eq!(p.months().len(), 12);
        assert_eq!(p.months()[0], "2025-12");
        // Shanghai is 8 hours ahead: local midnight is 16:00 UTC the day before.
        assert_eq!(p.start.to_string(), "2025-11-30 16:00:00");
    }

    #[test]
    fn bad_periods_are_refused_with_a_reason() {
        let tz = chrono_tz::Asia::Shanghai;
        let today = day("2026-11-25");
        let err = |f: &str, t: &str| Period::parse(f, t, today, tz).unwrap_err();
        assert_eq!(
            err("2026-05-01", "2026-04-01").get("to"),
            Some("insights.error_reversed")
        );
        assert_eq!(
            err("2027-01-01", "2027-02-01").get("from"),
            Some("insights.error_future")
        );
        assert_eq!(
            err("2006-01-01", "2026-01-01").get("from"),
            Some("insights.error_too_long")
        );
        // Years outside 2000–2100 never reach a query (PostgreSQL refuses year 1 BC).
        for far in ["1926-01-01", "0001-01-01", "-0001-01-01"] {
            assert_eq!(err(far, "").get("from"), Some("error.datetime_range"));
        }
        assert_eq!(
            err("yesterday", "").get("from"),
            Some("insights.error_date")
        );
        let p = Period::parse("2026-01-01", "2030-01-01", today, tz).unwrap();
        assert_eq!(p.to, today, "an end after today is today");
    }

    #[test]
    fn months_start_at_local_midnight_also_across_daylight_saving_time() {
        let p = Period::new(
            day("2026-02-10"),
            day("2026-04-30"),
            chrono_tz::Europe::Berlin,
        );
        let starts: Vec<String> = p
            .month_starts
            .iter()
            .map(|(m, t)| format!("{m} {t}"))
            .collect();
        assert_eq!(
            starts,
            [
                "2026-02 2026-02-09 23:00:00",
                "2026-03 2026-02-28 23:00:00",
                "2026-04 2026-03-31 22:00:00"
            ]
        );
        let sql = Dialect { pg: false }.month("t", &p);
        assert_eq!(
            sql,
            "CASE WHEN t < '2026-02-28 23:00:00' THEN '2026-02' ELSE CASE WHEN t < \
             '2026-03-31 22:00:00' THEN '2026-03' ELSE '2026-04' END END"
        );
    }
}
