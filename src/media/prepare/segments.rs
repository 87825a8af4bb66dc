//! Where a prepared film is cut into HLS segments: at the source's keyframes for a remux,
//! every N seconds (with keyframes forced there) for a transcode.

use media_catalog::KeyframeIndex;
use serde::{Deserialize, Serialize};

/// The segment length aimed at, seconds.
pub const DEFAULT_TARGET_S: f64 = 6.0;
/// Shorter pieces at the end are not cut off on their own; they stay in the segment before
/// them (a container a few milliseconds longer than its last cut would otherwise get a
/// segment with no picture in it).
const MIN_SEGMENT_S: f64 = 0.5;
/// Keyframe times a hair early (time-base rounding) still count as reaching the target.
const CUT_TOLERANCE_S: f64 = 0.001;
/// A bound on the number of fixed-length segments, whatever the inputs.
const MAX_SEGMENTS: f64 = 1_000_000.0;

/// One HLS segment of a rendition.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Where it starts, seconds from the start of the film.
    pub start_s: f64,
    /// How long it lasts, seconds (always more than zero).
    pub duration_s: f64,
}

impl Segment {
    /// Where it ends, seconds from the start of the film.
    pub fn end_s(&self) -> f64 {
        self.start_s + self.duration_s
    }
}

/// Segments for a remux, which can only cut where the source has keyframes: each cut is the
/// first keyframe at least `target_s` after the previous cut, so a segment runs longer when
/// keyframes are sparse. The first segment starts at 0, the last ends at `duration_s`.
///
/// No keyframes (or none far enough in) gives one segment for the whole film. A duration
/// that is not a positive number gives no segments (the film must be segmented as it is
/// read); a target that is not positive means the default, 6 s.
pub fn remux_segments(keyframes: &KeyframeIndex, duration_s: f64, target_s: f64) -> Vec<Segment> {
    let Some(duration) = positive(duration_s) else {
        return Vec::new();
    };
    let target = positive(target_s).unwrap_or(DEFAULT_TARGET_S);
    let mut cuts = vec![0.0];
    let mut last = 0.0;
    for &t in &keyframes.times_s {
        // NaN fails both comparisons' negations alike, so test finiteness explicitly.
        let reaches_target = t.is_finite() && t >= last + target - CUT_TOLERANCE_S;
        if reaches_target && t < duration - MIN_SEGMENT_S {
            cuts.push(t);
            last = t;
        }
    }
    from_cuts(&cuts, duration)
}

/// Segments for a transcode: `n` seconds each (keyframes are forced at every multiple of
/// `n`), the last one shorter. A duration that is not positive gives no segments; an `n`
/// that is not positive means the default, 6 s.
pub fn transcode_segments(duration_s: f64, n: f64) -> Vec<Segment> {
    let Some(duration) = positive(duration_s) else {
        return Vec::new();
    };
    let n = positive(n)
        .unwrap_or(DEFAULT_TARGET_S)
        .max(duration / MAX_SEGMENTS);
    let count = (duration / n).ceil() as usize;
    let cuts: Vec<f64> = (0..count)
        .map(|i| i as f64 * n)
        .filter(|start| *start < duration - MIN_SEGMENT_S || *start == 0.0)
        .collect();
    from_cuts(&cuts, duration)
}

/// Segments between consecutive cuts, the last ending at `end`.
fn from_cuts(cuts: &[f64], end: f64) -> Vec<Segment> {
    cuts.iter()
        .enumerate()
        .map(|(i, &start_s)| {
            let next = cuts.get(i + 1).copied().unwrap_or(end);
            Segment {
                start_s,
                duration_s: next - start_s,
            }
        })
        .filter(|s| s.duration_s > 0.0)
        .collect()
}

