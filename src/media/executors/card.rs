//! Title cards: the picture shown for audio-only films (lectures, radio talks): a 480x270
//! JPEG with the title in white on a dark-red ground. Chinese text is drawn with ab_glyph from
//! a CJK font found on the system; without one the card is drawn plain (never a failure).

mod text;

use std::path::Path;
use std::sync::OnceLock;

use ab_glyph::FontVec;
use ffmpeg::{format::Pixel, frame};
use ffmpeg_next as ffmpeg;

use super::thumb::jpeg;
use crate::media::protocol::MediaFailure;

/// Card width in pixels (16:9, like the posters of widescreen films).
pub const CARD_WIDTH: u32 = 480;
/// Card height in pixels.
pub const CARD_HEIGHT: u32 = 270;

/// Where Debian-family (first) and other distributions put CJK fonts; TTC index 0 of each.
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
];

/// Ground colours, top and bottom of the vertical gradient (a deep 党旗 red).
const RED_TOP: [u8; 3] = [150, 22, 26];
const RED_BOTTOM: [u8; 3] = [88, 10, 14];
/// Thin gold rules framing the text.
const GOLD: [u8; 3] = [212, 170, 70];
/// Rows of the two rules; the text sits between them.
const RULES_Y: [u32; 2] = [26, 242];
const RULE_MARGIN_X: u32 = 40;

/// Writes a title card JPEG to `out` (atomically: temp file + rename).
///
/// `title` is drawn large, wrapped onto up to three lines and shrunk to fit; `subtitle`
/// (e.g. "讲座 · 音频") smaller beneath it. Fails only with `Output`, when the JPEG cannot be
/// encoded or written.
pub fn write_title_card(
    title: &str,
    subtitle: Option<&str>,
    out: &Path,
) -> Result<(), MediaFailure> {
    let canvas = render(title, subtitle, cjk_font());
    let mut picture = canvas.to_jpeg_frame()?;
    let bytes = jpeg::encode_jpeg(&mut picture)?;
    jpeg::write_atomically(out, &bytes)
}

/// Draws the card; `font` is `None` when no CJK font is installed.
fn render(title: &str, subtitle: Option<&str>, font: Option<&FontVec>) -> Canvas {
    let mut canvas = Canvas::new(CARD_WIDTH, CARD_HEIGHT);
    canvas.fill_background();
    if let Some(font) = font {
        text::draw_title_block(&mut canvas, font, title, subtitle.unwrap_or(""));
    }
    canvas
}

/// The system CJK font, loaded once per process (the zenhei collection is ~17 MB).
fn cjk_font() -> Option<&'static FontVec> {
    static FONT: OnceLock<Option<FontVec>> = OnceLock::new();
    FONT.get_or_init(load_font).as_ref()
}

fn load_font() -> Option<FontVec> {
    for path in FONT_PATHS {
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        match FontVec::try_from_vec_and_index(data, 0) {
            Ok(font) => return Some(font),
            Err(e) => tracing::warn!("font {path} is unusable: {e}"),
        }
    }
    tracing::warn!(
        "no CJK font found (install fonts-wqy-zenhei or fonts-noto-cjk): title cards have no text"
    );
    None
}

