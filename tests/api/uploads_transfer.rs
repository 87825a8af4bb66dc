//! What happens to an upload between requests: termination and expiry remove its partial
//! file; a stalled body ends with what arrived kept; one request writes at a time and a
//! dropped connection keeps the bytes that arrived.

use std::time::Duration;

use dianjiao::accounts::Role;
use reqwest::Method;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::support::{spawn_app, spawn_app_with};
use crate::uploads::{cookie, create, offset, partial_file, patch, raw_patch, tus};

#[tokio::test]
async fn termination_removes_the_partial_file_and_the_upload() {
    let app = spawn_app().await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let at = create(&app, &admin, 100, "").await;
    assert_eq!(patch(&app, &admin, &at, 0, vec![7; 30]).await.status(), 204);
    let file = partial_file(&app, &at);
    assert!(file.exists());
    let res = tus(&app, &admin, Method::DELETE, &at).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(!file.exists(), "the partial file is removed");
    let head = tus(&app, &admin, Method::HEAD, &at).send().await.unwrap();
    assert_eq!(head.status(), 404);
    assert_eq!(
        patch(&app, &admin, &at, 30, vec![7; 10]).await.status(),
        404
    );
}

#[tokio::test]
async fn an_unfinished_upload_is_swept_away_after_it_expires() {
    // 0.0005 h = 1.8 s; the sweeper looks several times within that.
    let app = spawn_app_with(|s| s.upload_expire_hours = 0.0005).await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let at = create(&app, &admin, 100, "").await;
    assert_eq!(patch(&app, &admin, &at, 0, vec![7; 30]).await.status(), 204);
    let file = partial_file(&app, &at);
    assert!(file.exists());
    let mut gone = false;
    for _ in 0..150 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !file.exists() {
            gone = true;
            break;
        }
    }
    assert!(gone, "the expired upload's file is removed by the sweep");
    let head = tus(&app, &admin, Method::HEAD, &at).send().await.unwrap();
    assert_eq!(head.status(), 404);
}

#[tokio::test]
async fn a_stalled_body_ends_and_what_arrived_is_kept() {
    let app = spawn_app_with(|s| s.upload_body_timeout_secs = 1).await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let at = create(&app, &admin, 1000, "").await;
    let (status, head) = raw_patch(&app, &admin, &at, 0, &[vec![9; 300]], true).await;
    assert_eq!(status, 408, "{head}");
    assert!(
        head.to_ascii_lowercase().contains("upload-offset: 300"),
        "{head}"
    );
    assert_eq!(offset(&app, &admin, &at).await, 300);
    assert_eq!(
        patch(&app, &admin, &at, 300, vec![9; 700]).await.status(),
        204
    );
}

#[tokio::test]
async fn one_request_writes_to_an_upload_at_a_time_and_a_dropped_one_keeps_what_arrived() {
    let app = spawn_app().await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let at = create(&app, &admin, 1000, "").await;
    let host = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "PATCH {at} HTTP/1.1\r\nHost: {host}\r\nCookie: {admin}\r\nTus-Resumable: 1.0.0\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n\
         Content-Length: 1000\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&[1; 200]).await.unwrap();
    s.flush().await.unwrap();
    // Once its bytes reach the file, the first request holds the upload.
    let file = partial_file(&app, &at);
    for _ in 0..200 {
        if std::fs::metadata(&file).unwrap().len() == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let res = patch(&app, &admin, &at, 0, vec![2; 10]).await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "busy", "{body}");
    drop(s);
    let mut kept = 0;
    for _ in 0..100 {
        kept = offset(&app, &admin, &at).await;
        if kept == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(kept, 200, "the bytes of the dropped request are kept");
}
