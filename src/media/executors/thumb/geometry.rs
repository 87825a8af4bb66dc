//! Pure picture arithmetic for posters: the poster's size for the plan's display geometry,
//! and the luma statistics that tell a real picture from a black or flat one.

use ffmpeg::frame;
use ffmpeg_next as ffmpeg;

use crate::media::prepare::geometry::{even, Geometry};

/// The box a poster must fit in, in display pixels.
#[derive(Clone, Copy, Debug)]
pub(super) struct PosterBox {
    pub width: u32,
    pub height: u32,
}

impl PosterBox {
    /// 480 x 360: 480 px wide for 4:3 and wider pictures.
    pub const DEFAULT: PosterBox = PosterBox {
        width: 480,
        height: 360,
    };

    /// The poster's size for a picture of `geometry` (its upright, square-pixel display
    /// size): as large as fits the box, both sides even (4:2:0 chroma) and at least 2.
    pub fn fit(self, geometry: &Geometry) -> (u32, u32) {
        let (dw, dh) = (
            f64::from(geometry.display_width),
            f64::from(geometry.display_height),
        );
        let scale = (f64::from(self.width) / dw).min(f64::from(self.height) / dh);
        (even(dw * scale), even(dh * scale))
    }
}

/// Mean and variance of a picture's luma (plane 0, 8-bit).
#[derive(Clone, Copy, Debug)]
pub(super) struct LumaStats {
    pub mean: f64,
    pub variance: f64,
}

impl LumaStats {
    /// Full-range luma below this mean reads as black (fades, night-black slates).
    const DARK_MEAN: f64 = 24.0;
    /// A standard deviation below this reads as flat (one colour, a soft gradient).
    const FLAT_STDDEV: f64 = 12.0;

    pub fn of(picture: &frame::Video) -> LumaStats {
        let (w, h, stride) = (
            picture.width() as usize,
            picture.height() as usize,
            picture.stride(0),
        );
        let data = picture.data(0);
        let (mut sum, mut sum_sq) = (0u64, 0u64);
        for row in data.chunks(stride).take(h) {
            for &v in &row[..w] {
                sum += u64::from(v);
                sum_sq += u64::from(v) * u64::from(v);
            }
        }
        let n = (w * h).max(1) as f64;
        let mean = sum as f64 / n;
        LumaStats {
            mean,
            variance: (sum_sq as f64 / n - mean * mean).max(0.0),
        }
    }

    /// Bright enough and detailed enough to stand for the film.
    pub fn looks_good(&self) -> bool {
        self.mean >= Self::DARK_MEAN && self.variance.sqrt() >= Self::FLAT_STDDEV
    }
}

#[cfg(test)]
mod tests {
    use ffmpeg::format::Pixel;
    use media_catalog::{Ratio, StreamInfo};

    use super::*;

    /// The poster size of a `w` x `h` picture with sample aspect `sar` turned `rotation`°.
    fn fit(w: u32, h: u32, sar: Option<(i32, i32)>, rotation: Option<f64>) -> (u32, u32) {
        let video = StreamInfo {
            width: Some(w),
            height: Some(h),
            sar: sar.map(|(num, den)| Ratio { num, den }),
            rotation,
            ..StreamInfo::default()
        };
        PosterBox::DEFAULT.fit(&Geometry::of(&video).expect("a geometry"))
    }

    #[test]
    fn pal_4_3_with_16_15_pixels_fits_as_480_by_360() {
        assert_eq!(fit(720, 576, Some((16, 15)), None), (480, 360));
    }

    #[test]
    fn widescreen_square_pixels_are_480_wide_and_even() {
        assert_eq!(fit(1920, 1080, Some((1, 1)), None), (480, 270));
        assert_eq!(fit(1280, 534, Some((0, 1)), None), (480, 200));
    }

    #[test]
    fn sideways_pictures_are_sized_after_rotation() {
        // 320x180 shown rotated a quarter turn is 180x320 on screen: 360 px high at most.
        assert_eq!(fit(320, 180, Some((1, 1)), Some(90.0)), (202, 360));
    }

    #[test]
    fn black_and_flat_pictures_do_not_look_good_but_a_pattern_does() {
        let mut picture = frame::Video::new(Pixel::YUVJ420P, 16, 16);
        picture.data_mut(0).fill(4);
        assert!(!LumaStats::of(&picture).looks_good());
        picture.data_mut(0).fill(128);
        assert!(!LumaStats::of(&picture).looks_good());
        let stride = picture.stride(0);
        for (i, v) in picture.data_mut(0).iter_mut().enumerate() {
            *v = if (i % stride) < 8 { 40 } else { 220 };
        }
        let stats = LumaStats::of(&picture);
        assert!(stats.looks_good(), "{stats:?}");
        assert!((stats.mean - 130.0).abs() < 1.0);
    }
}
