//! Fixture films for the transcode tests, made with the `ffmpeg` CLI (tests only; the
//! product never runs it), and read-backs of what the transcode wrote through `ffprobe`
//! and `ffmpeg`, so the checks do not trust our own decoder.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::media::limits::MediaLimits;
use crate::media::prepare::decide;
use crate::media::probe::{init_ffmpeg, probe_file};
use crate::media::protocol::{PrepareJob, PreparedOutputs};
use crate::media::thumb::test_support::{ffmpeg, probe};

/// A fixture film in a temp folder and the job that prepares it into `out/`.
pub(super) struct Fixture {
    pub dir: tempfile::TempDir,
    pub job: PrepareJob,
}

impl Fixture {
    /// Makes `name` with `ffmpeg ARGS… <dir>/name` and plans it as the server would.
    pub fn make(name: &str, args: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = dir.path().join(name);
        let mut all: Vec<&str> = args.to_vec();
        all.push(source.to_str().expect("utf-8 path"));
        ffmpeg(&all);
        Fixture::plan(dir, source)
    }

    pub fn plan(dir: tempfile::TempDir, source: PathBuf) -> Fixture {
        init_ffmpeg().expect("ffmpeg init");
        let report = probe_file(&source, &MediaLimits::default()).expect("probed");
        let out_dir = dir.path().join("out");
        std::fs::create_dir_all(&out_dir).expect("out dir");
        let job = PrepareJob {
            source,
            plan: decide(&report.media),
            keyframes: report.keyframes,
            out_dir,
            first_segment: 0,
            jit: false,
        };
        Fixture { dir, job }
    }

    pub fn run(&self) -> PreparedOutputs {
        super::transcode(&self.job, &MediaLimits::default(), &mut |_| {}).expect("transcoded")
    }

    pub fn out(&self, rel: &str) -> PathBuf {
        self.job.out_dir.join(rel)
    }
}

/// `testsrc2` + a tone, `seconds` long, as CLI input arguments.
pub(super) fn lavfi_inputs(size: &str, rate: u32, seconds: u32) -> Vec<String> {
    vec![
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        format!("testsrc2=size={size}:rate={rate}"),
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        "sine=frequency=440:sample_rate=48000".into(),
        "-t".into(),
        seconds.to_string(),
    ]
}

/// An interlaced 4:3 PAL DVD: MPEG-2 with true fields (50 fields a second woven into 25
/// frames, top first), SAR 16:15, AC-3 sound, in a VOB.
pub(super) fn pal_dvd(seconds: u32) -> Fixture {
    let mut args = lavfi_inputs("720x576", 50, seconds);
    args.extend(
        [
            "-vf",
            "tinterlace=mode=interleave_top,setsar=16/15",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "mpeg2video",
            "-b:v",
            "4M",
            "-flags",
            "+ilme+ildct",
            "-top",
            "1",
            "-c:a",
            "ac3",
            "-f",
            "vob",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Fixture::make("dvd.vob", &args)
}

/// The first video stream of `path`, as ffprobe sees it.
pub(super) fn video_of(path: &Path) -> serde_json::Value {
    let info = probe(path);
    let streams = info["streams"].as_array().expect("streams").clone();
    streams
        .into_iter()
        .find(|s| s["codec_type"] == "video")
        .expect("a video stream")
}

/// Whether the first video packet of a segment is a keyframe.
pub(super) fn starts_with_keyframe(segment: &Path) -> bool {
    let listing = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args(["-show_entries", "packet=flags", "-read_intervals", "%+#1"])
        .args(["-of", "csv=p=0"])
        .arg(segment)
        .output()
        .expect("ffprobe");
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .next()
        .is_some_and(|l| l.starts_with('K'))
}

/// `ffmpeg -v error -i PATH -f null -`: its exit status and stderr.
pub(super) fn decode_all(path: &Path) -> (bool, String) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(super) fn duration_of(path: &Path) -> f64 {
    probe(path)["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("a duration")
}

/// The earliest presentation time of a stream of a segment, seconds.
pub(super) fn first_time(segment: &Path, stream: &str) -> f64 {
    let listing = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", stream])
        .args(["-show_entries", "packet=pts_time", "-of", "csv=p=0"])
        .arg(segment)
        .output()
        .expect("ffprobe");
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .filter_map(|l| l.trim_end_matches(',').parse::<f64>().ok())
        .reduce(f64::min)
        .expect("packets")
}

/// Average luma PSNR of `ours` against `reference` as the ffmpeg CLI shows it (rotated
/// upright by its autorotation) scaled to `size` (`W:H`).
pub(super) fn psnr_against(ours: &Path, reference: &Path, size: &str) -> f64 {
    let graph = format!("[1:v]scale={size}[ref];[0:v][ref]psnr");
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-i"])
        .arg(ours)
        .arg("-i")
        .arg(reference)
        .args(["-lavfi", &graph, "-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    let log = String::from_utf8_lossy(&out.stderr);
    log.lines()
        .filter_map(|l| l.split(" y:").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .next_back()
        .unwrap_or_else(|| panic!("no PSNR in {log}"))
}
