//! Generated clips encoded in-process (no ffmpeg CLI): a moving colour pattern as H.264 and
//! a quiet tone as AAC in a faststart MP4, or the tone alone as MP3. The demo library
//! (`serve --demo`) and the benchmarks are made with it.

mod pattern;
mod plan;
mod tracks;

use std::fs::{self, File};
use std::path::Path;

use ffmpeg::{format, Dictionary};
use ffmpeg_next as ffmpeg;

use self::plan::Plan;
use self::tracks::{AudioTrack, VideoTrack};
use super::thumb::jpeg::{output_failure, temp_path_beside};
use crate::media::protocol::{ClipSpec, MediaFailure};

/// Encodes the clip `spec` describes and writes it to `out` (temp file beside it, then
/// rename). A spec that makes no sense, a missing encoder (libx264, libmp3lame) or a write
/// error all fail with `Output` and a detail saying which.
pub fn write_clip(spec: &ClipSpec, out: &Path) -> Result<(), MediaFailure> {
    let plan = Plan::from_spec(spec)?;
    let tmp = temp_path_beside(out)?;
    let written = encode(&plan, spec.title.as_deref(), &tmp).and_then(|()| {
        // Durable before it gets the final name: a power cut leaves no empty "clip".
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .and_then(|()| fs::rename(&tmp, out))
            .map_err(|e| output_failure(format!("cannot write {}: {e}", out.display())))
    });
    if written.is_err() {
        // Best effort: the temp name is ours alone, nobody else will clean it up.
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Encodes the whole clip into `path`.
fn encode(plan: &Plan, title: Option<&str>, path: &Path) -> Result<(), MediaFailure> {
    let fail = |what: &'static str| move |e: ffmpeg::Error| output_failure(format!("{what}: {e}"));
    // An explicit `file:` URL, so a name with a colon is never read as another protocol.
    let url = format!("file:{}", path.display());
    let mut octx = format::output_as(&url, plan.muxer).map_err(fail("cannot create the clip"))?;
    let mut video = match plan.video {
        Some(geometry) => Some(VideoTrack::add(
            &mut octx,
            geometry,
            plan.frames,
            plan.seed,
        )?),
        None => None,
    };
    let mut audio = match plan.samples {
        Some(samples) => Some(AudioTrack::add(
            &mut octx,
            plan.audio_codec,
            samples,
            plan.seed,
        )?),
        None => None,
    };
    let mut metadata = Dictionary::new();
    if let Some(title) = title {
        // ffmpeg-next panics on a NUL inside a C string; a title never needs one.
        metadata.set("title", &title.replace('\0', ""));
    }
    octx.set_metadata(metadata);
    let mut options = Dictionary::new();
    if plan.muxer == "mp4" {
        // Index first, so a TV can start playing over HTTP before the whole file arrives.
        options.set("movflags", "+faststart");
    }
    octx.write_header_with(options)
        .map_err(fail("cannot write the header"))?;
    // The muxer picks its own time bases while writing the header.
    if let Some(track) = video.as_mut() {
        track.adopt_time_base(&octx);
    }
    if let Some(track) = audio.as_mut() {
        track.adopt_time_base(&octx);
    }
    interleave(&mut octx, video.as_mut(), audio.as_mut())?;
    octx.write_trailer().map_err(fail("cannot finish the clip"))
}

/// Feeds both encoders in presentation order, so the muxer's interleaving queue stays short.
fn interleave(
    octx: &mut format::context::Output,
    mut video: Option<&mut VideoTrack>,
    mut audio: Option<&mut AudioTrack>,
) -> Result<(), MediaFailure> {
    loop {
        let video_due = video.as_ref().and_then(|v| v.due());
        let audio_due = audio.as_ref().and_then(|a| a.due());
        match (video_due, audio_due, video.as_mut(), audio.as_mut()) {
            (Some(v), Some(a), _, Some(track)) if a < v => track.push(octx)?,
            (Some(_), _, Some(track), _) => track.push(octx)?,
            (None, Some(_), _, Some(track)) => track.push(octx)?,
            _ => break,
        }
    }
    if let Some(track) = video {
        track.finish(octx)?;
    }
    if let Some(track) = audio {
        track.finish(octx)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::thumb::test_support::{probe, Gray};
    use super::*;
    use crate::media::limits::MediaLimits;
    use crate::media::protocol::FailureKind;

    fn spec(container: &str, title: Option<&str>) -> ClipSpec {
        ClipSpec {
            width: 320,
            height: 180,
            fps: 25,
            duration_s: 8.0,
            video: true,
            audio: true,
            container: container.into(),
            title: title.map(String::from),
            seed: 7,
        }
    }

    /// Top-level MP4 box types in file order.
    fn top_level_boxes(bytes: &[u8]) -> Vec<String> {
        let mut boxes = Vec::new();
        let mut at = 0usize;
        while at + 8 <= bytes.len() {
            let size = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
            boxes.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
            if size < 8 {
                break; // 64-bit or to-end sizes never occur in clips this small
            }
            at += size;
        }
        boxes
    }

    #[test]
    fn a_synthesized_mp4_has_h264_and_aac_in_yuv420p_for_the_requested_length() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("clip.mp4");
        write_clip(&spec("mp4", None), &out).expect("a clip");
        let info = probe(&out);
        let streams = info["streams"].as_array().expect("streams");
        let video = streams
            .iter()
            .find(|s| s["codec_type"] == "video")
            .expect("video");
        let audio = streams
            .iter()
            .find(|s| s["codec_type"] == "audio")
            .expect("audio");
        assert_eq!(video["codec_name"], "h264");
        assert_eq!(video["pix_fmt"], "yuv420p");
        assert_eq!(
            (video["width"].as_u64(), video["height"].as_u64()),
            (Some(320), Some(180))
        );
        // Packet durations were set: the frame rate reads back as 25, not a guess.
        assert_eq!(video["avg_frame_rate"], "25/1");
        assert_eq!(audio["codec_name"], "aac");
        assert_eq!(audio["profile"], "LC");
        assert_eq!(
            (audio["sample_rate"].as_str(), audio["channels"].as_u64()),
            (Some("48000"), Some(2))
        );
        let duration: f64 = info["format"]["duration"]
            .as_str()
            .expect("duration")
            .parse()
            .expect("a number");
        assert!((duration - 8.0).abs() < 0.1, "duration {duration}");
    }

    #[test]
    fn a_synthesized_mp4_puts_its_index_before_its_media_data() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("faststart.mp4");
        write_clip(&spec("mp4", None), &out).expect("a clip");
        let boxes = top_level_boxes(&std::fs::read(&out).expect("written"));
        let moov = boxes.iter().position(|b| b == "moov").expect("a moov box");
        let mdat = boxes.iter().position(|b| b == "mdat").expect("an mdat box");
        assert!(moov < mdat, "boxes in order {boxes:?}");
    }

    #[test]
    fn a_chinese_title_round_trips_through_the_container_tag() {
        let dir = tempfile::tempdir().expect("temp dir");
        for container in ["mp4", "mp3"] {
            let out = dir.path().join(format!("titled.{container}"));
            write_clip(&spec(container, Some("党章学习·第一讲")), &out).expect("a clip");
            assert_eq!(
                probe(&out)["format"]["tags"]["title"],
                "党章学习·第一讲",
                "{container}"
            );
        }
    }

    #[test]
    fn a_title_with_a_nul_character_is_written_without_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("nul.mp3");
        write_clip(&spec("mp3", Some("党课\0第二讲")), &out).expect("a clip");
        assert_eq!(probe(&out)["format"]["tags"]["title"], "党课第二讲");
    }

    #[test]
    fn an_mp3_clip_is_sound_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("talk.mp3");
        write_clip(&spec("mp3", None), &out).expect("a clip");
        let info = probe(&out);
        let streams = info["streams"].as_array().expect("streams");
        assert_eq!(streams.len(), 1);
        assert_eq!(streams[0]["codec_name"], "mp3");
        assert_eq!(info["format"]["format_name"], "mp3");
    }

    #[test]
    fn keyframes_come_at_most_two_seconds_apart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("gop.mp4");
        write_clip(&spec("mp4", None), &out).expect("a clip");
        let listing = std::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-select_streams",
                "v",
                "-show_entries",
                "packet=pts_time,flags",
            ])
            .args(["-of", "csv=p=0"])
            .arg(&out)
            .output()
            .expect("ffprobe");
        let keys: Vec<f64> = String::from_utf8_lossy(&listing.stdout)
            .lines()
            .filter(|l| l.contains('K'))
            .filter_map(|l| l.split(',').next()?.parse().ok())
            .collect();
        assert!(keys.len() >= 4, "keyframes at {keys:?}");
        assert!(
            keys.windows(2).all(|w| w[1] - w[0] <= 2.0 + 1e-6),
            "keyframes at {keys:?}"
        );
    }

    #[test]
    fn a_synthesized_clip_makes_a_detailed_poster() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (clip, poster) = (dir.path().join("demo.mp4"), dir.path().join("demo.jpg"));
        write_clip(&spec("mp4", None), &clip).expect("a clip");
        super::super::thumb::write_poster(&clip, &poster, 8.0, &MediaLimits::default())
            .expect("a poster");
        let gray = Gray::decode(&poster);
        let (mean, var) = gray.stats(0, gray.width, 0, gray.height);
        assert!(
            mean > 40.0 && var.sqrt() > 20.0,
            "mean {mean:.1}, stddev {:.1}",
            var.sqrt()
        );
    }

    #[test]
    fn different_seeds_give_different_clips() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (a, b) = (dir.path().join("a.mp4"), dir.path().join("b.mp4"));
        write_clip(
            &ClipSpec {
                duration_s: 1.0,
                ..spec("mp4", None)
            },
            &a,
        )
        .expect("a clip");
        write_clip(
            &ClipSpec {
                duration_s: 1.0,
                seed: 8,
                ..spec("mp4", None)
            },
            &b,
        )
        .expect("a clip");
        assert_ne!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    }

    #[test]
    fn a_nonsense_spec_is_refused_and_leaves_no_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("bad.mp4");
        let refused = [
            ClipSpec {
                duration_s: 0.0,
                ..spec("mp4", None)
            },
            ClipSpec {
                duration_s: f64::NAN,
                ..spec("mp4", None)
            },
            ClipSpec {
                fps: 0,
                ..spec("mp4", None)
            },
            ClipSpec {
                width: 4,
                ..spec("mp4", None)
            },
            ClipSpec {
                container: "avi".into(),
                ..spec("mp4", None)
            },
            ClipSpec {
                audio: false,
                ..spec("mp3", None)
            },
        ];
        for bad in refused {
            let err = write_clip(&bad, &out).expect_err("refused");
            assert_eq!(err.kind, FailureKind::Output, "{bad:?}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
    }

    #[test]
    fn a_clip_that_cannot_be_written_is_an_output_failure() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("no-such-folder").join("clip.mp4");
        let err = write_clip(&spec("mp4", None), &out).expect_err("no folder");
        assert_eq!(err.kind, FailureKind::Output);
    }
}
