//! Two locales and their message catalogs (`locales/*.txt`, `key = value` lines), compiled into
//! the binary. Templates call `i.t("key")`; a missing key shows the key itself so it is visible
//! in review, and a test keeps the catalogs in parity.

use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike};

use std::collections::HashMap;
use std::sync::LazyLock;

crate::text_column!(Locale, Locale::code, Locale::from_code);

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

pub const ZH_CN_CATALOG: &str = include_str!("../locales/zh-CN.txt");
pub const EN_CATALOG: &str = include_str!("../locales/en.txt");

static CATALOGS: LazyLock<[HashMap<&'static str, String>; 2]> =
    LazyLock::new(|| [parse_catalog(ZH_CN_CATALOG), parse_catalog(EN_CATALOG)]);

/// Parses `key = value` lines; `#` starts a comment line; `\n` in a value is a newline and
/// `\u0020` a space (values are trimmed, so a phrase that begins with a space spells it).
pub fn parse_catalog(text: &'static str) -> HashMap<&'static str, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim().replace("\\n", "\n").replace("\\u0020", " ");
            (k.trim(), v)
        })
        .collect()
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// The position in `ALL`: what is kept once per language is kept in this order.
    pub fn index(self) -> usize {
        match self {
            Locale::ZhCn => 0,
            Locale::En => 1,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// The stored code, exactly (`code`'s inverse; a person's setting is read with `parse`).
    pub fn from_code(code: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Between the items of a list of names: "、" in Chinese, ", " in English.
    pub fn list_separator(self) -> &'static str {
        match self {
            Locale::ZhCn => "、",
            Locale::En => ", ",
        }
    }

    /// Round brackets around an aside, each language its own: "（华为）", " (Huawei)".
    pub fn brackets(self) -> (&'static str, &'static str) {
        match self {
            Locale::ZhCn => ("（", "）"),
            Locale::En => (" (", ")"),
        }
    }

    /// The value for the HTML `lang` attribute.
    pub fn html_lang(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-Hans",
            Locale::En => "en",
        }
    }

    pub fn parse(value: &str) -> Option<Locale> {
        let v = value.trim().to_ascii_lowercase();
        if v == "zh" || v.starts_with("zh-") || v.starts_with("zh_") {
            Some(Locale::ZhCn)
        } else if v == "en" || v.starts_with("en-") || v.starts_with("en_") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// Picks the best supported locale from an `Accept-Language` header, by q-value.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(locale) = Locale::parse(tag)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l)
    }

    pub fn other(self) -> Locale {
        match self {
            Locale::ZhCn => Locale::En,
            Locale::En => Locale::ZhCn,
        }
    }

    /// The message for `key`, or the key itself when missing.
    pub fn t(self, key: &str) -> &str {
        match CATALOGS[self.index()].get(key) {
            Some(v) => v.as_str(),
            None => {
                tracing::warn!(key, locale = self.code(), "missing translation");
                key
            }
        }
    }

    /// The message for `key` with its one placeholder `{name}` filled in (handy in templates).
    pub fn tf1(self, key: &str, name: &str, value: &str) -> String {
        self.t(key).replace(&format!("{{{name}}}"), value)
    }

    /// The message for `key` with `{name}` placeholders filled in.
    pub fn tf(self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut s = self.t(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), &value.to_string());
        }
        s
    }
}

/// An event's time range in its chapter's time zone, with the zone named. Formatted by hand:
/// chrono's `format` parses its pattern on every call, which showed in the event lists' profile.
pub fn time_range(
    starts: NaiveDateTime,
    ends: NaiveDateTime,
    tz: chrono_tz::Tz,
    locale: Locale,
) -> String {
    let s = tz.from_utc_datetime(&starts);
    let e = tz.from_utc_datetime(&ends);
    let same_day = s.date_naive() == e.date_naive();
    let zone = tz.name();
    let (sh, eh) = (hh_mm(&s), hh_mm(&e));
    match locale {
        Locale::ZhCn => {
            let day = date(s.date_naive(), locale);
            if same_day {
                format!("{day} {sh}–{eh}（{zone}）")
            } else {
                format!(
                    "{day} {sh} – {} {eh}（{zone}）",
                    date(e.date_naive(), locale)
                )
            }
        }
        Locale::En => {
            let (sd, ed) = (en_day(s.date_naive()), en_day(e.date_naive()));
            if same_day {
                format!("{sd}, {sh}–{eh} ({zone})")
            } else {
                format!("{sd} {sh} – {ed} {eh} ({zone})")
            }
        }
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_en(d: chrono::NaiveDate) -> &'static str {
    MONTHS_EN[d.month0() as usize % 12]
}

/// "Sat 29 May 2021".
fn en_day(d: chrono::NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        d.weekday(),
        d.day(),
        &month_en(d)[..3],
        d.year()
    )
}

