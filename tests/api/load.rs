//! The short load run (the CI size of `make load`): 20 viewers fetching a demo-sized
//! film's HLS at a player's pace for 30 s, with paired TVs reporting plays and a clerk
//! reading the ledger and a report meanwhile, against the real server. Every request must
//! succeed and every play the TVs started and ended must be in the ledger exactly once.
//! Speed is printed, never asserted.

use dianjiao::accounts::Role;
use dianjiao::media::{ClipSpec, Reply, Request};

use crate::prepare::prepare_all;
use crate::support::{spawn_app_with, TestApp, PASSWORD};

/// The load driver of `dianjiao bench load`, which lives in the bench program.
#[path = "../../src/bin/dianjiao-bench/drive/mod.rs"]
mod drive;
use drive::{drive, Plan, Target};

/// A server closing idle plays after 15 s with one prepared demo-sized film (320x180,
/// 25 fps, 20 s); the film's id.
async fn app_with_demo_film() -> (TestApp, String) {
    let app = spawn_app_with(|s| {
        s.play_idle_secs = 15;
        s.play_min_secs = 5;
    })
    .await;
    let spec = ClipSpec {
        width: 320,
        height: 180,
        fps: 25,
        duration_s: 20.0,
        video: true,
        audio: true,
        container: "mp4".into(),
        title: None,
        seed: 7,
    };
    let req = Request::Synth {
        spec,
        out: app.library.join("党章学习 第一集.mp4"),
    };
    let pool = app.app.clone();
    let reply = tokio::task::spawn_blocking(move || pool.pool.call(&req))
        .await
        .expect("join");
    assert!(matches!(reply, Reply::Done), "synth failed: {reply:?}");
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(&app).await, 1);
    let list = app.get_json("/api/v1/films").await;
    let id = list["items"][0]["id"].as_str().expect("film id").to_owned();
    (app, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_viewers_and_paired_tvs_for_30_s_make_no_error_and_every_play_is_recorded_once() {
    let (app, film) = app_with_demo_film().await;
    app.add_user("loadadmin", Role::Admin).await;
    let target = Target {
        base: app.base.clone(),
        admin: "loadadmin".into(),
        password: PASSWORD.into(),
        films: vec![film],
        // The server runs in this test process: its figures include the load client's.
        pid: std::process::id(),
    };
    let plan = Plan {
        viewers: 20,
        tvs: 3,
        seconds: 30.0,
        heartbeat_s: 5.0,
    };
    let figures = drive(&target, &plan).await;
    println!("load test (server and client in one process):\n{figures}");
    assert_eq!(figures.errors, 0, "{figures}");
    // Every viewer got at least its first segment; every TV finished at least one play.
    assert!(figures.segments >= plan.viewers as u64, "{figures}");
    assert!(figures.played.len() >= plan.tvs, "{figures}");
    assert_eq!(
        (figures.plays_recorded_once, figures.plays_recorded_twice),
        (figures.played.len(), 0),
        "each play ended in exactly one viewing entry: {figures}"
    );
    // The viewers report nothing from addresses no station registered: no entries; the
    // TVs' own segment requests belong to their plays: no second entry for a showing.
    assert_eq!(figures.viewings, figures.played.len(), "{figures}");
    assert!(figures.reads > 0, "{figures}");
    // The clerk's upload went through alongside (the server acknowledged every byte).
    assert!(figures.uploads.1 >= 1, "{figures}");
}
