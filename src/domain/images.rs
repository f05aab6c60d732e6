//! Uploaded pictures (speaker photos, organization logos). An upload is never stored as sent:
//! its type is sniffed from the bytes, its size and pixel dimensions are checked before it is
//! decoded, and it is re-encoded (which drops metadata and anything hidden in or after it).

use crate::db::DbConnection;
use crate::db::schema::images;
use crate::domain::ids::UserId;
use crate::domain::{DomainError, DomainResult, now};
use diesel::prelude::*;
use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest upload accepted.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Largest side and pixel count decoded: plenty for a photo or a logo shown at 800 pixels,
/// and a decoded picture of at most 64 MiB (RGBA), so a few decoding at once stay bounded.
pub const MAX_SIDE: u32 = 4096;
const MAX_PIXELS: u64 = 4096 * 4096;
/// Pictures decoded at once, across every upload form: a decode of the largest allowed picture
/// takes up to ~70 MB while it runs; more uploads wait their turn.
pub const CONCURRENT_DECODES: usize = 2;
/// Stored pictures are scaled down to fit this square.
const STORED_SIDE: u32 = 800;

/// A picture ready to store: re-encoded bytes and their content hash.
#[derive(Debug, Clone)]
pub struct CleanImage {
    pub hash: String,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

impl CleanImage {
    /// The content-hashed path it is served at.
    pub fn path(&self) -> String {
        path_of(&self.hash, self.mime)
    }
}

pub fn path_of(hash: &str, mime: &str) -> String {
    let ext = if mime == "image/png" { "png" } else { "jpg" };
    crate::paths::image(format!("{hash}.{ext}"))
}

/// Checks and re-encodes an upload; the error is the catalog key for the field.
pub fn clean(bytes: &[u8]) -> Result<CleanImage, &'static str> {
    if bytes.is_empty() {
        return Err("error.image_empty");
    }
    if bytes.len() > MAX_BYTES {
        return Err("error.image_too_big");
    }
    // The name and the Content-Type the browser sent are ignored: only the bytes count.
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)) => f,
        _ => return Err("error.image_type"),
    };
    if !ends_where_it_should(format, bytes) {
        // Something follows the picture (a polyglot: a ZIP, HTML or script after it).
        return Err("error.image_damaged");
    }
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| "error.image_damaged")?;
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err("error.image_dimensions");
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + 1024 * 1024);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|_| "error.image_damaged")?;
    let picture = if decoded.width() > STORED_SIDE || decoded.height() > STORED_SIDE {
        decoded.thumbnail(STORED_SIDE, STORED_SIDE)
    } else {
        decoded
    };
    let mut out = Vec::new();
    // Transparent pictures (logos) stay PNG; others become JPEG.
    let mime = if picture.color().has_alpha() {
        picture
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|_| "error.image_damaged")?;
        "image/png"
    } else {
        let rgb = picture.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
            .encode_image(&rgb)
            .map_err(|_| "error.image_damaged")?;
        "image/jpeg"
    };
    Ok(CleanImage {
        hash: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&out)),
        mime,
        width: picture.width(),
        height: picture.height(),
        bytes: out,
    })
}

/// A file must end where its format says the picture ends.
fn ends_where_it_should(format: ImageFormat, bytes: &[u8]) -> bool {
    const IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
    match format {
        ImageFormat::Png => bytes.ends_with(&IEND),
        ImageFormat::Jpeg => bytes.ends_with(&[0xFF, 0xD9]),
        ImageFormat::WebP => bytes
            .get(4..8)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
            .is_some_and(|size| u32::from_le_bytes(size) as usize + 8 == bytes.len()),
        _ => false,
    }
}

/// Stores a cleaned picture once (the same bytes share a row) and returns its hash.
pub fn store(
    conn: &mut DbConnection,
    image: &CleanImage,
    by: Option<UserId>,
) -> DomainResult<String> {
    let exists = images::table
        .filter(images::hash.eq(&image.hash))
        .select(images::id)
        .first::<i64>(conn)
        .optional()?;
    if exists.is_none() {
        diesel::insert_into(images::table)
            .values((
                images::hash.eq(&image.hash),
                images::mime.eq(image.mime),
                images::width.eq(i32::try_from(image.width).unwrap_or(0)),
                images::height.eq(i32::try_from(image.height).unwrap_or(0)),
                images::bytes.eq(&image.bytes),
                images::uploaded_by.eq(by),
                images::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(image.hash.clone())
}

/// A stored picture's type and bytes.
pub fn load(conn: &mut DbConnection, hash: &str) -> DomainResult<(String, Vec<u8>)> {
    images::table
        .filter(images::hash.eq(hash))
        .select((images::mime, images::bytes))
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// The served path of a stored picture, if there is one (its type is part of the path).
pub fn path_for(conn: &mut DbConnection, hash: Option<&str>) -> DomainResult<Option<String>> {
    Ok(match hash {
        Some(h) => paths_for(conn, &[h])?.remove(h),
        None => None,
    })
}

/// The served paths of many stored pictures in one query, by hash.
pub fn paths_for(
    conn: &mut DbConnection,
    hashes: &[&str],
) -> DomainResult<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, String)> = images::table
        .filter(images::hash.eq_any(hashes))
        .select((images::hash, images::mime))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(hash, mime)| {
            let path = path_of(&hash, &mime);
            (hash, path)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbaImage::new(w, h)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_png_is_re_encoded_and_anything_after_it_refused() {
        let ok = clean(&png(10, 10)).unwrap();
        assert_eq!(ok.mime, "image/png");
        let mut polyglot = png(10, 10);
        polyglot.extend_from_slice(b"<script>alert(1)</script>");
        assert_eq!(clean(&polyglot).unwrap_err(), "error.image_damaged");
        assert_eq!(clean(b"").unwrap_err(), "error.image_empty");
        assert_eq!(clean(b"<svg></svg>").unwrap_err(), "error.image_type");
    }
}
