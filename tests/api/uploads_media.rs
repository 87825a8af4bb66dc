//! Real files through the upload: a film arrives byte-identical and goes probe → catalog
//! (本地制作, the township as producer) → prepared, counted as a production; a 200 MB film
//! uploaded by tus-js-client is cut off half way and resumed; a web page named `.mp4` ends
//! rejected with its reason and is never served back.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use dianjiao::accounts::Role;
use dianjiao::ledger::EntryKind;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::prepare::prepare_all;
use crate::support::node::run_node;
use crate::support::{fixtures, spawn_app_with, TestApp};
use crate::uploads::{cookie, create, meta, offset, patch, tus};

/// Smallest size of the big film, bytes.
const BIG_BYTES: u64 = 200_000_000;

/// The big film: 48 s of 640x360 noise (which does not compress) at 25 fps in H.264 (x264
/// `ultrafast`, constant QP 20, level 4.0, a keyframe every 2 s) and a 440 Hz AAC tone, as
/// a faststart MP4 — a few seconds to make, over 200 MB, and TV-ready, so preparing it is a
/// remux.
fn big_film(dir: &Path) -> PathBuf {
    let path = dir.join("big.mp4");
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg("color=c=gray:s=640x360:r=25:d=48,noise=alls=60:allf=t+u")
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=48:sample_rate=44100",
        ])
        .args([
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-qp",
            "20",
        ])
        .args([
            "-profile:v",
            "high",
            "-level",
            "4.0",
            "-g",
            "50",
            "-c:a",
            "aac",
            "-ac",
            "2",
        ])
        .args(["-shortest", "-movflags", "+faststart"])
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

fn sha256(path: &Path) -> String {
    let mut file = std::fs::File::open(path).expect("open");
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).expect("read");
    hex::encode(hasher.finalize())
}

