//! Poster frames: one JPEG per film, taken near 10 % of its duration, skipping black or
//! flat frames (fade-ins, slates), shown at the film's display aspect and rotation.

mod geometry;
pub(crate) mod jpeg;
#[cfg(test)]
pub(crate) mod test_support;

use std::path::Path;

use ffmpeg::{codec, decoder, frame, media, packet, Packet};
use ffmpeg_next as ffmpeg;

use self::geometry::{LumaStats, PosterBox};
use super::limits::MediaLimits;
use super::open::open_input;
use super::protocol::{FailureKind, MediaFailure};

/// Where to look, as fractions of the duration; the first good frame wins.
const CANDIDATES: [f64; 4] = [0.10, 0.20, 0.30, 0.50];
/// Frames decoded after a seek before giving up on reaching the target (long GOPs).
const MAX_FRAMES_PER_SEEK: usize = 400;
/// Packets read after a seek, all streams together, before giving up.
const MAX_PACKETS_PER_SEEK: usize = 4000;

/// Writes a poster JPEG for the video at `path` to `out` (atomically: temp file + rename).
///
/// `duration_s` is the probed duration; 0 or unknown means "use the first good frame".
/// Fails with `Damaged` when no frame decodes, `Output` when the JPEG cannot be written.
pub fn write_poster(
    path: &Path,
    out: &Path,
    duration_s: f64,
    limits: &MediaLimits,
) -> Result<(), MediaFailure> {
    let mut input = open_input(path, limits)?;
    let mut source = VideoSource::open(&input, limits)?;
    let picked = match pick_frame(&mut input, &mut source, duration_s)? {
        Some(picture) => picture,
        None => {
            // Seeking found nothing (broken index, unseekable file): read from the top.
            let mut input = open_input(path, limits)?;
            let mut source = VideoSource::open(&input, limits)?;
            let frame = decode_near(&mut input, &mut source, None)?
                .ok_or_else(|| damaged("no video frame could be decoded".into()))?;
            source.to_poster(&frame)?
        }
    };
    let mut picture = geometry::rotate(&picked, source.quarter_turns);
    let bytes = jpeg::encode_jpeg(&mut picture)?;
    jpeg::write_atomically(out, &bytes)
}

/// The video stream being decoded and what is needed to turn its frames into a poster.
struct VideoSource {
    index: usize,
    decoder: decoder::Video,
    /// Seconds per tick of the stream's time base.
    tick_s: f64,
    /// Timestamp of the stream's first frame, in seconds.
    start_s: f64,
    /// Clockwise quarter turns needed to show the picture upright.
    quarter_turns: u8,
}

impl VideoSource {
    fn open(
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
        let quarter_turns = stream
            .side_data()
            .find(|sd| sd.kind() == packet::side_data::Type::DisplayMatrix)
            .map_or(0, |sd| {
                geometry::quarter_turns_from_display_matrix(sd.data())
            });
        Ok(VideoSource {
            index: stream.index(),
            decoder,
            tick_s,
            start_s,
            quarter_turns,
        })
    }

    /// Scales a decoded frame to the poster size (before rotation), as `yuvj420p`.
    fn to_poster(&self, frame: &frame::Video) -> Result<frame::Video, MediaFailure> {
        let sar = frame.aspect_ratio();
        let size = PosterBox::DEFAULT.fit(frame.width(), frame.height(), sar, self.quarter_turns);
        jpeg::scale_to_jpeg_frame(frame, size.0, size.1)
            .map_err(|e| damaged(format!("cannot convert the decoded picture: {e}")))
    }
}

/// Tries the candidate positions; returns the first good picture, else the most detailed.
fn pick_frame(
    input: &mut ffmpeg::format::context::Input,
    source: &mut VideoSource,
    duration_s: f64,
) -> Result<Option<frame::Video>, MediaFailure> {
    let known = duration_s.is_finite() && duration_s > 0.0;
    let mut best: Option<(f64, frame::Video)> = None;
    for fraction in CANDIDATES {
        let target = if known { duration_s * fraction } else { 0.0 };
        let Some(frame) = decode_near(input, source, Some(target))? else {
            continue;
        };
        let poster = source.to_poster(&frame)?;
        let stats = LumaStats::of(&poster);
        if stats.looks_good() {
            return Ok(Some(poster));
        }
        if best
            .as_ref()
            .is_none_or(|(score, _)| stats.variance > *score)
        {
            best = Some((stats.variance, poster));
        }
        if !known {
            break; // every candidate would be the same frame
        }
    }
    Ok(best.map(|(_, poster)| poster))
}

