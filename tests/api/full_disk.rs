//! A data folder on a disk that fills up (a small tmpfs the test mounts and removes; skipped
//! where mounting is not permitted): uploads and preparations stop at the reserve with a
//! clean 507 (or a try that comes again), nothing is acknowledged that was not stored,
//! showings are still recorded on the full disk, and everything resumes once space returns.
//! Also: a rendition folder that cannot be written fails the try instead of leaving the film
//! `preparing`.

use std::time::Duration;

use dianjiao::accounts::Role;
use dianjiao::disk::free_bytes;
use rand::RngCore;
use reqwest::Method;
use serde_json::{json, Value};

use crate::prepare::prepare_all;
use crate::support::faults::{add_admin, seeded, verify_ledger, Server, Tmpfs};
use crate::support::plays::entries_of;
use crate::support::{spawn_app_with, TestApp};
use crate::uploads::{cookie, create, offset, partial_file, patch, tus};

const MIB: u64 = 1 << 20;

/// A server whose data folder is on `disk`, keeping `reserve_mb` free for the records.
async fn app_on(disk: &Tmpfs, reserve_mb: u64) -> TestApp {
    let data = disk.path.join("data");
    spawn_app_with(move |s| {
        s.data = data;
        s.disk_reserve_mb = reserve_mb;
        s.ledger_reserve_mb = 1;
        s.prepare_retry_after_secs = vec![0.2];
        s.play_min_secs = 1;
    })
    .await
}

/// A film in the catalog and a station; returns (film id, station id).
async fn film_and_station(app: &TestApp, admin: &reqwest::Client) -> (String, String) {
    app.synth_clip("党课 第一集.mp4", 3.0).await;
    app.scan(&app.library.clone()).await;
    let films = app.get_json("/api/v1/films").await;
    let film = films["items"][0]["id"].as_str().expect("film").to_owned();
    let (status, station) = app
        .post_json(
            admin,
            "/api/v1/stations",
            json!({"code": "MAN-01", "name": "满盘村", "kind": "village"}),
        )
        .await;
    assert_eq!(status, 201, "{station}");
    (film, station["id"].as_str().expect("id").to_owned())
}

/// A showing reported by a clerk's screen: start, then end; both must be acknowledged.
async fn record_showing(app: &TestApp, clerk: &reqwest::Client, film: &str, station: &str) {
    let body = json!({"film_id": film, "station_id": station});
    let (status, started) = app.post_json(clerk, "/api/v1/plays", body).await;
    assert_eq!(status, 201, "a showing starts on the full disk: {started}");
    let play = started["play_id"].as_str().expect("play_id").to_owned();
    let end = format!("/api/v1/plays/{play}/end");
    let (status, ended) = app.post_json(clerk, &end, json!({"position_s": 2.5})).await;
    assert_eq!(status, 200, "a showing ends on the full disk: {ended}");
    let viewings = entries_of(app, clerk, "viewing").await;
    assert!(
        viewings
            .iter()
            .any(|v| v["payload"]["play_id"] == play.as_str()),
        "the showing is in the ledger: {viewings:?}"
    );
}

/// The 507 answer's body names the full disk in words.
async fn assert_disk_full(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), 507, "{what}");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "disk_full", "{what}: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("磁盘")),
        "{what}: {body}"
    );
}

