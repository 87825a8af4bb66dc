//! A server killed (SIGKILL) in the middle of preparing a film: nothing half-written is ever
//! served, and after a restart the job runs again and completes.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

fn start_server(data: &Path, library: &Path, port: u16, delay_ms: u64) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .arg("--library")
        .arg(library)
        .env("DIANJIAO_LOG", "warn")
        .env("DIANJIAO_WORKER_DEBUG_DELAY_MS", delay_ms.to_string())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts")
}

pub(crate) async fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let res = reqwest::get(format!("http://127.0.0.1:{port}{path}"))
        .await
        .ok()?;
    let status = res.status().as_u16();
    Some((status, res.text().await.ok()?))
}

/// Polls for at most 60 s (a bound on waiting, not a timing assertion).
pub(crate) async fn wait_for<T>(mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(v) = probe().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting");
}

fn partial_has_files(renditions: &Path) -> bool {
    std::fs::read_dir(renditions)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .any(|e| walk_count(&e.path()) > 0)
}

fn walk_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk_count(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[tokio::test]
async fn a_server_killed_mid_preparation_never_serves_partial_output_and_finishes_after_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let (data, library) = (dir.path().join("data"), dir.path().join("library"));
    std::fs::create_dir_all(&library).expect("library");
    let clip = crate::support::fixtures::clip(dir.path(), "camera.mp4");
    std::fs::copy(&clip.path, library.join("党章电视教材 第一集.mp4")).expect("copy");
    let renditions = data.join("renditions");

    // The worker pauses after its first progress report, with segments already written.
    let port = free_port();
    let mut server = start_server(&data, &library, port, 4000);
    let id = wait_for(async || {
        let (_, body) = get(port, "/api/v1/films").await?;
        let list: Value = serde_json::from_str(&body).ok()?;
        list["items"][0]["id"].as_str().map(str::to_owned)
    })
    .await;
    wait_for(async || partial_has_files(&renditions).then_some(())).await;
    // Meanwhile it plays just in time: a playlist written from the plan, never files from
    // the unfinished folder (whose complete segments alone may stand in for JIT ones).
    let (status, body) = get(port, &format!("/hls/{id}/master.m3u8"))
        .await
        .expect("answer");
    assert_eq!(status, 200, "a film being prepared plays just in time");
    assert!(body.starts_with("#EXTM3U"), "{body}");
    assert!(
        !renditions.join(&id).exists(),
        "nothing was put in place before the preparation finished"
    );
    server.kill().expect("kill");
    server.wait().expect("wait");
    assert!(
        !renditions.join(&id).exists(),
        "unfinished renditions were put in place"
    );

    let port = free_port();
    let mut server = start_server(&data, &library, port, 0);
    let state = wait_for(async || {
        let (_, body) = get(port, &format!("/api/v1/films/{id}")).await?;
        let film: Value = serde_json::from_str(&body).ok()?;
        (film["state"] == "ready").then_some(film)
    })
    .await;
    assert_eq!(state["state"], "ready");
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(format!("http://127.0.0.1:{port}/hls/{id}/master.m3u8"))
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!partial_has_files(&renditions), "leftover partial output");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_preparation_fails_that_try_and_the_server_goes_on() {
    use crate::support::spawn_app_with;
    let app = spawn_app_with(|s| {
        s.workers = 1;
        s.worker_debug_delay_ms = 2000;
        // Not again within this drain: the failed try is seen before the next one.
        s.prepare_retry_after_secs = vec![600.0];
    })
    .await;
    app.synth_clip("党章 第二集.mp4", 4.0).await;
    app.scan(&app.library.clone()).await;
    let renditions = app.app.preparation.dir().to_owned();
    let drain = {
        let a = app.app.clone();
        tokio::task::spawn_blocking(move || a.preparation.drain(&|_, _| {}))
    };
    // The worker pauses after its first progress report, its first segments written.
    wait_for(async || partial_has_files(&renditions).then_some(())).await;
    let victims = app.app.pool.worker_pids();
    for pid in &victims {
        // SAFETY: sends SIGKILL to a worker process this test's pool started.
        assert_eq!(unsafe { libc::kill(*pid as libc::pid_t, libc::SIGKILL) }, 0);
    }
    drain.await.expect("join").expect("the runner survives");
    let films = app.get_json("/api/v1/films").await;
    let film = &films["items"][0];
    assert_eq!(
        film["state"], "queued",
        "the try failed and comes again: {film}"
    );
    assert!(film["reason"].as_str().is_some(), "{film}");
    assert!(
        !partial_has_files(&renditions),
        "the killed try's output is removed"
    );
    let health = reqwest::get(app.url("/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200, "the server is fine");
    assert!(app
        .app
        .pool
        .worker_pids()
        .iter()
        .all(|p| !victims.contains(p)));

    // The next try (asked for now, as the office's "try again" does), by a fresh worker,
    // completes.
    let id = film["id"].as_str().expect("id").to_owned();
    let film_id = media_catalog::FilmId::parse(&id).expect("film id");
    assert!(app.app.preparation.requeue(&film_id).expect("requeue"));
    let mut state = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        crate::prepare::prepare_all(&app).await;
        state = app.get_json(&format!("/api/v1/films/{id}")).await;
        if state["state"] == "ready" {
            break;
        }
    }
    assert_eq!(state["state"], "ready", "{state}");
}

/// A 12 s MPEG-4 Part 2 clip: it must be transcoded, which takes long enough for kills to
/// fall inside the preparation.
fn transcode_clip(path: &Path) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x240:rate=25:duration=12")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=12"])
        .args([
            "-c:v",
            "mpeg4",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "mp2",
            "-shortest",
        ])
        .arg(path)
        .output()
        .expect("ffmpeg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Renditions put in place are whole: ffmpeg decodes every variant from the disk.
fn assert_whole(dir: &Path, when: &str) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(dir.join("master.m3u8"))
        .args(["-map", "0", "-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{when}: renditions in place are not whole: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("tv.mp4").is_file(), "{when}: no tv.mp4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_at_random_moments_of_a_transcode_never_leaves_half_renditions_in_place() {
    use crate::support::faults::{add_admin, seeded, Server};
    use rand::Rng;
    let (mut rng, seed) = seeded("prepare_crash::random");
    let dir = tempfile::tempdir().expect("dir");
    let (data, library) = (dir.path().join("data"), dir.path().join("library"));
    std::fs::create_dir_all(&library).expect("library");
    transcode_clip(&library.join("党史 第三集.avi"));
    add_admin(&data);
    let lib = library.to_string_lossy().into_owned();
    let env = [("DIANJIAO_LIBRARY", lib.as_str())];
    let mut kills = Vec::new();
    let mut id = String::new();
    for round in 0..3 {
        let server = Server::start(&data, &env).await;
        let base = server.base.clone();
        let film = wait_for(async || {
            let list: Value = reqwest::get(format!("{base}/api/v1/films"))
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let film = list["items"][0].clone();
            matches!(film["state"].as_str(), Some("preparing" | "ready")).then_some(film)
        })
        .await;
        id = film["id"].as_str().expect("id").to_owned();
        if film["state"] == "ready" {
            break;
        }
        let pause = rng.gen_range(0..1200);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.kill();
        kills.push(pause);
        let placed = data.join("renditions").join(&id);
        if placed.exists() {
            assert_whole(
                &placed,
                &format!("round {round}, killed {pause} ms into it"),
            );
        }
    }
    let server = Server::start(&data, &env).await;
    let base = server.base.clone();
    wait_for(async || {
        let film: Value = reqwest::get(format!("{base}/api/v1/films/{id}"))
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (film["state"] == "ready").then_some(())
    })
    .await;
    assert_whole(&data.join("renditions").join(&id), "after the restarts");
    assert!(
        !partial_has_files(&data.join("renditions")),
        "leftover partial output"
    );
    eprintln!("prepare_crash::random: seed {seed}, killed {kills:?} ms into the preparation, ready after restart");
}
