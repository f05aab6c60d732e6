//! Insights: a chapter's join funnel and life in numbers. Every number is an aggregate the
//! database computes (counts grouped by month, percentiles by window functions); no rows are
//! loaded to be counted here. Months are the chapter's: the SQL shifts each timestamp by the
//! time zone's offset, which changes only at the transitions computed here.

pub mod chapter;
pub mod site;

use super::FieldErrors;
use crate::db::DbConnection;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone};
use chrono_tz::Tz;
use diesel::pg::Pg;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::{BigInt, Text};
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
    /// The zone's offset (seconds east of UTC) from each UTC instant on; the first is `start`.
    offsets: Vec<(NaiveDateTime, i32)>,
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

fn offset_at(tz: Tz, utc: NaiveDateTime) -> i32 {
    tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()
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
        // Walk day by day; where the offset changes, find the second it does.
        let mut offsets = vec![(start, offset_at(tz, start))];
        let mut at = start;
        while at < end {
            let next = (at + TimeDelta::days(1)).min(end);
            let before = offsets.last().map_or(0, |o| o.1);
            if offset_at(tz, next) != before {
                // Whole seconds after `at`: the offset is `before` at lo and not at hi.
                let (mut lo, mut hi) = (0, (next - at).num_seconds());
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2;
                    if offset_at(tz, at + TimeDelta::seconds(mid)) == before {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                let change = at + TimeDelta::seconds(hi);
                offsets.push((change, offset_at(tz, change)));
            }
            at = next;
        }
        Period {
            from,
            to,
            tz,
            start,
            end,
            offsets,
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
            let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
            if parsed.is_none() {
                errors.add(field, "insights.error_date");
            }
            parsed
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
        let mut out = Vec::new();
        let mut month = months_back(self.from, 0);
        while month <= self.to {
            out.push(month.format("%Y-%m").to_string());
            month = months_back(month, -1);
        }
        out
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

    /// The chapter-local month ("YYYY-MM") of the UTC timestamp `col`, inside the period.
    pub fn month(self, col: &str, period: &Period) -> String {
        let seconds = |o: i32| {
            if self.pg {
                o.to_string()
            } else {
                format!("'{o:+} seconds'")
            }
        };
        let offset = match period.offsets.as_slice() {
            [] => seconds(0),
            [(_, only)] => seconds(*only),
            [first, rest @ ..] => {
                let mut case = String::from("CASE");
                let mut current = first.1;
                for (from, offset) in rest {
                    case.push_str(&format!(
                        " WHEN {col} < {} THEN {}",
                        self.ts(*from),
                        seconds(current)
                    ));
                    current = *offset;
                }
                case.push_str(&format!(" ELSE {} END", seconds(current)));
                case
            }
        };
        if self.pg {
            format!("to_char({col} + ({offset}) * INTERVAL '1 second', 'YYYY-MM')")
        } else {
            format!("strftime('%Y-%m', {col}, {offset})")
        }
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

/// One ranked value of a percentile query: the `k`-th (from 0) of `n` under `key`.
#[derive(QueryableByName, Debug)]
pub(crate) struct Ranked {
    #[diesel(sql_type = Text)]
    pub grp: String,
    #[diesel(sql_type = BigInt)]
    pub k: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = BigInt)]
    pub v: i64,
}

/// The median and 90th percentile of `n` values, interpolated between ranks (as PostgreSQL's
/// `percentile_cont` does).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Percentiles {
    pub n: i64,
    pub median: f64,
    pub p90: f64,
}

/// Ranked values whose rank can be a percentile's: the SQL for `values` (columns `grp`, `v`).
pub(crate) fn percentile_sql(values: &str) -> String {
    // floor and ceil of p·(n-1) in integers, for p = 0.5 and 0.9.
    format!(
        "SELECT grp, k, n, v FROM (\
           SELECT grp, v, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY v) - 1 AS k, \
                  COUNT(*) OVER (PARTITION BY grp) AS n FROM ({values}) AS vals\
         ) AS ranked \
         WHERE k = (n - 1) / 2 OR k = n / 2 OR k = (9 * (n - 1)) / 10 OR k = (9 * (n - 1) + 9) / 10"
    )
}

/// The percentiles per key from the ranked rows.
pub(crate) fn percentiles(rows: &[Ranked]) -> std::collections::BTreeMap<String, Percentiles> {
    let mut out = std::collections::BTreeMap::new();
    for row in rows {
        out.entry(row.grp.clone()).or_insert_with(|| {
            let n = row.n;
            let at = |p: f64| {
                let pos = p * (n - 1) as f64;
                let (lo, hi) = (pos.floor() as i64, pos.ceil() as i64);
                let value = |k: i64| {
                    rows.iter()
                        .find(|r| r.grp == row.grp && r.k == k)
                        .map_or(0.0, |r| r.v as f64)
                };
                value(lo) + (pos - lo as f64) * (value(hi) - value(lo))
            };
            Percentiles {
                n,
                median: at(0.5),
                p90: at(0.9),
            }
        });
    }
    out
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
        assert_eq!(p.offsets.len(), 1);
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
            err("1926-01-01", "2026-01-01").get("from"),
            Some("insights.error_too_long")
        );
        assert_eq!(
            err("yesterday", "").get("from"),
            Some("insights.error_date")
        );
        let p = Period::parse("2026-01-01", "2030-01-01", today, tz).unwrap();
        assert_eq!(p.to, today, "an end after today is today");
    }

    #[test]
    fn daylight_saving_changes_are_found_to_the_second() {
        let p = Period::new(
            day("2026-01-01"),
            day("2026-12-31"),
            chrono_tz::Europe::Berlin,
        );
        let changes: Vec<String> = p.offsets.iter().map(|(t, o)| format!("{t} {o}")).collect();
        assert_eq!(
            changes,
            [
                "2025-12-31 23:00:00 3600",
                "2026-03-29 01:00:00 7200",
                "2026-10-25 01:00:00 3600"
            ]
        );
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        let rows: Vec<Ranked> = [(3, 5), (5, 13), (6, 21)]
            .into_iter()
            .map(|(k, v)| Ranked {
                grp: "m".into(),
                k,
                n: 7,
                v,
            })
            .collect();
        let p = percentiles(&rows)["m"];
        assert_eq!(p.median, 5.0);
        assert!((p.p90 - 16.2).abs() < 1e-9);
    }
}
