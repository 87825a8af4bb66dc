//! Probing through a real worker pool: `dianjiao-worker` processes running FFmpeg on
//! generated media, hostile files, caps, and workers that die or hang.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use dianjiao::media::worker::WorkerOptions;
use dianjiao::media::{
    FailureKind, MediaFailure, MediaLimits, PoolConfig, Reply, Request, WorkerPool,
};
use media_catalog::ProbeReport;

use crate::support::fixtures::{self, CAMERA_KEYFRAMES, CAMERA_MP4, CLIP_SECONDS, GBK_TITLE};

/// A pool of `size` workers of the binary under test.
fn pool_with(size: usize, timeout: Duration, worker: WorkerOptions) -> Arc<WorkerPool> {
    WorkerPool::start(PoolConfig {
        exe: env!("CARGO_BIN_EXE_dianjiao-worker").into(),
        size,
        timeout,
        worker: WorkerOptions {
            memory_mb: 1024,
            ..worker
        },
    })
    .expect("workers start")
}

fn pool() -> Arc<WorkerPool> {
    pool_with(2, Duration::from_secs(30), WorkerOptions::default())
}

fn probe(pool: &WorkerPool, path: &Path) -> Result<ProbeReport, MediaFailure> {
    match pool.call(&Request::Probe { path: path.into() }) {
        Reply::Probed { report } => Ok(report),
        Reply::Failed { failure } => Err(failure),
        other => panic!("a probe answered {other:?}"),
    }
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn every_library_format_probes_with_its_codecs_duration_and_keyframes() {
    let dir = temp_dir();
    let pool = pool();
    for clip in fixtures::all_clips(dir.path()) {
        let name = clip.path.display();
        let report = probe(&pool, &clip.path).unwrap_or_else(|f| panic!("{name}: {f:?}"));
        let media = &report.media;
        assert_eq!(media.container, clip.container, "{name}");
        assert_eq!(
            media.video().map(|s| s.codec.as_str()),
            clip.video,
            "{name}"
        );
        assert_eq!(
            media.audio().map(|s| s.codec.as_str()),
            clip.audio,
            "{name}"
        );
        assert!(
            (media.duration_s - CLIP_SECONDS).abs() <= 0.3,
            "{name}: {} s",
            media.duration_s
        );
        if let Some(video) = media.video() {
            assert_eq!(video.bit_depth, clip.bit_depth, "{name}");
            assert_eq!(
                (video.width, video.height),
                (Some(160), Some(120)),
                "{name}"
            );
            assert!(!report.keyframes.times_s.is_empty(), "{name}: no keyframes");
            assert_eq!(report.keyframes.stream_index, video.index, "{name}");
            assert!(
                report.keyframes.times_s.windows(2).all(|w| w[0] < w[1]),
                "{name}"
            );
        } else {
            assert!(media.is_audio_only(), "{name}");
            assert!(report.keyframes.times_s.is_empty(), "{name}");
        }
    }
}

#[test]
fn keyframes_are_listed_at_their_presentation_times_despite_b_frames() {
    let dir = temp_dir();
    let camera = fixtures::clip(dir.path(), CAMERA_MP4);
    let times = probe(&pool(), &camera.path).unwrap().keyframes.times_s;
    assert_eq!(times.len(), CAMERA_KEYFRAMES.len(), "{times:?}");
    for (got, want) in times.iter().zip(CAMERA_KEYFRAMES) {
        assert!((got - want).abs() < 1e-3, "{times:?}");
    }
}

#[test]
fn interlacing_is_reported_from_the_stream_or_the_first_frame() {
    let dir = temp_dir();
    let pool = pool();
    let vob = fixtures::clip(dir.path(), "dvd.vob");
    let video = probe(&pool, &vob.path)
        .unwrap()
        .media
        .video()
        .cloned()
        .unwrap();
    assert_eq!(video.interlaced, Some(true));
    assert_eq!(video.field_order.as_deref(), Some("tt"));
    // MPEG-4 in AVI carries no field order: the first decoded frame says progressive.
    let avi = fixtures::clip(dir.path(), "xvid.avi");
    let video = probe(&pool, &avi.path)
        .unwrap()
        .media
        .video()
        .cloned()
        .unwrap();
    assert_eq!(video.interlaced, Some(false));
    assert_eq!(video.field_order.as_deref(), Some("progressive"));
}

#[test]
fn a_phone_clip_reports_its_clockwise_rotation() {
    let dir = temp_dir();
    let camera = fixtures::clip(dir.path(), CAMERA_MP4);
    let portrait = fixtures::portrait_mp4(dir.path(), &camera.path);
    let report = probe(&pool(), &portrait).unwrap();
    assert_eq!(report.media.video().unwrap().rotation, Some(90.0));
}

#[test]
fn a_gbk_title_tag_decodes_to_chinese() {
    let dir = temp_dir();
    let avi = fixtures::gbk_titled_avi(dir.path());
    let report = probe(&pool(), &avi).unwrap();
    assert_eq!(
        report.media.tags.get("title").map(String::as_str),
        Some(GBK_TITLE)
    );
}

#[test]
fn hostile_files_are_rejected_with_the_right_reason() {
    let dir = temp_dir();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let pool = pool();
    for hostile in fixtures::hostile_files(dir.path(), port) {
        let name = hostile.path.display();
        let failure = probe(&pool, &hostile.path).expect_err(&name.to_string());
        assert_eq!(failure.kind, hostile.expected, "{name}: {}", failure.detail);
        assert!(failure.kind.is_rejection(), "{name}");
    }
    assert_eq!(pool.restarts(), 0, "no hostile file crashed a worker");
}

#[test]
fn a_playlist_pointing_at_loopback_opens_no_connection() {
    let dir = temp_dir();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let playlist = fixtures::hostile_files(dir.path(), port)
        .into_iter()
        .find(|h| h.path.ends_with("playlist-http.mp4"))
        .unwrap();
    let failure = probe(&pool(), &playlist.path).unwrap_err();
    assert_eq!(failure.kind, FailureKind::Forbidden);
    let accepted = listener.accept();
    assert_eq!(
        accepted.map(|_| ()).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
}

#[test]
fn a_picture_beyond_the_size_cap_is_over_limit() {
    let dir = temp_dir();
    let camera = fixtures::clip(dir.path(), CAMERA_MP4);
    let tiny = WorkerOptions {
        limits: MediaLimits {
            max_width: 100,
            ..MediaLimits::default()
        },
        ..WorkerOptions::default()
    };
    let pool = pool_with(1, Duration::from_secs(30), tiny);
    let failure = probe(&pool, &camera.path).unwrap_err();
    assert_eq!(failure.kind, FailureKind::OverLimit, "{}", failure.detail);
    assert!(failure.kind.is_rejection());
}

#[test]
fn a_film_beyond_the_duration_cap_is_over_limit() {
    let dir = temp_dir();
    let camera = fixtures::clip(dir.path(), CAMERA_MP4);
    let short = WorkerOptions {
        limits: MediaLimits {
            max_duration_s: 1.0,
            ..MediaLimits::default()
        },
        ..WorkerOptions::default()
    };
    let failure = probe(&pool_with(1, Duration::from_secs(30), short), &camera.path).unwrap_err();
    assert_eq!(failure.kind, FailureKind::OverLimit, "{}", failure.detail);
}

#[test]
fn a_file_with_more_streams_than_the_cap_is_over_limit() {
    let dir = temp_dir();
    let mkv = fixtures::many_streams_mkv(dir.path());
    let few = WorkerOptions {
        limits: MediaLimits {
            max_streams: 2,
            ..MediaLimits::default()
        },
        ..WorkerOptions::default()
    };
    let failure = probe(&pool_with(1, Duration::from_secs(30), few), &mkv).unwrap_err();
    assert_eq!(failure.kind, FailureKind::OverLimit, "{}", failure.detail);
}

#[test]
fn a_worker_killed_mid_probe_is_reported_and_replaced() {
    let dir = temp_dir();
    let camera = fixtures::clip(dir.path(), CAMERA_MP4);
    let slow = WorkerOptions {
        debug_delay_ms: 1500,
        ..WorkerOptions::default()
    };
    let pool = pool_with(1, Duration::from_secs(30), slow);
    let victim = pool.worker_pids()[0];
    let call = {
        let (pool, path) = (pool.clone(), camera.path.clone());
        std::thread::spawn(move || probe(&pool, &path))
    };
    std::thread::sleep(Duration::from_millis(400));
    // SAFETY: sends SIGKILL to a worker process this test's pool started.
    assert_eq!(
        unsafe { libc::kill(victim as libc::pid_t, libc::SIGKILL) },
        0
    );
    let failure = call.join().unwrap().unwrap_err();
    assert_eq!(
        failure.kind,
        FailureKind::WorkerCrashed,
        "{}",
        failure.detail
    );
    assert!(!failure.kind.is_rejection());

    let report = probe(&pool, &camera.path).expect("the replacement worker probes");
    assert_eq!(report.media.video().unwrap().codec, "h264");
    assert!(pool.restarts() >= 1);
    assert!(!pool.worker_pids().contains(&victim));
    assert_eq!(pool.worker_pids().len(), pool.size());
}

#[test]
fn a_worker_past_the_time_limit_is_stopped_and_the_pool_goes_on() {
    let dir = temp_dir();
    let camera = fixtures::clip(dir.path(), CAMERA_MP4);
    let slow = WorkerOptions {
        debug_delay_ms: 2000,
        ..WorkerOptions::default()
    };
    let pool = pool_with(1, Duration::from_millis(300), slow);
    let first = pool.worker_pids()[0];
    let failure = probe(&pool, &camera.path).unwrap_err();
    assert_eq!(failure.kind, FailureKind::TimedOut, "{}", failure.detail);
    assert!(!failure.kind.is_rejection());
    assert!(pool.restarts() >= 1);
    assert!(!pool.worker_pids().contains(&first));
    // The delay hook holds back probes only: a poster request for a missing file is
    // answered at once (with a failure) by the replacement, once that has started.
    std::thread::sleep(Duration::from_millis(500));
    let reply = pool.call(&Request::Poster {
        path: dir.path().join("missing.mp4"),
        out: dir.path().join("poster.jpg"),
        duration_s: 2.0,
    });
    if let Reply::Failed { failure } = &reply {
        let kind = failure.kind;
        assert!(
            kind != FailureKind::TimedOut && kind != FailureKind::WorkerCrashed,
            "{reply:?}"
        );
    }
}

#[test]
fn a_pool_whose_program_is_missing_does_not_start() {
    let cfg = PoolConfig {
        exe: "/nonexistent/dianjiao".into(),
        size: 1,
        timeout: Duration::from_secs(5),
        worker: WorkerOptions::default(),
    };
    assert!(WorkerPool::start(cfg).is_err());
}

#[test]
fn workers_that_exit_at_once_fail_the_call_instead_of_hanging() {
    // `/bin/false` starts, ignores the worker arguments and exits 1 without a reply.
    let pool = WorkerPool::start(PoolConfig {
        exe: "/bin/false".into(),
        size: 1,
        timeout: Duration::from_secs(5),
        worker: WorkerOptions::default(),
    })
    .unwrap();
    let failure = match pool.call(&Request::Probe {
        path: "/dev/null".into(),
    }) {
        Reply::Failed { failure } => failure,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        failure.kind,
        FailureKind::WorkerCrashed,
        "{}",
        failure.detail
    );
}

#[test]
fn workers_limit_their_memory_and_lower_their_priority() {
    let pool = pool_with(
        1,
        Duration::from_secs(30),
        WorkerOptions {
            nice: 7,
            ..WorkerOptions::default()
        },
    );
    // One answered request means the worker has applied its limits.
    let dir = temp_dir();
    let _ = probe(&pool, &dir.path().join("missing.mp4"));
    let pid = pool.worker_pids()[0];
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let address_space = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))
        .unwrap();
    let bytes = (1024u64 * 1024 * 1024).to_string(); // memory_mb 1024, set by pool_with
    assert!(address_space.contains(&bytes), "{address_space}");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; niceness is field 19 of the whole line.
    let after_name = stat.rsplit_once(')').unwrap().1;
    let nice: i32 = after_name
        .split_whitespace()
        .nth(16)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(nice, 7);
}
