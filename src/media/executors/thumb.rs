//! Poster frames: one JPEG per film, taken near 10 % of its duration, skipping black or
//! flat frames (fade-ins, slates), shown at the film's display aspect and rotation: the
//! plan's [`Geometry`](crate::media::prepare::geometry::Geometry), applied by a filter graph.

mod decode;
mod geometry;
pub(crate) mod jpeg;
#[cfg(test)]
pub(crate) mod test_support;
mod upright;

use std::path::Path;

use ffmpeg::frame;
use ffmpeg_next as ffmpeg;

use self::decode::{decode_near, VideoSource};
use self::geometry::LumaStats;
use super::open::open_input;
use crate::media::limits::MediaLimits;
use crate::media::protocol::{FailureKind, MediaFailure};

/// Where to look, as fractions of the duration; the first good frame wins.
const CANDIDATES: [f64; 4] = [0.10, 0.20, 0.30, 0.50];

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
    let mut picture = match pick_frame(&mut input, &mut source, duration_s)? {
        Some(picture) => picture,
        None => {
            // Seeking found nothing (broken index, unseekable file): read from the top.
            let mut input = open_input(path, limits)?;
            let mut source = VideoSource::open(&input, limits)?;
            let frame = decode_near(&mut input, &mut source, None)
                .ok_or_else(|| damaged("no video frame could be decoded".into()))?;
            source.to_poster(&frame)?
        }
    };
    let bytes = jpeg::encode_jpeg(&mut picture)?;
    jpeg::write_atomically(out, &bytes)
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
        let Some(frame) = decode_near(input, source, Some(target)) else {
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