/// Polls `GET /api/v1/uploads/{id}` (at most 2 minutes) until its film has a state.
async fn catalogued(app: &TestApp, cookie: &str, at: &str) -> Value {
    for _ in 0..1200 {
        let res = tus(app, cookie, Method::GET, at).send().await.expect("get");
        assert_eq!(res.status(), 200);
        let view: Value = res.json().await.expect("json");
        if view["film_state"].is_string() {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the upload at {at} was never catalogued");
}

/// The stored file of an upload's film.
fn stored_file(app: &TestApp, view: &Value) -> PathBuf {
    let id = view["film_id"].as_str().expect("film id");
    let film = app
        .app
        .catalog
        .get(&media_catalog::FilmId::parse(id).expect("film id"))
        .unwrap()
        .unwrap();
    film.source.path
}

async fn film(app: &TestApp, cookie: &str, id: &str) -> Value {
    let url = format!("/api/v1/films/{id}");
    tus(app, cookie, Method::GET, &url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn production_entries(app: &TestApp) -> Vec<Value> {
    let entries = app.app.ledger.iter(0).expect("ledger");
    entries
        .map(|e| e.expect("entry"))
        .filter(|e| e.kind == EntryKind::ProductionDelivered)
        .map(|e| e.payload)
        .collect()
}

#[tokio::test]
async fn an_uploaded_film_is_catalogued_as_a_local_production_and_prepared() {
    let app = spawn_app_with(|s| s.township = "红旗镇".into()).await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = fixtures::clip(dir.path(), fixtures::CAMERA_MP4).path;
    let bytes = std::fs::read(&clip).unwrap();
    let m = meta(&[
        ("filename", "党建新闻.MP4"),
        ("production", "party_news"),
        ("title", "红旗镇党建新闻"),
    ]);
    let at = create(&app, &admin, bytes.len() as u64, &m).await;
    let half = bytes.len() / 2;
    let res = patch(&app, &admin, &at, 0, bytes[..half].to_vec()).await;
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["upload-offset"], half.to_string().as_str());
    let res = patch(&app, &admin, &at, half as u64, bytes[half..].to_vec()).await;
    assert_eq!(res.status(), 204);
    assert!(
        !res.headers().contains_key("upload-expires"),
        "a finished upload does not expire"
    );

    let view = catalogued(&app, &admin, &at).await;
    assert_eq!(view["state"], "complete");
    assert_eq!(view["film_state"], "queued", "{view}");
    let stored = stored_file(&app, &view);
    assert!(stored.starts_with(app.app.settings.media_dir().canonicalize().unwrap()));
    assert!(
        stored.to_string_lossy().ends_with(".mp4"),
        "{}",
        stored.display()
    );
    assert_eq!(
        sha256(&stored),
        sha256(&clip),
        "the stored file is byte-identical"
    );
    assert_eq!(prepare_all(&app).await, 1);
    let view: Value = tus(&app, &admin, Method::GET, &at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["film_state"], "ready");
    let film = film(&app, &admin, view["film_id"].as_str().unwrap()).await;
    assert_eq!(film["title"], "红旗镇党建新闻");
    assert_eq!(
        film["source_name"], "党建新闻.MP4",
        "the clerk's file name, not the server-made one"
    );
    assert_eq!(film["category"], "local");
    assert_eq!(film["producer"], "红旗镇");
    let delivered = production_entries(&app);
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0]["production"], "party_news");
    assert_eq!(delivered[0]["film_id"], view["film_id"]);
    assert_eq!(delivered[0]["township"], "红旗镇");
    // It counts toward the township's production task in the yearly report.
    let url = format!("/api/v1/reports/yearly?year={}", delivered[0]["year"]);
    let res = tus(&app, &admin, Method::GET, &url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let year: Value = res.json().await.unwrap();
    let task = &year["productions"][0];
    assert_eq!(task["township"], "红旗镇", "{year}");
    assert_eq!(task["party_news"]["film_id"], view["film_id"], "{year}");
}

#[tokio::test]
async fn a_web_page_named_mp4_ends_rejected_with_a_reason_and_is_never_served_back() {
    let app = spawn_app_with(|_| {}).await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let page = b"<!doctype html><html><body><script>alert(1)</script></body></html>\n".repeat(50);
    let m = meta(&[("filename", "专题片.mp4"), ("production", "feature")]);
    let at = create(&app, &admin, page.len() as u64, &m).await;
    assert_eq!(patch(&app, &admin, &at, 0, page).await.status(), 204);
    let view = catalogued(&app, &admin, &at).await;
    assert_eq!(view["film_state"], "rejected", "{view}");
    let reason = view["reason"].as_str().expect("a reason");
    assert!(!reason.trim().is_empty());
    assert!(
        production_entries(&app).is_empty(),
        "a rejected file is no production"
    );
    let id = view["film_id"].as_str().unwrap();
    for path in [
        format!("/media/{id}/original"),
        format!("/media/{id}/tv.mp4"),
    ] {
        let res = tus(&app, &admin, Method::GET, &path).send().await.unwrap();
        assert_ne!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(!ct.contains("html") && !ct.contains("svg"), "{path}: {ct}");
        assert!(!res.text().await.unwrap().contains("<script>"), "{path}");
    }
}

#[tokio::test]
async fn a_200_mb_film_cut_off_half_way_resumes_in_tus_js_client_and_arrives_whole() {
    let app = spawn_app_with(|s| s.township = "红旗镇".into()).await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let dir = tempfile::tempdir().unwrap();
    let source = big_film(dir.path());
    let size = std::fs::metadata(&source).unwrap().len();
    assert!(size >= BIG_BYTES, "the generated film is only {size} bytes");
    let job = json!({
        "file": source,
        "cookie": admin,
        "metadata": {"filename": "专题片 双培双带.mp4", "production": "feature"},
        "cut_at": 0.5,
    });
    let peak_before = peak_rss_kib();
    let result = run_tus_script(&app, &job).await;
    // The server runs in this process: streaming keeps its memory flat, far below the file.
    let grew_kib = peak_rss_kib() - peak_before;
    assert!(
        grew_kib < 64 * 1024,
        "peak memory grew {grew_kib} KiB during the upload"
    );
    assert_eq!(result["ok"], true, "{result}");
    let cut = result["offset_after_cut"].as_u64().expect("offset");
    assert!(cut > 0 && cut < size, "cut at {cut} of {size}");
    assert!(result["sent_before_cut"].as_u64().unwrap() > size / 2);
    let resumed = result["resumed_from"].as_u64().expect("resumed");
    assert!(
        resumed >= cut,
        "resumed at {resumed}, the server had {cut}: {result}"
    );
    let at = result["url"].as_str().unwrap();
    assert_eq!(offset(&app, &admin, at).await, size);

    let view = catalogued(&app, &admin, at).await;
    assert_eq!(view["film_state"], "queued", "{view}");
    assert_eq!(
        sha256(&stored_file(&app, &view)),
        sha256(&source),
        "byte-identical"
    );
    assert_eq!(prepare_all(&app).await, 1);
    let film = film(&app, &admin, view["film_id"].as_str().unwrap()).await;
    assert_eq!(film["state"], "ready", "{film}");
    assert_eq!(film["category"], "local");
    assert_eq!(film["producer"], "红旗镇");
    assert_eq!(film["title"], "专题片 双培双带");
    assert_eq!(production_entries(&app)[0]["production"], "feature");
}

/// Runs `tus_upload.mjs` (see there) and returns its JSON line.
async fn run_tus_script(app: &TestApp, job: &Value) -> Value {
    // Node runs for a while.
    run_node("tus_upload.mjs", &app.base, job.to_string())
        .await
        .result
}

/// This process's peak resident memory (`VmHWM`), KiB.
fn peak_rss_kib() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("proc status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number")
}
