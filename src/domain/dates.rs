//! Every date or year a person can type goes through here, with one bound: years 2000–2100.
//! Feeds, iCalendar and every client handle those, and PostgreSQL's timestamps never see a
//! year they refuse (`timestamp out of range`) or one that overflows on the way.

use chrono::{Datelike, NaiveDate};

/// Years a date may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// What is wrong with a typed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not a date at all.
    Invalid,
    /// A date, outside `YEARS`.
    OutOfRange,
}

impl DateError {
    /// The catalog key that says so.
    pub fn key(self) -> &'static str {
        match self {
            DateError::Invalid => "error.date_invalid",
            DateError::OutOfRange => "error.datetime_range",
        }
    }
}

/// A year typed into a filter, when it is one within `YEARS`.
pub fn year(text: &str) -> Option<i32> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| YEARS.contains(y))
}

/// A date typed as `YYYY-MM-DD`. A year of another length (`-0001`, `20210`) is out of range
/// when it is a number, so the person learns what to change.
pub fn date(text: &str) -> Result<NaiveDate, DateError> {
    let text = text.trim();
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) if YEARS.contains(&d.year()) => Ok(d),
        Ok(_) => Err(DateError::OutOfRange),
        Err(_) => Err(year_error(text)),
    }
}

/// Why a date-like text that did not parse was refused: its leading year, if it is a number
/// outside `YEARS`, else that it is no date.
pub fn year_error(text: &str) -> DateError {
    let digits = text.strip_prefix('-').unwrap_or(text);
    match digits.split(['-', 'T', ' ']).next().map(str::parse::<i64>) {
        Some(Ok(y))
            if text.starts_with('-')
                || !(i64::from(*YEARS.start())..=i64::from(*YEARS.end())).contains(&y) =>
        {
            DateError::OutOfRange
        }
        _ => DateError::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bound_for_every_typed_date() {
        assert_eq!(
            date("2021-05-29"),
            Ok(NaiveDate::from_ymd_opt(2021, 5, 29).unwrap())
        );
        for far in [
            "0001-01-01",
            "-0001-01-01",
            "1999-12-31",
            "2101-01-01",
            "20210-05-29",
        ] {
            assert_eq!(date(far), Err(DateError::OutOfRange), "{far}");
        }
        for bad in ["", "yesterday", "2021-13-01", "2021-02-30"] {
            assert_eq!(date(bad), Err(DateError::Invalid), "{bad}");
        }
        assert_eq!(year("2021"), Some(2021));
        for y in ["-5000", "0", "1999", "2101", "99999999999", "x"] {
            assert_eq!(year(y), None, "{y}");
        }
    }
}
