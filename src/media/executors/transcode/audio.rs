//! The sound side of a transcode: one decoder, two filter graphs and one AAC encoder whose
//! packets go to every rung.
//!
//! The first graph turns whatever the source holds into 48 kHz stereo and is rebuilt when
//! the source's sound format changes mid-film (broadcast recordings switch between stereo
//! and 5.1), each time starting where the last one ended; the second levels the loudness
//! and cuts AAC-sized frames, and lives for the whole film (on its own thread, beside the
//! encoder's: see [`aac`](super::aac)), so a rebuild neither resets the loudness filter
//! nor leaves a short frame.

use ffmpeg::{codec, decoder, filter, format, frame, media, ChannelLayout, Rational, Rescale};
use ffmpeg_next as ffmpeg;

use super::aac::AacEncoder;
use super::encode::{output, SAMPLE_RATE};
use super::graph;
use super::interleave::Interleaved;
use super::{damaged, is_again, Skip};
use crate::media::protocol::MediaFailure;

/// The samples a graph was built for: rate, format, channel layout bits.
type SoundShape = (u32, format::Sample, u64);
/// A film with sound only whose first sound after a seek comes this much after the start
/// (seconds) was sought past it.
const OVERSHOOT_S: f64 = 0.05;

/// Decodes the chosen audio stream once and encodes it once for all rungs.
pub(super) struct AudioPipeline {
    /// The input stream it decodes.
    pub index: usize,
    decoder: decoder::Audio,
    time_base: Rational,
    /// The film's start, in the stream's time base.
    origin: i64,
    convert: Option<(filter::Graph, SoundShape)>,
    /// Where the next converted block starts, 1/48000 s: a rebuilt first graph starts
    /// there.
    next_pts: i64,
    encoder: AacEncoder,
    /// Where the sound goes in the writers: after the video stream, if any.
    out_stream: usize,
    /// Blocks of samples decoded so far.
    pub frames: u64,
    /// Where a part-way run starts; None from the film's start.
    skip: Option<Skip>,
    /// Whether the first block of a part-way run has been kept.
    started: bool,
    /// The first sound after a seek came after the start.
    pub overshot: bool,
}

impl AudioPipeline {
    /// Opens the best audio stream of `input` and the AAC encoder; `origin_s` is the
    /// film's start time, `out_stream` the sound's stream number in the writers,
    /// `loudnorm` turns on EBU R128 loudness normalisation, and `skip` says where a
    /// part-way run starts (and whether the sound decides if its seek overshot).
    pub fn open(
        input: &format::context::Input,
        origin_s: f64,
        out_stream: usize,
        loudnorm: bool,
        skip: Option<Skip>,
    ) -> Result<AudioPipeline, MediaFailure> {
        let stream = input
            .streams()
            .best(media::Type::Audio)
            .ok_or_else(|| damaged("the film has no audio stream".into()))?;
        let context = codec::context::Context::from_parameters(stream.parameters())
            .map_err(|e| damaged(format!("audio stream parameters: {e}")))?;
        let decoder = context
            .decoder()
            .audio()
            .map_err(|e| damaged(format!("no decoder for the audio stream: {e}")))?;
        let time_base = stream.time_base();
        Ok(AudioPipeline {
            index: stream.index(),
            decoder,
            time_base,
            origin: (origin_s / f64::from(time_base)).round() as i64,
            convert: None,
            next_pts: 0,
            encoder: AacEncoder::open(loudnorm)?,
            out_stream,
            frames: 0,
            skip,
            started: false,
            overshot: false,
        })
    }

    /// The output stream's parameters and packet time base.
    pub fn stream(&self) -> (codec::Parameters, Rational) {
        self.encoder.stream()
    }

    /// Decodes one packet; a packet the decoder refuses (damage) is skipped.
    pub fn push(
        &mut self,
        packet: &ffmpeg::Packet,
        writers: &mut [Interleaved],
    ) -> Result<(), MediaFailure> {
        if self.decoder.send_packet(packet).is_err() {
            return Ok(());
        }
        self.receive(writers)
    }

    /// Drains the decoder, both graphs and the encoder at the end of the film.
    pub fn finish(&mut self, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        // An error here means the decoder had already ended; what it holds still drains.
        let _ = self.decoder.send_eof();
        self.receive(writers)?;
        self.end_convert(writers)?;
        self.encoder.finish(writers, self.out_stream)
    }

