//! Where a remux that starts at segment k begins, whatever the seek found: the picture at
//! the keyframe that starts segment k, the sound from that instant on. What the demuxer
//! gives before that is dropped; sound that comes before the keyframe waits for it.

use ffmpeg::{Packet, Rational};
use ffmpeg_next as ffmpeg;

use crate::media::protocol::MediaFailure;

/// A cut time a hair off a packet's time (time-base rounding) still counts as reached.
pub(super) const TOLERANCE_S: f64 = 0.001;
/// Packets of sound held while waiting for the opening keyframe, at most (a keyframe more
/// than about a minute away is not coming; the rest is dropped).
const MAX_HELD: usize = 4096;

/// What to do after a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    /// Go on reading.
    Going,
    /// The seek landed after the start: nothing was written; read again from the top.
    Overshot,
}

/// Lets packets through to the writer from a start instant on.
pub(super) struct Gate {
    /// The start, seconds on the container's timeline.
    start_s: f64,
    /// The output stream whose packets start segments: the picture, else the sound.
    driver: usize,
    driver_is_video: bool,
    open: bool,
    /// Whether a seek may have passed the start: then the first driving packet must not
    /// come after it.
    check_overshoot: bool,
    /// Whether a driving packet before the start (or a non-keyframe) has been seen.
    saw_earlier: bool,
    held: Vec<(usize, Packet, Rational)>,
}

impl Gate {
    /// A gate that is open from the first packet (a run from the film's start).
    pub fn open() -> Gate {
        Gate {
            open: true,
            ..Gate::at(f64::NEG_INFINITY, 0, false, false)
        }
    }

    /// A gate that opens at the first packet of output stream `driver` at or after
    /// `start_s` (a keyframe when `driver_is_video`). `after_seek`: the input was moved,
    /// so it may have landed past the start.
    pub fn at(start_s: f64, driver: usize, driver_is_video: bool, after_seek: bool) -> Gate {
        Gate {
            start_s,
            driver,
            driver_is_video,
            open: false,
            check_overshoot: after_seek,
            saw_earlier: false,
            held: Vec::new(),
        }
    }

    /// Passes one packet of output stream `out` (timestamps in `time_base`) to `write`
    /// when its time has come, with any sound held for it.
    pub fn pass(
        &mut self,
        out: usize,
        packet: &Packet,
        time_base: Rational,
        write: &mut dyn FnMut(usize, &Packet, Rational) -> Result<(), MediaFailure>,
    ) -> Result<Flow, MediaFailure> {
        let t = packet
            .pts()
            .or(packet.dts())
            .map(|ts| ts as f64 * f64::from(time_base));
        let early = t.is_some_and(|t| t < self.start_s - TOLERANCE_S);
        if self.open {
            // Sound the demuxer interleaves late, from before the start, is not wanted.
            if !(early && out != self.driver) {
                write(out, packet, time_base)?;
            }
            return Ok(Flow::Going);
        }
        let Some(t) = t else {
            return Ok(Flow::Going);
        };
        if out != self.driver {
            if !early && self.held.len() < MAX_HELD {
                self.held.push((out, packet.clone(), time_base));
            }
            return Ok(Flow::Going);
        }
        if early {
            self.saw_earlier = true;
            return Ok(Flow::Going);
        }
        if self.check_overshoot && !self.saw_earlier && t > self.start_s + TOLERANCE_S {
            return Ok(Flow::Overshot);
        }
        if self.driver_is_video && !packet.is_key() {
            // The keyframe at the start is missing: the next one will have to do.
            self.saw_earlier = true;
            return Ok(Flow::Going);
        }
        self.open = true;
        write(out, packet, time_base)?;
        for (stream, held, time_base) in self.held.drain(..) {
            write(stream, &held, time_base)?;
        }
        Ok(Flow::Going)
    }
}
