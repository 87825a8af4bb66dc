//! `dianjiao bench jit`: how long a viewer of a film nobody has prepared waits for the
//! first segment — an H.264 film (remuxed), a DVD `.vob` (transcoded to the whole ladder),
//! and a seek to 80 % of a two-hour DVD film — measured over real HTTP on loopback from the
//! master playlist request to the segment's last byte, each beside the ffmpeg command line
//! making that same segment of the same renditions from the same file (`-ss` before `-i`,
//! its fastest way in), at the producers' niceness. The two sides take turns, round by
//! round, so a busy machine weighs on both alike, and each starts on a quiet server: the
//! last producer stopped and the spare worker a viewer's first segment goes to waiting.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dianjiao::app::App;
use dianjiao::config::Settings;
use dianjiao::jit::JitPlan;
use dianjiao::library::Quiet;
use dianjiao::media::fixtures;
use dianjiao::media::prepare::Segment;
use dianjiao::media::{ClipSpec, Reply, Request};

use crate::prepare::{load_average, median};
use crate::support::{bench_settings, cleanup, exe, tempdir, InProcess};
use dianjiao::cli::CliError;

/// Length of the short films, seconds.
const SHORT_S: u32 = 60;

/// One case: which film, which segment.
struct Case {
    label: &'static str,
    file: &'static str,
    /// Where in the film the viewer starts, 0..1.
    at: f64,
}

const CASES: &[Case] = &[
    Case {
        label: "H.264/AAC 854x480 MP4, remux, segment 0",
        file: "h264.mp4",
        at: 0.0,
    },
    Case {
        label: "MPEG-2/AC-3 720x576 interlaced VOB, transcode, segment 0",
        file: "dvd.vob",
        at: 0.0,
    },
    Case {
        label: "the same DVD as a 2-hour film, seek to 80 %",
        file: "long.vob",
        at: 0.8,
    },
];

/// First-segment latency of just-in-time playback.
pub fn jit(hours: f64, rounds: usize) -> Result<(), CliError> {
    let rounds = rounds.max(1);
    let tmp = tempdir();
    let lib = tmp.join("library");
    std::fs::create_dir_all(&lib).expect("bench library");
    // Every round restarts the producer from one address: the per-client seek limit
    // would refuse the later rounds.
    let settings = Settings {
        jit_seeks_per_minute: 0,
        ..bench_settings(&tmp.join("data"))
    };
    let app = Arc::new(App::open(settings, exe())?);
    make_films(&app, &lib, hours);
    app.library.scan(&lib, &Quiet)?;
    let server = InProcess::start(app.clone())?;
    let addr = server.addr;
    println!(
        "just-in-time benchmark: first segment over HTTP (master + variant playlist + segment), \
         no preparation running, median of {rounds}, both sides at nice {}, load average {}",
        app.settings.jit_nice,
        load_average()
    );
    for case in CASES {
        run_case(&app, addr, &lib, case, rounds);
    }
    server.stop();
    cleanup(&tmp);
    Ok(())
}

fn run_case(app: &App, addr: SocketAddr, lib: &Path, case: &Case, rounds: usize) {
    let films = app.catalog.films().expect("the catalog");
    let film = films
        .iter()
        .find(|f| f.source.name == case.file)
        .expect("the scanned bench film");
    let plan = app
        .jit
        .plan(film, || {
            app.catalog
                .keyframes(&film.id)
                .ok()
                .flatten()
                .unwrap_or_default()
        })
        .expect("a film that can be streamed just in time");
    let index = ((plan.segments.len() as f64 * case.at) as usize).min(plan.segments.len() - 1);
    let segment = plan.segments[index];
    let rung = plan.plan.ladder[0].name.clone();
    let outputs = reference_outputs(&plan, &lib.join("reference"));
    let (mut ours, mut reference) = (Vec::new(), Vec::new());
    let mut bytes = 0;
    for _ in 0..rounds {
        app.jit.forget(&film.id);
        settle(app);
        let started = Instant::now();
        get(addr, &format!("/hls/{}/master.m3u8", film.id));
        get(addr, &format!("/hls/{}/{rung}/index.m3u8", film.id));
        bytes = get(addr, &format!("/hls/{}/{rung}/seg-{index:05}.ts", film.id));
        ours.push(started.elapsed());
        app.jit.forget(&film.id);
        settle(app);
        let nice = app.settings.jit_nice;
        reference.push(ffmpeg_segment(
            &lib.join(case.file),
            segment,
            &outputs,
            nice,
        ));
    }
    let reference = median(reference);
    let ours = median(ours);
    let ladder: Vec<&str> = plan.plan.ladder.iter().map(|r| r.name.as_str()).collect();
    println!("  {} ({:.0} s film)", case.label, plan.plan.duration_s);
    println!(
        "    dianjiao   segment {index} at {:.0} s ({bytes} bytes of {rung}; ladder {}): {:>6.3} s",
        segment.start_s,
        ladder.join("+"),
        ours.as_secs_f64()
    );
    println!(
        "    reference  nice -n {} ffmpeg -ss {:.0} -i FILE {}:  {:>6.3} s",
        app.settings.jit_nice,
        segment.start_s,
        outputs
            .join(" ")
            .replace(&format!("{}/", lib.join("reference").display()), ""),
        reference.as_secs_f64()
    );
}

