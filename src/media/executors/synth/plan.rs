//! Checking a clip spec and turning it into whole frames and samples to encode.

use super::tracks::SAMPLE_RATE;
use crate::media::executors::thumb::jpeg::output_failure;
use crate::media::protocol::{ClipSpec, MediaFailure};

/// Longest clip we agree to generate; demo and bench clips are seconds to minutes.
const MAX_DURATION_S: f64 = 3600.0;
/// Largest picture side, and the frame-rate range.
const MAX_SIDE: u32 = 3840;
const FPS_RANGE: std::ops::RangeInclusive<u32> = 1..=120;

/// A checked spec: what to encode, in whole frames and samples.
#[derive(Debug, PartialEq)]
pub(super) struct Plan {
    pub muxer: &'static str,
    pub audio_codec: &'static str,
    /// Width, height (even) and frame rate, when there is a picture.
    pub video: Option<(u32, u32, u32)>,
    pub frames: usize,
    pub samples: Option<usize>,
    pub seed: u32,
}

impl Plan {
    pub fn from_spec(spec: &ClipSpec) -> Result<Plan, MediaFailure> {
        let bad = |why: &str| Err(output_failure(format!("clip spec: {why}")));
        if !(spec.duration_s.is_finite()
            && spec.duration_s > 0.0
            && spec.duration_s <= MAX_DURATION_S)
        {
            return bad("duration must be over 0 and at most an hour");
        }
        let (muxer, audio_codec, video) = match spec.container.as_str() {
            "mp4" => ("mp4", "aac", spec.video),
            "mp3" => ("mp3", "libmp3lame", false),
            other => return bad(&format!("unknown container {other:?} (mp4 or mp3)")),
        };
        if !video && !spec.audio {
            return bad("neither picture nor sound (an mp3 needs sound)");
        }
        let video = if video {
            // 4:2:0 needs even sides; round down rather than refuse an odd size.
            let (w, h) = (spec.width & !1, spec.height & !1);
            if !(16..=MAX_SIDE).contains(&w)
                || !(16..=MAX_SIDE).contains(&h)
                || !FPS_RANGE.contains(&spec.fps)
            {
                return bad(&format!(
                    "{}x{} at {} fps is out of range",
                    spec.width, spec.height, spec.fps
                ));
            }
            Some((w, h, spec.fps))
        } else {
            None
        };
        let frames = video.map_or(0, |(_, _, fps)| {
            (spec.duration_s * f64::from(fps)).round().max(1.0) as usize
        });
        let samples = spec
            .audio
            .then(|| (spec.duration_s * f64::from(SAMPLE_RATE)).round() as usize);
        Ok(Plan {
            muxer,
            audio_codec,
            video,
            frames,
            samples,
            seed: spec.seed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ClipSpec {
        ClipSpec {
            width: 321,
            height: 181,
            fps: 25,
            duration_s: 8.0,
            video: true,
            audio: true,
            container: "mp4".into(),
            title: None,
            seed: 7,
        }
    }

    #[test]
    fn an_odd_picture_size_is_rounded_down_to_even() {
        let plan = Plan::from_spec(&ClipSpec {
            width: 321,
            height: 181,
            ..spec()
        })
        .expect("ok");
        assert_eq!(plan.video, Some((320, 180, 25)));
        assert_eq!((plan.frames, plan.samples), (200, Some(384_000)));
    }

    #[test]
    fn an_mp3_plan_drops_the_picture() {
        let plan = Plan::from_spec(&ClipSpec {
            container: "mp3".into(),
            ..spec()
        })
        .expect("ok");
        assert_eq!(
            (plan.muxer, plan.audio_codec, plan.video),
            ("mp3", "libmp3lame", None)
        );
    }
}
