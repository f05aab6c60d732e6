//! Static assets compiled into the binary, so the app serves them from any working directory:
//! the stylesheet under a name that carries its hash (cached for a year, immutable), the
//! icons and the web app manifest.

use actix_web::{HttpResponse, web};
use std::sync::LazyLock;

const STYLESHEET: &str = include_str!("../../../static/app.css");
/// A year: what an asset whose name changes with its content may be cached for.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The stylesheet's fingerprint: the first 12 hex digits of its SHA-256.
pub static STYLESHEET_HASH: LazyLock<String> =
    LazyLock::new(|| crate::crypto::sha256_hex(STYLESHEET)[..12].to_string());

/// Where pages link the stylesheet: its name changes whenever its content does.
pub fn stylesheet_href() -> String {
    crate::paths::stylesheet_hashed(STYLESHEET_HASH.as_str())
}

/// GET /static/app.css: the unversioned name (old pages, scripts), cached for an hour.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLESHEET)
}

/// GET /static/app.{hash}.css: immutable for a year when the hash is this build's; another
/// hash (a page rendered by an older or newer instance during a rolling upgrade) gets this
/// build's stylesheet, briefly cached.
pub async fn stylesheet_hashed(hash: web::Path<String>) -> HttpResponse {
    // A fingerprint is hex; anything else (a NUL, a path) is a bad request.
    if hash.is_empty() || hash.len() > 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return HttpResponse::BadRequest().finish();
    }
    let cache = if hash.as_str() == STYLESHEET_HASH.as_str() {
        IMMUTABLE
    } else {
        "public, max-age=60"
    };
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", cache))
        .body(STYLESHEET)
}

const ICON_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0b5cad"/><text x="32" y="42" font-family="system-ui,sans-serif" font-size="28" font-weight="700" fill="#fff" text-anchor="middle">oG</text></svg>"##;

/// The mark as a PNG of `side` pixels: the site's blue, rounded, with a white ring (a PNG
/// needs no font; the SVG icon carries the letters).
fn icon_png(side: u32) -> Vec<u8> {
    let n = side as usize;
    let mut pixels = vec![0u8; n * n * 4];
    let r = side as f64 * 0.22;
    let c = (side as f64 - 1.0) / 2.0;
    let (outer, inner) = (side as f64 * 0.30, side as f64 * 0.19);
    for y in 0..n {
        for x in 0..n {
            let (fx, fy) = (x as f64, y as f64);
            // Rounded corners: outside the corner circles is transparent.
            let dx = (fx - c).abs() - (c - r);
            let dy = (fy - c).abs() - (c - r);
            let corner = dx > 0.0 && dy > 0.0 && (dx * dx + dy * dy).sqrt() > r;
            let d = ((fx - c).powi(2) + (fy - c).powi(2)).sqrt();
            let px = &mut pixels[(y * n + x) * 4..(y * n + x) * 4 + 4];
            if corner {
                px.copy_from_slice(&[0, 0, 0, 0]);
            } else if d <= outer && d >= inner {
                px.copy_from_slice(&[255, 255, 255, 255]);
            } else {
                px.copy_from_slice(&[0x0b, 0x5c, 0xad, 255]);
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    if let Ok(mut writer) = encoder.write_header() {
        let _ = writer.write_image_data(&pixels);
        let _ = writer.finish();
    }
    out
}

static ICON_32: LazyLock<Vec<u8>> = LazyLock::new(|| icon_png(32));
static ICON_180: LazyLock<Vec<u8>> = LazyLock::new(|| icon_png(180));
static ICON_512: LazyLock<Vec<u8>> = LazyLock::new(|| icon_png(512));

fn png_response(bytes: &'static [u8]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "public, max-age=604800"))
        .body(bytes)
}

/// GET /favicon.ico (browsers ask for it by that name; a PNG is what they get).
pub async fn favicon() -> HttpResponse {
    png_response(ICON_32.as_slice())
}

/// GET /apple-touch-icon.png
pub async fn apple_touch_icon() -> HttpResponse {
    png_response(ICON_180.as_slice())
}

/// GET /static/icon-512.png (the manifest's icon, and link previews without a picture).
pub async fn icon_512() -> HttpResponse {
    png_response(ICON_512.as_slice())
}

/// GET /static/icon.svg
pub async fn icon_svg() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=604800"))
        .body(ICON_SVG)
}

/// GET /manifest.webmanifest: a phone's "add to home screen".
pub async fn manifest() -> HttpResponse {
    let body = serde_json::json!({
        "name": "openGauss User Group (oGUG)",
        "short_name": "oGUG",
        "start_url": "/",
        "display": "standalone",
        "background_color": "#f6f8fb",
        "theme_color": "#0b5cad",
        "icons": [
            { "src": crate::paths::icon_svg(), "type": "image/svg+xml", "sizes": "any" },
            { "src": crate::paths::apple_touch_icon(), "type": "image/png", "sizes": "180x180" },
            { "src": crate::paths::icon_512(), "type": "image/png", "sizes": "512x512" }
        ]
    });
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(body.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn icons_are_pngs_of_their_size() {
        let png = super::icon_png(180);
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().expect("a PNG");
        assert_eq!((reader.info().width, reader.info().height), (180, 180));
    }
}
