//! QR codes of a link: a chapter's apply page ("扫码申请加入"), a ticket, an event's door.
//! SVG for pages, PNG for print and for emails.

use qrcode::render::svg;
use qrcode::{Color, QrCode};

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("QR code: {0}")]
    Code(#[from] qrcode::types::QrError),
    #[error("QR image: {0}")]
    Png(#[from] png::EncodingError),
    #[error("QR image too large")]
    Size,
}

fn code(url: &str) -> Result<QrCode, QrError> {
    Ok(QrCode::new(url.as_bytes())?)
}

pub fn svg(url: &str) -> Result<String, QrError> {
    Ok(code(url)?
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#1c2430"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// A grayscale PNG, `scale` pixels a module, with the standard 4-module quiet zone.
pub fn png(url: &str, scale: usize) -> Result<Vec<u8>, QrError> {
    let code = code(url)?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let size = (width + 2 * quiet) * scale;
    let mut pixels = vec![255u8; size * size];
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (mx, my) = (i % width + quiet, i / width + quiet);
            for y in my * scale..(my + 1) * scale {
                pixels[y * size + mx * scale..y * size + (mx + 1) * scale].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(size).map_err(|_| QrError::Size)?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}
