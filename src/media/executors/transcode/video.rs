//! The picture side of a transcode: one frame-threaded decoder, one filter graph
//! (deinterlace, turn upright, split, scale per rung) and one libx264 encoder per rung —
//! or, when the plan copies the picture, the source's packets for the top rung, and the
//! decoder only when lower rungs are to be encoded.

use ffmpeg::codec::{self, threading};
use ffmpeg::{decoder, filter, format, frame, media, picture, Rational, Rescale};
use ffmpeg_next as ffmpeg;

use super::copy::CopiedPicture;
use super::encode::{output, RungEncoder};
use super::graph::{self, PictureShape, VideoChain};
use super::interleave::Interleaved;
use super::{damaged, is_again, Skip};
use crate::media::prepare::Plan;
use crate::media::protocol::MediaFailure;

/// Frame rate assumed when the container states none.
const FALLBACK_FPS: f64 = 25.0;
/// Pictures this far before a part-way start still go through the filters (yadif looks
/// at the picture before), seconds.
const PREROLL_S: f64 = 0.2;
/// A first keyframe this many frames after a part-way start means the seek passed it.
const OVERSHOOT_FRAMES: f64 = 0.75;

/// Decodes the chosen video stream once and feeds every rung's encoder.
pub(super) struct VideoPipeline {
    /// The input stream it decodes.
    pub index: usize,
    /// None when no rung is encoded (the picture is only copied).
    decoder: Option<decoder::Video>,
    /// The copied top rung: the source's parameters and its packets' mover.
    copy: Option<(codec::Parameters, CopiedPicture)>,
    time_base: Rational,
    /// The film's start, in the stream's time base: subtracted so output starts at 0.
    origin: i64,
    /// Where a picture without a timestamp is put: one frame after the last.
    next_pts: i64,
    frame_step: i64,
    chain: VideoChain,
    graph: Option<(filter::Graph, PictureShape)>,
    /// One encoder per encoded rung; they write to the writers from the second on when
    /// the top rung is copied.
    rungs: Vec<RungEncoder>,
    /// Pictures decoded so far.
    pub frames: u64,
    /// Where a part-way run starts; None from the film's start.
    skip: Option<Skip>,
    /// Whether a keyframe has been decoded (a part-way run drops pictures before it:
    /// after a seek they may lack their references).
    keyed: bool,
    /// The first keyframe after a seek came after the start: pictures are missing.
    pub overshot: bool,
}

impl VideoPipeline {
    /// Opens the best video stream of `input` and an encoder for every video rung of
    /// `plan`; `origin_s` is the film's start time, `cuts` its segment starts, `skip`
    /// where a part-way run starts, `early_end` where a just-in-time run's first segment
    /// ends (the encoders are drained there: see [`RungEncoder::open`]).
    pub fn open(
        input: &format::context::Input,
        plan: &Plan,
        origin_s: f64,
        (cuts, early_end): (&[f64], Option<f64>),
        skip: Option<Skip>,
    ) -> Result<VideoPipeline, MediaFailure> {
        let stream = input
            .streams()
            .best(media::Type::Video)
            .ok_or_else(|| damaged("the film has no video stream".into()))?;
        let time_base = stream.time_base();
        let fps = stream_fps(stream.avg_frame_rate())
            .or_else(|| stream_fps(stream.rate()))
            .unwrap_or(FALLBACK_FPS);
        let tb = f64::from(time_base);
        let origin = (origin_s / tb).round() as i64;
        if plan.copies_video() && stream.parameters().id() != codec::Id::H264 {
            // The plan judged another picture stream than the one found here.
            return Err(damaged("the picture stream to copy is not H.264".into()));
        }
        let copy = plan.copies_video().then(|| {
            let mover = CopiedPicture::new(time_base, origin, fps, skip);
            (stream.parameters(), mover)
        });
        let mut rungs = Vec::new();
        let mut sizes = Vec::new();
        let encoded = plan.ladder.iter().filter_map(|r| r.video.as_ref());
        for video in encoded.skip(usize::from(copy.is_some())) {
            rungs.push(RungEncoder::open(
                video,
                (time_base, fps),
                cuts,
                plan.segment_target_s,
                early_end,
            )?);
            sizes.push((video.width, video.height));
        }
        let decoder = if rungs.is_empty() {
            None
        } else {
            Some(open_decoder(&stream)?)
        };
        Ok(VideoPipeline {
            index: stream.index(),
            decoder,
            copy,
            time_base,
            origin,
            next_pts: 0,
            frame_step: ((1.0 / fps / tb).round() as i64).max(1),
            chain: VideoChain {
                deinterlace: plan.deinterlace(),
                quarter_turns: plan.geometry.map_or(0, |g| g.quarter_turns),
                sizes,
            },
            graph: None,
            rungs,
            frames: 0,
            skip,
            keyed: false,
            overshot: false,
        })
    }

