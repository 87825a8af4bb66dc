//! Hands a rendition writer its packets in time order across streams.
//!
//! The writer starts a segment at the first video keyframe at or after each cut, and puts
//! every packet into the segment open when it arrives. Encoders are not in step: the
//! loudness filter looks about 3 s ahead, libx264 some frames; unmerged, a segment would
//! carry sound from seconds before its pictures. So packets wait here until every stream
//! has reached their time.

use std::collections::VecDeque;

use ffmpeg::{Packet, Rational};
use ffmpeg_next as ffmpeg;

use crate::media::executors::output::RenditionWriter;
use crate::media::protocol::{MediaFailure, RungOutput};

/// Packets one stream may have queued while another has none: past this the stream stops
/// waiting (a sound track that ends early must not hold the rest of the film in memory).
/// About 40 s of 25 fps video, 20 s of AAC; the loudness filter's lead is about 3 s.
const MAX_QUEUED: usize = 1024;

/// A [`RenditionWriter`] fed through per-stream queues, merged by presentation time.
pub(super) struct Interleaved {
    writer: RenditionWriter,
    queues: Vec<VecDeque<Timed>>,
    /// A stream that has given every packet before this instant (its encoder was
    /// drained there): the open segment ends once the others pass it too.
    ends_at: Option<(usize, f64)>,
}

struct Timed {
    packet: Packet,
    time_base: Rational,
    /// Presentation time (else decoding time), seconds.
    at: f64,
}

impl Interleaved {
    /// Merges `streams` streams into `writer`.
    pub fn new(writer: RenditionWriter, streams: usize) -> Interleaved {
        Interleaved {
            writer,
            queues: (0..streams).map(|_| VecDeque::new()).collect(),
            ends_at: None,
        }
    }

    /// Queues a copy of `packet` of output stream `stream` (timestamps in `time_base`)
    /// and writes whatever is now due.
    pub fn write(
        &mut self,
        stream: usize,
        packet: &Packet,
        time_base: Rational,
    ) -> Result<(), MediaFailure> {
        let Some(queue) = self.queues.get_mut(stream) else {
            // Out of range: the writer says so in its own words.
            return self.writer.write(stream, packet, time_base);
        };
        // Presentation time, as the writer cuts by: a keyframe waits until the sound has
        // reached the instant it shows (its decoding time may lag far behind after a gap).
        let at = packet
            .pts()
            .or(packet.dts())
            .map_or(f64::NEG_INFINITY, |ts| ts as f64 * f64::from(time_base));
        if self.ends_at.is_some_and(|(ended, _)| ended == stream) {
            // The stream went on before the others reached the end: its next keyframe
            // cuts the segment, as usual.
            self.ends_at = None;
        }
        queue.push_back(Timed {
            packet: packet.clone(),
            time_base,
            at,
        });
        self.write_due(false)
    }

    /// Says that `stream` has given every packet before `at` (a segment cut) and has
    /// nothing queued: the open segment is closed as soon as every other stream has
    /// reached `at`, without waiting for `stream`'s next keyframe.
    pub fn segment_ends_at(&mut self, stream: usize, at: f64) -> Result<(), MediaFailure> {
        if stream < self.queues.len() {
            self.ends_at = Some((stream, at));
        }
        self.write_due(false)
    }

    /// The number after the writer's last completed segment.
    pub fn segments_done(&self) -> usize {
        self.writer.segments_done()
    }

    /// Writes everything still queued, in time order, and finishes the rendition.
    pub fn finish(mut self) -> Result<RungOutput, MediaFailure> {
        self.write_due(true)?;
        self.writer.finish()
    }

    /// Writes queued packets while the earliest is known to be earliest: every stream has
    /// one queued, or `all`, or a queue is over [`MAX_QUEUED`].
    fn write_due(&mut self, all: bool) -> Result<(), MediaFailure> {
        loop {
            if self.segment_complete() {
                self.ends_at = None;
                self.writer.end_segment()?;
                continue;
            }
            let Some(stream) = self.next_due(all) else {
                return Ok(());
            };
            if let Some(t) = self.queues[stream].pop_front() {
                self.writer.write(stream, &t.packet, t.time_base)?;
            }
        }
    }

    /// The stream that ended the segment early, while it has nothing queued: it stands
    /// in the merge as if its next packet came at the end.
    fn ending(&self) -> Option<(usize, f64)> {
        self.ends_at
            .filter(|(stream, _)| self.queues[*stream].is_empty())
    }

    /// True when a segment was ended early and every other stream has passed its end.
    fn segment_complete(&self) -> bool {
        let Some((ended, at)) = self.ending() else {
            return false;
        };
        self.queues
            .iter()
            .enumerate()
            .all(|(i, q)| i == ended || q.front().is_some_and(|t| t.at >= at))
    }

    fn next_due(&self, all: bool) -> Option<usize> {
        let heads = self
            .queues
            .iter()
            .enumerate()
            .filter_map(|(i, q)| Some((i, q.front()?.at)));
        let (stream, at) = heads.min_by(|a, b| a.1.total_cmp(&b.1))?;
        let ending = self.ending();
        let waiting = |(i, q): (usize, &VecDeque<Timed>)| {
            !q.is_empty() || ending.is_some_and(|(e, _)| e == i)
        };
        let everyone_waiting =
            self.queues.iter().enumerate().all(waiting) && ending.is_none_or(|(_, end)| at < end);
        let overfull = self.queues.iter().any(|q| q.len() > MAX_QUEUED);
        (all || everyone_waiting || overfull).then_some(stream)
    }
}
