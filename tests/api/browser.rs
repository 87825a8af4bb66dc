//! Prepared films play in a real browser: Debian's Chromium, driven by `tests/browser/play.mjs`
//! (playwright-core), plays the HLS master through hls.js and `tv.mp4` in a plain `<video>`,
//! both served by the real server on loopback. Needs `make web-deps` (npm) and `chromium`
//! (`deploy/bootstrap.sh`); `make test` provides both.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::prepare::prepare_all;
use crate::support::{spawn_app, TestApp};

/// Runs `play.mjs` on `film` (an API record); returns its JSON result line, after asserting
/// that the browser got past a second of both the HLS and the `tv.mp4` playback.
fn plays_in_chromium(app: &TestApp, film: &Value) -> Value {
    let name = film["source_name"].as_str().expect("source_name");
    let master = app.url(film["hls_url"].as_str().expect("hls_url"));
    let tv = app.url(film["tv_mp4_url"].as_str().expect("tv_mp4_url"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/play.mjs");
    let out = Command::new("node")
        .arg(&script)
        .args([&app.base, &master, &tv])
        .output()
        .expect("node runs (Node.js 20+: see deploy/bootstrap.sh)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name} did not play in Chromium ({}):\n{stderr}\n{stdout}",
        out.status
    );
    let result: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{name}: play.mjs printed no JSON line ({e}):\n{stdout}"));
    println!("{name}: {result}");
    assert_eq!(result["ok"], true, "{name}: {result}");
    for how in ["hls", "tv_mp4"] {
        let played = &result[how];
        assert_eq!(played["ok"], true, "{name} {how}: {played}");
        let t = played["current_time_s"].as_f64().expect("current_time_s");
        assert!(t > 1.0, "{name} {how}: currentTime {t}: {played}");
        assert!(played["width"].as_u64() > Some(0), "{name} {how}: {played}");
        assert!(
            played["decoded_video_frames"].as_u64() > Some(0),
            "{name} {how}: no H.264 frame decoded: {played}"
        );
        assert!(
            played["audio_bytes_decoded"].as_u64() > Some(0),
            "{name} {how}: no AAC decoded: {played}"
        );
    }
    result
}

#[tokio::test]
async fn a_remuxed_and_a_transcoded_film_play_in_chromium_with_hls_js_and_as_tv_mp4() {
    let app = spawn_app().await;
    app.synth_clip("党章电视教材 第一集.mp4", 6.0).await;
    let made = tempfile::tempdir().expect("dir");
    let dvd = crate::support::fixtures::clip(made.path(), "dvd.vob");
    std::fs::copy(&dvd.path, app.library.join("dvd.vob")).expect("copy");
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(&app).await, 2);

    let list = app.get_json("/api/v1/films").await;
    let films = list["items"].as_array().expect("items");
    let mut actions = Vec::new();
    for film in films {
        assert_eq!(film["state"], "ready", "{film}");
        let action = film["preparation"]["action"].as_str().expect("action");
        actions.push(action.to_owned());
        let played = plays_in_chromium(&app, film);
        let levels = played["hls"]["levels"].as_array().expect("levels");
        assert!(!levels.is_empty(), "{played}");
    }
    actions.sort();
    assert_eq!(actions, ["remux", "transcode"], "both kinds of preparation");
}
