//! tus 1.0 uploads on the wire: discovery, creation, the size limit before and during the
//! transfer, offsets, content type, version, who may upload; and the helpers the other
//! upload tests share. Termination, expiry and interrupted bodies are in
//! `uploads_transfer.rs`, real files in `uploads_media.rs`.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use dianjiao::accounts::Role;
use reqwest::{header, Method, Response};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{spawn_app, spawn_app_with, TestApp, PASSWORD};

/// A signed-in account's cookie header value (`dj_session=…`).
pub(crate) async fn cookie(app: &TestApp, name: &str, role: Role) -> String {
    app.add_user(name, role).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .json(&json!({"name": name, "password": PASSWORD}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), 200);
    let set = res.headers()["set-cookie"].to_str().expect("cookie");
    set.split(';').next().expect("pair").to_owned()
}

/// `Upload-Metadata` from plain pairs.
pub(crate) fn meta(pairs: &[(&str, &str)]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    pairs
        .iter()
        .map(|(k, v)| format!("{k} {}", b64.encode(v)))
        .collect::<Vec<_>>()
        .join(",")
}

/// A tus request with the session cookie and `Tus-Resumable: 1.0.0`.
pub(crate) fn tus(
    app: &TestApp,
    cookie: &str,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, app.url(path))
        .header(header::COOKIE, cookie)
        .header("Tus-Resumable", "1.0.0")
}

/// Creates an upload; returns its path (`Location`).
pub(crate) async fn create(app: &TestApp, cookie: &str, length: u64, metadata: &str) -> String {
    let res = tus(app, cookie, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", length.to_string())
        .header("Upload-Metadata", metadata)
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.starts_with("/api/v1/uploads/u_"), "{location}");
    location
}

/// PATCHes `bytes` at `offset`.
pub(crate) async fn patch(
    app: &TestApp,
    cookie: &str,
    at: &str,
    offset: u64,
    bytes: Vec<u8>,
) -> Response {
    tus(app, cookie, Method::PATCH, at)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset.to_string())
        .body(bytes)
        .send()
        .await
        .expect("patch")
}

/// The upload's `Upload-Offset` from `HEAD`.
pub(crate) async fn offset(app: &TestApp, cookie: &str, at: &str) -> u64 {
    let res = tus(app, cookie, Method::HEAD, at)
        .send()
        .await
        .expect("head");
    assert_eq!(res.status(), 200);
    header_u64(&res, "upload-offset")
}

pub(crate) fn header_u64(res: &Response, name: &str) -> u64 {
    res.headers()[name].to_str().unwrap().parse().unwrap()
}

pub(crate) fn partial_file(app: &TestApp, at: &str) -> PathBuf {
    let id = at.rsplit('/').next().unwrap();
    app.app.uploads.partial_file(id).expect("an upload id")
}

#[tokio::test]
async fn options_says_version_extensions_and_the_size_limit() {
    let app = spawn_app_with(|s| s.upload_max_bytes = 12345).await;
    let res = reqwest::Client::new()
        .request(Method::OPTIONS, app.url("/api/v1/uploads"))
        .send()
        .await
        .expect("options");
    assert_eq!(res.status(), 204);
    let h = res.headers();
    assert_eq!(h["tus-resumable"], "1.0.0");
    assert_eq!(h["tus-version"], "1.0.0");
    assert_eq!(h["tus-extension"], "creation,termination,expiration");
    assert_eq!(h["tus-max-size"], "12345");
}

#[tokio::test]
async fn creation_answers_a_server_made_location_offset_zero_and_an_expiry() {
    let app = spawn_app().await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let res = tus(&app, &admin, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", "100")
        .header(
            "Upload-Metadata",
            meta(&[("filename", "../../etc/passwd.mp4")]),
        )
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    assert!(res.headers().contains_key("upload-expires"));
    let at = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(!at.contains("passwd"), "{at}");
    assert!(partial_file(&app, &at).exists(), "the partial file is made");
    let head = tus(&app, &admin, Method::HEAD, &at).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["upload-offset"], "0");
    assert_eq!(head.headers()["upload-length"], "100");
    assert_eq!(head.headers()["cache-control"], "no-store");
    assert!(head.headers()["upload-metadata"]
        .to_str()
        .unwrap()
        .starts_with("filename "));
    let view: Value = tus(&app, &admin, Method::GET, &at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["state"], "uploading");
    assert_eq!(view["filename"], "../../etc/passwd.mp4");

    let no_length = tus(&app, &admin, Method::POST, "/api/v1/uploads")
        .send()
        .await
        .unwrap();
    assert_eq!(no_length.status(), 400, "Upload-Length is required");
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_at_creation_before_any_byte() {
    let app = spawn_app_with(|s| s.upload_max_bytes = 1000).await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let res = tus(&app, &admin, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", "1001")
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "too_large");
    let dir = app.app.settings.uploads_dir();
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        0,
        "nothing was made"
    );
    create(&app, &admin, 1000, "").await;
}

