//! `dianjiao bench prepare`: our remux and transcode executors against the ffmpeg command
//! line doing the same work on the same clip (same ladder, encoder settings, loudness
//! filter, outputs and CPU niceness).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use dianjiao::app::pool_config;
use dianjiao::config::Settings;
use dianjiao::media::prepare::{decide, transcode_plan, Action, Plan, Rung};
use dianjiao::media::protocol::PrepareJob;
use dianjiao::media::{ClipSpec, Reply, Request, WorkerPool};

use crate::support::{bench_settings, cleanup, exe, tempdir, time};
use dianjiao::cli::CliError;

/// Length of the benchmark clip, seconds.
const CLIP_S: f64 = 40.0;
/// Timed runs of each side; the median is reported.
const RUNS: usize = 3;

/// Remux and ladder transcode of a 40 s 854×480 H.264/AAC clip, ours against ffmpeg.
pub fn prepare() -> Result<(), CliError> {
    let tmp = tempdir();
    let settings = bench_settings(&tmp.join("data"));
    let pool = WorkerPool::start(pool_config(&settings, exe()))
        .map_err(dianjiao::app::OpenError::Workers)?;
    let clip = tmp.join("clip.mp4");
    synth_clip(&pool, &clip);
    let Reply::Probed { report } = pool.call(&Request::Probe { path: clip.clone() }) else {
        panic!("the benchmark clip does not probe");
    };
    let bench = Bench {
        pool: &pool,
        settings: &settings,
        clip: &clip,
        tmp: &tmp,
        keyframes: report.keyframes,
    };
    let transcode = transcode_plan(&report.media);
    assert_eq!(transcode.decision.action, Action::Transcode);
    let (reference, ours, outputs) = bench.compare(&transcode, ladder_reference);
    println!(
        "transcode benchmark: {CLIP_S:.0} s 854x480 25 fps H.264/AAC clip to {}, median of {RUNS}, load average {}",
        rung_list(&transcode.ladder),
        load_average()
    );
    println!(
        "  both: libx264 veryfast High, forced IDR every 6 s, scenecut=0, same bit rates and VBV,"
    );
    println!(
        "        AAC-LC 128k 48 kHz stereo after loudnorm=I=-16:TP=-1.5:LRA=11 (ours does it too),"
    );
    println!(
        "        MPEG-TS HLS per rung + faststart tv.mp4 of the top rung, nice {}",
        settings.worker_nice
    );
    report_pair(
        "ffmpeg -filter_complex split/scale/loudnorm, one command, tee muxer",
        "transcode executor in a worker (one decode, every rung)",
        reference,
        ours,
        1.0,
    );
    println!("{outputs}");
    let remux = decide(&report.media);
    assert_eq!(remux.decision.action, Action::Remux);
    let (reference, ours, outputs) = bench.compare(&remux, remux_reference);
    println!(
        "remux benchmark: the same clip, plan from decide(), median of {RUNS}, load average {}",
        load_average()
    );
    report_pair(
        "ffmpeg -c copy -f hls -hls_time 6 + -c copy -movflags +faststart tv.mp4",
        "remux executor in a worker (HLS + tv.mp4)",
        reference,
        ours,
        1.2,
    );
    println!("{outputs}");
    drop(pool);
    cleanup(&tmp);
    Ok(())
}

/// What both sides of one comparison share.
pub(super) struct Bench<'a> {
    pub pool: &'a WorkerPool,
    pub settings: &'a Settings,
    pub clip: &'a Path,
    pub tmp: &'a Path,
    pub keyframes: media_catalog::KeyframeIndex,
}

