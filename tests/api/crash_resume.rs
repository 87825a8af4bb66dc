//! The server `kill -9`ed at a random moment (from a printed seed; `DIANJIAO_TEST_SEED`
//! replays it) during a tus upload and during a library scan: the upload, sent by the real
//! tus client (tus-js-client), resumes against the restarted server and arrives byte for
//! byte; the scan, interrupted several times, completes with every file catalogued once.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use rand::{Rng, RngCore};
use serde_json::{json, Value};

use crate::support::faults::{add_admin, free_port, seeded, verify_ledger, Server};
use crate::support::node::run_node;

const UPLOAD_BYTES: usize = 12 << 20;
const SCAN_KILLS: usize = 3;

/// Bytes in the upload's partial file(s) under `data/uploads`.
fn partial_bytes(data: &Path) -> u64 {
    std::fs::read_dir(data.join("uploads"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// The finished upload's file under `data/media` (one folder per upload).
fn stored_upload(data: &Path) -> Option<Vec<u8>> {
    walkdir(&data.join("media"))
        .into_iter()
        .find(|p| p.is_file())
        .and_then(|p| std::fs::read(p).ok())
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walkdir(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tus_upload_rides_out_a_server_killed_mid_transfer_and_arrives_whole() {
    let (mut rng, seed) = seeded("crash_resume::tus");
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    add_admin(&data);
    let port = free_port();
    let server = Server::start_on(&data, port, &[]).await;
    let cookie = server.admin_cookie().await;
    let mut bytes = vec![0u8; UPLOAD_BYTES];
    rng.fill_bytes(&mut bytes);
    let file = dir.path().join("upload.bin");
    std::fs::write(&file, &bytes).expect("file");
    let job = json!({
        "file": file, "cookie": cookie, "chunk_size": 128 << 10,
        "metadata": {"filename": "断点续传.mp4"},
    });
    let base = server.base.clone();
    let client =
        tokio::spawn(async move { run_node("tus_crash.mjs", &base, job.to_string()).await });

    // The kill comes when a random share of the file has reached the disk.
    let at = rng.gen_range(UPLOAD_BYTES as u64 / 10..UPLOAD_BYTES as u64 * 8 / 10);
    let started = Instant::now();
    while partial_bytes(&data) < at {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the upload never got to {at}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill();
    let on_disk = partial_bytes(&data);
    let server = Server::start_on(&data, port, &[]).await;

    let run = client.await.expect("join");
    assert!(run.success, "tus-js-client: {} {}", run.result, run.stderr);
    let result = run.result;
    assert!(
        result["retries"].as_u64().unwrap_or(0) >= 1,
        "the kill interrupted the upload: {result}"
    );
    let acked = result["acked_before_kill"].as_u64().expect("acked");
    assert!(
        acked <= on_disk,
        "acknowledged {acked} bytes, {on_disk} on disk"
    );
    let stored = stored_upload(&data).expect("the finished upload is stored");
    assert!(
        stored == bytes,
        "the stored file is the one sent, byte for byte"
    );
    eprintln!(
        "crash_resume::tus: seed {seed}, killed past byte {at}: at {on_disk} of {UPLOAD_BYTES} bytes ({acked} acknowledged to the client), resumed, {} retries, arrived whole",
        result["retries"]
    );
    drop(server);
    verify_ledger(&data, "after the upload");
}

/// Every film the catalog lists (all states) by source name.
async fn catalogued(server: &Server) -> Vec<String> {
    let mut names = Vec::new();
    for query in ["", "&state=rejected"] {
        let url = format!("{}/api/v1/films?per_page=100{query}", server.base);
        let Ok(res) = reqwest::get(url).await else {
            return names;
        };
        let Ok(list) = res.json::<Value>().await else {
            return names;
        };
        for f in list["items"].as_array().into_iter().flatten() {
            names.push(f["source_name"].as_str().unwrap_or_default().to_owned());
        }
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_killed_at_random_moments_completes_after_restart_with_each_file_once() {
    let (mut rng, seed) = seeded("crash_resume::scan");
    let dir = tempfile::tempdir().expect("dir");
    let (data, library) = (dir.path().join("data"), dir.path().join("library"));
    std::fs::create_dir_all(&library).expect("library");
    let made = dir.path().join("made");
    std::fs::create_dir_all(&made).expect("made");
    let clips = crate::support::fixtures::all_clips(&made);
    for (n, clip) in clips.iter().enumerate() {
        let name = clip.path.file_name().expect("name").to_string_lossy();
        std::fs::copy(&clip.path, library.join(format!("第{n}集 {name}"))).expect("copy");
    }
    add_admin(&data);
    let lib = library.to_string_lossy().into_owned();
    // Probes held back so that a scan takes a while and the kills fall inside it.
    let slow = [
        ("DIANJIAO_LIBRARY", lib.as_str()),
        ("DIANJIAO_WORKER_DEBUG_DELAY_MS", "200"),
    ];
    let mut seen_at_kill = Vec::new();
    for _ in 0..SCAN_KILLS {
        let server = Server::start(&data, &slow).await;
        let pause = rng.gen_range(0..1500);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        seen_at_kill.push(catalogued(&server).await.len());
        server.kill();
    }
    let server = Server::start(&data, &[("DIANJIAO_LIBRARY", lib.as_str())]).await;
    let mut names = Vec::new();
    for _ in 0..600 {
        names = catalogued(&server).await;
        if names.len() >= clips.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let unique: HashSet<&String> = names.iter().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "a file catalogued twice: {names:?}"
    );
    assert_eq!(names.len(), clips.len(), "every file catalogued: {names:?}");
    eprintln!(
        "crash_resume::scan: seed {seed}, {SCAN_KILLS} kills with {seen_at_kill:?} of {} files catalogued, completed after restart",
        clips.len()
    );
    drop(server);
    verify_ledger(&data, "after the scans");
}
