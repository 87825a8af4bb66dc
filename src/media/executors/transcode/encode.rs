//! The picture encoders of a transcode: libx264 per video rung (keyframes forced at the
//! segment cuts, frame rate capped). The sound's encoder is in [`aac`](super::aac).

use ffmpeg::codec::{self, threading};
use ffmpeg::{encoder, format, frame, picture, Dictionary, Rational};
use ffmpeg_next as ffmpeg;

use super::interleave::Interleaved;
use crate::media::prepare::VideoRung;
use crate::media::protocol::{FailureKind, MediaFailure};

/// Sample rate of every transcoded sound track.
pub(super) const SAMPLE_RATE: i32 = 48_000;
/// A source this much faster than a rung's `max_fps` has frames dropped down to it.
const FPS_CAP_MARGIN: f64 = 1.05;

/// One video rung's libx264 encoder and the rules it encodes by.
pub(super) struct RungEncoder {
    encoder: encoder::video::Encoder,
    time_base: Rational,
    /// One frame's duration in `time_base` (libx264 in FFmpeg 5.1 sets none).
    frame_duration: i64,
    /// Segment starts after 0, seconds, ascending: the first frame at or after each one
    /// is coded as an IDR frame.
    cuts: Vec<f64>,
    next_cut: usize,
    /// Frames per second the rung may not exceed, when the source does.
    cap_fps: Option<f64>,
    last_slot: Option<i64>,
    last_pts: Option<i64>,
    /// Where the first segment of a just-in-time run ends (see [`RungEncoder::open`]).
    early_end: Option<f64>,
    /// What libx264 is opened with, to open it again at `early_end`.
    setup: (VideoRung, f64, f64),
}

impl RungEncoder {
    /// Opens libx264 for `rung`: High profile at the rung's level, preset veryfast,
    /// yuv420p, the rung's average bit rate with VBV at its peak, square pixels; frames
    /// come with timestamps in `time_base` at `source_fps`. `cuts` are the segment starts,
    /// about `segment_s` apart.
    ///
    /// With `early_end` (a just-in-time run's first cut after its start), the encoder is
    /// drained at that cut and opened afresh for the pictures from there: the viewer's
    /// first segment is complete once its own pictures are encoded, instead of once
    /// libx264 has also taken in the next segment's first frames (its look-ahead, about
    /// 16 frames per rung at veryfast on two threads). The fresh encoder starts with the
    /// IDR frame the cut forces anyway; only its rate control starts over.
    pub fn open(
        rung: &VideoRung,
        (time_base, source_fps): (Rational, f64),
        cuts: &[f64],
        segment_s: f64,
        early_end: Option<f64>,
    ) -> Result<RungEncoder, MediaFailure> {
        let cap_fps = rung.max_fps.filter(|m| source_fps > m * FPS_CAP_MARGIN);
        let fps = cap_fps.unwrap_or(source_fps);
        let encoder = open_x264(rung, time_base, fps, segment_s)?;
        let seconds_per_frame = 1.0 / fps / f64::from(time_base);
        Ok(RungEncoder {
            encoder,
            time_base,
            frame_duration: (seconds_per_frame.round() as i64).max(1),
            cuts: cuts.iter().copied().filter(|c| *c > 0.0).collect(),
            next_cut: 0,
            cap_fps,
            last_slot: None,
            last_pts: None,
            early_end,
            setup: (rung.clone(), fps, segment_s),
        })
    }

    /// The output stream's parameters and the time base of its packets.
    pub fn stream(&self) -> (codec::Parameters, Rational) {
        (codec::Parameters::from(&self.encoder), self.time_base)
    }

    /// Encodes one picture (timestamps in the encoder's time base), unless the frame-rate
    /// cap or an out-of-order timestamp drops it, and writes what comes out to `out`.
    pub fn encode(
        &mut self,
        picture: &mut frame::Video,
        out: &mut Interleaved,
    ) -> Result<(), MediaFailure> {
        let Some(pts) = picture.pts() else {
            return Ok(());
        };
        if self.last_pts.is_some_and(|last| pts <= last) {
            return Ok(());
        }
        let t = pts as f64 * f64::from(self.time_base);
        if let Some(cap) = self.cap_fps {
            let slot = (t * cap + 0.25).floor() as i64;
            if self.last_slot.is_some_and(|last| slot <= last) {
                return Ok(());
            }
            self.last_slot = Some(slot);
        }
        self.last_pts = Some(pts);
        // Decoded pictures keep their source picture type; only our cuts may force one.
        let kind = if self.cut_due(t) {
            picture::Type::I
        } else {
            picture::Type::None
        };
        if kind == picture::Type::I {
            self.end_early(t, out)?;
        }
        picture.set_kind(kind);
        self.encoder
            .send_frame(picture)
            .map_err(ffmpeg_output("libx264 encode"))?;
        self.drain(out)
    }