impl Bench<'_> {
    /// Median wall times of the reference and of ours (runs alternating), and what the last
    /// run of each wrote.
    fn compare(
        &self,
        plan: &Plan,
        reference: fn(&Path, &Path, &Plan) -> Vec<String>,
    ) -> (Duration, Duration, String) {
        let mut theirs = Vec::new();
        let mut ours = Vec::new();
        for run in 0..RUNS {
            let out = self.fresh_dir(&format!("ffmpeg-{run}"), plan);
            let args = reference(self.clip, &out, plan);
            theirs.push(time(|| run_ffmpeg(self.settings.worker_nice, &args)));
            let out = self.fresh_dir(&format!("ours-{run}"), plan);
            ours.push(time(|| self.ours(plan, out)));
        }
        let last = RUNS - 1;
        let outputs = format!(
            "  outputs    ffmpeg {}; ours {}",
            describe(&self.tmp.join(format!("ffmpeg-{last}"))),
            describe(&self.tmp.join(format!("ours-{last}")))
        );
        (median(theirs), median(ours), outputs)
    }

    pub fn ours(&self, plan: &Plan, out_dir: PathBuf) {
        let job = PrepareJob {
            source: self.clip.to_owned(),
            plan: plan.clone(),
            keyframes: self.keyframes.clone(),
            out_dir,
            first_segment: 0,
            jit: false,
        };
        let reply = self
            .pool
            .call_with_progress(&Request::Prepare { job }, &mut |_| {});
        assert!(
            matches!(reply, Reply::Prepared { .. }),
            "prepare failed: {reply:?}"
        );
    }

    /// An empty output folder with one empty sub-folder per rung (ffmpeg's HLS muxer does
    /// not create them).
    pub fn fresh_dir(&self, name: &str, plan: &Plan) -> PathBuf {
        let dir = self.tmp.join(name);
        cleanup(&dir);
        for rung in &plan.ladder {
            std::fs::create_dir_all(dir.join(&rung.name)).expect("bench output dir");
        }
        dir
    }
}

/// The ladder in one ffmpeg command: one decode split and scaled per rung, sound
/// loudness-normalised and encoded once, a tee muxer writing every rung's HLS and tv.mp4.
fn ladder_reference(clip: &Path, out: &Path, plan: &Plan) -> Vec<String> {
    let videos: Vec<_> = plan
        .ladder
        .iter()
        .filter_map(|r| r.video.as_ref())
        .collect();
    let labels: String = (0..videos.len()).map(|i| format!("[s{i}]")).collect();
    let mut graph = format!("[0:v]split={}{labels}", videos.len());
    for (i, v) in videos.iter().enumerate() {
        graph += &format!(";[s{i}]scale={}:{}:flags=bicubic[v{i}]", v.width, v.height);
    }
    graph += ";[0:a]loudnorm=I=-16:TP=-1.5:LRA=11,aresample=48000[a0]";
    let mut args = strings(&["-v", "error", "-y", "-i"]);
    args.push(clip.display().to_string());
    args.extend(strings(&["-filter_complex", &graph]));
    for i in 0..videos.len() {
        args.extend(strings(&["-map", &format!("[v{i}]")]));
    }
    args.extend(strings(&[
        "-map", "[a0]", "-c:v", "libx264", "-preset", "veryfast",
    ]));
    args.extend(strings(&[
        "-profile:v",
        "high",
        "-g",
        "300",
        "-forced-idr",
        "1",
    ]));
    args.extend(strings(&["-force_key_frames", "expr:gte(t,n_forced*6)"]));
    args.extend(strings(&["-x264-params", "scenecut=0:open-gop=0"]));
    for (i, v) in videos.iter().enumerate() {
        args.extend(strings(&[
            &format!("-b:v:{i}"),
            &v.bitrate.to_string(),
            &format!("-maxrate:v:{i}"),
            &v.max_bitrate.to_string(),
            &format!("-bufsize:v:{i}"),
            &v.max_bitrate.to_string(),
        ]));
    }
    args.extend(strings(&[
        "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000",
    ]));
    args.extend(strings(&["-flags", "+global_header", "-f", "tee"]));
    args.push(tee_outputs(plan, out));
    args
}

