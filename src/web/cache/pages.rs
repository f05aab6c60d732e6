//! A micro-cache for public pages seen by anonymous visitors: the rendered response of a GET is
//! kept for a second or two, per path, query and language. Busy chapter pages then cost one
//! render a second instead of one a request. Every instance keeps its own cache: a successful
//! change through an instance clears that instance's cache at once and, on PostgreSQL, tells the
//! other instances through `NOTIFY ogug_pages`, whose listeners clear theirs; the TTL bounds the
//! staleness if a listener is down. Signed-in requests, forms and anything but a 200 are never
//! cached; cached pages carry nothing personal (the CSRF meta tag is only rendered for signed-in
//! people).

use crate::paths::pattern;
use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpResponse};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(2);
// A stale copy is served while one request refreshes it, for at most 10 × TTL.
const MAX_ENTRIES: usize = 2000;
/// Bytes of page bodies kept at most: query strings are the visitor's to choose, so neither the
/// number of entries nor their size may grow without bound.
const MAX_BYTES: usize = 16 << 20;

/// Route patterns whose anonymous GETs may be cached.
const CACHEABLE: [&str; 13] = [
    pattern::home,
    pattern::chapters,
    pattern::chapter,
    pattern::chapter_events,
    pattern::event,
    pattern::event_ics,
    pattern::chapter_events_ics,
    pattern::chapter_events_atom,
    pattern::events,
    pattern::events_ics,
    pattern::events_atom,
    pattern::events_json,
    pattern::chapter_events_json,
];

/// Unsafe routes that cannot change what a cached page shows (signing in and out, passwords,
/// pending applications): they leave the cache alone, so a sign-in storm or a burst of
/// applications does not send every visitor of a busy page to the database.
const NO_PUBLIC_EFFECT: [&str; 9] = [
    pattern::login,
    pattern::logout,
    pattern::activate,
    pattern::reset,
    pattern::reset_link,
    pattern::password,
    pattern::apply,
    pattern::application_confirm,
    pattern::application_status,
];

struct Entry {
    at: Instant,
    /// A request is rendering a fresh copy; others keep getting this one meanwhile.
    refreshing: bool,
    content_type: Option<HeaderValue>,
    cache_control: Option<HeaderValue>,
    body: Bytes,
    /// The body's fingerprint: conditional GETs (feed readers, calendar apps) get a 304.
    etag: HeaderValue,
    /// When this body was first served (kept across refreshes and clears while it is the
    /// same), for `Last-Modified` / `If-Modified-Since`.
    modified: std::time::SystemTime,
    /// The body compressed once when kept, for clients that ask (None: not worth it).
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

fn secs(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How a client asked for the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Brotli,
    Gzip,
    Identity,
}

impl Coding {
    /// Brotli when the client takes it, else gzip, else none (q=0 refuses a coding).
    fn of(req: &actix_web::HttpRequest) -> Coding {
        let Some(accept) = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
        else {
            return Coding::Identity;
        };
        let takes = |name: &str| {
            accept.split(',').any(|part| {
                let mut it = part.trim().split(';');
                it.next()
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
                    && !it.any(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.trim().parse::<f32>().ok())
                            .is_some_and(|q| q == 0.0)
                    })
            })
        };
        if takes("br") {
            Coding::Brotli
        } else if takes("gzip") {
            Coding::Gzip
        } else {
            Coding::Identity
        }
    }
}

/// Text worth compressing: HTML, CSS, JSON, XML, iCalendar, SVG, over 200 bytes.
fn compressible(content_type: Option<&HeaderValue>, len: usize) -> bool {
    len >= 200
        && content_type.and_then(|v| v.to_str().ok()).is_some_and(|t| {
            ["text/", "json", "xml", "calendar", "svg"]
                .iter()
                .any(|k| t.contains(k))
        })
}

fn gzip(body: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(body).ok()?;
    enc.finish().ok().map(Bytes::from)
}

fn brotli(body: &[u8]) -> Option<Bytes> {
    let mut out = Vec::with_capacity(body.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut std::io::Cursor::new(body), &mut out, &params).ok()?;
    Some(Bytes::from(out))
}

