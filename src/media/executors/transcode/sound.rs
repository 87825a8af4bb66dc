//! The sound of a transcode run: encoded once to AAC-LC for every rung
//! ([`AudioPipeline`]), or — for a remux with lower rungs — the source's own packets
//! copied into every rung as they are, moved to start at the film's start as the
//! pictures are.

use ffmpeg::format::stream::Disposition;
use ffmpeg::{codec, format, media, Packet, Rational};
use ffmpeg_next as ffmpeg;

use super::audio::AudioPipeline;
use super::interleave::Interleaved;
use super::{damaged, Skip};
use crate::media::protocol::MediaFailure;

/// A packet a hair before a part-way start (time-base rounding) still counts as at it.
const TOLERANCE_S: f64 = 0.001;

/// Where a run's sound comes from.
pub(super) enum Sound {
    Encoded(AudioPipeline),
    Copied(CopiedSound),
}

impl Sound {
    /// The input stream it reads.
    pub fn index(&self) -> usize {
        match self {
            Sound::Encoded(a) => a.index,
            Sound::Copied(c) => c.index,
        }
    }

    /// The output stream's parameters and packet time base.
    pub fn stream(&self) -> (codec::Parameters, Rational) {
        match self {
            Sound::Encoded(a) => a.stream(),
            Sound::Copied(c) => (c.parameters.clone(), c.time_base),
        }
    }

    /// Takes one source packet of the stream.
    pub fn push(
        &mut self,
        packet: &Packet,
        writers: &mut [Interleaved],
    ) -> Result<(), MediaFailure> {
        match self {
            Sound::Encoded(a) => a.push(packet, writers),
            Sound::Copied(c) => c.push(packet, writers),
        }
    }

    /// Drains what is held at the end of the film.
    pub fn finish(&mut self, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        match self {
            Sound::Encoded(a) => a.finish(writers),
            Sound::Copied(_) => Ok(()),
        }
    }

    /// Blocks decoded, or packets copied, so far.
    pub fn frames(&self) -> u64 {
        match self {
            Sound::Encoded(a) => a.frames,
            Sound::Copied(c) => c.packets,
        }
    }

    /// Whether the first sound after a seek came after the start (only an encoded sound
    /// of a film without picture decides this).
    pub fn overshot(&self) -> bool {
        match self {
            Sound::Encoded(a) => a.overshot,
            Sound::Copied(_) => false,
        }
    }
}

/// The source's sound packets, copied to every rung.
pub(super) struct CopiedSound {
    index: usize,
    parameters: codec::Parameters,
    time_base: Rational,
    /// The film's start, in the stream's time base.
    origin: i64,
    /// Where a part-way run starts: packets that end before it are dropped.
    skip: Option<Skip>,
    /// Where the sound goes in the writers: after the video stream.
    out_stream: usize,
    packets: u64,
}

impl CopiedSound {
    /// Copies the first audio stream of `input` (the one the plan judged, as the remux
    /// executor copies); `origin_s` is the film's start time.
    pub fn open(
        input: &format::context::Input,
        origin_s: f64,
        out_stream: usize,
        skip: Option<Skip>,
    ) -> Result<CopiedSound, MediaFailure> {
        let stream = input
            .streams()
            .find(|s| {
                s.parameters().medium() == media::Type::Audio
                    && !s.disposition().contains(Disposition::ATTACHED_PIC)
            })
            .ok_or_else(|| damaged("the film has no audio stream".into()))?;
        let time_base = stream.time_base();
        if time_base.denominator() == 0 {
            return Err(damaged("the audio stream has no time base".into()));
        }
        Ok(CopiedSound {
            index: stream.index(),
            parameters: stream.parameters(),
            time_base,
            origin: (origin_s / f64::from(time_base)).round() as i64,
            skip,
            out_stream,
            packets: 0,
        })
    }

    /// Passes one packet, re-timed, to every rung; before a part-way run's start, drops it.
    fn push(&mut self, packet: &Packet, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        let mut copy = packet.clone();
        copy.set_pts(packet.pts().map(|t| t - self.origin));
        copy.set_dts(packet.dts().map(|t| t - self.origin));
        if let Some(skip) = self.skip {
            let Some(ts) = copy.pts().or(copy.dts()) else {
                return Ok(());
            };
            let end = (ts + copy.duration().max(0)) as f64 * f64::from(self.time_base);
            if end <= skip.until_s + TOLERANCE_S {
                return Ok(());
            }
        }
        self.packets += 1;
        for writer in writers.iter_mut() {
            writer.write(self.out_stream, &copy, self.time_base)?;
        }
        Ok(())
    }
}
