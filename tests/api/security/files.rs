//! Hole 7 and the file side of hole 10: a library file swapped after the scan (a symlink to a
//! secret, a FIFO, another file) is refused, never served and never blocks the server; the
//! data folder is private to the server's account; workers cannot read beyond what they
//! were handed.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dianjiao::media::protocol::Expected;
use dianjiao::media::{FailureKind, Reply, Request};
use tokio::task::JoinSet;

use crate::support::{spawn_app, spawn_app_with, TestApp};

/// Makes a clip, scans it, and returns the film's id and its file.
async fn scanned_film(app: &TestApp) -> (String, PathBuf) {
    let path = app.synth_clip("换片/片子.mp4", 1.0).await;
    let summary = app.scan(&app.library.clone()).await;
    assert_eq!(summary.probed, 1, "{summary:?}");
    let films = app.app.catalog.films().expect("films");
    let film = films.first().expect("one film");
    (film.id.to_string(), path)
}

/// The ledger's signing key, the secret a swapped symlink once served.
fn ledger_key(app: &TestApp) -> PathBuf {
    app.app.settings.ledger_dir().join("ledger.key")
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[tokio::test]
async fn a_symlink_swapped_in_after_the_scan_does_not_serve_the_ledger_key() {
    let app = spawn_app().await;
    let (id, path) = scanned_film(&app).await;
    let secret = std::fs::read(ledger_key(&app)).expect("the ledger key exists");
    std::fs::remove_file(&path).expect("remove");
    std::os::unix::fs::symlink(ledger_key(&app), &path).expect("symlink");

    let res = app
        .client()
        .get(app.url(&format!("/media/{id}/original")))
        .send()
        .await
        .expect("get");
    let status = res.status();
    let body = res.bytes().await.expect("body");
    assert!(
        body.windows(secret.len().min(16))
            .all(|w| w != &secret[..w.len()]),
        "the ledger key was served"
    );
    assert!(status.is_client_error(), "refused, not {status}");
}

#[tokio::test]
async fn a_fifo_swapped_in_is_refused_at_once_and_never_blocks_the_server() {
    let app = spawn_app().await;
    let (id, path) = scanned_film(&app).await;
    std::fs::remove_file(&path).expect("remove");
    mkfifo(&path);

    let client = reqwest::Client::new();
    let mut requests = JoinSet::new();
    for _ in 0..200 {
        let (client, url) = (client.clone(), app.url(&format!("/media/{id}/original")));
        requests.spawn(async move { client.get(url).send().await.map(|r| r.status()) });
    }
    let health = app.client().get(app.url("/healthz")).send();
    // A guard against hanging forever, not a timing assertion: an open(2) of a FIFO with no
    // writer never returns.
    let all = tokio::time::timeout(Duration::from_secs(60), async {
        let healthz = health.await.map(|r| r.status());
        let mut statuses = Vec::new();
        while let Some(done) = requests.join_next().await {
            statuses.push(done.expect("join").expect("an answer"));
        }
        (healthz, statuses)
    })
    .await;
    let Ok((healthz, statuses)) = all else {
        // Let the blocked opens return, so the test ends instead of hanging on them.
        let _writer = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path);
        panic!("requests for a FIFO were still blocked after 60 s");
    };
    assert_eq!(healthz.expect("healthz answers"), 200);
    assert_eq!(statuses.len(), 200);
    assert!(
        statuses.iter().all(|s| s.is_client_error()),
        "every request refused: {statuses:?}"
    );
}

