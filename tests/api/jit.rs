//! Just-in-time playback: a film scanned but not prepared (the test server runs no
//! preparation runners) plays at once over HLS, seeks anywhere, shares one producer per
//! film, stops producing when nobody watches, and turns away a transcode beyond
//! `jit_max` with 503 + Retry-After.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use dianjiao::media::fixtures;
use serde_json::Value;

use crate::prepare::{ffmpeg_decodes, ffprobe_duration, prepare_all};
use crate::support::{spawn_app, spawn_app_with, TestApp};

/// An interlaced MPEG-2 + AC-3 DVD `.vob` of `seconds` at 320x240 (always transcoded).
pub(crate) fn dvd_vob(dir: &Path, name: &str, seconds: u32) -> PathBuf {
    let out = dir.join(name);
    fixtures::make(&fixtures::dvd("320x240", seconds, "1M"), &out);
    out
}

/// A DVD of `seconds` named `name`, scanned (not prepared): its id and top rendition.
pub(crate) async fn unprepared_dvd(app: &TestApp, name: &str, seconds: u32) -> (String, String) {
    dvd_vob(&app.library, name, seconds);
    app.scan(&app.library.clone()).await;
    let id = film_id(app, name).await;
    let rung = top_rung(app, &id).await;
    (id, rung)
}

/// The API record of the one film whose source file is `name`.
pub(crate) async fn film(app: &TestApp, name: &str) -> Value {
    let list = app.get_json("/api/v1/films?per_page=100").await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|f| f["source_name"] == name)
        .unwrap_or_else(|| panic!("no film from {name} in {list}"))
        .clone()
}

pub(crate) async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client()
        .get(app.url(path))
        .send()
        .await
        .expect("request")
}

/// The id of the one film whose source file is `name`.
pub(crate) async fn film_id(app: &TestApp, name: &str) -> String {
    film(app, name).await["id"].as_str().expect("id").to_owned()
}

/// The name of the first rendition the film's master playlist lists (it must answer 200).
pub(crate) async fn top_rung(app: &TestApp, id: &str) -> String {
    let master = get(app, &format!("/hls/{id}/master.m3u8")).await;
    assert_eq!(master.status(), 200);
    first_variant(&master.text().await.expect("text"))
        .split('/')
        .next()
        .expect("rung")
        .to_owned()
}

/// The first variant URI of a master playlist.
fn first_variant(master: &str) -> String {
    master
        .lines()
        .find(|l| !l.starts_with('#') && !l.is_empty())
        .expect("a variant")
        .to_owned()
}

