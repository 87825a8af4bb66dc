//! Starting a preparation part-way into a film, at segment k (a viewer seeking): where
//! segment k starts, and seeking the source so that reading begins at or before it — or,
//! for a container that cannot seek, reading it again from the top.

use std::path::Path;

use ffmpeg::{ffi, format};
use ffmpeg_next as ffmpeg;

use crate::media::executors::open::open_input;
use crate::media::limits::MediaLimits;
use crate::media::protocol::{FailureKind, MediaFailure, PrepareJob};

/// Where a run starts on the plan's segment grid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StartAt {
    /// The first segment made; its file is `seg-<index>.ts`.
    pub index: usize,
    /// Where it starts, seconds on the run's cut timeline (0 for segment 0).
    pub start_s: f64,
}

impl StartAt {
    /// The start `job` asks for, given the run's segment starts `cuts` (on the timeline the
    /// writer cuts by; the first is the film's start). Refuses a segment past the last
    /// one, and a full (not just-in-time) preparation that does not start at 0: its
    /// playlists and `tv.mp4` must cover the whole film.
    pub fn of(job: &PrepareJob, cuts: &[f64]) -> Result<StartAt, MediaFailure> {
        let index = job.first_segment;
        if index == 0 {
            return Ok(StartAt {
                index,
                start_s: cuts.first().copied().unwrap_or(0.0),
            });
        }
        if !job.jit {
            return Err(refused(format!(
                "a full preparation must start at segment 0, not {index}"
            )));
        }
        match cuts.get(index) {
            Some(&start_s) => Ok(StartAt { index, start_s }),
            None => Err(refused(format!(
                "segment {index} asked for; the plan has {} segments",
                cuts.len()
            ))),
        }
    }

    /// True for a run from the film's start (nothing to seek or skip).
    pub fn from_the_top(&self) -> bool {
        self.index == 0
    }

    /// The cuts the writers get: the ones after this run's first segment starts (the first
    /// segment begins wherever the first packet is).
    pub fn later_cuts(&self, cuts: &[f64]) -> Vec<f64> {
        cuts.iter().skip(self.index + 1).copied().collect()
    }
}

/// Seeks `input` to the latest point at or before `at_s` (seconds on the container's own
/// timeline) it can find — a keyframe, for containers with an index. A container that
/// refuses is opened again from `path` and read from its start. Returns whether the input
/// was moved (false: it reads from the top, and nothing before `at_s` can be missed).
pub fn seek_or_rewind(
    input: &mut format::context::Input,
    path: &Path,
    limits: &MediaLimits,
    at_s: f64,
) -> Result<bool, MediaFailure> {
    let ts = (at_s * f64::from(ffi::AV_TIME_BASE)).floor();
    if !(ts.is_finite() && ts > 0.0) {
        // At or before the container's time zero: reading from the top is the seek.
        return Ok(false);
    }
    if input.seek(ts as i64, ..ts as i64).is_ok() {
        return Ok(true);
    }
    *input = open_input(path, limits)?;
    Ok(false)
}

fn refused(detail: String) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Output,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use media_catalog::KeyframeIndex;

    use super::*;
    use crate::media::prepare::{decide, Plan};

    fn job(first_segment: usize, jit: bool) -> PrepareJob {
        let plan: Plan = decide(&media_catalog::MediaInfo::default());
        PrepareJob {
            source: PathBuf::from("/nonexistent"),
            plan,
            keyframes: KeyframeIndex::default(),
            out_dir: PathBuf::from("/nonexistent"),
            first_segment,
            jit,
        }
    }

    #[test]
    fn a_just_in_time_run_starts_at_its_segment_and_cuts_after_it() {
        let cuts = [0.0, 6.0, 12.0, 18.0];
        let start = StartAt::of(&job(2, true), &cuts).expect("a start");
        assert_eq!(
            start,
            StartAt {
                index: 2,
                start_s: 12.0
            }
        );
        assert!(!start.from_the_top());
        assert_eq!(start.later_cuts(&cuts), [18.0]);
        let top = StartAt::of(&job(0, false), &cuts).expect("a start");
        assert!(top.from_the_top());
        assert_eq!(top.later_cuts(&cuts), [6.0, 12.0, 18.0]);
    }

    #[test]
    fn a_segment_past_the_end_or_a_partial_full_run_is_refused() {
        let cuts = [0.0, 6.0];
        assert!(StartAt::of(&job(2, true), &cuts).is_err());
        assert!(StartAt::of(&job(1, false), &cuts).is_err());
        assert!(StartAt::of(&job(0, true), &[]).is_ok());
    }
}
