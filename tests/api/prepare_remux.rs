//! Remuxing through a real worker pool: a film that already suits TVs is copied into HLS
//! segments, playlists and a faststart `tv.mp4`, which the ffmpeg CLI then plays as a
//! client would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use dianjiao::media::prepare::{decide, Action};
use dianjiao::media::protocol::{PrepareJob, PreparedOutputs};
use dianjiao::media::worker::WorkerOptions;
use dianjiao::media::{PoolConfig, Reply, Request, WorkerPool};
use media_catalog::ProbeReport;

/// Length of the generated films, seconds: long enough for two 6 s segments.
const FILM_SECONDS: f64 = 8.0;

/// 8 s of `testsrc2` (320x240, 25 fps) and a 440 Hz tone; a keyframe every 2 s.
const INPUTS: &str = "-f lavfi -i testsrc2=size=320x240:rate=25:duration=8 \
    -f lavfi -i sine=frequency=440:duration=8:sample_rate=44100";
/// H.264 with B-frames and a 2 s GOP.
pub(crate) const H264: &str =
    "-pix_fmt yuv420p -c:v libx264 -preset veryfast -bf 2 -g 50 -keyint_min 50 \
    -sc_threshold 0";

pub(crate) fn pool() -> Arc<WorkerPool> {
    WorkerPool::start(PoolConfig {
        exe: env!("CARGO_BIN_EXE_dianjiao-worker").into(),
        size: 1,
        timeout: Duration::from_secs(60),
        worker: WorkerOptions {
            memory_mb: 1024,
            ..WorkerOptions::default()
        },
    })
    .expect("workers start")
}

/// Makes `<dir>/<file>` with the ffmpeg CLI from [`INPUTS`] and `args`.
fn make_film(dir: &Path, file: &str, args: &str) -> PathBuf {
    make_film_from(dir, file, INPUTS, args)
}

/// Makes `<dir>/<file>` with the ffmpeg CLI from `inputs` and `args`.
pub(crate) fn make_film_from(dir: &Path, file: &str, inputs: &str, args: &str) -> PathBuf {
    let path = dir.join(file);
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y"])
        .args(inputs.split_whitespace())
        .args(args.split_whitespace())
        .arg(&path)
        .output()
        .expect("the ffmpeg CLI is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

pub(crate) fn probe(pool: &WorkerPool, path: &Path) -> ProbeReport {
    match pool.call(&Request::Probe { path: path.into() }) {
        Reply::Probed { report } => report,
        other => panic!("probing {} answered {other:?}", path.display()),
    }
}

/// Probes, plans and prepares `source` into `out_dir`; returns what was written and the
/// progress positions reported.
pub(crate) fn prepare(
    pool: &WorkerPool,
    source: &Path,
    out_dir: &Path,
    action: Action,
) -> (PreparedOutputs, Vec<f64>) {
    let report = probe(pool, source);
    let plan = decide(&report.media);
    assert_eq!(plan.decision.action, action, "{:?}", plan.decision);
    let job = PrepareJob {
        source: source.into(),
        plan,
        keyframes: report.keyframes,
        out_dir: out_dir.into(),
        first_segment: 0,
        jit: false,
    };
    let mut positions = Vec::new();
    let reply = pool.call_with_progress(&Request::Prepare { job }, &mut |p| positions.push(p));
    match reply {
        Reply::Prepared { outputs } => (outputs, positions),
        other => panic!("preparing {} answered {other:?}", source.display()),
    }
}

pub(crate) fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"))
}

/// Plays `input` to the end with the ffmpeg CLI; asserts it exits 0 and says nothing.
pub(crate) fn plays_cleanly(input: &Path) {
    let out = run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-i",
            &input.to_string_lossy(),
            "-f",
            "null",
            "-",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "{}: {stderr}",
        input.display()
    );
}

fn ffprobe_duration(input: &Path) -> f64 {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
            &input.to_string_lossy(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("a duration for {}: {text:?}", input.display()))
}

/// Whether the first video frame of `segment` is a keyframe.
pub(crate) fn starts_with_keyframe(segment: &Path) -> bool {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_frames",
            "-read_intervals",
            "%+#1",
            "-show_entries",
            "frame=key_frame",
            "-of",
            "csv=p=0",
            &segment.to_string_lossy(),
        ],
    );
    // `csv` may follow the value with side-data names on the same line.
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().next().and_then(|l| l.split(',').next()) == Some("1")
}

/// Whether the `moov` box comes before `mdat` among `mp4`'s top-level boxes.
pub(crate) fn moov_before_mdat(mp4: &Path) -> bool {
    let bytes = std::fs::read(mp4).expect("tv.mp4 exists");
    let (mut at, mut seen) = (0usize, Vec::new());
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        seen.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
        if size < 8 {
            break;
        }
        at += size;
    }
    let pos = |name: &str| seen.iter().position(|b| b == name);
    matches!((pos("moov"), pos("mdat")), (Some(m), Some(d)) if m < d)
}