/// The remux in one ffmpeg command: the streams copied into HLS and into a faststart
/// tv.mp4.
fn remux_reference(clip: &Path, out: &Path, plan: &Plan) -> Vec<String> {
    let rung = &plan.ladder[0].name;
    let mut args = strings(&["-v", "error", "-y", "-i"]);
    args.push(clip.display().to_string());
    args.extend(strings(&["-map", "0:v:0", "-map", "0:a:0", "-c", "copy"]));
    args.extend(strings(&[
        "-f",
        "hls",
        "-hls_time",
        "6",
        "-hls_playlist_type",
        "vod",
    ]));
    args.push(out.join(rung).join("index.m3u8").display().to_string());
    args.extend(strings(&["-map", "0:v:0", "-map", "0:a:0", "-c", "copy"]));
    args.extend(strings(&["-movflags", "+faststart"]));
    args.push(out.join("tv.mp4").display().to_string());
    args
}

pub(super) fn run_ffmpeg(nice: i32, args: &[String]) {
    let status = Command::new("nice")
        .args(["-n", &nice.to_string(), "ffmpeg"])
        .args(args)
        .stdout(Stdio::null())
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "ffmpeg failed: ffmpeg {}",
        args.join(" ")
    );
}

/// The benchmark clip, made by our own encoder.
fn synth_clip(pool: &WorkerPool, out: &Path) {
    let spec = ClipSpec {
        width: 854,
        height: 480,
        fps: 25,
        duration_s: CLIP_S,
        video: true,
        audio: true,
        container: "mp4".into(),
        title: Some("基准片 转码".into()),
        seed: 7,
    };
    let reply = pool.call(&Request::Synth {
        spec,
        out: out.to_owned(),
    });
    assert!(matches!(reply, Reply::Done), "synth failed: {reply:?}");
}

fn report_pair(reference: &str, ours: &str, theirs_t: Duration, ours_t: Duration, target: f64) {
    let ratio = ours_t.as_secs_f64() / theirs_t.as_secs_f64();
    println!(
        "  reference  {reference}: {:>7.3} s",
        theirs_t.as_secs_f64()
    );
    println!("  dianjiao   {ours}: {:>7.3} s", ours_t.as_secs_f64());
    let verdict = if ratio <= target { "met" } else { "NOT met" };
    println!("  ratio      ours / reference = {ratio:.2} (target <= {target:.1}: {verdict})");
}

pub(super) fn rung_list(ladder: &[Rung]) -> String {
    let names: Vec<&str> = ladder.iter().map(|r| r.name.as_str()).collect();
    names.join(" + ")
}

/// Segment count and total size of an output folder, so both sides visibly did the work.
pub(super) fn describe(dir: &Path) -> String {
    let (mut segments, mut bytes) = (0, 0);
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            segments += usize::from(path.extension().is_some_and(|e| e == "ts"));
            bytes += entry.metadata().map_or(0, |m| m.len());
        }
    }
    format!("{segments} segments, {:.1} MB in all", bytes as f64 / 1e6)
}

pub(super) fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

pub(super) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The first three fields of /proc/loadavg.
pub(super) fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tee muxer's outputs the CLI writes for `plan` under `out`: one HLS playlist per rung
/// and `tv.mp4` from the first — what our executors write, for a like-for-like run.
pub(super) fn tee_outputs(plan: &Plan, out: &Path) -> String {
    let o = out.display();
    let mut slaves: Vec<String> = plan
        .ladder
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                "[select=\\'v:{i},a\\':f=hls:hls_time=6:hls_playlist_type=vod:hls_segment_filename={o}/{n}/seg-%05d.ts]{o}/{n}/index.m3u8",
                n = r.name
            )
        })
        .collect();
    slaves.push(format!(
        "[select=\\'v:0,a\\':f=mp4:movflags=+faststart]{o}/tv.mp4"
    ));
    slaves.join("|")
}