    /// The output streams' parameters and packet time bases, one per rung.
    pub fn streams(&self) -> Vec<(codec::Parameters, Rational)> {
        let copied = self
            .copy
            .as_ref()
            .map(|(parameters, _)| (parameters.clone(), self.time_base));
        copied
            .into_iter()
            .chain(self.rungs.iter().map(RungEncoder::stream))
            .collect()
    }

    /// Pictures that reached the outputs' pipelines: decoded, or copied when nothing is
    /// decoded.
    pub fn pictures(&self) -> u64 {
        match (&self.decoder, &self.copy) {
            (None, Some((_, copied))) => copied.packets,
            _ => self.frames,
        }
    }

    /// Copies one packet to the top rung when the picture is copied, and decodes it for
    /// the encoded rungs; a packet the decoder refuses (damage) is skipped.
    pub fn push(
        &mut self,
        packet: &ffmpeg::Packet,
        writers: &mut [Interleaved],
    ) -> Result<(), MediaFailure> {
        if let (Some((_, copied)), Some(writer)) = (self.copy.as_mut(), writers.first_mut()) {
            copied.push(packet, writer)?;
            self.overshot |= copied.overshot;
        }
        let Some(decoder) = self.decoder.as_mut() else {
            return Ok(());
        };
        if decoder.send_packet(packet).is_err() {
            return Ok(());
        }
        self.receive(writers)
    }

    /// Drains the decoder, the graph and the encoders at the end of the film.
    pub fn finish(&mut self, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        let Some(decoder) = self.decoder.as_mut() else {
            return Ok(());
        };
        // An error here means the decoder had already ended; what it holds still drains.
        let _ = decoder.send_eof();
        self.receive(writers)?;
        self.flush_graph(writers)?;
        let encoded = writers.iter_mut().skip(self.encoded_from());
        for (rung, writer) in self.rungs.iter_mut().zip(encoded) {
            rung.finish(writer)?;
        }
        Ok(())
    }

    /// The writer of the first encoded rung.
    fn encoded_from(&self) -> usize {
        usize::from(self.copy.is_some())
    }

    fn receive(&mut self, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        let mut picture = frame::Video::empty();
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(());
            };
            match decoder.receive_frame(&mut picture) {
                Ok(()) => self.filter(&mut picture, writers)?,
                Err(e) if is_again(&e) => return Ok(()),
                // A damaged picture: FFmpeg has logged it; the next packet goes on.
                Err(_) => return Ok(()),
            }
        }
    }

    /// Puts one decoded picture, re-timed from 0, through the graph.
    fn filter(
        &mut self,
        picture: &mut frame::Video,
        writers: &mut [Interleaved],
    ) -> Result<(), MediaFailure> {
        let pts = match picture.timestamp() {
            Some(ts) => ts - self.origin,
            None => self.next_pts,
        };
        self.next_pts = pts + self.frame_step;
        if !self.wanted(picture, pts) {
            return Ok(());
        }
        picture.set_pts(Some(pts));
        let shape = PictureShape {
            width: picture.width(),
            height: picture.height(),
            format: picture.format(),
            sar: picture.aspect_ratio(),
        };
        if shape.width == 0 || shape.height == 0 || shape.format == format::Pixel::None {
            return Ok(());
        }
        if self.graph.as_ref().map(|(_, s)| *s) != Some(shape) {
            self.flush_graph(writers)?;
            let graph = graph::video_graph(&self.chain, shape, self.time_base)
                .map_err(|e| output(format!("video filter graph: {e}")))?;
            self.graph = Some((graph, shape));
        }
        self.frames += 1;
        if let Some((graph, _)) = self.graph.as_mut() {
            let mut source = graph.get("in").ok_or_else(no_source)?;
            if source.source().add(picture).is_err() {
                return Ok(());
            }
        }
        self.pull(writers)
    }

    /// Whether a picture at `pts` (from the film's start) goes on: a part-way run drops
    /// pictures until a keyframe, and those well before its start.
    fn wanted(&mut self, picture: &frame::Video, pts: i64) -> bool {
        let Some(skip) = self.skip else {
            return true;
        };
        let tb = f64::from(self.time_base);
        let t = pts as f64 * tb;
        if !self.keyed {
            if !(picture.is_key() || picture.kind() == picture::Type::I) {
                return false;
            }
            self.keyed = true;
            let step_s = self.frame_step as f64 * tb;
            if skip.after_seek && t > skip.until_s + OVERSHOOT_FRAMES * step_s {
                self.overshot = true;
                return false;
            }
        }
        t >= skip.until_s - PREROLL_S
    }

    /// Ends the current graph (if any), encoding what it still holds.
    fn flush_graph(&mut self, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        if let Some((graph, _)) = self.graph.as_mut() {
            let mut source = graph.get("in").ok_or_else(no_source)?;
            // Fails only when the source had already ended.
            let _ = source.source().flush();
            self.pull(writers)?;
        }
        self.graph = None;
        Ok(())
    }

    /// Moves every picture waiting at the graph's sinks into its rung's encoder.
    fn pull(&mut self, writers: &mut [Interleaved]) -> Result<(), MediaFailure> {
        let Some((graph, _)) = self.graph.as_mut() else {
            return Ok(());
        };
        let mut pulled = Vec::with_capacity(self.rungs.len());
        for i in 0..self.rungs.len() {
            let mut sink = graph
                .get(&graph::sink_name(i))
                .ok_or_else(|| output(format!("video filter graph lost sink {i}")))?;
            pulled.push(take_pictures(&mut sink, self.time_base, self.skip)?);
        }
        let encoded = writers.iter_mut().skip(usize::from(self.copy.is_some()));
        end_early_together(&mut self.rungs, encoded, &pulled)?;
        let encoded = writers.iter_mut().skip(usize::from(self.copy.is_some()));
        for ((rung, writer), pictures) in self.rungs.iter_mut().zip(encoded).zip(pulled) {
            for mut picture in pictures {
                rung.encode(&mut picture, writer)?;
            }
        }
        Ok(())
    }
}

