//! Decoding one frame near a given time: seek to the keyframe before it, decode forward,
//! within caps on the frames and packets read (a huge GOP or a damaged index cannot make a
//! poster job run away).

use ffmpeg::{codec, decoder, frame, media, Packet};
use ffmpeg_next as ffmpeg;
use media_catalog::{Ratio, StreamInfo};

use super::geometry::PosterBox;
use super::{damaged, upright};
use crate::media::executors::rotation;
use crate::media::limits::MediaLimits;
use crate::media::prepare::geometry::Geometry;
use crate::media::protocol::{FailureKind, MediaFailure};

/// Frames decoded after a seek before giving up on reaching the target (long GOPs).
const MAX_FRAMES_PER_SEEK: usize = 400;
/// Packets read after a seek, all streams together, before giving up.
const MAX_PACKETS_PER_SEEK: usize = 4000;

/// The video stream being decoded and what is needed to turn its frames into a poster.
pub(super) struct VideoSource {
    index: usize,
    decoder: decoder::Video,
    /// Seconds per tick of the stream's time base.
    tick_s: f64,
    /// Timestamp of the stream's first frame, in seconds.
    start_s: f64,
    /// Clockwise degrees that show the picture upright, as the probe reads them.
    rotation: Option<f64>,
}

impl VideoSource {
    pub fn open(
        input: &ffmpeg::format::context::Input,
        limits: &MediaLimits,
    ) -> Result<Self, MediaFailure> {
        let stream = input
            .streams()
            .best(media::Type::Video)
            .ok_or_else(|| damaged("the file has no video stream".into()))?;
        let decoder = codec::context::Context::from_parameters(stream.parameters())
            .and_then(|ctx| ctx.decoder().video())
            .map_err(|e| damaged(format!("cannot open the video decoder: {e}")))?;
        if decoder.width() > limits.max_width || decoder.height() > limits.max_height {
            return Err(MediaFailure {
                kind: FailureKind::OverLimit,
                detail: format!(
                    "picture {}x{} is over the cap",
                    decoder.width(),
                    decoder.height()
                ),
            });
        }
        let tick_s = f64::from(stream.time_base());
        let start = stream.start_time();
        let start_s = if start == ffmpeg::ffi::AV_NOPTS_VALUE {
            0.0
        } else {
            start as f64 * tick_s
        };
        Ok(VideoSource {
            index: stream.index(),
            decoder,
            tick_s,
            start_s,
            rotation: rotation::clockwise_degrees(&stream),
        })
    }

    /// A decoded frame as a poster picture: the plan's geometry of it (its size, pixel
    /// shape and the stream's rotation), turned upright and scaled to fit the poster box,
    /// as `yuvj420p`.
    pub fn to_poster(&self, frame: &frame::Video) -> Result<frame::Video, MediaFailure> {
        // The bitstream's pixel shape, else the stream header's (0/1 means unknown).
        let sar = match frame.aspect_ratio() {
            r if r.numerator() > 0 => r,
            _ => self.decoder.aspect_ratio(),
        };
        let picture = StreamInfo {
            width: Some(frame.width()),
            height: Some(frame.height()),
            sar: Some(Ratio {
                num: sar.numerator(),
                den: sar.denominator(),
            }),
            rotation: self.rotation,
            ..StreamInfo::default()
        };
        let geometry = Geometry::of(&picture)
            .ok_or_else(|| damaged("a decoded picture has no size".into()))?;
        let size = PosterBox::DEFAULT.fit(&geometry);
        upright::poster_picture(frame, &geometry, size)
            .map_err(|e| damaged(format!("cannot convert the decoded picture: {e}")))
    }
}

/// Seeks to the keyframe before `target_s` (seconds from the start; `None`: no seek) and
/// decodes forward to the first frame at or after it. `None` when nothing decodes.
pub(super) fn decode_near(
    input: &mut ffmpeg::format::context::Input,
    source: &mut VideoSource,
    target_s: Option<f64>,
) -> Option<frame::Video> {
    let target_s = target_s.map(|t| source.start_s + t);
    if let Some(t) = target_s {
        let ts = (t * f64::from(ffmpeg::ffi::AV_TIME_BASE)) as i64;
        if let Err(e) = input.seek(ts, ..ts) {
            tracing::debug!("poster seek to {t:.2}s failed: {e}; decoding from here");
        }
        source.decoder.flush();
    }
    let mut decoded = Decoded::default();
    let mut packet = Packet::empty();
    for _ in 0..MAX_PACKETS_PER_SEEK {
        match packet.read(input) {
            Ok(()) if packet.stream() == source.index => {
                // A damaged packet is skipped: the next keyframe may still decode.
                if source.decoder.send_packet(&packet).is_ok() {
                    decoded.receive(source, target_s);
                }
            }
            Ok(()) | Err(ffmpeg::Error::InvalidData) => {}
            Err(ffmpeg::Error::Eof) => {
                let _ = source.decoder.send_eof();
                decoded.receive(source, target_s);
                break;
            }
            Err(e) => {
                tracing::debug!("poster read stopped: {e}");
                break;
            }
        }
        if decoded.done() {
            break;
        }
    }
    decoded.into_frame()
}

/// Frames received after one seek: the one at the target, or the latest before it.
#[derive(Default)]
struct Decoded {
    hit: Option<frame::Video>,
    latest: Option<frame::Video>,
    count: usize,
}

impl Decoded {
    fn receive(&mut self, source: &mut VideoSource, target_s: Option<f64>) {
        let mut frame = frame::Video::empty();
        while self.hit.is_none() && source.decoder.receive_frame(&mut frame).is_ok() {
            self.count += 1;
            let at_s = frame.timestamp().map(|ts| ts as f64 * source.tick_s);
            // Half a frame of slack: timestamps are rounded to the time base.
            let reached = match (target_s, at_s) {
                (Some(target), Some(at)) => at >= target - 0.02,
                _ => true,
            };
            if reached {
                self.hit = Some(frame);
                return;
            }
            self.latest = Some(std::mem::replace(&mut frame, frame::Video::empty()));
        }
    }

    fn done(&self) -> bool {
        self.hit.is_some() || self.count >= MAX_FRAMES_PER_SEEK
    }

    fn into_frame(self) -> Option<frame::Video> {
        self.hit.or(self.latest)
    }
}