fn hh_mm(t: &impl Timelike) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A moment in a zone, date and time ("2021年5月29日 11:30" / "29 May 2021 11:30").
pub fn date_time(at: NaiveDateTime, tz: chrono_tz::Tz, locale: Locale) -> String {
    let local = tz.from_utc_datetime(&at);
    format!("{} {}", date(local.date_naive(), locale), hh_mm(&local))
}

pub fn date(d: chrono::NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Locale::En => format!("{} {} {}", d.day(), month_en(d), d.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The hand-made formats say what chrono's patterns said, every day of a leap year and
    /// across midnight.
    #[test]
    fn dates_match_chronos_patterns() {
        let tz = chrono_tz::Asia::Shanghai;
        let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        for n in 0..366 {
            let day = first + chrono::TimeDelta::days(n);
            let s = day.and_hms_opt(1, 5, 0).unwrap();
            let local = tz.from_utc_datetime(&s);
            for ends in [
                s + chrono::TimeDelta::hours(3),
                s + chrono::TimeDelta::hours(30),
            ] {
                let e = tz.from_utc_datetime(&ends);
                let want = if local.date_naive() == e.date_naive() {
                    format!(
                        "{}, {}–{} (Asia/Shanghai)",
                        local.format("%a %-d %b %Y"),
                        local.format("%H:%M"),
                        e.format("%H:%M")
                    )
                } else {
                    format!(
                        "{} – {} (Asia/Shanghai)",
                        local.format("%a %-d %b %Y %H:%M"),
                        e.format("%a %-d %b %Y %H:%M")
                    )
                };
                assert_eq!(time_range(s, ends, tz, Locale::En), want);
            }
            assert_eq!(date(day, Locale::En), day.format("%-d %B %Y").to_string());
            assert_eq!(
                date_time(s, tz, Locale::En),
                format!("{} {}", local.format("%-d %B %Y"), local.format("%H:%M"))
            );
        }
    }

    fn keys(text: &'static str) -> BTreeSet<&'static str> {
        parse_catalog(text).into_keys().collect()
    }

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let zh = keys(ZH_CN_CATALOG);
        let en = keys(EN_CATALOG);
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "keys only in zh-CN: {only_zh:?}");
        assert!(only_en.is_empty(), "keys only in en: {only_en:?}");
    }

    #[test]
    fn no_catalog_value_is_empty() {
        for (name, text) in [("zh-CN", ZH_CN_CATALOG), ("en", EN_CATALOG)] {
            for (k, v) in parse_catalog(text) {
                assert!(!v.is_empty(), "{name}: {k} is empty");
            }
        }
    }

    /// Every literal key a template uses (`ui.t("…")`, `i.tf1("…", …)`) exists in the catalogs.
    #[test]
    fn every_key_used_in_templates_exists() {
        let zh = keys(ZH_CN_CATALOG);
        let mut missing = Vec::new();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let pieces = text
                    .split(".t(\"")
                    .skip(1)
                    .chain(text.split(".tf1(\"").skip(1));
                for piece in pieces {
                    let key = piece.split('"').next().unwrap_or_default();
                    if !zh.contains(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing keys: {missing:?}");
    }

    #[test]
    fn a_missing_key_shows_itself() {
        assert_eq!(Locale::En.t("no.such.key"), "no.such.key");
        assert_eq!(
            Locale::ZhCn.tf("chapter.member_count", &[("n", &3)]),
            "3 位成员"
        );
    }
}
