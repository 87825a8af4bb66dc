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
        queue.push_back(Timed {
            packet: packet.clone(),
            time_base,
            at,
        });
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
        while let Some(stream) = self.next_due(all) {
            if let Some(t) = self.queues[stream].pop_front() {
                self.writer.write(stream, &t.packet, t.time_base)?;
            }
        }
        Ok(())
    }

    fn next_due(&self, all: bool) -> Option<usize> {
        let heads = self
            .queues
            .iter()
            .enumerate()
            .filter_map(|(i, q)| Some((i, q.front()?.at)));
        let (stream, _) = heads.min_by(|a, b| a.1.total_cmp(&b.1))?;
        let everyone_waiting = self.queues.iter().all(|q| !q.is_empty());
        let overfull = self.queues.iter().any(|q| q.len() > MAX_QUEUED);
        (all || everyone_waiting || overfull).then_some(stream)
    }
}