    /// Flushes the encoder into `out`.
    pub fn finish(&mut self, out: &mut Interleaved) -> Result<(), MediaFailure> {
        self.encoder
            .send_eof()
            .map_err(ffmpeg_output("libx264 flush"))?;
        self.drain(out)
    }

    /// Whether a picture at `pts` would reach the early end (see [`RungEncoder::open`]),
    /// which is still to come.
    pub fn reaches_early_end(&self, pts: Option<i64>) -> bool {
        let t = pts.map(|p| p as f64 * f64::from(self.time_base));
        matches!((self.early_end, t), (Some(end), Some(t)) if t >= end - 1e-9)
    }

    /// At the early end (a forced keyframe at `t` past it): see [`RungEncoder::end_early_now`].
    fn end_early(&mut self, t: f64, out: &mut Interleaved) -> Result<(), MediaFailure> {
        if self.early_end.is_some_and(|end| t >= end - 1e-9) {
            self.end_early_now(out)?;
        }
        Ok(())
    }

    /// Drains the encoder into `out`, tells `out` the first segment is complete, and opens
    /// libx264 again; from then on there is no early end. Nothing without one.
    pub fn end_early_now(&mut self, out: &mut Interleaved) -> Result<(), MediaFailure> {
        let Some(end) = self.early_end.take() else {
            return Ok(());
        };
        self.finish(out)?;
        out.segment_ends_at(0, end)?;
        let (rung, fps, segment_s) = &self.setup;
        self.encoder = open_x264(rung, self.time_base, *fps, *segment_s)?;
        Ok(())
    }

    /// True for the first picture at or after the next cut.
    fn cut_due(&mut self, t: f64) -> bool {
        let mut due = false;
        while self.cuts.get(self.next_cut).is_some_and(|c| t >= c - 1e-9) {
            self.next_cut += 1;
            due = true;
        }
        due
    }

    fn drain(&mut self, out: &mut Interleaved) -> Result<(), MediaFailure> {
        let (time_base, duration) = (self.time_base, self.frame_duration);
        crate::media::executors::encoded::drain_encoder(&mut self.encoder, duration, |packet| {
            out.write(0, packet, time_base)
        })
    }
}

/// libx264 set up for `rung`, fed frames at `fps` with timestamps in `time_base`.
fn open_x264(
    rung: &VideoRung,
    time_base: Rational,
    fps: f64,
    segment_s: f64,
) -> Result<encoder::video::Encoder, MediaFailure> {
    let codec = encoder::find_by_name("libx264")
        .ok_or_else(|| output("FFmpeg was built without libx264".into()))?;
    let mut context = codec::context::Context::new_with_codec(codec);
    context.set_threading(threading::Config {
        kind: threading::Type::Frame,
        count: 0,
        ..Default::default()
    });
    // Both outputs want the parameter sets out of band: MP4 needs them in `avcC`, and
    // the MPEG-TS muxer repeats them before every IDR frame.
    context.set_flags(codec::Flags::GLOBAL_HEADER);
    let mut setup = context
        .encoder()
        .video()
        .map_err(ffmpeg_output("libx264 setup"))?;
    setup.set_width(rung.width);
    setup.set_height(rung.height);
    setup.set_format(format::Pixel::YUV420P);
    setup.set_time_base(time_base);
    setup.set_frame_rate(Some(Rational::from(fps)));
    setup.set_aspect_ratio(Rational(1, 1));
    setup.set_bit_rate(rung.bitrate as usize);
    setup.set_max_bit_rate(rung.max_bitrate as usize);
    // Keyframes come where the cuts force them; a natural one only after two segments'
    // worth of frames without a cut (a film longer than planned).
    let segment = if segment_s.is_finite() {
        segment_s.max(1.0)
    } else {
        6.0
    };
    setup.set_gop((2.0 * segment * fps).ceil().clamp(1.0, 10_000.0) as u32);
    setup
        .open_as_with(codec, x264_options(rung))
        .map_err(ffmpeg_output("libx264 open"))
}

/// libx264's options for a rung.
fn x264_options(rung: &VideoRung) -> Dictionary<'static> {
    let mut opts = Dictionary::new();
    opts.set("preset", "veryfast");
    opts.set("profile", "high");
    opts.set(
        "level",
        &format!("{}.{}", rung.level_idc / 10, rung.level_idc % 10),
    );
    // A one-second VBV buffer at the peak rate: no segment strays far above BANDWIDTH.
    opts.set("bufsize", &rung.max_bitrate.to_string());
    // Forced keyframes are IDR frames, and x264 adds none of its own at scene changes, so
    // every rung has keyframes at the same instants and nowhere else.
    opts.set("forced-idr", "1");
    opts.set("x264-params", "scenecut=0:open-gop=0");
    opts
}

pub(super) fn output(detail: String) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Output,
        detail,
    }
}

pub(super) fn ffmpeg_output(what: &str) -> impl Fn(ffmpeg::Error) -> MediaFailure + '_ {
    move |e| output(format!("{what}: {e}"))
}