#[tokio::test]
async fn another_file_swapped_in_with_the_same_size_and_time_is_refused_until_rescanned() {
    let app = spawn_app().await;
    let (id, path) = scanned_film(&app).await;
    let url = app.url(&format!("/media/{id}/original"));
    let before = std::fs::metadata(&path).expect("stat");
    let mut bytes = std::fs::read(&path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let swap = path.with_extension("new");
    std::fs::write(&swap, &bytes).expect("write");
    let file = std::fs::File::options()
        .write(true)
        .open(&swap)
        .expect("open");
    file.set_modified(before.modified().expect("mtime"))
        .expect("set mtime");
    std::fs::rename(&swap, &path).expect("swap in");

    let res = app.client().get(&url).send().await.expect("get");
    assert_eq!(res.status(), 409, "a changed file is refused");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"], "file_changed");

    // Same size and time: only the refusal's mark makes the next scan read it again.
    let summary = app.scan(&app.library.clone()).await;
    assert_eq!(
        summary.unchanged, 0,
        "the film was marked for rescan: {summary:?}"
    );
    let res = app.client().get(&url).send().await.expect("get");
    assert_eq!(res.status(), 200);
    assert!(
        res.bytes().await.expect("body") == bytes,
        "the rescanned file is served"
    );
}

#[tokio::test]
async fn the_data_folder_is_private_to_the_server() {
    let app = spawn_app().await;
    let data = &app.app.settings.data;
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(data), 0o700, "data folder");
    let mut files = 0;
    for entry in walk(&data.join("db")) {
        let m = mode(&entry);
        if entry.is_dir() {
            assert_eq!(m & 0o077, 0, "{} is {m:o}", entry.display());
        } else {
            assert_eq!(m, 0o600, "{} is {m:o}", entry.display());
            files += 1;
        }
    }
    assert!(files > 0, "the database has files");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

#[tokio::test]
async fn a_worker_refuses_an_input_swapped_after_the_scan_or_a_fifo_at_once() {
    let app = spawn_app_with(|s| s.worker_timeout_secs = 120).await;
    let (_id, path) = scanned_film(&app).await;
    let film = app.app.catalog.films().expect("films").remove(0);
    let recorded = film.source.fingerprint.identity;
    assert!(recorded.is_some(), "the scan recorded the file's identity");
    // Another clip renamed over the film: a playable file, but not the one catalogued.
    let other = app.synth_clip("换片/另一部.mp4", 1.0).await;
    std::fs::rename(&other, &path).expect("swap");
    let fifo = app.library.join("管道.mp4");
    mkfifo(&fifo);

    let pool = app.app.pool.clone();
    let (swapped, piped) = tokio::task::spawn_blocking(move || {
        let probe = |path: &Path| Request::Probe {
            path: path.to_owned(),
        };
        let swapped = pool.call_checked(&probe(&path), &Expected::of(&path, recorded), None);
        (swapped, pool.call(&probe(&fifo)))
    })
    .await
    .expect("join");
    for (what, reply) in [("swapped", swapped), ("fifo", piped)] {
        let Reply::Failed { failure } = reply else {
            panic!("{what}: probed anyway: {reply:?}");
        };
        // Refused on opening, not stopped by the pool's time limit.
        assert_eq!(failure.kind, FailureKind::Unreadable, "{what}: {failure:?}");
    }
}

#[tokio::test]
async fn workers_cannot_gain_privileges() {
    let app = spawn_app().await;
    let clip = app.synth_clip("片.mp4", 1.0).await;
    // Both workers answer a request, so both have set themselves up.
    let mut probes = JoinSet::new();
    for _ in 0..2 {
        let (pool, path) = (app.app.pool.clone(), clip.clone());
        probes.spawn_blocking(move || pool.call(&Request::Probe { path }));
    }
    while let Some(reply) = probes.join_next().await {
        assert!(matches!(reply.expect("join"), Reply::Probed { .. }));
    }
    for pid in app.app.pool.worker_pids() {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        assert!(
            status
                .lines()
                .any(|l| l.split_whitespace().eq(["NoNewPrivs:", "1"])),
            "worker {pid} runs without no_new_privs"
        );
    }
}

#[tokio::test]
async fn a_film_swapped_after_the_scan_is_not_transcoded_just_in_time() {
    let app = spawn_app().await;
    let (id, rung) = crate::jit::unprepared_dvd(&app, "换过.vob", 8).await;
    // Another film, a valid one, renamed over the catalogued file: a new inode.
    let other = crate::jit::dvd_vob(app.library.parent().expect("parent"), "另一部.vob", 8);
    std::fs::rename(&other, app.library.join("换过.vob")).expect("swap in");
    let res = crate::jit::get(&app, &format!("/hls/{id}/{rung}/seg-00000.ts")).await;
    assert_ne!(
        res.status(),
        200,
        "a swapped file was transcoded and served"
    );
}
