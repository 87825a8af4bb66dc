//! Prepared films play in a real browser: Debian's Chromium, driven by `tests/browser/play.mjs`
//! (playwright-core), plays each film's HLS master through hls.js and its `tv.mp4` in a plain
//! `<video>`, all served by the real server on loopback. Needs `make web-deps` (npm) and
//! `chromium` (`deploy/bootstrap.sh`); `make test` provides both.

use serde_json::{json, Value};

use crate::prepare::every_format_prepared;
use crate::support::node::run_node;
use crate::support::{spawn_app, TestApp};

/// How far each playback must get, seconds (the clips last two).
const PLAYED_PAST_S: f64 = 1.0;

/// What `play.mjs` is to play of `film` (an API record): the HLS master, and `tv.mp4` when
/// the film has a picture.
fn to_play(app: &TestApp, film: &Value) -> Value {
    let name = film["source_name"].as_str().expect("source_name");
    let audio_only = film["media"]["audio_only"].as_bool().expect("audio_only");
    let tv_mp4 = (!audio_only).then(|| {
        let url = film["tv_mp4_url"].as_str();
        app.url(url.unwrap_or_else(|| panic!("{name} has a picture but no tv.mp4: {film}")))
    });
    json!({
        "name": name,
        "hls": app.url(film["hls_url"].as_str().expect("hls_url")),
        "tv_mp4": tv_mp4,
        "audio_only": audio_only,
    })
}

/// Runs `play.mjs` once on every film of `list` (see [`to_play`]) in one Chromium; returns
/// its JSON result line, which has one entry per film under `films`, in `list`'s order.
async fn play_in_chromium(app: &TestApp, list: Vec<Value>) -> Value {
    // A minute or so of waiting on the browser.
    let run = run_node("play.mjs", &app.base, Value::from(list).to_string()).await;
    let result = run.result;
    assert!(
        result["films"].is_array(),
        "the browser run failed ({}): {result}\n{}",
        run.status,
        run.stderr
    );
    result
}

/// Whether `v` is a count above zero (a JSON `null`, from a browser without it, is not).
fn positive(v: &Value) -> bool {
    v.as_u64().is_some_and(|n| n > 0)
}

/// What is wrong with one playback (`how`: "hls" or "tv_mp4") of a film, if anything.
fn playback_problem(how: &str, played: &Value, picture: bool) -> Option<String> {
    let t = played["current_time_s"].as_f64().unwrap_or(0.0);
    let problem = if played["ok"] != true {
        format!("did not play: {}", played["error"])
    } else if t <= PLAYED_PAST_S {
        format!("currentTime only reached {t} s")
    } else if picture && !positive(&played["width"]) {
        "no picture size".to_owned()
    } else if picture && !positive(&played["decoded_video_frames"]) {
        "no video frame decoded".to_owned()
    } else if !positive(&played["audio_bytes_decoded"]) {
        "no sound decoded".to_owned()
    } else if how == "hls" && played["levels"].as_array().is_none_or(Vec::is_empty) {
        "hls.js found no level".to_owned()
    } else {
        return None;
    };
    Some(format!("{how}: {problem} — {played}"))
}

/// Every problem with `film`'s playbacks (`played`, its entry in `play.mjs`'s result).
fn film_problems(film: &Value, played: &Value) -> Vec<String> {
    let name = film["name"].as_str().expect("name");
    let mut wanted = vec!["hls"];
    if !film["tv_mp4"].is_null() {
        wanted.push("tv_mp4");
    }
    let picture = film["audio_only"] == false;
    wanted
        .into_iter()
        .filter_map(|how| {
            let problem = if played["name"] != film["name"] {
                Some(format!("{how}: no result for it: {played}"))
            } else if played[how].is_null() {
                Some(format!("{how}: not played: {played}"))
            } else {
                playback_problem(how, &played[how], picture)
            };
            problem.map(|p| format!("{name} {p}"))
        })
        .collect()
}

#[tokio::test]
async fn every_catalogued_format_plays_in_chromium_with_hls_js_and_as_tv_mp4() {
    let app = spawn_app().await;
    let films = every_format_prepared(&app).await;
    let actions: Vec<_> = films
        .iter()
        .map(|f| f["preparation"]["action"].as_str().expect("action"))
        .collect();
    for kind in ["remux", "transcode"] {
        assert!(actions.contains(&kind), "a {kind} among {actions:?}");
    }

    let list: Vec<Value> = films.iter().map(|f| to_play(&app, f)).collect();
    assert!(
        list.iter().any(|f| f["audio_only"] == true),
        "a sound-only film"
    );
    let result = play_in_chromium(&app, list.clone()).await;
    let played = result["films"].as_array().expect("films");
    assert_eq!(played.len(), list.len(), "{result}");
    let mut problems = Vec::new();
    for (film, played) in list.iter().zip(played) {
        println!("{}: {played}", film["name"]);
        problems.extend(film_problems(film, played));
    }
    assert!(
        problems.is_empty(),
        "{} of {} playbacks failed in Chromium {}:\n{}",
        problems.len(),
        list.len() + list.iter().filter(|f| !f["tv_mp4"].is_null()).count(),
        result["chromium"],
        problems.join("\n")
    );
}

#[tokio::test]
async fn films_whose_picture_is_copied_play_in_chromium_with_hls_js_and_as_tv_mp4() {
    let app = spawn_app().await;
    let films = crate::prepare_copy::copy_clips_prepared(&app).await;
    for film in &films {
        assert_eq!(film["preparation"]["action"], "copy_video", "{film}");
    }
    let list: Vec<Value> = films.iter().map(|f| to_play(&app, f)).collect();
    let result = play_in_chromium(&app, list.clone()).await;
    let played = result["films"].as_array().expect("films");
    assert_eq!(played.len(), list.len(), "{result}");
    let problems: Vec<String> = list
        .iter()
        .zip(played)
        .flat_map(|(film, played)| film_problems(film, played))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
