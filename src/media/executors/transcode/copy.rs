//! The copied picture of a plan whose video already fits TVs: the source's packets go to
//! the top rung unchanged but for their timestamps (moved to start at the film's start, as
//! the encoded streams are). A run that starts part-way begins at the keyframe that starts
//! its first segment.

use ffmpeg::{Packet, Rational};
use ffmpeg_next as ffmpeg;

use super::interleave::Interleaved;
use super::Skip;
use crate::media::protocol::MediaFailure;

/// A packet a hair before a cut (time-base rounding) still counts as at it, seconds.
const TOLERANCE_S: f64 = 0.001;
/// A first keyframe this many frames after a part-way start means the seek passed it.
const OVERSHOOT_FRAMES: f64 = 0.75;

/// Copies the source's picture packets into the top rung's writer.
pub(super) struct CopiedPicture {
    time_base: Rational,
    /// The film's start, in the stream's time base.
    origin: i64,
    /// One frame, seconds (for the overshoot check).
    frame_s: f64,
    skip: Option<Skip>,
    /// Whether packets are let through (from the first one on a full run; from the
    /// keyframe at the start on a part-way run).
    open: bool,
    /// Whether a packet before the start has been seen (so the seek did not pass it).
    saw_earlier: bool,
    /// Packets copied so far.
    pub packets: u64,
    /// The first keyframe after a seek came after the start: pictures are missing.
    pub overshot: bool,
}

impl CopiedPicture {
    /// Copies packets whose timestamps are in `time_base`, the film starting at `origin`
    /// (same unit), about `fps` a second, from `skip` on when the run starts part-way.
    pub fn new(time_base: Rational, origin: i64, fps: f64, skip: Option<Skip>) -> Self {
        CopiedPicture {
            time_base,
            origin,
            frame_s: 1.0 / fps,
            skip,
            open: skip.is_none(),
            saw_earlier: false,
            packets: 0,
            overshot: false,
        }
    }

    /// Passes one source packet on to output stream 0 of `writer`, re-timed, when its
    /// time has come.
    pub fn push(&mut self, packet: &Packet, writer: &mut Interleaved) -> Result<(), MediaFailure> {
        let mut copy = packet.clone();
        copy.set_pts(packet.pts().map(|t| t - self.origin));
        copy.set_dts(packet.dts().map(|t| t - self.origin));
        if !self.open && !self.opens_at(&copy) {
            return Ok(());
        }
        self.packets += 1;
        writer.write(0, &copy, self.time_base)
    }

    /// Whether a part-way run starts with this packet: the first keyframe at or after
    /// its start. Notes an overshoot when the seek landed after the start.
    fn opens_at(&mut self, packet: &Packet) -> bool {
        let (Some(skip), Some(ts)) = (self.skip, packet.pts().or(packet.dts())) else {
            return false;
        };
        let t = ts as f64 * f64::from(self.time_base);
        if t < skip.until_s - TOLERANCE_S {
            self.saw_earlier = true;
            return false;
        }
        if !packet.is_key() {
            return false;
        }
        let late = t > skip.until_s + OVERSHOOT_FRAMES * self.frame_s;
        if skip.after_seek && !self.saw_earlier && late {
            self.overshot = true;
            return false;
        }
        self.open = true;
        true
    }
}