#[tokio::test]
async fn a_patch_running_past_the_length_gets_413_and_keeps_nothing_of_it() {
    let app = spawn_app().await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let at = create(&app, &admin, 100, "").await;
    assert_eq!(patch(&app, &admin, &at, 0, vec![1; 40]).await.status(), 204);
    // Declared by Content-Length: refused before the body is read.
    assert_eq!(
        patch(&app, &admin, &at, 40, vec![2; 61]).await.status(),
        413
    );
    // Not declared (chunked): cut off when it runs past, and nothing of it is kept.
    let (status, _) = raw_patch(&app, &admin, &at, 40, &[vec![3; 50], vec![4; 50]], false).await;
    assert_eq!(status, 413);
    assert_eq!(offset(&app, &admin, &at).await, 40);
    assert_eq!(
        std::fs::metadata(partial_file(&app, &at)).unwrap().len(),
        40
    );
    assert_eq!(
        patch(&app, &admin, &at, 40, vec![5; 60]).await.status(),
        204
    );
}

#[tokio::test]
async fn a_wrong_offset_gets_409_and_a_wrong_content_type_415() {
    let app = spawn_app().await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let at = create(&app, &admin, 100, "").await;
    let res = patch(&app, &admin, &at, 10, vec![0; 10]).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    let res = tus(&app, &admin, Method::PATCH, &at)
        .header("Content-Type", "application/octet-stream")
        .header("Upload-Offset", "0")
        .body(vec![0; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(offset(&app, &admin, &at).await, 0, "nothing was written");
}

#[tokio::test]
async fn a_missing_or_other_tus_version_gets_412_except_for_options() {
    let app = spawn_app().await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let at = create(&app, &admin, 100, "").await;
    for version in [None, Some("0.2.2")] {
        let client = reqwest::Client::new();
        let mut requests = vec![
            client
                .post(app.url("/api/v1/uploads"))
                .header("Upload-Length", "5"),
            client.head(app.url(&at)),
            client
                .patch(app.url(&at))
                .header("Content-Type", "application/offset+octet-stream")
                .header("Upload-Offset", "0")
                .body(vec![0; 5]),
            client.delete(app.url(&at)),
        ];
        for req in requests.drain(..) {
            let mut req = req.header(header::COOKIE, &admin);
            if let Some(v) = version {
                req = req.header("Tus-Resumable", v);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 412, "{version:?} {}", res.url());
            assert_eq!(res.headers()["tus-version"], "1.0.0");
            assert_eq!(res.headers()["tus-resumable"], "1.0.0");
        }
    }
    assert_eq!(offset(&app, &admin, &at).await, 0);
}

#[tokio::test]
async fn only_admins_may_upload() {
    let app = spawn_app().await;
    let clerk = cookie(&app, "clerk", Role::Clerk).await;
    let admin = cookie(&app, "admin", Role::Admin).await;
    let at = create(&app, &admin, 100, "").await;
    for (who, expect) in [("", 401), (clerk.as_str(), 403)] {
        let post = tus(&app, who, Method::POST, "/api/v1/uploads").header("Upload-Length", "5");
        let res = post.send().await.unwrap();
        assert_eq!(res.status(), expect);
        assert_eq!(res.headers()["tus-resumable"], "1.0.0");
        for method in [Method::HEAD, Method::GET, Method::DELETE] {
            let res = tus(&app, who, method.clone(), &at).send().await.unwrap();
            assert_eq!(res.status(), expect, "{method}");
        }
        assert_eq!(patch(&app, who, &at, 0, vec![1; 5]).await.status(), expect);
    }
    assert_eq!(offset(&app, &admin, &at).await, 0);
}

/// A PATCH over a raw socket with a chunked body: sends `pieces`, then either ends the body
/// or (`stall`) sends nothing more. Returns the status and the response head.
pub(crate) async fn raw_patch(
    app: &TestApp,
    cookie: &str,
    at: &str,
    offset: u64,
    pieces: &[Vec<u8>],
    stall: bool,
) -> (u16, String) {
    let host = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "PATCH {at} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nTus-Resumable: 1.0.0\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    for p in pieces {
        s.write_all(format!("{:x}\r\n", p.len()).as_bytes())
            .await
            .unwrap();
        s.write_all(p).await.unwrap();
        s.write_all(b"\r\n").await.unwrap();
        s.flush().await.unwrap();
        // Let each piece arrive on its own.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !stall {
        let _ = s.write_all(b"0\r\n\r\n").await;
    }
    let mut buf = vec![0; 4096];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf))
            .await
            .expect("an answer")
            .expect("read");
        assert!(n > 0, "connection closed without an answer");
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    let status = text[9..12].parse().expect("status");
    (status, text)
}
