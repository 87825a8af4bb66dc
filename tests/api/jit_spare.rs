//! The spare worker: a viewer's first just-in-time segment goes to a worker started before
//! anybody asked (no wait for FFmpeg's libraries to load); another is started once that
//! segment is out; a spare that died while it waited costs the next viewer only that wait.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dianjiao::jit::Jit;

use crate::jit::{film_id, get, top_rung};
use crate::jit_viewers::metric;
use crate::security::jit_storm::is_worker;
use crate::support::{spawn_app, TestApp};

/// Waits for a spare other than `not` to be waiting; its process id.
async fn spare_other_than(jit: &Arc<Jit>, not: Option<u32>) -> u32 {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        match jit.spare_worker() {
            Some(pid) if Some(pid) != not => return pid,
            _ if Instant::now() > until => panic!("no new spare worker (the last was {not:?})"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// The first segment of the film from `name`, which must answer 200 with bytes.
async fn first_segment(app: &TestApp, name: &str) {
    let id = film_id(app, name).await;
    let rung = top_rung(app, &id).await;
    let res = get(app, &format!("/hls/{id}/{rung}/seg-00000.ts")).await;
    assert_eq!(res.status(), 200, "segment 0 of {name}");
    assert!(!res.bytes().await.expect("body").is_empty(), "{name}");
}

/// Waits until `pid` has died (a zombie until its parent reaps it, or gone).
async fn dead(pid: u32) -> bool {
    for _ in 0..500 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().next());
        if matches!(state, None | Some("Z" | "X")) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Waits until the worker `pid` has loaded FFmpeg and reads its requests: its thread
/// watching for the server's death has started.
async fn ready(pid: u32) -> bool {
    for _ in 0..500 {
        let threads = std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten();
        let names = threads
            .flatten()
            .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok());
        if names.into_iter().any(|n| n.trim() == "orphan-watch") {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn the_first_segment_goes_to_a_spare_worker_and_another_waits_after_it() {
    let app = spawn_app().await;
    let jit = app.app.jit.clone();
    let first = spare_other_than(&jit, None).await;
    assert!(is_worker(first), "the spare {first} is a media worker");
    // One segment each: no producer is started to keep a viewer going.
    app.synth_clip("备用一.mp4", 4.0).await;
    app.synth_clip("备用二.mp4", 4.0).await;
    app.scan(&app.library.clone()).await;

    first_segment(&app, "备用一.mp4").await;
    assert_eq!(
        metric(&app, "dianjiao_jit_producers_started_total").await,
        1
    );
    assert_eq!(
        metric(&app, "dianjiao_jit_producers_warm_total").await,
        1,
        "the producer took the spare"
    );
    let second = spare_other_than(&jit, Some(first)).await;
    assert!(
        is_worker(second),
        "the replacement {second} is a media worker"
    );

    // A spare killed while it waits: the next viewer's producer starts a worker of its
    // own, and a spare is waiting again afterwards.
    let killed = Command::new("kill")
        .args(["-KILL", &second.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    assert!(dead(second).await, "the killed spare {second} died");
    first_segment(&app, "备用二.mp4").await;
    assert_eq!(
        metric(&app, "dianjiao_jit_producers_started_total").await,
        2
    );
    assert_eq!(
        metric(&app, "dianjiao_jit_producers_warm_total").await,
        1,
        "the dead spare was not counted as taken"
    );
    let third = spare_other_than(&jit, Some(second)).await;
    assert!(is_worker(third), "a new spare {third} waits");
    assert!(
        ready(third).await,
        "the spare {third} gets ready to read a request"
    );
}
