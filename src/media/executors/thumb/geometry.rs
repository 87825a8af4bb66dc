//! Pure picture arithmetic for posters: the output size for a display aspect and rotation,
//! quarter-turn rotation of `yuvj420p` planes, and the luma statistics that tell a real
//! picture from a black or flat one.

use ffmpeg::{format::Pixel, frame, Rational};
use ffmpeg_next as ffmpeg;

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

    /// The size to scale a `width` x `height` picture with sample aspect `sar` to, *before*
    /// `quarter_turns` clockwise rotation, so that the rotated result fills the box at the
    /// right display aspect. Both sides even (4:2:0 chroma) and at least 2.
    pub fn fit(self, width: u32, height: u32, sar: Rational, quarter_turns: u8) -> (u32, u32) {
        // An unset or absurd SAR (0/1, negative) means square pixels.
        let sar = if sar.numerator() > 0 && sar.denominator() > 0 {
            f64::from(sar)
        } else {
            1.0
        };
        let (mut dw, mut dh) = (f64::from(width.max(1)) * sar, f64::from(height.max(1)));
        let sideways = quarter_turns % 2 == 1;
        if sideways {
            std::mem::swap(&mut dw, &mut dh);
        }
        let scale = (f64::from(self.width) / dw).min(f64::from(self.height) / dh);
        let even = |v: f64| ((v / 2.0).round() as u32).max(1) * 2;
        let (ow, oh) = (even(dw * scale), even(dh * scale));
        if sideways {
            (oh, ow)
        } else {
            (ow, oh)
        }
    }
}

/// Clockwise quarter turns that show a picture upright, from a stream's display matrix
/// (nine native-endian i32, 16.16 fixed point), the way the `ffmpeg` CLI's autorotate reads
/// it. Angles that are not a multiple of 90° (and mirrored matrices) give 0.
pub(super) fn quarter_turns_from_display_matrix(data: &[u8]) -> u8 {
    let Some(m) = read_matrix(data) else {
        return 0;
    };
    let fixed = |v: i32| f64::from(v) / 65536.0;
    let scale0 = fixed(m[0]).hypot(fixed(m[3]));
    let scale1 = fixed(m[1]).hypot(fixed(m[4]));
    if scale0 == 0.0 || scale1 == 0.0 {
        return 0;
    }
    // av_display_rotation_get() returns minus this angle (counter-clockwise degrees), and
    // autorotate turns the picture clockwise by minus that: by this angle.
    let angle = (fixed(m[1]) / scale1)
        .atan2(fixed(m[0]) / scale0)
        .to_degrees();
    let cw = angle.round().rem_euclid(360.0);
    match cw as u32 {
        89..=91 => 1,
        179..=181 => 2,
        269..=271 => 3,
        _ => 0,
    }
}

fn read_matrix(data: &[u8]) -> Option<[i32; 9]> {
    let mut m = [0i32; 9];
    for (i, chunk) in data.chunks_exact(4).take(9).enumerate() {
        m[i] = i32::from_ne_bytes(chunk.try_into().ok()?);
    }
    (data.len() >= 36).then_some(m)
}

/// Rotates a `yuvj420p` picture by `quarter_turns` clockwise (0 returns a copy).
pub(super) fn rotate(src: &frame::Video, quarter_turns: u8) -> frame::Video {
    let turns = quarter_turns % 4;
    let (w, h) = if turns % 2 == 1 {
        (src.height(), src.width())
    } else {
        (src.width(), src.height())
    };
    let mut dst = frame::Video::new(Pixel::YUVJ420P, w, h);
    dst.set_color_range(src.color_range());
    for plane in 0..3 {
        let (sw, sh) = (
            src.plane_width(plane) as usize,
            src.plane_height(plane) as usize,
        );
        let (ss, ds) = (src.stride(plane), dst.stride(plane));
        let dw = dst.plane_width(plane) as usize;
        let from = src.data(plane);
        let to = dst.data_mut(plane);
        for y in 0..sh {
            for x in 0..sw {
                let (tx, ty) = match turns {
                    1 => (sh - 1 - y, x),
                    2 => (sw - 1 - x, sh - 1 - y),
                    3 => (y, sw - 1 - x),
                    _ => (x, y),
                };
                debug_assert!(tx < dw);
                to[ty * ds + tx] = from[y * ss + x];
            }
        }
    }
    dst
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
    use super::*;

    fn matrix_bytes(m: [i32; 9]) -> Vec<u8> {
        m.iter().flat_map(|v| v.to_ne_bytes()).collect()
    }

    #[test]
    fn pal_4_3_with_16_15_pixels_fits_as_480_by_360() {
        assert_eq!(
            PosterBox::DEFAULT.fit(720, 576, Rational(16, 15), 0),
            (480, 360)
        );
    }

    #[test]
    fn widescreen_square_pixels_are_480_wide_and_even() {
        assert_eq!(
            PosterBox::DEFAULT.fit(1920, 1080, Rational(1, 1), 0),
            (480, 270)
        );
        assert_eq!(
            PosterBox::DEFAULT.fit(1280, 534, Rational(0, 1), 0),
            (480, 200)
        );
    }

    #[test]
    fn sideways_pictures_are_sized_before_rotation() {
        // 320x180 shown rotated a quarter turn is 180x320 on screen: 360 px high at most.
        let (w, h) = PosterBox::DEFAULT.fit(320, 180, Rational(1, 1), 1);
        assert_eq!((h, w), (202, 360));
    }

    #[test]
    fn display_matrices_turn_the_way_the_ffmpeg_cli_autorotates() {
        // av_display_rotation_get() = -90 (a phone held upright): one clockwise turn.
        let phone = [0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30];
        assert_eq!(quarter_turns_from_display_matrix(&matrix_bytes(phone)), 1);
        // What FFmpeg 5.1's mov muxer stores for `-metadata:s:v rotate=90` (ffprobe shows
        // rotation 90): the CLI turns it counter-clockwise, three clockwise turns.
        let tagged = [0, -65536, 0, 65536, 0, 0, 0, 0, 1 << 30];
        assert_eq!(quarter_turns_from_display_matrix(&matrix_bytes(tagged)), 3);
        let upside_down = [-65536, 0, 0, 0, -65536, 0, 0, 0, 1 << 30];
        assert_eq!(
            quarter_turns_from_display_matrix(&matrix_bytes(upside_down)),
            2
        );
        let identity = [65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30];
        assert_eq!(
            quarter_turns_from_display_matrix(&matrix_bytes(identity)),
            0
        );
        assert_eq!(quarter_turns_from_display_matrix(&[1, 2, 3]), 0);
    }

    #[test]
    fn rotating_a_quarter_turn_moves_the_top_left_pixel_to_the_top_right() {
        let mut src = frame::Video::new(Pixel::YUVJ420P, 4, 2);
        for plane in 0..3 {
            src.data_mut(plane).fill(0);
        }
        src.data_mut(0)[0] = 200;
        let dst = rotate(&src, 1);
        assert_eq!((dst.width(), dst.height()), (2, 4));
        assert_eq!(dst.data(0)[1], 200);
        let back = rotate(&rotate(&rotate(&dst, 1), 1), 1);
        assert_eq!(back.data(0)[0], 200);
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