fn positive(v: f64) -> Option<f64> {
    (v.is_finite() && v > 0.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(times: &[f64]) -> KeyframeIndex {
        KeyframeIndex {
            stream_index: 0,
            times_s: times.to_vec(),
        }
    }

    fn every(step: f64, until: f64) -> Vec<f64> {
        (0..)
            .map(|i| f64::from(i) * step)
            .take_while(|t| *t < until)
            .collect()
    }

    fn durations(segments: &[Segment]) -> Vec<f64> {
        segments.iter().map(|s| s.duration_s).collect()
    }

    fn assert_contiguous(segments: &[Segment], duration: f64) {
        assert_eq!(segments.first().map(|s| s.start_s), Some(0.0));
        for pair in segments.windows(2) {
            assert_eq!(pair[0].end_s(), pair[1].start_s);
        }
        let end = segments.last().map(Segment::end_s).unwrap();
        assert!((end - duration).abs() < 1e-9, "ends at {end}");
        assert!(segments.iter().all(|s| s.duration_s > 0.0));
    }

    #[test]
    fn a_regular_two_second_gop_is_cut_every_six_seconds() {
        let segs = remux_segments(&index(&every(2.0, 20.0)), 20.0, 6.0);
        assert_eq!(durations(&segs), vec![6.0, 6.0, 6.0, 2.0]);
        assert_contiguous(&segs, 20.0);
    }

    #[test]
    fn a_sparse_ten_second_gop_gives_ten_second_segments() {
        let segs = remux_segments(&index(&every(10.0, 35.0)), 35.0, 6.0);
        assert_eq!(durations(&segs), vec![10.0, 10.0, 10.0, 5.0]);
        assert_contiguous(&segs, 35.0);
    }

    #[test]
    fn irregular_keyframes_cut_at_the_first_one_past_the_target() {
        let kf = [0.0, 1.0, 5.9, 7.5, 8.0, 13.0, 13.6, 19.0, 19.5];
        let segs = remux_segments(&index(&kf), 21.0, 6.0);
        let starts: Vec<f64> = segs.iter().map(|s| s.start_s).collect();
        assert_eq!(starts, vec![0.0, 7.5, 13.6]);
        assert_contiguous(&segs, 21.0);
    }

    #[test]
    fn a_keyframe_a_hair_before_the_target_still_cuts() {
        let segs = remux_segments(&index(&[0.0, 5.9995, 11.9995]), 14.0, 6.0);
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[1].start_s, 5.9995);
    }

    #[test]
    fn an_empty_keyframe_index_gives_one_segment() {
        let segs = remux_segments(&index(&[]), 42.5, 6.0);
        assert_eq!(
            segs,
            vec![Segment {
                start_s: 0.0,
                duration_s: 42.5
            }]
        );
    }

    #[test]
    fn a_keyframe_at_the_very_end_makes_no_empty_segment() {
        let segs = remux_segments(&index(&[0.0, 6.0, 12.0]), 12.0, 6.0);
        assert_eq!(durations(&segs), vec![6.0, 6.0]);
    }

    #[test]
    fn odd_keyframe_times_are_skipped() {
        let kf = [f64::NAN, -3.0, 6.0, f64::INFINITY, 3.0, 12.0];
        let segs = remux_segments(&index(&kf), 15.0, 6.0);
        assert_eq!(durations(&segs), vec![6.0, 6.0, 3.0]);
    }

    #[test]
    fn zero_or_nan_durations_give_no_segments() {
        for d in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(remux_segments(&index(&[0.0, 6.0]), d, 6.0).is_empty());
            assert!(transcode_segments(d, 6.0).is_empty());
        }
    }

    #[test]
    fn a_bad_target_falls_back_to_six_seconds() {
        let segs = remux_segments(&index(&every(2.0, 20.0)), 20.0, f64::NAN);
        assert_eq!(durations(&segs), vec![6.0, 6.0, 6.0, 2.0]);
        assert_eq!(transcode_segments(13.0, 0.0).len(), 3);
    }

    #[test]
    fn transcoded_segments_are_fixed_with_a_shorter_last_one() {
        let segs = transcode_segments(20.0, 6.0);
        assert_eq!(durations(&segs), vec![6.0, 6.0, 6.0, 2.0]);
        assert_contiguous(&segs, 20.0);
        assert_eq!(durations(&transcode_segments(12.0, 6.0)), vec![6.0, 6.0]);
        assert_eq!(durations(&transcode_segments(2.5, 6.0)), vec![2.5]);
        // A DVD whose container runs 5 ms past the last cut: no 5 ms segment.
        let segs = transcode_segments(30.005, 6.0);
        assert_eq!(segs.len(), 5);
        assert!((segs[4].duration_s - 6.005).abs() < 1e-9);
    }

    #[test]
    fn absurd_inputs_cannot_ask_for_millions_of_segments() {
        assert!(transcode_segments(1e12, 1e-9).len() <= MAX_SEGMENTS as usize + 1);
    }
}
