//! Fixture films for the transcode (and remux) tests, made with the `ffmpeg` CLI (tests
//! only; the product never runs it), and read-backs of what a preparation wrote through
//! `ffprobe` and `ffmpeg`, so the checks do not trust our own decoder.

use std::path::{Path, PathBuf};
use std::process::Command;

use ffmpeg_next as ffmpeg_lib;

use crate::media::executors::probe::{init_ffmpeg, probe_file};
use crate::media::executors::thumb::test_support::{ffmpeg, probe};
use crate::media::fixtures;
pub(crate) use crate::media::fixtures::{lavfi_inputs, pictures_md5};
use crate::media::limits::MediaLimits;
use crate::media::prepare::{decide, Event};
use crate::media::protocol::{MediaFailure, PrepareJob, PreparedOutputs};

/// An executor: `remux` or `transcode`.
pub(crate) type Executor =
    fn(&PrepareJob, &MediaLimits, &mut dyn FnMut(Event)) -> Result<PreparedOutputs, MediaFailure>;

/// A fixture film in a temp folder and the job that prepares it into `out/`.
pub(crate) struct Fixture {
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

    /// The job made just in time from segment `first` into `<dir>/jit/`.
    pub fn jit_job(&self, first: usize) -> PrepareJob {
        let out_dir = self.dir.path().join("jit");
        std::fs::create_dir_all(&out_dir).expect("jit dir");
        PrepareJob {
            out_dir,
            first_segment: first,
            jit: true,
            ..self.job.clone()
        }
    }

    /// Runs [`Fixture::jit_job`] with `prepare`: what it wrote, and the segments it
    /// announced, in order.
    pub fn run_jit(&self, first: usize, prepare: Executor) -> (PreparedOutputs, Vec<usize>) {
        let mut ready = Vec::new();
        let mut events = |e: Event| {
            if let Event::SegmentReady(i) = e {
                ready.push(i);
            }
        };
        let job = self.jit_job(first);
        let outputs = prepare(&job, &MediaLimits::default(), &mut events).expect("prepared");
        (outputs, ready)
    }
}

/// An H.264 (High, B-frames, a keyframe every 2 s) + AAC MP4 of `seconds`: a film the
/// plan remuxes, cut at every third keyframe.
pub(crate) fn h264_mp4(seconds: u32) -> Fixture {
    h264_film("film.mp4", seconds, &["-bf", "2"])
}

/// A 320x240 H.264 + AAC film `name` of `seconds` with a keyframe every 2 s, `extra`
/// encoder or muxer options added (e.g. `-f mpegts`).
pub(crate) fn h264_film(name: &str, seconds: u32, extra: &[&str]) -> Fixture {
    let mut args = lavfi_inputs("320x240", 25, seconds);
    let common = [
        "-pix_fmt",
        "yuv420p",
        "-c:v",
        "libx264",
        "-g",
        "50",
        "-keyint_min",
        "50",
        "-sc_threshold",
        "0",
        "-c:a",
        "aac",
    ];
    args.extend(common.iter().chain(extra).map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Fixture::make(name, &args)
}

/// An H.264 (High, B-frames, a keyframe every 2 s) film `name` of `seconds` at `size` whose
/// sound TVs cannot play, the way broadcasts and rips come: `sound` are the audio encoder
/// and muxer options (e.g. `-c:a ac3` for an MKV, `-c:a mp2 -f mpegts` for a DVB `.ts`).
pub(crate) fn h264_with_sound(name: &str, size: &str, seconds: u32, sound: &[&str]) -> Fixture {
    let args = fixtures::h264_with_sound(size, seconds, sound);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Fixture::make(name, &args)
}

/// The start of an MPEG-TS segment as read back with FFmpeg: its first picture packet
/// (presentation time, seconds; whether it is a keyframe) and its earliest sound.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SegmentStart {
    pub video: Option<(f64, bool)>,
    pub audio: Option<f64>,
}

pub(crate) fn segment_start(path: &Path) -> SegmentStart {
    let mut input = ffmpeg_lib::format::input(path).expect("a readable segment");
    let (mut video, mut audio) = (None, None::<f64>);
    for (stream, packet) in input.packets() {
        let Some(pts) = packet.pts() else {
            continue;
        };
        let t = pts as f64 * f64::from(stream.time_base());
        match stream.parameters().medium() {
            ffmpeg_lib::media::Type::Video if video.is_none() => {
                video = Some((t, packet.is_key()));
            }
            ffmpeg_lib::media::Type::Audio => audio = Some(audio.map_or(t, |a| a.min(t))),
            _ => {}
        }
    }
    SegmentStart { video, audio }
}

/// The names in a folder, sorted.
pub(crate) fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// An interlaced 4:3 PAL DVD of `seconds` ([`fixtures::pal_dvd`]), in a VOB.
pub(crate) fn pal_dvd(seconds: u32) -> Fixture {
    let args = fixtures::pal_dvd(seconds);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Fixture::make("dvd.vob", &args)
}

/// The first video stream of `path`, as ffprobe sees it.
pub(crate) fn video_of(path: &Path) -> serde_json::Value {
    let info = probe(path);
    let streams = info["streams"].as_array().expect("streams").clone();
    streams
        .into_iter()
        .find(|s| s["codec_type"] == "video")
        .expect("a video stream")
}

/// Whether the first video packet of a segment is a keyframe.
pub(crate) fn starts_with_keyframe(segment: &Path) -> bool {
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
pub(crate) fn decode_all(path: &Path) -> (bool, String) {
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

pub(crate) fn duration_of(path: &Path) -> f64 {
    probe(path)["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("a duration")
}

/// The earliest presentation time of a stream of a segment, seconds.
pub(crate) fn first_time(segment: &Path, stream: &str) -> f64 {
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
pub(crate) fn psnr_against(ours: &Path, reference: &Path, size: &str) -> f64 {
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