/// Start time of the first packet in a segment (seconds), by ffprobe.
fn first_pts(url: &str) -> f64 {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=start_time"])
        .args(["-of", "csv=p=0", url])
        .output()
        .expect("ffprobe runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("no start time for {url}: {text}"))
}

/// Waits until `done` holds, for at most `limit`.
async fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

#[tokio::test]
async fn an_unprepared_h264_film_plays_at_once_remuxed_just_in_time() {
    let app = spawn_app().await;
    app.synth_clip("即时播放.mp4", 20.0).await;
    app.scan(&app.library.clone()).await;
    let f = film(&app, "即时播放.mp4").await;
    assert_eq!(f["state"], "queued", "{f}");
    let id = f["id"].as_str().expect("id");
    let master_url = app.url(&format!("/hls/{id}/master.m3u8"));

    let res = get(&app, &format!("/hls/{id}/master.m3u8")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let master = res.text().await.expect("text");
    let variant = first_variant(&master);
    let media = get(&app, &format!("/hls/{id}/{variant}")).await;
    assert_eq!(media.status(), 200);
    let media = media.text().await.expect("text");
    assert!(
        media.contains("#EXT-X-ENDLIST"),
        "a complete VOD list: {media}"
    );
    assert!(
        media.contains("seg-00003.ts"),
        "every segment listed: {media}"
    );

    let stderr = ffmpeg_decodes(&master_url);
    assert!(stderr.trim().is_empty(), "decoder complaints: {stderr}");
    let duration = ffprobe_duration(&master_url);
    assert!((duration - 20.0).abs() < 1.0, "JIT HLS duration {duration}");
    assert_eq!(film(&app, "即时播放.mp4").await["state"], "queued");
}

#[tokio::test]
async fn an_unprepared_dvd_is_transcoded_just_in_time_seeks_and_then_its_preparation_replaces_it() {
    let app = spawn_app().await;
    let (id, rung) = unprepared_dvd(&app, "第三集.vob", 30).await;

    // Seek first: the fourth segment (18–24 s), before anything else was made.
    let seg3 = app.url(&format!("/hls/{id}/{rung}/seg-00003.ts"));
    let res = app.client().get(&seg3).send().await.expect("seg 3");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "video/mp2t");
    // Then back to the start: the producer moves there.
    let seg0 = app.url(&format!("/hls/{id}/{rung}/seg-00000.ts"));
    assert_eq!(
        app.client()
            .get(&seg0)
            .send()
            .await
            .expect("seg 0")
            .status(),
        200
    );
    // Segment 3 continues the film's timeline 18 s after segment 0.
    let gap = first_pts(&seg3) - first_pts(&seg0);
    assert!((gap - 18.0).abs() < 0.1, "seg 3 starts {gap} s after seg 0");

    let master_url = app.url(&format!("/hls/{id}/master.m3u8"));
    let stderr = ffmpeg_decodes(&master_url);
    assert!(
        !stderr.contains("Invalid data") && !stderr.contains("error while decoding"),
        "decoder complaints: {stderr}"
    );
    let duration = ffprobe_duration(&master_url);
    assert!((duration - 30.0).abs() < 1.0, "JIT HLS duration {duration}");

    // The client played it to the end: every segment exists and the preparation takes
    // them over, making only the playlists and tv.mp4.
    let jit_dir = app.app.settings.jit_dir().join(&id);
    assert!(
        jit_dir.is_dir(),
        "segments are kept until the film is prepared"
    );
    assert_eq!(prepare_all(&app).await, 1);
    let f = film(&app, "第三集.vob").await;
    assert_eq!(f["state"], "ready", "{f}");
    assert!(
        !jit_dir.exists(),
        "prepared renditions replace the JIT segments"
    );
    let parsed = media_catalog::FilmId::parse(&id).expect("id");
    let outcome = app
        .app
        .preparation
        .outcome(&parsed)
        .expect("outcomes")
        .expect("an outcome");
    assert_eq!(outcome.reused_segments, 5, "all five segments: {outcome:?}");
    assert!(outcome.tv_mp4);
    let res = get(&app, &format!("/hls/{id}/master.m3u8")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"]
        .to_str()
        .expect("cc")
        .contains("no-cache"));
    let stderr = ffmpeg_decodes(&master_url);
    assert!(!stderr.contains("Invalid data"), "{stderr}");
    assert!((ffprobe_duration(&master_url) - 30.0).abs() < 1.0);
    let tv = app.url(&format!("/media/{id}/tv.mp4"));
    ffmpeg_decodes(&tv);
    assert!(
        (ffprobe_duration(&tv) - 30.0).abs() < 1.0,
        "assembled tv.mp4"
    );
}

#[tokio::test]
async fn a_preparation_makes_only_the_segments_not_yet_made_just_in_time() {
    let app = spawn_app().await;
    let (id, rung) = unprepared_dvd(&app, "半部.vob", 60).await;
    for i in 0..2 {
        let res = get(&app, &format!("/hls/{id}/{rung}/seg-{i:05}.ts")).await;
        assert_eq!(res.status(), 200);
    }
    // The viewer leaves; what was made so far stays.
    let parsed = media_catalog::FilmId::parse(&id).expect("id");
    app.app.jit.stop(&parsed);
    assert_eq!(prepare_all(&app).await, 1);
    let f = film(&app, "半部.vob").await;
    assert_eq!(f["state"], "ready", "{f}");
    let outcome = app
        .app
        .preparation
        .outcome(&parsed)
        .expect("outcomes")
        .expect("an outcome");
    assert!(
        (2..10).contains(&outcome.reused_segments),
        "segments 0 and 1 at least were taken over, not all ten: {outcome:?}"
    );
    let master_url = app.url(&format!("/hls/{id}/master.m3u8"));
    let stderr = ffmpeg_decodes(&master_url);
    assert!(!stderr.contains("Invalid data"), "{stderr}");
    assert!((ffprobe_duration(&master_url) - 60.0).abs() < 1.0);
    let tv = app.url(&format!("/media/{id}/tv.mp4"));
    assert!(
        (ffprobe_duration(&tv) - 60.0).abs() < 1.0,
        "assembled tv.mp4"
    );
}

#[tokio::test]
async fn a_second_concurrent_jit_transcode_is_refused_with_503_and_retry_after() {
    // The debug delay keeps each producer alive a few seconds after it starts.
    let app = spawn_app_with(|s| {
        s.jit_max = 1;
        s.worker_debug_delay_ms = 3000;
    })
    .await;
    dvd_vob(&app.library, "甲.vob", 20);
    dvd_vob(&app.library, "乙.vob", 20);
    app.scan(&app.library.clone()).await;
    let a = film_id(&app, "甲.vob").await;
    let b = film_id(&app, "乙.vob").await;
    let rung = top_rung(&app, &a).await;

    let first = app
        .client()
        .get(app.url(&format!("/hls/{a}/{rung}/seg-00000.ts")));
    let first = tokio::spawn(first.send());
    // Another viewer of the same film shares its producer and is not refused.
    let same = app
        .client()
        .get(app.url(&format!("/hls/{a}/{rung}/seg-00001.ts")));
    let same = tokio::spawn(same.send());
    let jit = app.app.jit.clone();
    assert!(
        eventually(Duration::from_secs(10), || jit.running_transcodes() == 1).await,
        "the first viewer's producer runs"
    );

    for path in [
        format!("/hls/{b}/master.m3u8"),
        format!("/hls/{b}/{rung}/seg-00000.ts"),
    ] {
        let res = get(&app, &path).await;
        assert_eq!(res.status(), 503, "{path}");
        let retry: u64 = res.headers()["retry-after"]
            .to_str()
            .expect("text")
            .parse()
            .expect("seconds");
        assert!(retry > 0);
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], "busy", "{body}");
        assert!(body["message"].as_str().expect("message").contains("分钟"));
    }
    assert_eq!(jit.running_transcodes(), 1);
    let metrics = get(&app, "/metrics").await.text().await.expect("text");
    assert!(metrics.contains("dianjiao_jit_transcodes 1"), "{metrics}");
    assert_eq!(first.await.expect("join").expect("send").status(), 200);
    assert_eq!(same.await.expect("join").expect("send").status(), 200);
    jit.stop(&media_catalog::FilmId::parse(&a).expect("id"));
    assert_eq!(jit.running_transcodes(), 0);
}

