//! A running server keeps its library folders in the catalog: the OS watcher picks up added
//! and removed files, and periodic rescans do when watching is off or unavailable.

use std::time::Duration;

use serde_json::Value;

use crate::support::{spawn_app, spawn_app_with, TestApp};

/// Polls `path` until `done` holds, for at most 30 s (a bound on waiting, not a timing test).
async fn eventually(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..150 {
        let v = app.get_json(path).await;
        if done(&v) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{path} never reached the expected state");
}

#[tokio::test]
async fn files_added_to_and_removed_from_a_watched_folder_follow_in_the_catalog() {
    let app = spawn_app().await;
    dianjiao::library::watch(
        app.app.library.clone(),
        vec![app.library.clone()],
        true,
        Duration::from_secs(3600),
    );
    let clip = app.synth_clip("新到的片子 第1集.mp4", 1.0).await;
    let list = eventually(&app, "/api/v1/films", |v| v["total"] == 1).await;
    let id = list["items"][0]["id"].as_str().expect("id").to_owned();
    std::fs::remove_file(clip).expect("remove");
    eventually(&app, &format!("/api/v1/films/{id}"), |v| {
        v["missing"] == true
    })
    .await;
}

#[tokio::test]
async fn with_watching_off_periodic_rescans_find_new_files_and_metrics_say_so() {
    let app = spawn_app_with(|s| s.watch_files = false).await;
    dianjiao::library::watch(
        app.app.library.clone(),
        vec![app.library.clone()],
        app.app.settings.watch_files,
        Duration::from_secs(1),
    );
    app.synth_clip("定期扫描.mp4", 1.0).await;
    eventually(&app, "/api/v1/films", |v| v["total"] == 1).await;
    let metrics = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("dianjiao_watcher_fallback 1"), "{metrics}");
}