/// Seeks to the keyframe before `target_s` (seconds from the start; `None`: no seek) and
/// decodes forward to the first frame at or after it. `None` when nothing decodes.
fn decode_near(
    input: &mut ffmpeg::format::context::Input,
    source: &mut VideoSource,
    target_s: Option<f64>,
) -> Result<Option<frame::Video>, MediaFailure> {
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
    Ok(decoded.into_frame())
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

fn damaged(detail: String) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Damaged,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{ffmpeg, Gray};
    use super::*;

    fn clip(dir: &Path, name: &str, video_args: &[&str]) -> std::path::PathBuf {
        let path = dir.join(name);
        let mut args = video_args.to_vec();
        args.extend([
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ]);
        args.extend(["-g", "25", path.to_str().expect("utf-8 temp path")]);
        ffmpeg(&args);
        path
    }

    #[test]
    fn a_poster_skips_a_black_opening() {
        let dir = tempfile::tempdir().expect("temp dir");
        // 1.5 s of black, then 8.5 s of pattern: 10 % (1 s) is black, 20 % (2 s) is not.
        let graph = "color=black:s=320x240:r=25:d=1.5[a];testsrc2=s=320x240:r=25:d=8.5[b];\
                     [a][b]concat=n=2:v=1:a=0";
        let src = clip(dir.path(), "black-start.mp4", &["-filter_complex", graph]);
        let out = dir.path().join("poster.jpg");
        write_poster(&src, &out, 10.0, &MediaLimits::default()).expect("a poster");
        let gray = Gray::decode(&out);
        let (mean, var) = gray.stats(0, gray.width, 0, gray.height);
        assert!(mean > 40.0, "poster is black: mean luma {mean:.1}");
        assert!(
            var.sqrt() > 12.0,
            "poster is flat: stddev {:.1}",
            var.sqrt()
        );
        assert_eq!((gray.width, gray.height), (480, 360));
    }

    #[test]
    fn a_pal_4_3_source_with_16_15_pixels_gets_an_even_4_3_poster() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lavfi = [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=720x576:r=25:d=2",
            "-vf",
            "setsar=16/15",
        ];
        let src = clip(dir.path(), "pal.mp4", &lavfi);
        let out = dir.path().join("pal.jpg");
        write_poster(&src, &out, 2.0, &MediaLimits::default()).expect("a poster");
        let gray = Gray::decode(&out);
        assert_eq!((gray.width % 2, gray.height % 2), (0, 0));
        let aspect = gray.width as f64 / gray.height as f64;
        assert!(
            (aspect - 4.0 / 3.0).abs() < 0.01,
            "{}x{}",
            gray.width,
            gray.height
        );
        assert_eq!(gray.width, 480);
    }

    /// The darkest quadrant of a picture: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right.
    fn darkest_quadrant(gray: &Gray) -> usize {
        let (w, h) = (gray.width / 2, gray.height / 2);
        let means: Vec<f64> = [(0, 0), (w, 0), (0, h), (w, h)]
            .iter()
            .map(|&(x, y)| gray.stats(x, x + w, y, y + h).0)
            .collect();
        (0..4)
            .min_by(|&a, &b| means[a].total_cmp(&means[b]))
            .expect("four quadrants")
    }

    #[test]
    fn a_clip_flagged_as_rotated_gets_a_poster_turned_like_the_ffmpeg_cli_turns_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        // White with a black top-left corner, so the turn's direction shows.
        let lavfi = "color=white:s=320x180:r=25:d=2,drawbox=x=0:y=0:w=120:h=60:color=black:t=fill";
        let plain = clip(dir.path(), "plain.mp4", &["-f", "lavfi", "-i", lavfi]);
        // Re-encoding would apply and drop the flag: only a copy keeps the display matrix.
        let src = dir.path().join("phone.mp4");
        let src_arg = src.to_str().expect("utf-8");
        let plain_arg = plain.to_str().expect("utf-8");
        ffmpeg(&[
            "-i",
            plain_arg,
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
            src_arg,
        ]);
        let out = dir.path().join("phone.jpg");
        write_poster(&src, &out, 2.0, &MediaLimits::default()).expect("a poster");
        let ours = Gray::decode(&out);
        assert_eq!((ours.width, ours.height), (202, 360));

        let reference = dir.path().join("cli.png");
        ffmpeg(&[
            "-i",
            src_arg,
            "-frames:v",
            "1",
            reference.to_str().expect("utf-8"),
        ]);
        let cli = Gray::decode(&reference);
        assert!(cli.height > cli.width, "the CLI autorotates too");
        assert_eq!(darkest_quadrant(&ours), darkest_quadrant(&cli));
    }

    #[test]
    fn an_unknown_duration_still_gives_a_poster() {
        let dir = tempfile::tempdir().expect("temp dir");
        let src = clip(
            dir.path(),
            "short.mp4",
            &["-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=1"],
        );
        let out = dir.path().join("short.jpg");
        write_poster(&src, &out, 0.0, &MediaLimits::default()).expect("a poster");
        assert_eq!(Gray::decode(&out).width, 480);
    }

    #[test]
    fn an_audio_only_file_has_no_poster_and_is_reported_damaged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let src = dir.path().join("talk.mp3");
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=d=1",
            "-c:a",
            "libmp3lame",
            src.to_str().expect("utf-8"),
        ]);
        let err = write_poster(
            &src,
            &dir.path().join("x.jpg"),
            1.0,
            &MediaLimits::default(),
        )
        .expect_err("no video");
        assert_eq!(err.kind, FailureKind::Damaged);
    }

    #[test]
    fn a_poster_that_cannot_be_written_is_an_output_failure_and_leaves_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let src = clip(
            dir.path(),
            "ok.mp4",
            &["-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=1"],
        );
        let out = dir.path().join("missing-folder").join("poster.jpg");
        let err = write_poster(&src, &out, 1.0, &MediaLimits::default()).expect_err("no folder");
        assert_eq!(err.kind, FailureKind::Output);
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(left.len(), 1, "only the source remains: {left:?}");
    }
}