/// Everything a finished remux must satisfy, for a film with or without a picture.
fn assert_prepared(out_dir: &Path, outputs: &PreparedOutputs, positions: &[f64], video: bool) {
    assert!(!positions.is_empty(), "progress was reported");
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "progress increases: {positions:?}"
    );
    assert!(outputs.tv_mp4);
    let [rung] = outputs.rungs.as_slice() else {
        panic!("one rendition: {outputs:?}");
    };
    assert!(rung.peak_bps > 0);
    let total: f64 = rung.segment_durations_s.iter().sum();
    assert!(
        (total - FILM_SECONDS).abs() < 0.5,
        "segments last {total} s"
    );
    let master = out_dir.join("master.m3u8");
    let rung_dir = out_dir.join(&rung.name);
    assert!(rung_dir.join("index.m3u8").is_file());
    let text = std::fs::read_to_string(&master).expect("master.m3u8");
    assert!(
        text.contains(&format!("BANDWIDTH={}", rung.peak_bps)),
        "{text}"
    );
    for i in 0..rung.segment_durations_s.len() {
        let segment = rung_dir.join(format!("seg-{i:05}.ts"));
        assert!(segment.is_file(), "{} exists", segment.display());
        if video {
            assert!(
                starts_with_keyframe(&segment),
                "{} starts with a keyframe",
                segment.display()
            );
        }
    }
    plays_cleanly(&master);
    let duration = ffprobe_duration(&master);
    assert!(
        (duration - FILM_SECONDS).abs() < 1.0,
        "the HLS film lasts {duration} s"
    );
    let tv = out_dir.join("tv.mp4");
    assert!(moov_before_mdat(&tv), "tv.mp4 is faststart");
    plays_cleanly(&tv);
}

#[test]
fn an_h264_aac_mp4_is_remuxed_into_hls_segments_and_a_faststart_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool();
    let source = make_film(dir.path(), "film.mp4", &format!("{H264} -c:a aac"));
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let (outputs, positions) = prepare(&pool, &source, &out_dir, Action::Remux);
    assert_prepared(&out_dir, &outputs, &positions, true);
    let durations = &outputs.rungs[0].segment_durations_s;
    assert_eq!(
        durations.len(),
        2,
        "cut at the keyframe at 6 s: {durations:?}"
    );
    assert!((durations[0] - 6.0).abs() < 0.05, "{durations:?}");
}

#[test]
fn an_mp3_lecture_is_remuxed_as_sound_only() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool();
    let source = make_film(dir.path(), "lecture.mp3", "-map 1:a -c:a libmp3lame");
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let action = Action::AudioOnly { remux_audio: true };
    let (outputs, positions) = prepare(&pool, &source, &out_dir, action);
    assert_prepared(&out_dir, &outputs, &positions, false);
}

#[test]
fn h264_from_mkv_flv_and_mpeg_ts_is_remuxed_for_both_mpeg_ts_and_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool();
    let films = [
        ("film.mkv", "-c:a aac"),
        ("film.flv", "-c:a libmp3lame"),
        // Already Annex B, starting at 1.4 s: the plan's cuts count from the file's start.
        ("film.ts", "-c:a aac"),
    ];
    for (file, audio) in films {
        let source = make_film(dir.path(), file, &format!("{H264} {audio}"));
        let out_dir = dir.path().join(format!("out-{file}"));
        std::fs::create_dir(&out_dir).unwrap();
        let (outputs, positions) = prepare(&pool, &source, &out_dir, Action::Remux);
        assert_prepared(&out_dir, &outputs, &positions, true);
        let durations = &outputs.rungs[0].segment_durations_s;
        assert_eq!(durations.len(), 2, "{file}: cut at 6 s: {durations:?}");
    }
}

#[test]
fn a_plain_call_skips_progress_lines_and_gets_the_final_reply() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool();
    let source = make_film(dir.path(), "lecture.mp3", "-map 1:a -c:a libmp3lame");
    let report = probe(&pool, &source);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let job = PrepareJob {
        source,
        plan: decide(&report.media),
        keyframes: report.keyframes,
        out_dir: out_dir.clone(),
        first_segment: 0,
        jit: false,
    };
    let reply = pool.call(&Request::Prepare { job });
    assert!(matches!(reply, Reply::Prepared { .. }), "{reply:?}");
    assert!(out_dir.join("master.m3u8").is_file());
    // The worker is healthy and answers the next request.
    probe(&pool, &out_dir.join("tv.mp4"));
    assert_eq!(pool.restarts(), 0);
}