/// The films: an H.264 one from our own encoder, a DVD `.vob` and its two-hour loop from
/// the ffmpeg command line.
fn make_films(app: &App, lib: &Path, hours: f64) {
    let spec = ClipSpec {
        width: 854,
        height: 480,
        fps: 25,
        duration_s: f64::from(SHORT_S),
        video: true,
        audio: true,
        container: "mp4".into(),
        title: Some("基准片 即时".into()),
        seed: 5,
    };
    let reply = app.pool.call(&Request::Synth {
        spec,
        out: lib.join("h264.mp4"),
    });
    assert!(matches!(reply, Reply::Done), "synth failed: {reply:?}");
    let dvd = lib.join("dvd.vob");
    fixtures::make(&fixtures::dvd("720x576", SHORT_S, "1M"), &dvd);
    let loops = ((hours * 3600.0 / f64::from(SHORT_S)).ceil() as u32).max(1) - 1;
    ffmpeg(&[
        "-stream_loop",
        &loops.to_string(),
        "-i",
        &dvd.to_string_lossy(),
        "-c",
        "copy",
        "-f",
        "vob",
        &lib.join("long.vob").to_string_lossy(),
    ]);
}

fn ffmpeg(args: &[&str]) {
    let ok = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ffmpeg {args:?} failed");
}

/// The ffmpeg arguments after `-i FILE` making the plan's renditions of one segment into
/// `dir`: a stream copy for a remux; for a transcode one decode, `yadif`, a `split` and a
/// scale per rung, libx264 veryfast and AAC stereo per output, as our ladder does.
fn reference_outputs(plan: &JitPlan, dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).expect("reference folder");
    let out = |name: &str| {
        dir.join(format!("{name}.ts"))
            .to_string_lossy()
            .into_owned()
    };
    if !plan.transcodes() {
        return ["-c", "copy", "-f", "mpegts", &out("copy")]
            .map(String::from)
            .to_vec();
    }
    let rungs: Vec<(&str, u32, u32)> = plan
        .plan
        .ladder
        .iter()
        .filter_map(|r| {
            Some((
                r.name.as_str(),
                r.video.as_ref()?.width,
                r.video.as_ref()?.height,
            ))
        })
        .collect();
    let labels: String = (0..rungs.len()).map(|i| format!("[v{i}]")).collect();
    let mut graph = format!("yadif,split={}{labels}", rungs.len());
    for (i, (_, w, h)) in rungs.iter().enumerate() {
        graph.push_str(&format!(";[v{i}]scale={w}:{h}[o{i}]"));
    }
    let mut args = vec!["-filter_complex".to_owned(), graph];
    for (i, (name, _, _)) in rungs.iter().enumerate() {
        let each = [
            "-map",
            &format!("[o{i}]"),
            "-map",
            "0:a",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-c:a",
            "aac",
            "-ac",
            "2",
            "-f",
            "mpegts",
            &out(name),
        ];
        args.extend(each.map(String::from));
    }
    args
}

/// The ffmpeg command line making one segment with `outputs` at niceness `nice`; its
/// wall time.
fn ffmpeg_segment(source: &Path, segment: Segment, outputs: &[String], nice: i32) -> Duration {
    let started = Instant::now();
    let mut args = vec![
        "-n".to_owned(),
        nice.to_string(),
        "ffmpeg".to_owned(),
        "-nostdin".to_owned(),
        "-v".to_owned(),
        "error".to_owned(),
        "-y".to_owned(),
        "-ss".to_owned(),
        format!("{:.3}", segment.start_s),
        "-t".to_owned(),
        format!("{:.3}", segment.duration_s),
        "-i".to_owned(),
        source.to_string_lossy().into_owned(),
    ];
    args.extend(outputs.iter().cloned());
    let ok = Command::new("nice")
        .args(&args)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "nice {args:?} failed");
    started.elapsed()
}

/// Waits until the server is quiet again, as a viewer would find it: the stopped
/// producer gone and the spare worker that replaces the one it took started and idle
/// (its start must weigh on neither side's measurement).
fn settle(app: &App) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.jit.spare_worker().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(SETTLE);
}

/// Long enough for a new worker process to load FFmpeg's libraries (about 40 ms of CPU).
const SETTLE: Duration = Duration::from_millis(300);

/// `GET path` over a fresh connection; the body's length. Panics on anything but 200.
fn get(addr: SocketAddr, path: &str) -> usize {
    let mut conn = TcpStream::connect(addr).expect("connect");
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).expect("read");
    let head_end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..head_end]);
    assert!(head.starts_with("HTTP/1.1 200"), "GET {path}: {head}");
    answer.len() - head_end - 4
}
