//! Weak links: a film with a real ladder (720p / 480p / 360p, transcoded from a DVD-era
//! MPEG-2 source) played on our TV page in Chromium, once straight from the server and
//! once through a village link of 2 Mbit/s, 80 ms more round trip and scripted stalls and
//! loss bursts — imitated by the shaping proxy of `support/shaper.rs`, a fault injector in
//! front of the real server (this kernel has no `tc netem`). hls.js must step down the
//! ladder and keep playing, not stall on the top rung. The long run with the figures is
//! `weak_links_field.rs` (`make field`).

use std::net::SocketAddr;
use std::time::Duration;

use dianjiao::accounts::Role;
use serde_json::{json, Value};

use crate::prepare::prepare_all;
use crate::support::fixtures::ffmpeg;
use crate::support::node::run_node;
use crate::support::plays::station_with_roster;
use crate::support::shaper::{Link, Shaper};
use crate::support::{spawn_app, TestApp};

/// The link script's seed: the same stalls and loss bursts on every run.
pub const SEED: u64 = 15;

/// Makes a film of `seconds` as a township's old DVD would be: MPEG-2 720p + MP2 in
/// MPEG-PS (`testsrc2` and a tone), so preparation transcodes it to a three-rung ladder.
pub fn dvd_source(app: &TestApp, name: &str, seconds: u32) {
    let picture = "-pix_fmt yuv420p -c:v mpeg2video -q:v 3 -c:a mp2 -f mpeg";
    make_source(app, name, seconds, picture);
}

/// Runs the ffmpeg CLI on `testsrc2` at 1280x720, 25 fps, and a 440 Hz tone, both
/// `seconds` long, with `recipe` (encoder and muxer options), into the library as `name`.
pub fn make_source(app: &TestApp, name: &str, seconds: u32, recipe: &str) {
    let path = app.library.join(name);
    let inputs = format!(
        "-f lavfi -i testsrc2=size=1280x720:rate=25:duration={seconds} \
         -f lavfi -i sine=frequency=440:duration={seconds}:sample_rate=48000"
    );
    let args: Vec<&str> = inputs
        .split_whitespace()
        .chain(recipe.split_whitespace())
        .collect();
    ffmpeg(
        args.iter()
            .map(std::path::Path::new)
            .chain([path.as_path()]),
    );
}

/// Scans the library and prepares everything in it; the ids of the films named `names`
/// and each one's rungs, highest first, as its master playlist lists them.
pub async fn prepared(app: &TestApp, names: &[&str]) -> Vec<(String, Vec<String>)> {
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(app).await, names.len());
    let list = app.get_json("/api/v1/films?per_page=10").await;
    let mut films = Vec::new();
    for name in names {
        let film = list["items"].as_array().expect("items").iter();
        let film = film.clone().find(|f| f["source_name"] == *name);
        let id = film.and_then(|f| f["id"].as_str());
        let id = id
            .unwrap_or_else(|| panic!("no {name} in {list}"))
            .to_owned();
        let master = text(&app.url(&format!("/hls/{id}/master.m3u8"))).await;
        let rungs = master
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split('/').next().expect("rung").to_owned())
            .collect();
        films.push((id, rungs));
    }
    films
}

/// The DVD-era film of the weak-link runs, prepared.
pub const LADDER_FILM: &str = "农村实用技术 肉牛养殖.mpg";

/// `GET url` as text, expecting 200.
pub async fn text(url: &str) -> String {
    let res = reqwest::get(url).await.expect("get");
    assert_eq!(res.status(), 200, "GET {url}");
    res.text().await.expect("text")
}

/// The server's socket address (for the shaper to forward to).
pub fn server_addr(app: &TestApp) -> SocketAddr {
    let host = app.base.trim_start_matches("http://");
    host.parse().expect("server address")
}

/// `n` pairing codes for one new station.
pub async fn pairing_codes(app: &TestApp, n: usize) -> Vec<String> {
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station, _) = station_with_roster(app, &admin, "WL").await;
    let mut codes = Vec::new();
    for _ in 0..n {
        let path = format!("/api/v1/stations/{station}/pairing-codes");
        let (status, code) = app.post_json(&admin, &path, json!({})).await;
        assert_eq!(status, 201, "{code}");
        codes.push(code["code"].as_str().expect("code").to_owned());
    }
    codes
}

