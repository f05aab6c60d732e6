//! Which language a request is answered in: `?lang=` (then remembered in a cookie), the `lang`
//! cookie, `Accept-Language`, then the configured default.

use crate::i18n::Locale;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};

pub const COOKIE: &str = "lang";

fn from_query(query: &str) -> Option<Locale> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Locale::parse(v))
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let default = req
        .app_data::<web::Data<crate::web::AppState>>()
        .map(|s| s.config.default_locale)
        .unwrap_or_default();
    let chosen = from_query(req.query_string());
    let user_setting = req
        .extensions()
        .get::<crate::web::http::auth::SignedIn>()
        .map(|s| s.user.locale);
    let locale = chosen
        .or_else(|| req.cookie(COOKIE).and_then(|c| Locale::parse(c.value())))
        .or(user_setting)
        .or_else(|| {
            req.headers()
                .get("accept-language")
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or(default);
    req.extensions_mut().insert(locale);
    let mut res = next.call(req).await?;
    if let Some(locale) = chosen {
        let cookie = Cookie::build(COOKIE, locale.code())
            .path("/")
            .max_age(Duration::days(365))
            .same_site(SameSite::Lax)
            .http_only(true)
            .finish();
        // A cookie that fails to attach only costs the reader their choice next time.
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}

/// The locale the middleware chose for this request.
pub fn of(req: &HttpRequest) -> Locale {
    req.extensions()
        .get::<Locale>()
        .copied()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_lang_is_found_among_other_parameters() {
        assert_eq!(from_query("a=1&lang=en"), Some(Locale::En));
        assert_eq!(from_query("lang=zh-CN"), Some(Locale::ZhCn));
        assert_eq!(from_query("lang=fr"), None);
    }

    #[test]
    fn accept_language_prefers_the_highest_quality() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("fr;q=1,zh;q=0.5,en;q=0.4"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("fr"), None);
    }
}
