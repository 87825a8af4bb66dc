//! The field run of `make field` (ignored in `make test`: minutes long): a two-minute film
//! with a real ladder, and a modern single-rung film, over a village link imitated by the
//! shaping proxy (`support/shaper.rs`, a fault injector in front of the real server): the
//! TV page in Chromium (hls.js) and the ffmpeg CLI. It prints the figures README's
//! "Weak links" quotes, and asserts what the short case asserts.
//!
//! Why a test and not a `dianjiao bench field` command: the proxy, the prepared-film
//! helpers and the browser driver are test support already; a bench command would put a
//! fault injector into the server's own binary and copy those helpers into `src/`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::shaper::{Link, Shaper};
use crate::support::spawn_app;
use crate::weak_links::{
    dvd_source, make_source, pairing_codes, play_on_tv_page, prepared, rung_index, server_addr,
    LADDER_FILM, SEED,
};

/// Length of both films, seconds.
const FILM_S: u32 = 120;
/// How much of the film each browser run plays, seconds.
const WATCH_S: f64 = 75.0;
/// How much of a rung the ffmpeg CLI reads, seconds.
const CLI_S: u32 = 60;
/// A film that fits TVs as it is (H.264 High + AAC-LC in MP4, 720p at 2.8 Mbit/s): remuxed
/// into its source rung, with 480p and 360p transcoded below it for slow links.
const REMUX_FILM: &str = "党建新闻 720p.mp4";
const REMUX_RECIPE: &str = "-pix_fmt yuv420p -c:v libx264 -preset veryfast -b:v 2800k \
    -maxrate 4200k -bufsize 4200k -g 50 -c:a aac -b:a 128k -movflags +faststart";

#[tokio::test]
#[ignore = "the field run of `make field`: minutes long; prints the figures README quotes"]
async fn field_run_over_a_weak_village_link() {
    let app = spawn_app().await;
    dvd_source(&app, LADDER_FILM, FILM_S);
    make_source(&app, REMUX_FILM, FILM_S, REMUX_RECIPE);
    let films = prepared(&app, &[LADDER_FILM, REMUX_FILM]).await;
    let ((film, rungs), (remuxed, remux_rungs)) = (&films[0], &films[1]);
    assert_eq!(rungs, &["720p", "480p", "360p"]);
    assert_eq!(remux_rungs, &["source", "480p", "360p"]);
    let link = Link::weak(SEED, Duration::from_secs(900));
    println!("link: {} bit/s down, {} bit/s up, +{:?} round trip; faults (seed {SEED}), from each shaper's start:", link.down_bps, link.up_bps, link.rtt);
    for f in link.script.iter().take(12) {
        println!(
            "  at {:>5.1} s for {:.1} s: {:?}",
            f.at.as_secs_f64(),
            f.lasts.as_secs_f64(),
            f.kind
        );
    }

    let addr = server_addr(&app);
    let weak = Shaper::start(addr, link.clone()).await;
    let weak_remux = Shaper::start(addr, link.clone()).await;
    let codes = pairing_codes(&app, 3).await;
    let runs = json!([
        {"name": "direct", "base": app.base, "code": codes[0]},
        {"name": "weak link", "base": weak.base(), "code": codes[1]},
        {"name": "weak link, remuxed film", "base": weak_remux.base(), "code": codes[2], "film": remuxed},
    ]);
    let result = play_on_tv_page(&app, film, (WATCH_S, 240), runs).await;
    println!(
        "\nTV page (hls.js {} in Chromium {}), {WATCH_S} s of film each:",
        result["runs"][0]["hls_js"], result["chromium"]
    );
    let runs = result["runs"].as_array().expect("runs");
    for run in runs {
        println!("  {}", describe(run));
    }
    println!("  rungs: ladder film {rungs:?}, remuxed film {remux_rungs:?}");
    println!(
        "  through the shapers: {}; {}",
        weak.passed(),
        weak_remux.passed()
    );

    println!("\nffmpeg CLI (-c copy -f null, as fast as the link allows), {CLI_S} s of each rung:");
    for rung in [&rungs[0], &rungs[2]] {
        let shaper = Shaper::start(addr, link.clone()).await;
        let url = format!("{}/hls/{film}/{rung}/index.m3u8", shaper.base());
        let cli = tokio::task::spawn_blocking(move || ffmpeg_reads(&url, CLI_S))
            .await
            .expect("join");
        println!("  {rung}: {cli}; {}", shaper.passed());
    }

    let (direct, weak_run) = (&runs[0], &runs[1]);
    assert_eq!(rung_index(rungs, direct), 0, "{direct}");
    assert!(rung_index(rungs, weak_run) > 0, "{weak_run}");
    assert!(
        weak_run["current_time_s"].as_f64().unwrap_or(0.0) >= WATCH_S,
        "{weak_run}"
    );
}

