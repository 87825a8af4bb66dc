//! Hostile files in a library folder are catalogued as `rejected` with a reason a clerk
//! understands; the scan and the server carry on, and FFmpeg opens nothing else.

use std::collections::HashMap;
use std::net::TcpListener;

use crate::support::fixtures::hostile_files;
use crate::support::spawn_app;

#[tokio::test]
async fn hostile_files_are_listed_as_rejected_with_clerk_readable_reasons() {
    let app = spawn_app().await;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let made = tempfile::tempdir().expect("dir");
    let hostile = hostile_files(made.path(), port);
    let mut expected = HashMap::new();
    for h in &hostile {
        let name = h
            .path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        std::fs::copy(&h.path, app.library.join(&name)).expect("copy");
        expected.insert(name, h.expected);
    }
    app.synth_clip("好片子.mp4", 1.0).await;

    let summary = app.scan(&app.library.clone()).await;
    assert_eq!(summary.rejected, hostile.len(), "{summary:?}");
    assert_eq!((summary.probed, summary.failed), (1, 0), "{summary:?}");

    let rejected = app
        .get_json("/api/v1/films?state=rejected&per_page=200")
        .await;
    let items = rejected["items"].as_array().expect("items");
    assert_eq!(items.len(), hostile.len());
    for film in items {
        let name = film["source_name"].as_str().expect("source_name");
        let kind = expected
            .get(name)
            .unwrap_or_else(|| panic!("unexpected {name}"));
        assert_eq!(film["reason"], kind.clerk_message(), "{name}");
        assert_eq!(film["state"], "rejected");
    }
    let playable = app.get_json("/api/v1/films").await;
    assert_eq!(
        playable["total"], 1,
        "rejected files are not offered for playing"
    );
    assert!(
        listener.accept().is_err(),
        "a disguised playlist made FFmpeg connect to 127.0.0.1:{port}"
    );
    let health = app
        .client()
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("get");
    assert_eq!(health.status(), 200);
}
