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

/// A link preview image (1200 × 630, the size chat apps and Open Graph expect): the site's
/// blue with the page's QR code on a white card, so a preview pasted into a group can be
/// scanned from another screen. RGB PNG.
pub fn share_card(url: &str) -> Result<Vec<u8>, QrError> {
    const W: usize = 1200;
    const H: usize = 630;
    const BRAND: [u8; 3] = [0x0b, 0x5c, 0xad];
    const STRIPE: [u8; 3] = [0x08, 0x46, 0x83];
    let code = code(url)?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    // The biggest whole-pixel module that fits a 520 px card.
    let scale = (520 / (width + 2 * quiet)).max(1);
    let side = (width + 2 * quiet) * scale;
    let (left, top) = (W - side - 90, (H - side) / 2);
    let mut pixels = vec![0u8; W * H * 3];
    for y in 0..H {
        for x in 0..W {
            let c = if x < 36 { STRIPE } else { BRAND };
            pixels[(y * W + x) * 3..(y * W + x) * 3 + 3].copy_from_slice(&c);
        }
    }
    for y in top..top + side {
        pixels[(y * W + left) * 3..(y * W + left + side) * 3].fill(255);
    }
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (mx, my) = (i % width + quiet, i / width + quiet);
            for y in my * scale..(my + 1) * scale {
                let row = (top + y) * W + left;
                pixels[(row + mx * scale) * 3..(row + (mx + 1) * scale) * 3].fill(0x1c);
            }
        }
    }
    let mut out = Vec::new();
    let (w, h) = (
        u32::try_from(W).map_err(|_| QrError::Size)?,
        u32::try_from(H).map_err(|_| QrError::Size)?,
    );
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}