/// An RGB picture being composed.
pub(super) struct Canvas {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Canvas {
    fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            width,
            height,
            rgb: vec![0; (width * height * 3) as usize],
        }
    }

    /// The red gradient and the gold rules.
    fn fill_background(&mut self) {
        let last = (self.height - 1).max(1) as f32;
        for y in 0..self.height {
            let t = y as f32 / last;
            let colour: [u8; 3] = std::array::from_fn(|i| {
                (f32::from(RED_TOP[i]) * (1.0 - t) + f32::from(RED_BOTTOM[i]) * t).round() as u8
            });
            for x in 0..self.width {
                self.blend(x as i32, y as i32, colour, 1.0);
            }
        }
        for rule_y in RULES_Y {
            for y in rule_y..rule_y + 2 {
                for x in RULE_MARGIN_X..self.width - RULE_MARGIN_X {
                    self.blend(x as i32, y as i32, GOLD, 1.0);
                }
            }
        }
    }

    /// Mixes `colour` into the pixel at (`x`, `y`) by `coverage` (0–1); outside is ignored.
    pub(super) fn blend(&mut self, x: i32, y: i32, colour: [u8; 3], coverage: f32) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return;
        }
        let a = coverage.clamp(0.0, 1.0);
        let at = ((y as u32 * self.width + x as u32) * 3) as usize;
        for (dst, src) in self.rgb[at..at + 3].iter_mut().zip(colour) {
            *dst = (f32::from(*dst) * (1.0 - a) + f32::from(src) * a).round() as u8;
        }
    }

    pub(super) fn width(&self) -> u32 {
        self.width
    }

    pub(super) fn height(&self) -> u32 {
        self.height
    }

    /// The picture as a `yuvj420p` frame for the JPEG encoder.
    fn to_jpeg_frame(&self) -> Result<frame::Video, MediaFailure> {
        let mut rgb = frame::Video::new(Pixel::RGB24, self.width, self.height);
        let stride = rgb.stride(0);
        let row_bytes = (self.width * 3) as usize;
        let plane = rgb.data_mut(0);
        for (y, row) in self.rgb.chunks_exact(row_bytes).enumerate() {
            plane[y * stride..y * stride + row_bytes].copy_from_slice(row);
        }
        jpeg::scale_to_jpeg_frame(&rgb, self.width, self.height)
            .map_err(|e| jpeg::output_failure(format!("cannot convert the title card: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::thumb::test_support::{probe, Gray};
    use super::*;
    use crate::media::protocol::FailureKind;

    #[test]
    fn a_title_card_is_a_480_by_270_jpeg() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("card.jpg");
        write_title_card("学习贯彻党的二十大精神", Some("讲座 · 音频"), &out).expect("a card");
        let bytes = std::fs::read(&out).expect("written");
        assert_eq!(&bytes[..2], &[0xFF, 0xD8], "JPEG start-of-image marker");
        let stream = &probe(&out)["streams"][0];
        assert_eq!(stream["codec_name"], "mjpeg");
        assert_eq!(
            (stream["width"].as_u64(), stream["height"].as_u64()),
            (Some(480), Some(270))
        );
    }

    #[test]
    fn a_title_is_drawn_as_glyphs_over_the_plain_ground() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (titled, plain) = (dir.path().join("titled.jpg"), dir.path().join("plain.jpg"));
        write_title_card("农村党员冬训", None, &titled).expect("a card");
        write_title_card("", None, &plain).expect("a card");
        // The middle band, between the gold rules.
        let band = |g: &Gray| g.stats(40, 440, 60, 210);
        let ((titled_mean, titled_var), (_, plain_var)) =
            (band(&Gray::decode(&titled)), band(&Gray::decode(&plain)));
        assert!(
            plain_var < 30.0,
            "the ground is a smooth gradient: {plain_var:.1}"
        );
        assert!(titled_var > 300.0, "white letters on red: {titled_var:.1}");
        assert!(titled_mean > band(&Gray::decode(&plain)).0);
    }

    #[test]
    fn without_a_font_the_card_is_drawn_plain_rather_than_failing() {
        let without_font = render("党课", Some("讲座 · 音频"), None);
        let empty = render("", None, None);
        assert!(without_font.rgb == empty.rgb);
        assert!(without_font.to_jpeg_frame().is_ok());
    }

    #[test]
    fn a_card_that_cannot_be_written_is_an_output_failure() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("no-such-folder").join("card.jpg");
        let err = write_title_card("党课", None, &out).expect_err("no folder");
        assert_eq!(err.kind, FailureKind::Output);
    }
}
