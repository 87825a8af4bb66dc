//! A film's picture as a TV must show it: coded size, sample aspect ratio, rotation and
//! interlacing turned into a square-pixel display size with even sides.

use media_catalog::{Ratio, StreamInfo};
use serde::{Deserialize, Serialize};

/// The largest display side we compute; a corrupt header cannot overflow the arithmetic.
const MAX_SIDE: f64 = 65_536.0;

/// How a video stream's picture becomes an upright, unstretched, square-pixel picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Geometry {
    /// Width of the picture as stored in the stream.
    pub coded_width: u32,
    /// Height of the picture as stored in the stream.
    pub coded_height: u32,
    /// Sample (pixel) aspect ratio in lowest terms; 1:1 when the file gives none, 0:0, a
    /// negative value, or one beyond 1:4 … 4:1 (a corrupt header, not a real picture).
    pub sar: Ratio,
    /// Clockwise quarter turns (0–3) that show the picture upright. Rotations that are not a
    /// multiple of 90° are ignored, as FFmpeg's autorotate does.
    pub quarter_turns: u8,
    /// Width shown on screen: coded size × SAR, after rotation, even, square pixels.
    pub display_width: u32,
    /// Height shown on screen, after rotation, even.
    pub display_height: u32,
    /// The stream is interlaced (DVD, VCD, broadcast captures) and must be deinterlaced
    /// before it is scaled.
    pub interlaced: bool,
}

impl Geometry {
    /// The geometry of a video stream; None when its width or height is missing or zero.
    pub fn of(video: &StreamInfo) -> Option<Geometry> {
        let coded_width = video.width.filter(|w| *w > 0)?;
        let coded_height = video.height.filter(|h| *h > 0)?;
        let sar = normalized_sar(video.sar);
        let quarter_turns = quarter_turns(video.rotation);
        let mut w = f64::from(coded_width) * f64::from(sar.num) / f64::from(sar.den);
        let mut h = f64::from(coded_height);
        if quarter_turns % 2 == 1 {
            std::mem::swap(&mut w, &mut h);
        }
        Some(Geometry {
            coded_width,
            coded_height,
            sar,
            quarter_turns,
            display_width: even(w),
            display_height: even(h),
            interlaced: is_interlaced(video),
        })
    }

    /// The FFmpeg filters that turn the picture upright (`transpose=clock`, `hflip,vflip`,
    /// `transpose=cclock`); None when it already is.
    pub fn upright_filter(&self) -> Option<&'static str> {
        upright_filter(self.quarter_turns)
    }

    /// True when pixels are square (SAR 1:1).
    pub fn square_pixels(&self) -> bool {
        self.sar.num == self.sar.den
    }

    /// True when an H.264 stream can carry this SAR in its VUI: any ratio whose terms fit
    /// the 16-bit `Extended_SAR` fields (the common ones also have a table code).
    pub fn sar_signallable(&self) -> bool {
        (1..=65_535).contains(&self.sar.num) && (1..=65_535).contains(&self.sar.den)
    }
}

/// Clockwise quarter turns for a rotation in degrees: 90 → 1, 180 → 2, 270 (or -90) → 3;
/// angles more than a degree away from a quarter turn, NaN and None → 0.
pub fn quarter_turns(rotation: Option<f64>) -> u8 {
    let Some(deg) = rotation.filter(|d| d.is_finite()) else {
        return 0;
    };
    let deg = deg.rem_euclid(360.0);
    let turns = (deg / 90.0).round();
    if (deg - turns * 90.0).abs() > 1.0 {
        return 0;
    }
    (turns as u8) % 4
}

/// True when the stream says it is interlaced, by flag or by field order.
pub fn is_interlaced(video: &StreamInfo) -> bool {
    let by_order = matches!(
        video.field_order.as_deref(),
        Some("tt" | "bb" | "tb" | "bt")
    );
    by_order || video.interlaced == Some(true)
}

/// The SAR in lowest terms, or 1:1 when absent, not positive or beyond 1:4 … 4:1.
fn normalized_sar(sar: Option<Ratio>) -> Ratio {
    const SQUARE: Ratio = Ratio { num: 1, den: 1 };
    let Some(Ratio { num, den }) = sar.filter(|r| r.num > 0 && r.den > 0) else {
        return SQUARE;
    };
    let value = f64::from(num) / f64::from(den);
    if !(0.25..=4.0).contains(&value) {
        return SQUARE;
    }
    let g = gcd(num, den);
    Ratio {
        num: num / g,
        den: den / g,
    }
}

