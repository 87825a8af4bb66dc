//! What a generated clip shows and plays: scrolling colour bars over a grey ramp with a
//! bouncing box (so frames differ and a poster is never flat), and a quiet sine tone.
//! `seed` varies the bar order, the box's path and the pitch, so clips tell apart.

use ffmpeg::frame;
use ffmpeg_next as ffmpeg;

/// 75 % colour bars (white, yellow, cyan, green, magenta, red, blue, grey), in RGB.
const BARS_RGB: [[u8; 3]; 8] = [
    [191, 191, 191],
    [191, 191, 0],
    [0, 191, 191],
    [0, 191, 0],
    [191, 0, 191],
    [191, 0, 0],
    [0, 0, 191],
    [64, 64, 64],
];
/// Box colour: near-white, limited-range YUV.
const BOX_YUV: [u8; 3] = [220, 128, 128];

/// The picture of a generated clip, one frame at a time (`yuv420p`).
pub(super) struct Pattern {
    width: usize,
    height: usize,
    bars: [[u8; 3]; 8],
    /// Pixels the bars scroll per frame.
    scroll: usize,
    /// Pixels the box moves per frame, across and down.
    step: (usize, usize),
}

impl Pattern {
    pub fn new(width: u32, height: u32, seed: u32) -> Pattern {
        let shift = seed as usize % BARS_RGB.len();
        let bars = std::array::from_fn(|i| rgb_to_yuv(BARS_RGB[(i + shift) % BARS_RGB.len()]));
        let seed = seed as usize;
        Pattern {
            width: width as usize,
            height: height as usize,
            bars,
            scroll: 1 + seed % 3,
            step: (2 + seed % 5, 1 + seed % 4),
        }
    }

    /// Draws frame number `n` into `picture` (a `yuv420p` frame of the pattern's size).
    pub fn draw(&self, picture: &mut frame::Video, n: usize) {
        let (w, h) = (self.width, self.height);
        let bars_h = (h * 3 / 4) & !1;
        let offset = n * self.scroll;
        let bar_row: Vec<[u8; 3]> = (0..w)
            .map(|x| self.bars[((x + offset) % w) * self.bars.len() / w])
            .collect();
        let ramp: Vec<u8> = (0..w).map(|x| (16 + x * 219 / w.max(2)) as u8).collect();
        // (plane, log2 subsampling): chroma planes are half size each way.
        for (plane, sub) in [(0usize, 0usize), (1, 1), (2, 1)] {
            let upper: Vec<u8> = (0..w >> sub).map(|x| bar_row[x << sub][plane]).collect();
            let lower: Vec<u8> = if plane == 0 {
                ramp.clone()
            } else {
                vec![128; w >> sub]
            };
            let stride = picture.stride(plane);
            let data = picture.data_mut(plane);
            for y in 0..h >> sub {
                let source = if y << sub < bars_h { &upper } else { &lower };
                data[y * stride..y * stride + source.len()].copy_from_slice(source);
            }
        }
        self.draw_box(picture, n, bars_h);
    }

    /// A square a quarter of the height, bouncing inside the bars.
    fn draw_box(&self, picture: &mut frame::Video, n: usize, bars_h: usize) {
        let size = (self.height / 4).max(2) & !1;
        let x0 = bounce(n * self.step.0, self.width.saturating_sub(size)) & !1;
        let y0 = bounce(n * self.step.1, bars_h.saturating_sub(size)) & !1;
        for (plane, value) in BOX_YUV.into_iter().enumerate() {
            let sub = usize::from(plane > 0);
            let stride = picture.stride(plane);
            let data = picture.data_mut(plane);
            for y in (y0 >> sub)..((y0 + size) >> sub) {
                data[y * stride + (x0 >> sub)..y * stride + ((x0 + size) >> sub)].fill(value);
            }
        }
    }
}

/// A position going 0 → `span` → 0 … as `travel` grows (a triangle wave).
fn bounce(travel: usize, span: usize) -> usize {
    if span == 0 {
        return 0;
    }
    let phase = travel % (2 * span);
    if phase <= span {
        phase
    } else {
        2 * span - phase
    }
}

/// BT.601 limited-range YUV of an RGB colour (what players assume for SD H.264).
fn rgb_to_yuv([r, g, b]: [u8; 3]) -> [u8; 3] {
    let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
    let y = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
    let u = 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
    let v = 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
    [y, u, v].map(|c| c.round().clamp(0.0, 255.0) as u8)
}

/// The sound of a generated clip: a sine at -20 dBFS, the same on every channel.
pub(super) struct Tone {
    /// Radians per sample.
    step: f64,
}

impl Tone {
    /// -20 dBFS: audible on a test, never loud on a village TV.
    const AMPLITUDE: f64 = 0.1;

    pub fn new(seed: u32, rate: u32) -> Tone {
        let hz = 330.0 + f64::from(seed % 8) * 55.0;
        Tone {
            step: std::f64::consts::TAU * hz / f64::from(rate),
        }
    }

    /// Fills a planar-float frame whose first sample is sample number `first` of the clip.
    pub fn fill(&self, samples: &mut frame::Audio, first: usize) {
        for plane in 0..samples.planes() {
            for (i, s) in samples.plane_mut::<f32>(plane).iter_mut().enumerate() {
                *s = (Self::AMPLITUDE * ((first + i) as f64 * self.step).sin()) as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ffmpeg::format::Pixel;

    #[test]
    fn colour_bars_convert_to_studio_range_yuv() {
        assert_eq!(rgb_to_yuv([0, 0, 0]), [16, 128, 128]);
        assert_eq!(rgb_to_yuv([255, 255, 255]), [235, 128, 128]);
    }

    #[test]
    fn the_box_bounces_between_the_edges() {
        let path: Vec<usize> = (0..8).map(|t| bounce(t * 3, 6)).collect();
        assert_eq!(path, vec![0, 3, 6, 3, 0, 3, 6, 3]);
    }

    #[test]
    fn successive_frames_differ_and_seeds_differ() {
        let draw = |seed, n| {
            let mut picture = frame::Video::new(Pixel::YUV420P, 64, 36);
            Pattern::new(64, 36, seed).draw(&mut picture, n);
            picture.data(0).to_vec()
        };
        assert_ne!(draw(1, 0), draw(1, 1));
        assert_ne!(draw(1, 5), draw(2, 5));
    }
}