#[tokio::test]
async fn a_producer_nobody_fetches_from_stops() {
    let app = spawn_app_with(|s| s.jit_idle_secs = 1).await;
    let (id, rung) = unprepared_dvd(&app, "没人看.vob", 120).await;
    let res = get(&app, &format!("/hls/{id}/{rung}/seg-00000.ts")).await;
    assert_eq!(res.status(), 200);
    let jit = app.app.jit.clone();
    assert!(
        eventually(Duration::from_secs(10), || jit.running_transcodes() == 0).await,
        "an idle producer stops"
    );
    let made = std::fs::read_dir(
        app.app
            .settings
            .jit_dir()
            .join(&id)
            .read_dir()
            .expect("version dir")
            .next()
            .expect("a version")
            .expect("entry")
            .path()
            .join(&rung),
    )
    .expect("rung dir")
    .count();
    assert!(
        made < 20,
        "stopped long before the end of 20 segments, made {made}"
    );
}

#[tokio::test]
async fn unknown_segments_and_renditions_of_an_unprepared_film_are_404() {
    let app = spawn_app().await;
    app.synth_clip("短片.mp4", 8.0).await;
    app.scan(&app.library.clone()).await;
    let id = film_id(&app, "短片.mp4").await;
    let rung = top_rung(&app, &id).await;
    for path in [
        format!("/hls/{id}/9999p/index.m3u8"),
        format!("/hls/{id}/9999p/seg-00000.ts"),
        format!("/hls/{id}/{rung}/seg-99999.ts"),
        "/hls/0123456789abcdef/360p/seg-00000.ts".to_owned(),
    ] {
        let res = get(&app, &path).await;
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], "not_found", "{path}: {body}");
    }
}
