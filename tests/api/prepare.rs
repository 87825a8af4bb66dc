//! Preparation through the real server: a scanned film is made TV-ready in the worker pool
//! and plays as HLS in a real client (the ffmpeg CLI) and as a ranged `tv.mp4`.

use std::process::Command;

use serde_json::Value;

use crate::support::{spawn_app, TestApp};

/// Prepares every queued film now, as the background runners would.
pub async fn prepare_all(app: &TestApp) -> usize {
    let a = app.app.clone();
    tokio::task::spawn_blocking(move || a.preparation.drain(&|_, _| {}))
        .await
        .expect("join")
        .expect("preparation runs")
}

/// Decodes `url` with the ffmpeg CLI as an HLS/HTTP client; returns its stderr.
pub(crate) fn ffmpeg_decodes(url: &str) -> String {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i", url, "-f", "null", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(crate) fn ffprobe_duration(url: &str) -> f64 {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
            url,
        ])
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a duration")
}

#[tokio::test]
async fn a_scanned_h264_film_is_remuxed_and_plays_as_hls_and_tv_mp4() {
    let app = spawn_app().await;
    app.synth_clip("党章电视教材 第一集.mp4", 8.0).await;
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(&app).await, 1);

    let list = app.get_json("/api/v1/films").await;
    let film = &list["items"][0];
    assert_eq!(film["state"], "ready", "{film}");
    assert_eq!(film["preparation"]["action"], "remux", "{film}");
    assert!(!film["preparation"]["reasons"]
        .as_array()
        .expect("reasons")
        .is_empty());
    let master = app.url(film["hls_url"].as_str().expect("hls_url"));

    let stderr = ffmpeg_decodes(&master);
    assert!(stderr.trim().is_empty(), "decoder complaints: {stderr}");
    let duration = ffprobe_duration(&master);
    assert!((duration - 8.0).abs() < 1.0, "HLS duration {duration}");

    let res = app.client().get(&master).send().await.expect("master");
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.apple.mpegurl"
    );
    let text = res.text().await.expect("text");
    assert!(
        text.starts_with("#EXTM3U") && text.contains("CODECS="),
        "{text}"
    );
    let rung = film["preparation"]["renditions"][0].as_str().expect("rung");
    let id = film["id"].as_str().expect("id");
    let seg = app
        .client()
        .get(app.url(&format!("/hls/{id}/{rung}/seg-00000.ts")))
        .send()
        .await
        .expect("segment");
    assert_eq!(seg.status(), 200);
    assert_eq!(seg.headers()["content-type"], "video/mp2t");
    assert!(seg.headers()["cache-control"]
        .to_str()
        .expect("cc")
        .contains("immutable"));

    let tv = app.url(film["tv_mp4_url"].as_str().expect("tv_mp4_url"));
    ffmpeg_decodes(&tv);
    let part = app
        .client()
        .get(&tv)
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("range");
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.expect("bytes").len(), 100);
}

#[tokio::test]
async fn an_audio_only_lecture_is_prepared_as_audio_hls() {
    let app = spawn_app().await;
    app.synth_clip("讲座.mp3", 6.0).await;
    app.scan(&app.library.clone()).await;
    prepare_all(&app).await;
    let list = app.get_json("/api/v1/films").await;
    let film = &list["items"][0];
    assert_eq!(film["state"], "ready", "{film}");
    let master = app.url(film["hls_url"].as_str().expect("hls_url"));
    ffmpeg_decodes(&master);
    let duration = ffprobe_duration(&master);
    assert!((duration - 6.0).abs() < 1.0, "HLS duration {duration}");
}

#[tokio::test]
async fn the_tv_mp4_of_a_film_not_yet_prepared_answers_503_with_retry_after_and_a_reason() {
    let app = spawn_app().await;
    app.synth_clip("还没准备.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films").await;
    let id = list["items"][0]["id"].as_str().expect("id");
    // HLS plays at once, just in time (tests/api/jit.rs); the progressive MP4 waits.
    let res = app
        .client()
        .get(app.url(&format!("/media/{id}/tv.mp4")))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "not_ready");
    for path in [
        "/hls/{id}/../master.m3u8",
        "/hls/{id}/480p/seg-1.ts",
        "/hls/{id}/480p/../../x",
    ] {
        let res = app
            .client()
            .get(app.url(&path.replace("{id}", id)))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 404, "{path}");
    }
}

/// Puts one clip of every catalogued format ([`fixtures::all_clips`]) in `app`'s library,
/// scans and prepares them all, and returns the films' API records, each one ready.
///
/// [`fixtures::all_clips`]: crate::support::fixtures::all_clips
pub async fn every_format_prepared(app: &TestApp) -> Vec<Value> {
    let made = tempfile::tempdir().expect("dir");
    let clips = crate::support::fixtures::all_clips(made.path());
    for clip in &clips {
        std::fs::copy(
            &clip.path,
            app.library.join(clip.path.file_name().expect("name")),
        )
        .expect("copy");
    }
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(app).await, clips.len());
    let list = app.get_json("/api/v1/films?per_page=200").await;
    let films = list["items"].as_array().expect("items").clone();
    assert_eq!(films.len(), clips.len(), "{list}");
    for film in &films {
        let name = film["source_name"].as_str().expect("name");
        assert_eq!(film["state"], "ready", "{name}: {film}");
    }
    films
}

#[tokio::test]
async fn every_catalogued_format_is_prepared_and_plays_in_the_ffmpeg_hls_client() {
    let app = spawn_app().await;
    for film in &every_format_prepared(&app).await {
        let name = film["source_name"].as_str().expect("name");
        let master = app.url(film["hls_url"].as_str().expect("hls_url"));
        let stderr = ffmpeg_decodes(&master);
        assert!(
            stderr.trim().is_empty(),
            "{name}: decoder complaints: {stderr}"
        );
        let source = film["media"]["duration_s"].as_f64().expect("duration");
        let hls = ffprobe_duration(&master);
        assert!(
            (hls - source).abs() < 1.0,
            "{name}: HLS {hls} s vs source {source} s"
        );
        if film["media"]["audio_only"] == false {
            let tv = app.url(film["tv_mp4_url"].as_str().expect("tv_mp4_url"));
            ffmpeg_decodes(&tv);
        }
    }
}