    fn receive(&mut self, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        let mut samples = frame::Audio::empty();
        loop {
            match self.decoder.receive_frame(&mut samples) {
                Ok(()) => self.convert(&mut samples, writers)?,
                Err(e) if is_again(&e) => return Ok(()),
                // A damaged block: FFmpeg has logged it; the next packet goes on.
                Err(_) => return Ok(()),
            }
        }
    }

    /// Puts one decoded block, re-timed from the film's start, through the first graph
    /// (rebuilt if the sound's format changed).
    fn convert(
        &mut self,
        samples: &mut frame::Audio,
        writers: &mut [Interleaved],
    ) -> Result<(), MediaFailure> {
        let layout = match samples.channel_layout() {
            l if l.is_empty() => ChannelLayout::default(i32::from(samples.channels())),
            l => l,
        };
        let shape = (samples.rate(), samples.format(), layout.bits());
        if shape.0 == 0 || samples.channels() == 0 || samples.samples() == 0 {
            return Ok(());
        }
        if !self.wanted(samples) {
            return Ok(());
        }
        if self.convert.as_ref().map(|(_, s)| *s) != Some(shape) {
            self.end_convert(writers)?;
            let graph = graph::convert_graph(shape, self.time_base, self.next_pts)
                .map_err(|e| output(format!("audio filter graph: {e}")))?;
            self.convert = Some((graph, shape));
        }
        // Untimed blocks stay untimed: the resampler puts them after the previous one.
        if let Some(ts) = samples.timestamp() {
            samples.set_pts(Some(ts - self.origin));
        }
        samples.set_channel_layout(layout);
        self.frames += 1;
        if let Some((graph, _)) = self.convert.as_mut() {
            let mut source = graph.get("in").ok_or_else(no_source)?;
            if source.source().add(samples).is_err() {
                return Ok(());
            }
        }
        self.pass_converted(writers)
    }

    /// Whether a decoded block goes on: a part-way run drops blocks that end before its
    /// start, and begins the sound exactly there (the first graph trims or pads to it).
    fn wanted(&mut self, samples: &frame::Audio) -> bool {
        let Some(skip) = self.skip.filter(|_| !self.started) else {
            return true;
        };
        let Some(ts) = samples.timestamp() else {
            return false;
        };
        let t = (ts - self.origin) as f64 * f64::from(self.time_base);
        let end = t + samples.samples() as f64 / f64::from(samples.rate());
        if end <= skip.until_s {
            return false;
        }
        if skip.after_seek && t > skip.until_s + OVERSHOOT_S {
            self.overshot = true;
            return false;
        }
        self.started = true;
        self.next_pts = (skip.until_s * f64::from(SAMPLE_RATE)).round() as i64;
        true
    }

    /// Ends the first graph (if any), passing on what it still holds.
    fn end_convert(&mut self, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        if let Some((graph, _)) = self.convert.as_mut() {
            let mut source = graph.get("in").ok_or_else(no_source)?;
            // Fails only when the source had already ended.
            let _ = source.source().flush();
            self.pass_converted(writers)?;
        }
        self.convert = None;
        Ok(())
    }

    /// Moves every block waiting at the first graph's sink to the loudness graph's thread.
    fn pass_converted(&mut self, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        let Some((graph, _)) = self.convert.as_mut() else {
            return Ok(());
        };
        let mut sink = graph.get(&graph::sink_name(0)).ok_or_else(no_sink)?;
        let sink_tb = sink.sink().time_base();
        let mut samples = frame::Audio::empty();
        loop {
            match sink.sink().frame(&mut samples) {
                Ok(()) => {}
                Err(e) if is_again(&e) => return Ok(()),
                Err(e) => return Err(output(format!("audio filter graph: {e}"))),
            }
            retime(&mut samples, sink_tb);
            if let Some(pts) = samples.pts() {
                self.next_pts = pts + samples.samples() as i64;
            }
            self.encoder.encode(&samples, writers, self.out_stream)?;
        }
    }
}

/// Rescales a block's timestamp from `from` to 1/48000 s.
pub(super) fn retime(samples: &mut frame::Audio, from: Rational) {
    if let Some(pts) = samples.pts() {
        samples.set_pts(Some(pts.rescale(from, Rational(1, SAMPLE_RATE))));
    }
}

fn no_source() -> MediaFailure {
    output("audio filter graph lost its source".into())
}

fn no_sink() -> MediaFailure {
    output("audio filter graph lost its sink".into())
}