#[tokio::test]
async fn uploads_stop_at_the_reserve_with_507_showings_are_still_recorded_and_the_upload_resumes() {
    let test = "full_disk::uploads";
    let Some(disk) = Tmpfs::or_skip(48, test) else {
        return;
    };
    let (mut rng, _) = seeded(test);
    let app = app_on(&disk, 8).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let up = cookie(&app, "uploader", Role::Admin).await;
    let (film, station) = film_and_station(&app, &admin).await;

    let free = free_bytes(&disk.path).expect("statvfs");
    // A file larger than the room above the reserve is refused before any byte.
    let res = tus(&app, &up, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", free.to_string())
        .send()
        .await
        .expect("create");
    assert_disk_full(res, "an upload that cannot fit").await;

    // Two uploads that each fit, but not both; the first stays one byte short of done.
    let room = free - 8 * MIB;
    let len = room * 6 / 10;
    let first = create(&app, &up, len, "").await;
    let second = create(&app, &up, len, "").await;
    let mut bytes = vec![0u8; len as usize];
    rng.fill_bytes(&mut bytes);
    let res = patch(&app, &up, &first, 0, bytes[1..].to_vec()).await;
    assert_eq!(res.status(), 204, "{:?}", res.text().await);
    let res = patch(&app, &up, &second, 0, bytes.clone()).await;
    assert_disk_full(res, "an upload running into the reserve").await;

    // What the second upload acknowledges is exactly what is stored.
    let kept = offset(&app, &up, &second).await;
    assert!(
        kept < len,
        "the second upload did not all fit ({kept} of {len})"
    );
    let stored = std::fs::read(partial_file(&app, &second)).expect("partial file");
    assert_eq!(stored.len() as u64, kept, "acknowledged = stored");
    assert!(
        stored == bytes[..kept as usize],
        "the stored bytes are the ones sent"
    );
    let left = free_bytes(&disk.path).expect("statvfs");
    assert!(left >= 7 * MIB, "the reserve is kept: {left} bytes free");
    eprintln!("{test}: {free} bytes free at start, upload stopped at {kept} of {len}, {left} left");

    // The disk is full of uploads: showings are still recorded, stations still made.
    record_showing(&app, &clerk, &film, &station).await;
    let body = json!({"code": "MAN-02", "name": "满盘二村", "kind": "village"});
    let (status, made) = app.post_json(&admin, "/api/v1/stations", body).await;
    assert_eq!(status, 201, "{made}");

    // Space returns (the first upload is cancelled): the second resumes where it stopped.
    let res = tus(&app, &up, Method::DELETE, &first)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 204);
    let res = patch(&app, &up, &second, kept, bytes[kept as usize..].to_vec()).await;
    assert_eq!(res.status(), 204, "{:?}", res.text().await);
    assert_eq!(res.headers()["upload-offset"], len.to_string().as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disk_filled_by_another_program_gets_clean_507s_and_loses_nothing_acknowledged() {
    let test = "full_disk::filled_by_others";
    let Some(disk) = Tmpfs::or_skip(48, test) else {
        return;
    };
    let data = disk.path.join("data");
    add_admin(&data);
    let env = [
        ("DIANJIAO_DISK_RESERVE_MB", "8"),
        ("DIANJIAO_LEDGER_RESERVE_MB", "1"),
    ];
    let server = Server::start(&data, &env).await;
    let admin = server.admin().await;
    // Something else (not dianjiao) takes every last byte of the disk, floor included.
    assert!(disk.fill("filler", u64::MAX) > 0);
    let mut acked = Vec::new();
    let mut refused = 0;
    let mut n = 0;
    // The stores buffer a little before they need a new block: write until they do.
    while refused < 10 && n < 2000 {
        n += 1;
        let (code, name) = (format!("F-{n}"), format!("满盘{n}村"));
        let (status, made) = server.create_station(&admin, &code, &name).await;
        match status {
            201 => acked.push(made["id"].as_str().expect("id").to_owned()),
            _ => {
                assert_eq!(
                    (status, &made["error"]),
                    (507, &json!("disk_full")),
                    "{made}"
                );
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "the full disk never refused a write in {n}");
    eprintln!(
        "{test}: on a disk filled by another program, {} of {n} writes acknowledged, {refused} refused with 507",
        acked.len()
    );
    // Space returns; the database keeps its first disk error until the server restarts.
    std::fs::remove_file(disk.path.join("filler")).expect("free the disk");
    server.kill();
    verify_ledger(&data, "after the full disk");
    let server = Server::start(&data, &env).await;
    let admin = server.admin().await;
    let (status, made) = server.create_station(&admin, "F-after", "腾空村").await;
    assert_eq!(
        status, 201,
        "writes are taken again once space returns: {made}"
    );
    server
        .assert_kept(&admin, &acked, "after the full disk")
        .await;
}

#[tokio::test]
async fn a_preparation_that_would_fill_the_disk_waits_and_completes_once_space_returns() {
    let test = "full_disk::preparation";
    let Some(disk) = Tmpfs::or_skip(32, test) else {
        return;
    };
    let app = app_on(&disk, 4).await;
    let source = app.synth_clip("党史 第一集.mp4", 6.0).await;
    let size = std::fs::metadata(&source).expect("clip").len();
    // Leave half the film's size above the reserve.
    let free = free_bytes(&disk.path).expect("statvfs");
    let hog = free.saturating_sub(4 * MIB + size / 2);
    assert_eq!(disk.fill("filler", hog), hog);
    app.scan(&app.library.clone()).await;
    // More tries than allowed (two): a short disk is not the film's fault and fails nothing.
    for _ in 0..4 {
        prepare_all(&app).await;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let films = app.get_json("/api/v1/films").await;
    let film = &films["items"][0];
    let id = film["id"].as_str().expect("id").to_owned();
    assert_eq!(film["state"], "queued", "{film}");
    assert!(
        film["reason"]
            .as_str()
            .is_some_and(|r| r.contains("磁盘空间不足")),
        "{film}"
    );
    let renditions = disk.path.join("data/renditions");
    let leftovers: Vec<_> = std::fs::read_dir(&renditions)
        .expect("renditions")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(leftovers.is_empty(), "nothing half-written: {leftovers:?}");
    let res = reqwest::get(app.url(&format!("/media/{id}/tv.mp4")))
        .await
        .expect("tv.mp4");
    assert_ne!(res.status(), 200, "nothing is served as prepared");

    std::fs::remove_file(disk.path.join("filler")).expect("free the disk");
    let mut state = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        prepare_all(&app).await;
        state = app.get_json(&format!("/api/v1/films/{id}")).await;
        if state["state"] == "ready" {
            break;
        }
    }
    assert_eq!(state["state"], "ready", "{state}");
    crate::prepare::ffmpeg_decodes(&app.url(&format!("/hls/{id}/master.m3u8")));
}

#[tokio::test]
async fn a_rendition_folder_that_cannot_be_made_fails_the_try_instead_of_leaving_it_preparing() {
    // Before: the error left the film `preparing`, which no runner picks up again until a
    // restart. A file squatting on the folder's name fails mkdir as a broken disk would.
    let app = spawn_app_with(|s| s.prepare_retry_after_secs = vec![600.0]).await;
    app.synth_clip("党史 第四集.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    let films = app.get_json("/api/v1/films").await;
    let id = films["items"][0]["id"].as_str().expect("id").to_owned();
    let squatter = app.app.preparation.dir().join(format!("{id}.partial"));
    std::fs::write(&squatter, b"not a folder").expect("squatter");
    prepare_all(&app).await;
    let film = app.get_json(&format!("/api/v1/films/{id}")).await;
    assert_eq!(film["state"], "queued", "{film}");
    assert!(
        film["reason"]
            .as_str()
            .is_some_and(|r| r.contains("写入转码文件失败")),
        "{film}"
    );
    std::fs::remove_file(&squatter).expect("remove");
    let film_id = media_catalog::FilmId::parse(&id).expect("id");
    assert!(app.app.preparation.requeue(&film_id).expect("requeue"));
    prepare_all(&app).await;
    let film = app.get_json(&format!("/api/v1/films/{id}")).await;
    assert_eq!(film["state"], "ready", "{film}");
}