impl Entry {
    fn new(
        content_type: Option<HeaderValue>,
        cache_control: Option<HeaderValue>,
        body: Bytes,
    ) -> Entry {
        let etag = HeaderValue::from_str(&format!(
            "\"{}\"",
            &crate::crypto::sha256_hex_bytes(&body)[..20]
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
        let squeeze = compressible(content_type.as_ref(), body.len());
        Entry {
            at: Instant::now(),
            refreshing: false,
            modified: std::time::SystemTime::now(),
            gzip: squeeze.then(|| gzip(&body)).flatten(),
            brotli: squeeze.then(|| brotli(&body)).flatten(),
            content_type,
            cache_control,
            etag,
            body,
        }
    }

    /// Bytes it holds: the body and its compressed copies.
    fn size(&self) -> usize {
        self.body.len()
            + self.gzip.as_ref().map_or(0, Bytes::len)
            + self.brotli.as_ref().map_or(0, Bytes::len)
    }

    /// The response for a request: 304 when it holds this body's tag, else the body in the
    /// coding it takes.
    fn respond(&self, req: &actix_web::HttpRequest) -> HttpResponse {
        let modified = header::HttpDate::from(self.modified);
        let matches = match req.headers().get(header::IF_NONE_MATCH) {
            // The tag decides when there is one (RFC 9110 §13.1.3).
            Some(sent) => {
                sent.to_str()
                    .ok()
                    .zip(self.etag.to_str().ok())
                    .is_some_and(|(sent, mine)| {
                        sent.split(',').any(|t| t.trim() == mine || t.trim() == "*")
                    })
            }
            None => req
                .headers()
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<header::HttpDate>().ok())
                // Dates on the wire have whole seconds.
                .is_some_and(|since| secs(since.into()) >= secs(self.modified)),
        };
        let mut res = if matches {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        res.insert_header((header::ETAG, self.etag.clone()));
        res.insert_header((header::LAST_MODIFIED, modified));
        res.insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")));
        if let Some(cc) = &self.cache_control {
            res.insert_header((header::CACHE_CONTROL, cc.clone()));
        }
        if matches {
            return res.finish();
        }
        if let Some(ct) = &self.content_type {
            res.insert_header((header::CONTENT_TYPE, ct.clone()));
        }
        let (coding, body) = match (Coding::of(req), &self.brotli, &self.gzip) {
            (Coding::Brotli, Some(b), _) => ("br", b.clone()),
            (Coding::Brotli | Coding::Gzip, _, Some(g)) => ("gzip", g.clone()),
            _ => ("", self.body.clone()),
        };
        if !coding.is_empty() {
            res.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(coding)));
        }
        res.body(body)
    }
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    bytes: usize,
}

#[derive(Default)]
pub struct PageCache {
    entries: Mutex<Entries>,
    /// Bumped by every clear: a render that began before a change is not kept after it.
    generation: AtomicU64,
    /// Per key, the tag of the body last kept and when it first appeared: a body that comes
    /// back the same after a refresh or a clear keeps its `Last-Modified`.
    stamps: Mutex<HashMap<String, (HeaderValue, std::time::SystemTime)>>,
}

