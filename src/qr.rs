//! QR codes for links and tokens (the `qrcode` crate): medium error correction, so a slightly
//! creased or smudged print still scans, and the standard 4-module quiet zone.

use qrcode::{EcLevel, QrCode, render::svg};

/// Size bounds for `?size=` (pixels of the rendered code, quiet zone included).
pub const MIN_SIZE: u32 = 64;
pub const MAX_SIZE: u32 = 2048;
pub const DEFAULT_SIZE: u32 = 512;

fn code(data: &str) -> Result<QrCode, String> {
    QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|e| format!("cannot encode a QR code: {e}"))
}

pub fn svg(data: &str, size: u32) -> Result<String, String> {
    Ok(code(data)?
        .render::<svg::Color>()
        .min_dimensions(size, size)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// An SVG for embedding in a page: no XML prolog, scales to its container.
pub fn inline_svg(data: &str) -> Result<String, String> {
    let s = svg(data, 200)?;
    let start = s.find("<svg").unwrap_or(0);
    Ok(s[start..].replacen(
        "<svg",
        "<svg role=\"img\" aria-label=\"QR code\" preserveAspectRatio=\"xMidYMid meet\"",
        1,
    ))
}

pub fn png(data: &str, size: u32) -> Result<Vec<u8>, String> {
    let img = code(data)?
        .render::<image::Luma<u8>>()
        .min_dimensions(size, size)
        .quiet_zone(true)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| format!("cannot write PNG: {e}"))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    #[test]
    fn svg_and_png_render() {
        let s = super::svg("http://localhost/s/abc", 256).unwrap();
        assert!(s.contains("<svg"));
        let p = super::png("http://localhost/s/abc", 256).unwrap();
        assert_eq!(&p[1..4], b"PNG");
    }
}