/// The pictures waiting at one sink, re-timed to `time_base`; in a part-way run, those
/// before its start are dropped (it encodes from its start: the first picture is a
/// keyframe there, as a full run forces one — the same comparison as the cuts').
fn take_pictures(
    sink: &mut ffmpeg::filter::Context,
    time_base: Rational,
    skip: Option<Skip>,
) -> Result<Vec<frame::Video>, MediaFailure> {
    // yadif halves the time base (it could emit one frame per field).
    let sink_tb = sink.sink().time_base();
    let mut pictures = Vec::new();
    loop {
        let mut picture = frame::Video::empty();
        match sink.sink().frame(&mut picture) {
            Ok(()) => {}
            Err(e) if is_again(&e) => return Ok(pictures),
            Err(e) => return Err(output(format!("video filter graph: {e}"))),
        }
        let pts = picture.pts().map(|p| p.rescale(sink_tb, time_base));
        let t = pts.map(|p| p as f64 * f64::from(time_base));
        if let (Some(skip), Some(t)) = (skip, t) {
            if t < skip.until_s - 1e-9 {
                continue;
            }
        }
        picture.set_pts(pts);
        pictures.push(picture);
    }
}

/// When the pictures just pulled reach the early end of a just-in-time run's first
/// segment in more than one rung, drains those rungs' encoders at once, a thread each:
/// the viewer waits for the slowest drain rather than for their sum (see
/// [`RungEncoder::open`]). Only rungs whose first picture reaches it (an earlier one still
/// belongs to the first segment); any other rung drains as it encodes.
fn end_early_together<'a>(
    rungs: &mut [RungEncoder],
    writers: impl Iterator<Item = &'a mut Interleaved>,
    pulled: &[Vec<frame::Video>],
) -> Result<(), MediaFailure> {
    let due: Vec<(&mut RungEncoder, &mut Interleaved)> = rungs
        .iter_mut()
        .zip(writers)
        .zip(pulled)
        .filter(|((rung, _), pictures)| {
            pictures
                .first()
                .is_some_and(|p| rung.reaches_early_end(p.pts()))
        })
        .map(|(both, _)| both)
        .collect();
    if due.len() < 2 {
        return Ok(());
    }
    std::thread::scope(|scope| {
        let drains: Vec<_> = due
            .into_iter()
            .map(|(rung, writer)| scope.spawn(move || rung.end_early_now(writer)))
            .collect();
        drains.into_iter().try_for_each(|drain| {
            drain
                .join()
                .unwrap_or_else(|_| Err(output("a picture encoder's drain panicked".into())))
        })
    })
}

/// A frame-threaded decoder for a video stream.
fn open_decoder(stream: &ffmpeg::Stream) -> Result<decoder::Video, MediaFailure> {
    let mut context = codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| damaged(format!("video stream parameters: {e}")))?;
    context.set_threading(threading::Config {
        kind: threading::Type::Frame,
        count: 0,
        ..Default::default()
    });
    context
        .decoder()
        .video()
        .map_err(|e| damaged(format!("no decoder for the video stream: {e}")))
}

/// A stream's stated frame rate, if it is a sane one.
fn stream_fps(rate: Rational) -> Option<f64> {
    (rate.numerator() > 0 && rate.denominator() > 0)
        .then(|| f64::from(rate))
        .filter(|f| f.is_finite() && (1.0..=1000.0).contains(f))
}

fn no_source() -> MediaFailure {
    output("video filter graph lost its source".into())
}