impl PageCache {
    /// A fresh copy; or, once it is stale, the stale copy for everyone but the one request that
    /// is sent on to render a new one (so an expiry never sends every waiting request to the
    /// database at once).
    fn get(&self, key: &str, req: &actix_web::HttpRequest) -> Option<HttpResponse> {
        let mut entries = self.entries.lock().ok()?;
        let e = entries.map.get_mut(key)?;
        let age = e.at.elapsed();
        if age >= TTL && (!e.refreshing || age >= TTL * 10) {
            e.refreshing = true;
            return None;
        }
        Some(e.respond(req))
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            *entries = Entries::default();
        }
    }

    /// When this body of `key` first appeared (now, if it is new).
    fn first_seen(&self, key: &str, etag: &HeaderValue) -> std::time::SystemTime {
        let now = std::time::SystemTime::now();
        let Ok(mut stamps) = self.stamps.lock() else {
            return now;
        };
        if let Some((tag, at)) = stamps.get(key)
            && tag == etag
        {
            return *at;
        }
        if stamps.len() >= MAX_ENTRIES {
            stamps.clear();
        }
        stamps.insert(key.to_string(), (etag.clone(), now));
        now
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn put(&self, key: String, entry: Entry, rendered_in: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            // The generation only moves under this lock, so the check cannot race a clear.
            if self.generation() != rendered_in {
                return;
            }
            let entries = &mut *entries;
            let full =
                |e: &Entries| e.map.len() >= MAX_ENTRIES || e.bytes + entry.size() > MAX_BYTES;
            if full(entries) {
                entries.map.retain(|_, e| e.at.elapsed() < TTL);
                entries.bytes = entries.map.values().map(Entry::size).sum();
                if full(entries) {
                    *entries = Entries::default();
                }
            }
            entries.bytes += entry.size();
            if let Some(old) = entries.map.insert(key, entry) {
                entries.bytes -= old.size();
            }
        }
    }
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let route = crate::web::http::request_log::route_of(&req);
    let cacheable = req.method() == Method::GET
        && req
            .extensions()
            .get::<crate::web::http::auth::SignedIn>()
            .is_none()
        && route.as_deref().is_some_and(|p| CACHEABLE.contains(&p));
    let Some(state) = req
        .app_data::<actix_web::web::Data<crate::web::AppState>>()
        .cloned()
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let cache = state.page_cache.clone();
    if !cacheable {
        let unsafe_method = req.method() != Method::GET
            && req.method() != Method::HEAD
            && !route
                .as_deref()
                .is_some_and(|p| NO_PUBLIC_EFFECT.contains(&p));
        let res = next.call(req).await?;
        // A change made through this instance shows at once here; other instances catch up
        // within the TTL.
        if unsafe_method && res.status().as_u16() < 400 {
            cache.clear();
            if let Some(state) = res
                .request()
                .app_data::<actix_web::web::Data<crate::web::AppState>>()
            {
                tell_other_instances(state);
            }
        }
        return Ok(res.map_into_boxed_body());
    }
    let locale = crate::web::http::locale::of(req.request());
    let key = format!("{}?{}#{}", req.path(), req.query_string(), locale.code());
    if let Some(res) = cache.get(&key, req.request()) {
        state.metrics.cache_hits.inc();
        return Ok(req.into_response(res));
    }
    state.metrics.cache_misses.inc();
    let generation = cache.generation();
    let res = next.call(req).await?;
    if res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|_| crate::web::AppError::Internal(anyhow::anyhow!("body read failed")))?;
    let mut entry = Entry::new(
        head.headers().get(header::CONTENT_TYPE).cloned(),
        head.headers().get(header::CACHE_CONTROL).cloned(),
        bytes,
    );
    entry.modified = cache.first_seen(&key, &entry.etag);
    let mut res = entry.respond(&req);
    // What the handler set beyond the cache's own headers (security headers are added outside).
    for (name, value) in head.headers() {
        if !res.headers().contains_key(name) && name != header::CONTENT_LENGTH {
            res.headers_mut().insert(name.clone(), value.clone());
        }
    }
    cache.put(key, entry, generation);
    Ok(ServiceResponse::new(req, res))
}

/// The channel on which instances sharing a PostgreSQL database tell each other to clear their
/// page caches; the payload is the schema, so deployments sharing a database stay apart.
pub const CHANNEL: &str = "ogug_pages";

/// After a change: the other instances clear their caches (PostgreSQL only; fire and forget, as
/// the TTL is the fallback).
fn tell_other_instances(state: &crate::web::AppState) {
    if crate::db::Backend::from_url(&state.config.database_url).ok()
        != Some(crate::db::Backend::Postgres)
    {
        return;
    }
    let pool = state.pool.clone();
    actix_web::rt::spawn(async move {
        let sent = actix_web::web::block(move || -> Result<(), crate::domain::DomainError> {
            use diesel::prelude::*;
            let mut conn = pool.get()?;
            diesel::sql_query(format!("SELECT pg_notify('{CHANNEL}', current_schema())"))
                .execute(&mut conn)?;
            Ok(())
        })
        .await;
        if !matches!(sent, Ok(Ok(()))) {
            tracing::warn!("could not tell other instances to clear their page caches");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(bytes: usize) -> Entry {
        Entry::new(None, None, Bytes::from(vec![b'x'; bytes]))
    }

    #[test]
    fn visitor_chosen_query_strings_cannot_grow_the_cache_without_bound() {
        let cache = PageCache::default();
        for n in 0..100 {
            cache.put(format!("/?r={n}"), entry(1 << 20), cache.generation());
            let entries = cache.entries.lock().unwrap();
            assert!(entries.bytes <= MAX_BYTES, "{} bytes", entries.bytes);
            assert_eq!(
                entries.bytes,
                entries.map.values().map(Entry::size).sum::<usize>()
            );
        }
        for n in 0..3 * MAX_ENTRIES {
            cache.put(format!("/?s={n}"), entry(10), cache.generation());
        }
        assert!(cache.entries.lock().unwrap().map.len() <= MAX_ENTRIES);
    }

    #[test]
    fn a_render_begun_before_a_change_is_not_kept_after_it() {
        let cache = PageCache::default();
        let before = cache.generation();
        cache.clear();
        let req = actix_web::test::TestRequest::default().to_http_request();
        cache.put("/".into(), entry(10), before);
        assert!(cache.get("/", &req).is_none());
        cache.put("/".into(), entry(10), cache.generation());
        assert!(cache.get("/", &req).is_some());
    }
}
