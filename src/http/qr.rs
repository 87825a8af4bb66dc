//! QR codes as SVG (the `qrcode` crate): for the pairing link a phone's camera opens.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// `text` as an SVG QR code (medium error correction, a quiet zone, at least 240 px square),
/// or `None` if it is too long for a QR code.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pairing_link_becomes_an_svg_and_a_huge_text_does_not() {
        let out = super::svg("http://192.168.1.10:8080/m/?code=123456").expect("fits");
        assert!(out.starts_with("<?xml") && out.contains("<svg"), "{out}");
        assert!(
            !out.contains("code=123456"),
            "the text is in the modules only"
        );
        assert!(super::svg(&"x".repeat(8000)).is_none());
    }
}