/// Runs `tests/browser/field.mjs` on `film` with `runs` ([{name, base, code}]); its
/// result, which must have one entry per run, each without an error.
/// `runs` may each name their own `film`; a run ends after `timeout_s` of wall time.
pub async fn play_on_tv_page(
    app: &TestApp,
    film: &str,
    (watch_s, timeout_s): (f64, u64),
    runs: Value,
) -> Value {
    let wanted = runs.as_array().map_or(0, Vec::len);
    let timeout_ms = timeout_s * 1000;
    let job = json!({"film": film, "watch_s": watch_s, "timeout_ms": timeout_ms, "runs": runs});
    let run = run_node("field.mjs", &app.base, job.to_string()).await;
    let result = run.result;
    let played = result["runs"].as_array().map_or(0, Vec::len);
    assert!(
        result["ok"] == true && played == wanted,
        "the browser run failed ({}): {result}\n{}",
        run.status,
        run.stderr
    );
    result
}

/// The index of `rung` in `rungs` (0 is the top), or a failure naming the run.
pub fn rung_index(rungs: &[String], run: &Value) -> usize {
    let rung = run["final_rung"].as_str();
    let rung = rung.unwrap_or_else(|| panic!("no segment was fetched: {run}"));
    rungs
        .iter()
        .position(|r| r == rung)
        .unwrap_or_else(|| panic!("{rung} is not a rung of {rungs:?}: {run}"))
}

#[tokio::test]
async fn on_a_two_megabit_link_the_tv_page_steps_down_the_ladder_and_keeps_playing() {
    let app = spawn_app().await;
    dvd_source(&app, LADDER_FILM, 18);
    let (film, rungs) = prepared(&app, &[LADDER_FILM]).await.remove(0);
    assert_eq!(rungs, ["720p", "480p", "360p"]);
    let link = Link::weak(SEED, Duration::from_secs(60));
    let shaper = Shaper::start(server_addr(&app), link).await;
    // The fault injector changes when bytes pass, never which.
    let master = format!("/hls/{film}/master.m3u8");
    assert_eq!(
        text(&format!("{}{master}", shaper.base())).await,
        text(&app.url(&master)).await
    );
    let codes = pairing_codes(&app, 2).await;
    let runs = json!([
        {"name": "direct", "base": app.base, "code": codes[0]},
        {"name": "weak link", "base": shaper.base(), "code": codes[1]},
    ]);
    // 12 s of film: two segments past the first, time for hls.js to choose.
    let watch_s = 12.0;
    let result = play_on_tv_page(&app, &film, (watch_s, 90), runs).await;
    let (direct, weak) = (&result["runs"][0], &result["runs"][1]);
    println!(
        "direct: {direct}\nweak link: {weak}\nthrough the shaper: {}",
        shaper.passed()
    );

    assert_eq!(
        rung_index(&rungs, direct),
        0,
        "unshaped, the top rung: {direct}"
    );
    assert!(
        rung_index(&rungs, weak) > 0,
        "on a link narrower than the top rung, hls.js ends on a lower rung: {weak}"
    );
    // It starts low too: before the TV page set hls.js's start (player.js), a slow first
    // measure made hls.js fall back to the master's first variant, the top rung, and the
    // picture waited for one whole 720p segment.
    let fetched: Vec<&str> = weak["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .filter_map(|s| s["rung"].as_str())
        .collect();
    assert!(
        !fetched.contains(&rungs[0].as_str()),
        "no top-rung segment on the weak link: {weak}"
    );
    for run in [direct, weak] {
        let played = run["current_time_s"].as_f64().unwrap_or(0.0);
        assert!(played >= watch_s, "playback advanced to {watch_s} s: {run}");
        assert!(run["video_error"].is_null(), "{run}");
    }
    assert!(shaper.passed().bytes_down > 0);
}
