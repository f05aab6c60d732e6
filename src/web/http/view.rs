//! What every page shows around its content, and formatting shared by pages.

use crate::i18n::Locale;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

/// The page frame: language, navigation and the language switch.
pub struct Frame {
    pub locale: Locale,
    pub title: String,
    pub switch_href: String,
    /// The token every form on the page carries.
    pub csrf: String,
    /// The signed-in person's name, for the navigation.
    pub user_name: Option<String>,
    pub is_site_admin: bool,
    /// What a shared link previews as (Open Graph, Twitter, description, canonical).
    pub share: Option<Box<Share>>,
}

/// A page's link preview: chat apps and search engines read these from the head.
#[derive(Debug, Clone, Default)]
pub struct Share {
    /// Absolute URL of the page (canonical and og:url), in the chapter's default language.
    pub url: String,
    pub title: String,
    pub description: String,
    /// Absolute URL of the preview image.
    pub image: String,
    /// og:type: "website", "article", "profile", "event" is not a type Open Graph knows.
    pub kind: &'static str,
}

impl Share {
    /// A description as previews show it: one line, at most 160 characters.
    pub fn describe(text: &str) -> String {
        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut out: String = line.chars().take(157).collect();
        if line.chars().count() > 157 {
            out.push('…');
        }
        out
    }
}

impl Frame {
    pub fn new(req: &HttpRequest, title: impl Into<String>) -> Frame {
        let locale = crate::web::http::locale::of(req);
        let me = crate::web::http::auth::signed_in(req);
        Frame {
            locale,
            title: title.into(),
            switch_href: format!("{}?lang={}", req.path(), locale.other().code()),
            csrf: crate::web::http::auth::csrf_token(req),
            user_name: me.as_ref().map(|s| s.user.display_name.clone()),
            is_site_admin: me.is_some_and(|s| s.user.is_site_admin),
            share: None,
        }
    }

    /// The page's link preview. `base` is the site's address, `path` and `image` are paths.
    pub fn shared_as(mut self, base: &str, path: &str, description: &str, image: &str) -> Frame {
        self.share = Some(Box::new(Share {
            url: format!("{base}{path}"),
            title: self.title.clone(),
            description: Share::describe(description),
            image: format!("{base}{image}"),
            kind: "website",
        }));
        self
    }

    /// A frame whose title is a catalog key.
    pub fn titled(req: &HttpRequest, title_key: &str) -> Frame {
        let mut frame = Frame::new(req, "");
        frame.title = frame.t(title_key).to_string();
        frame
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.locale.t(key)
    }

    pub fn tf1(&self, key: &str, name: &str, value: &str) -> String {
        self.locale.tf1(key, name, value)
    }

    pub fn lang(&self) -> &'static str {
        self.locale.html_lang()
    }

    /// The switch's label where a screen is narrow.
    /// og:locale for this page, and the other language as its alternate.
    pub fn og_locales(&self) -> (&'static str, &'static str) {
        match self.locale {
            Locale::ZhCn => ("zh_CN", "en_US"),
            Locale::En => ("en_US", "zh_CN"),
        }
    }

    pub fn other_short(&self) -> &'static str {
        match self.locale {
            Locale::ZhCn => "EN",
            Locale::En => "中文",
        }
    }

    pub fn other_label(&self) -> &'static str {
        match self.locale {
            Locale::ZhCn => "English",
            Locale::En => "简体中文",
        }
    }
}

pub fn render(page: &impl Template) -> Result<HttpResponse, crate::web::AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

pub use crate::i18n::{date, time_range};

/// A UTC time's date and clock time in a time zone, in the reader's language.
pub fn local_date_time(t: chrono::NaiveDateTime, tz: chrono_tz::Tz, locale: Locale) -> String {
    use chrono::TimeZone;
    let local = tz.from_utc_datetime(&t);
    format!(
        "{} {}",
        date(local.date_naive(), locale),
        local.format("%H:%M")
    )
}

/// A UTC time's date in a time zone, in the reader's language.
pub fn local_date(t: chrono::NaiveDateTime, tz: chrono_tz::Tz, locale: Locale) -> String {
    use chrono::TimeZone;
    date(tz.from_utc_datetime(&t).date_naive(), locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_the_chapter_zone() {
        let day = chrono::NaiveDate::from_ymd_opt(2021, 5, 29).unwrap_or_default();
        let s = day.and_hms_opt(5, 30, 0).unwrap_or_default();
        let e = day.and_hms_opt(9, 30, 0).unwrap_or_default();
        let tz = chrono_tz::Asia::Shanghai;
        assert_eq!(
            time_range(s, e, tz, Locale::ZhCn),
            "2021年5月29日 13:30–17:30（Asia/Shanghai）"
        );
        assert_eq!(
            time_range(s, e, tz, Locale::En),
            "Sat 29 May 2021, 13:30–17:30 (Asia/Shanghai)"
        );
    }
}
