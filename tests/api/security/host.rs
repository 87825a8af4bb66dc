//! Hole 6, DNS rebinding: a web page on `evil.example` whose name later resolves to the
//! server could drive the API as an anonymous LAN viewer, because the server answered any
//! `Host` and believed `X-Forwarded-Host` from anyone. Now it answers only its own names and
//! addresses (421 otherwise), and reads forwarded headers only from trusted proxies.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{spawn_app_with, TestApp};

/// A server that also answers `films.township.example`, with one catalogued film.
async fn app_with_a_film() -> (TestApp, String) {
    let app = spawn_app_with(|s| s.host_names = vec!["Films.Township.example".into()]).await;
    app.synth_clip("党章电视教材 第一集.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films").await;
    let film = list["items"][0]["id"].as_str().expect("a film").to_owned();
    (app, film)
}

/// The server's `host:port` as the tests reach it (`127.0.0.1:PORT`).
fn authority(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

fn port(app: &TestApp) -> String {
    authority(app).rsplit_once(':').expect("port").1.to_owned()
}

/// Starts a play anonymously, as a page served from `host` would: `Host` and `Origin` both
/// name it.
async fn start_play_as(app: &TestApp, host: &str, film: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/plays"))
        .header("host", host)
        .header("origin", format!("http://{host}"))
        .json(&json!({"film_id": film}))
        .send()
        .await
        .expect("post")
}

async fn active_plays(app: &TestApp) -> String {
    let text = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find(|l| l.starts_with("dianjiao_active_plays "))
        .expect("active plays line")
        .to_owned()
}

#[tokio::test]
async fn a_rebound_page_on_an_unknown_host_gets_421_and_makes_no_play() {
    let (app, film) = app_with_a_film().await;
    let before = active_plays(&app).await;
    let res = start_play_as(&app, "evil.example", &film).await;
    assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "unknown_host", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("host_names"),
        "{body}"
    );
    assert_eq!(active_plays(&app).await, before, "no play was made");
    let with_port = start_play_as(&app, &format!("evil.example:{}", port(&app)), &film).await;
    assert_eq!(with_port.status(), StatusCode::MISDIRECTED_REQUEST);
    let read = app
        .client()
        .get(app.url("/api/v1/films"))
        .header("host", "evil.example")
        .send()
        .await
        .expect("get");
    assert_eq!(read.status(), StatusCode::MISDIRECTED_REQUEST, "reads too");
}

#[tokio::test]
async fn the_servers_own_addresses_localhost_and_configured_names_are_answered() {
    let (app, film) = app_with_a_film().await;
    let port = port(&app);
    for host in [
        authority(&app),
        "127.0.0.1".into(),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("films.township.example:{port}"),
        "FILMS.township.example.".into(),
    ] {
        let res = app
            .client()
            .get(app.url("/api/v1/films"))
            .header("host", host.clone())
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), StatusCode::OK, "Host: {host}");
    }
    let res = start_play_as(&app, &format!("films.township.example:{port}"), &film).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "a write from a configured name"
    );
}

#[tokio::test]
async fn forwarded_host_from_an_untrusted_peer_is_ignored() {
    let (app, film) = app_with_a_film().await;
    let before = active_plays(&app).await;
    // The page is on evil.example and says so in Origin; forwarded headers try to make the
    // server believe that is its own name.
    for (name, value) in [
        ("x-forwarded-host", "evil.example"),
        ("forwarded", "host=evil.example;proto=http"),
    ] {
        let res = app
            .client()
            .post(app.url("/api/v1/plays"))
            .header("origin", "http://evil.example")
            .header(name, value)
            .json(&json!({"film_id": film}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], "cross_site", "{body}");
    }
    assert_eq!(active_plays(&app).await, before, "no play was made");
}

#[tokio::test]
async fn forwarded_host_from_a_trusted_proxy_is_checked_like_host() {
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let get = |forwarded_host: &'static str| {
        app.client()
            .get(app.url("/api/v1/films"))
            .header("x-forwarded-host", forwarded_host)
            .send()
    };
    let evil = get("evil.example").await.expect("get");
    assert_eq!(evil.status(), StatusCode::MISDIRECTED_REQUEST);
    let ours = get("localhost").await.expect("get");
    assert_eq!(ours.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_request_without_host_is_answered() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|_| {}).await;
    let mut stream = tokio::net::TcpStream::connect(authority(&app))
        .await
        .expect("connect");
    // HTTP/1.0 needs no Host; browsers always send one, old players may not.
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\n\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
}
