//! Hostile requests, table-driven, sent raw: `Range` headers (overflowing numbers, hundreds
//! of overlapping ranges, inverted, suffix zero — the "Apache killer") on every route that
//! serves ranges, with the answer's size bounded; oversized and malformed heads and bodies;
//! and slowloris — many connections dribbling their headers while a normal request is still
//! answered.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::raw;
use crate::support::plays::media_playlist;
use crate::support::{spawn_app, spawn_app_with, TestApp};

/// The hostile `Range` values.
fn ranges() -> Vec<String> {
    let mut out: Vec<String> = [
        "bytes=0-18446744073709551615",
        "bytes=18446744073709551615-",
        "bytes=18446744073709551616-",
        "bytes=99999999999999999999999999-",
        "bytes=-18446744073709551616",
        "bytes=-99999999999999999999999999",
        "bytes=-0",
        "bytes=0-0,-0",
        "bytes=5-1",
        "bytes=10-5,0-1",
        "bytes=0--1",
        "bytes=-",
        "bytes=",
        "bytes=,,,",
        "bytes= 0 - 9",
        "bytes=0x10-0x20",
        "bytes=-1e10",
        "bytes=1-0,0-1",
        "items=0-1",
        "bytes=0-9;bytes=10-19",
        "bytes=%30-%39",
    ]
    .map(String::from)
    .to_vec();
    out.push(format!("bytes={}", vec!["0-"; 500].join(",")));
    out.push(format!("bytes={}", vec!["0-999999999"; 300].join(",")));
    out.push(format!("bytes={}", vec!["-1"; 400].join(",")));
    let tiny: Vec<String> = (0..1000).map(|i| format!("{0}-{0}", i * 2)).collect();
    out.push(format!("bytes={}", tiny.join(",")));
    let stairs: Vec<String> = (0..300).map(|i| format!("{}-{}", i, i + 5000)).collect();
    out.push(format!("bytes={}", stairs.join(",")));
    let inverted: Vec<String> = (0..300).map(|i| format!("{}-{}", 300 - i, i)).collect();
    out.push(format!("bytes={}", inverted.join(",")));
    out
}

/// A server with one prepared film: the paths that serve ranges, with their full lengths.
async fn ranged_paths(app: &TestApp) -> Vec<(String, usize)> {
    app.synth_clip("范围.mp4", 4.0).await;
    app.scan(&app.library.clone()).await;
    assert_eq!(crate::prepare::prepare_all(app).await, 1);
    let film = app
        .app
        .catalog
        .films()
        .expect("films")
        .remove(0)
        .id
        .to_string();
    let (base, segments) = media_playlist(app, &app.client(), &film).await;
    let mut out = Vec::new();
    for path in [
        format!("/media/{film}/original"),
        format!("/media/{film}/tv.mp4"),
        format!("{base}/{}", segments[0].0),
        format!("/media/{film}/thumb.jpg"),
    ] {
        let whole = app.client().get(app.url(&path)).send().await.expect("get");
        assert_eq!(whole.status(), 200, "{path}");
        out.push((path, whole.bytes().await.expect("body").len()));
    }
    out
}

