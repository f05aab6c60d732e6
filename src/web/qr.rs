//! QR codes of a chapter's apply URL ("扫码申请加入"): SVG for the page, PNG for print.

use qrcode::render::svg;
use qrcode::{Color, QrCode};

fn code(url: &str) -> Result<QrCode, super::AppError> {
    QrCode::new(url.as_bytes())
        .map_err(|e| super::AppError::Internal(anyhow::anyhow!("QR code: {e}")))
}

pub fn svg(url: &str) -> Result<String, super::AppError> {
    Ok(code(url)?
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#1c2430"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// A grayscale PNG, `scale` pixels a module, with the standard 4-module quiet zone.
pub fn png(url: &str, scale: usize) -> Result<Vec<u8>, super::AppError> {
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
    let side = u32::try_from(size).map_err(|e| super::AppError::Internal(e.into()))?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| super::AppError::Internal(e.into()))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| super::AppError::Internal(e.into()))?;
    writer
        .finish()
        .map_err(|e| super::AppError::Internal(e.into()))?;
    Ok(out)
}