/// One browser run in a line.
fn describe(run: &Value) -> String {
    let segments = run["segments"].as_array().cloned().unwrap_or_default();
    let mut per_rung: Vec<(String, usize)> = Vec::new();
    for s in &segments {
        let rung = s["rung"].as_str().unwrap_or("?").to_owned();
        match per_rung.iter_mut().find(|(r, _)| *r == rung) {
            Some((_, n)) => *n += 1,
            None => per_rung.push((rung, 1)),
        }
    }
    let secs = |v: &Value| {
        v.as_f64()
            .map_or("-".into(), |ms| format!("{:.1} s", ms / 1000.0))
    };
    format!(
        "{}: start-up {}, stalls {} ({} in all), played {:.1} s in {} of wall time, \
         rungs in order {}, segments per rung {per_rung:?}, ended on {}{}",
        run["name"].as_str().unwrap_or("?"),
        secs(&run["startup_ms"]),
        run["stalls"],
        secs(&run["stall_ms"]),
        run["current_time_s"].as_f64().unwrap_or(0.0),
        secs(&run["wall_ms"]),
        run["rungs_in_order"],
        run["final_rung"],
        if run["timed_out"] == true {
            " (time up)"
        } else {
            ""
        },
    )
}

/// What the ffmpeg CLI did with a media playlist.
struct CliRun {
    wall_s: f64,
    media_s: f64,
    startup_s: Option<f64>,
    freezes: usize,
    frozen_s: f64,
}

impl std::fmt::Display for CliRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let startup = self.startup_s.map_or("-".into(), |s| format!("{s:.1} s"));
        write!(
            f,
            "{:.1} s of media in {:.1} s of wall time (speed {:.2}x, {:.1} s behind real time), \
             first media after {startup}, {} freezes of more than 1 s ({:.1} s in all)",
            self.media_s,
            self.wall_s,
            self.media_s / self.wall_s.max(0.001),
            (self.wall_s - self.media_s).max(0.0),
            self.freezes,
            self.frozen_s
        )
    }
}

/// Reads `seconds` of the HLS media playlist at `url` with the ffmpeg CLI (stream copy into
/// the null muxer: no decoding, so the link is all that is measured), noting the media time
/// it had reached four times a second.
fn ffmpeg_reads(url: &str, seconds: u32) -> CliRun {
    let mut child = Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-v",
            "error",
            "-nostats",
            "-stats_period",
            "0.25",
        ])
        .args(["-progress", "pipe:1", "-i", url, "-t", &seconds.to_string()])
        .args(["-c", "copy", "-f", "null", "-"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the ffmpeg CLI runs");
    let start = Instant::now();
    let mut points = Vec::new();
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    for line in out.lines().map_while(Result::ok) {
        let media = line
            .strip_prefix("out_time_us=")
            .and_then(|v| v.parse::<i64>().ok());
        if let Some(us) = media {
            points.push((start.elapsed().as_secs_f64(), us.max(0) as f64 / 1e6));
        }
    }
    let status = child.wait().expect("ffmpeg ends");
    assert!(status.success(), "ffmpeg failed on {url}: {status}");
    let wall_s = start.elapsed().as_secs_f64();
    let startup_s = points.iter().find(|(_, m)| *m > 0.0).map(|(t, _)| *t);
    let (mut freezes, mut frozen_s) = (0, 0.0);
    let (mut advanced_at, mut media) = (0.0, 0.0);
    for &(t, m) in &points {
        if m > media {
            let gap = t - advanced_at;
            if media > 0.0 && gap > 1.0 {
                freezes += 1;
                frozen_s += gap;
            }
            (advanced_at, media) = (t, m);
        }
    }
    CliRun {
        wall_s,
        media_s: media,
        startup_s,
        freezes,
        frozen_s,
    }
}