#[tokio::test]
async fn hostile_ranges_on_every_ranged_route_get_a_bounded_answer_and_no_500() {
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let paths = ranged_paths(&app).await;
    let mut failures = Vec::new();
    let mut cases = 0;
    for (path, _) in &paths[..3] {
        let control = raw::request(&addr, "GET", path, &["Range: bytes=0-9".into()]).await;
        let control = control.expect("answer");
        assert_eq!((control.status, control.body.len()), (206, 10), "{path}");
    }
    for (path, len) in &paths {
        for range in ranges() {
            cases += 1;
            let shown = &range[..range.len().min(60)];
            let Some(a) = raw::request(&addr, "GET", path, &[format!("Range: {range}")]).await
            else {
                failures.push(format!("{path} {shown}: no answer"));
                continue;
            };
            if ![200, 206, 416, 400, 431].contains(&a.status) {
                failures.push(format!("{path} {shown}: {}", a.status));
            }
            // The whole file, or a multipart of at most the file, plus headers per part.
            if a.body.len() > len + 64 * 1024 {
                failures.push(format!(
                    "{path} {shown}: {} bytes for a file of {len}",
                    a.body.len()
                ));
            }
        }
    }
    eprintln!("{cases} hostile range cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let health = raw::request(&addr, "GET", "/healthz", &[])
        .await
        .expect("health");
    assert_eq!(health.status, 200);
}

/// Oversized or malformed requests, as raw bytes.
fn oversized(host: &str) -> Vec<(&'static str, Vec<u8>)> {
    let head =
        |extra: &str| format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n").into_bytes();
    let post = |extra: &str, body: &[u8]| {
        let mut b = format!(
            "POST /api/v1/session HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}\r\n"
        )
        .into_bytes();
        b.extend_from_slice(body);
        b
    };
    let many: String = (0..10_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let big_json = format!(
        "{{\"name\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(10 << 20)
    );
    vec![
        (
            "a 1 MiB path",
            format!(
                "GET /{} HTTP/1.1\r\nHost: {host}\r\n\r\n",
                "a".repeat(1 << 20)
            )
            .into_bytes(),
        ),
        (
            "a 1 MiB query",
            format!(
                "GET /api/v1/films?q={} HTTP/1.1\r\nHost: {host}\r\n\r\n",
                "a".repeat(1 << 20)
            )
            .into_bytes(),
        ),
        (
            "a 256 KiB header",
            head(&format!("X-Big: {}\r\n", "a".repeat(256 << 10))),
        ),
        ("10,000 headers", head(&many)),
        (
            "a 10 MiB JSON body",
            post(
                &format!("Content-Length: {}\r\n", big_json.len()),
                big_json.as_bytes(),
            ),
        ),
        (
            "an overflowing Content-Length",
            post("Content-Length: 99999999999999999999999\r\n", b"{}"),
        ),
        (
            "a negative Content-Length",
            post("Content-Length: -1\r\n", b"{}"),
        ),
        (
            "an overflowing chunk size",
            post(
                "Transfer-Encoding: chunked\r\n",
                b"fffffffffffffffffffff\r\nx\r\n0\r\n\r\n",
            ),
        ),
        (
            "Content-Length and chunked",
            post(
                "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                b"0\r\n\r\n",
            ),
        ),
        (
            "two Content-Lengths",
            post("Content-Length: 2\r\nContent-Length: 40\r\n", b"{}"),
        ),
        (
            "a bare LF head",
            format!("GET /healthz HTTP/1.1\nHost: {host}\n\n").into_bytes(),
        ),
        ("a NUL in the head", head("X-Nul: a\0b\r\n")),
        (
            "HTTP/9.9",
            format!("GET /healthz HTTP/9.9\r\nHost: {host}\r\n\r\n").into_bytes(),
        ),
        ("garbage", vec![0xff; 4096]),
    ]
}

#[tokio::test]
async fn oversized_and_malformed_requests_get_4xx_or_a_closed_connection_never_500() {
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut failures = Vec::new();
    let cases = oversized(&addr);
    for (what, bytes) in &cases {
        if let Some(a) = raw::send(&addr, bytes).await {
            if a.status >= 500 {
                failures.push(format!("{what}: {}", a.status));
            }
        }
        let health = raw::request(&addr, "GET", "/healthz", &[]).await;
        if health.map(|h| h.status) != Some(200) {
            failures.push(format!("after {what}: /healthz did not answer 200"));
        }
    }
    eprintln!("{} oversized or malformed requests", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Opens a connection that sends a request head one byte every 200 ms and never ends it.
async fn slowloris(addr: String) {
    let Ok(mut s) = TcpStream::connect(&addr).await else {
        return;
    };
    let head = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ");
    if s.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    for _ in 0..600 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if s.write_all(b"a").await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn while_three_hundred_connections_dribble_their_headers_a_normal_request_is_served() {
    let app = spawn_app_with(|_| {}).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let dribblers: Vec<_> = (0..300)
        .map(|_| tokio::spawn(slowloris(addr.clone())))
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Five normal requests while they dribble, each given 5 s: a liveness bound, not a
    // speed figure.
    for i in 0..5 {
        let res = tokio::time::timeout(
            Duration::from_secs(5),
            app.client().get(app.url("/api/v1/films")).send(),
        )
        .await;
        let res =
            res.unwrap_or_else(|_| panic!("request {i} not served while 300 connections dribble"));
        assert_eq!(res.expect("answer").status(), 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // And the server lets the dribblers go (its head timeout) rather than keeping them.
    let gone = tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join_all(dribblers),
    )
    .await;
    assert!(
        gone.is_ok(),
        "the dribbling connections were still open after 60 s"
    );
}