fn gcd(mut a: i32, mut b: i32) -> i32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// The nearest even whole number of pixels, at least 2 (4:2:0 chroma needs even sides);
/// NaN and infinities give 2, huge values are capped.
pub fn even(v: f64) -> u32 {
    if !v.is_finite() || v < 2.0 {
        return 2;
    }
    ((v.min(MAX_SIDE) / 2.0).round() as u32) * 2
}

/// The FFmpeg filters that undo `quarter_turns` clockwise quarter turns; None for none.
pub fn upright_filter(quarter_turns: u8) -> Option<&'static str> {
    match quarter_turns % 4 {
        1 => Some("transpose=clock"),
        2 => Some("hflip,vflip"),
        3 => Some("transpose=cclock"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(w: u32, h: u32, sar: Option<(i32, i32)>, rotation: Option<f64>) -> StreamInfo {
        StreamInfo {
            width: Some(w),
            height: Some(h),
            sar: sar.map(|(num, den)| Ratio { num, den }),
            rotation,
            ..StreamInfo::default()
        }
    }

    fn display(v: &StreamInfo) -> (u32, u32) {
        let g = Geometry::of(v).expect("geometry");
        (g.display_width, g.display_height)
    }

    #[test]
    fn a_pal_dvd_shows_at_four_by_three_or_sixteen_by_nine() {
        assert_eq!(display(&video(720, 576, Some((16, 15)), None)), (768, 576));
        assert_eq!(display(&video(720, 576, Some((64, 45)), None)), (1024, 576));
    }

    #[test]
    fn an_ntsc_dvd_with_narrow_pixels_is_narrowed_to_an_even_width() {
        // 720 × 10/11 = 654.5 → 654.
        assert_eq!(display(&video(720, 480, Some((10, 11)), None)), (654, 480));
    }

    #[test]
    fn missing_zero_or_absurd_sars_mean_square_pixels() {
        for sar in [
            None,
            Some((0, 0)),
            Some((0, 1)),
            Some((-4, 3)),
            Some((1000, 1)),
        ] {
            let g = Geometry::of(&video(640, 480, sar, None)).unwrap();
            assert!(g.square_pixels(), "{sar:?}");
            assert_eq!((g.display_width, g.display_height), (640, 480));
        }
    }

    #[test]
    fn sars_are_reduced() {
        let g = Geometry::of(&video(720, 576, Some((32, 30)), None)).unwrap();
        assert_eq!(g.sar, Ratio { num: 16, den: 15 });
        assert!(g.sar_signallable());
    }

    #[test]
    fn a_quarter_turn_swaps_the_display_sides() {
        assert_eq!(display(&video(1920, 1080, None, Some(90.0))), (1080, 1920));
        assert_eq!(display(&video(1920, 1080, None, Some(270.0))), (1080, 1920));
        assert_eq!(display(&video(1920, 1080, None, Some(180.0))), (1920, 1080));
    }

    #[test]
    fn rotations_snap_to_quarter_turns_or_are_ignored() {
        assert_eq!(quarter_turns(Some(90.0)), 1);
        assert_eq!(quarter_turns(Some(-90.0)), 3);
        assert_eq!(quarter_turns(Some(359.6)), 0);
        assert_eq!(quarter_turns(Some(450.0)), 1);
        assert_eq!(quarter_turns(Some(45.0)), 0);
        assert_eq!(quarter_turns(Some(f64::NAN)), 0);
        assert_eq!(quarter_turns(None), 0);
    }

    #[test]
    fn missing_or_zero_dimensions_give_no_geometry() {
        assert_eq!(Geometry::of(&StreamInfo::default()), None);
        assert_eq!(Geometry::of(&video(0, 576, None, None)), None);
        assert_eq!(Geometry::of(&video(720, 0, None, None)), None);
    }

    #[test]
    fn interlacing_is_read_from_the_flag_or_the_field_order() {
        let mut v = video(720, 576, None, None);
        assert!(!is_interlaced(&v));
        v.field_order = Some("progressive".into());
        assert!(!is_interlaced(&v));
        for order in ["tt", "bb", "tb", "bt"] {
            v.field_order = Some(order.into());
            assert!(is_interlaced(&v), "{order}");
        }
        v.field_order = None;
        v.interlaced = Some(true);
        assert!(is_interlaced(&v));
    }

    #[test]
    fn even_rounds_to_the_nearest_even_size_and_never_below_two() {
        assert_eq!(even(405.0), 406);
        assert_eq!(even(404.9), 404);
        assert_eq!(even(0.0), 2);
        assert_eq!(even(f64::NAN), 2);
        assert_eq!(even(f64::INFINITY), 2);
        assert_eq!(even(1e12), 65_536);
    }
}
