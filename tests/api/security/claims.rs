//! What a request claims about itself gains nothing. Proxy headers (`X-Forwarded-For`,
//! `X-Real-IP`, `Forwarded` and their cousins) naming a station's registered address, from a
//! peer that is no trusted proxy, get exactly what the same request without them gets; and
//! transcode-looking query parameters (`?transcode=`, `?ffmpeg=`, `-i`, `?vcodec=`,
//! `?url=file:`, `?url=http://127.0.0.1:PORT`) on the media routes are ignored — the same
//! bytes as without them — or refused, never passed on: a listener the test opens sees no
//! connection.

use std::net::TcpListener;

use dianjiao::accounts::Role;

use super::raw;
use crate::support::{spawn_app_with, TestApp};

/// The address registered to the station; the requests really come from 127.0.0.1.
const REGISTERED: &str = "192.168.9.9";

fn claims() -> Vec<Vec<String>> {
    let ip = REGISTERED;
    let one = |h: &str| vec![h.to_owned()];
    let mut out = vec![
        one(&format!("X-Forwarded-For: {ip}")),
        one(&format!("X-Forwarded-For: {ip}, {ip}")),
        one(&format!("X-Forwarded-For: 127.0.0.1, {ip}")),
        one(&format!("X-Real-IP: {ip}")),
        one(&format!("Forwarded: for={ip}")),
        one(&format!(
            "Forwarded: for=\"{ip}:4711\";proto=http;by=127.0.0.1"
        )),
        one(&format!("Forwarded: for=\"[::ffff:{ip}]\"")),
        one(&format!("X-Client-IP: {ip}")),
        one(&format!("Client-IP: {ip}")),
        one(&format!("True-Client-IP: {ip}")),
        one(&format!("CF-Connecting-IP: {ip}")),
        one(&format!("X-Cluster-Client-IP: {ip}")),
        one(&format!("X-Originating-IP: {ip}")),
        one(&format!("X-Forwarded-Host: {ip}")),
        one(&format!("X-Forwarded-For: ::ffff:{ip}")),
    ];
    out.push(out.iter().flatten().cloned().collect());
    out
}

async fn app_with_film(anonymous_viewers: bool) -> (TestApp, String, String) {
    app_with(anonymous_viewers, false).await
}

/// `proxied`: 127.0.0.1 is a trusted proxy (the control: there a claim counts).
async fn app_with(anonymous_viewers: bool, proxied: bool) -> (TestApp, String, String) {
    let app = spawn_app_with(|s| {
        s.anonymous_viewers = anonymous_viewers;
        s.dlna = true;
        if proxied {
            s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        }
    })
    .await;
    app.synth_clip("声明.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    assert_eq!(crate::prepare::prepare_all(&app).await, 1);
    let film = app
        .app
        .catalog
        .films()
        .expect("films")
        .remove(0)
        .id
        .to_string();
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station, _) = crate::support::plays::station_with_roster(&app, &admin, "CLM").await;
    let path = format!("/api/v1/stations/{station}/addresses");
    let res = admin
        .post(app.url(&path))
        .json(&serde_json::json!({ "address": REGISTERED }))
        .send()
        .await
        .expect("address");
    assert_eq!(res.status(), 201);
    (app, film, station)
}

#[tokio::test]
async fn proxy_headers_naming_a_registered_address_gain_nothing() {
    let mut cases = 0;
    let mut failures = Vec::new();
    for anonymous_viewers in [false, true] {
        let (app, film, station) = app_with_film(anonymous_viewers).await;
        let addr = app.base.trim_start_matches("http://").to_owned();
        let paths = [
            format!("/media/{film}/original"),
            format!("/media/{film}/tv.mp4"),
            format!("/media/{film}/thumb.jpg"),
            format!("/hls/{film}/master.m3u8"),
            "/api/v1/films".into(),
            "/api/v1/tv/home".into(),
            "/api/v1/device".into(),
            "/api/v1/renderers".into(),
            format!("/api/v1/stations/{station}/renderers"),
            "/api/v1/plays/unregistered".into(),
            "/api/v1/ledger".into(),
            "/metrics".into(),
        ];
        for path in &paths {
            let plain = raw::request(&addr, "GET", path, &[]).await.expect("answer");
            for claim in claims() {
                cases += 1;
                let a = raw::request(&addr, "GET", path, &claim)
                    .await
                    .expect("answer");
                if a.status != plain.status {
                    failures.push(format!(
                        "anonymous_viewers={anonymous_viewers} {path} {claim:?}: {} instead of {}",
                        a.status, plain.status
                    ));
                }
            }
        }
        // Nor does a claimed address make the loopback client's reads a station's showing.
        let reads = app.app.plays.clone();
        let unregistered = tokio::task::spawn_blocking(move || reads.unregistered());
        let seen = format!("{:?}", unregistered.await.expect("join"));
        assert!(!seen.contains(REGISTERED), "{seen}");
    }
    eprintln!("{cases} proxy-header cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_control_a_trusted_proxys_forwarded_for_does_count() {
    let (app, film, _) = app_with(false, true).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let path = format!("/media/{film}/original");
    let plain = raw::request(&addr, "GET", &path, &[])
        .await
        .expect("answer");
    let claim = [format!("X-Forwarded-For: {REGISTERED}")];
    let claimed = raw::request(&addr, "GET", &path, &claim)
        .await
        .expect("answer");
    assert_ne!(plain.status, 200, "an unregistered viewer is refused");
    assert_eq!(
        claimed.status, 200,
        "the registered address, through the proxy, plays"
    );
}

#[tokio::test]
async fn transcode_looking_query_parameters_are_ignored_or_refused_and_never_passed_on() {
    let (app, film, _) = app_with_film(true).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let queries = [
        "transcode=1".to_owned(),
        "transcode=h264&container=concat".into(),
        "ffmpeg=-i%20%2fetc%2fpasswd".into(),
        "-i=%2fetc%2fpasswd".into(),
        "-i%20%2fetc%2fpasswd".into(),
        "vcodec=libx264&acodec=aac&vf=movie%3d%2fetc%2fpasswd".into(),
        "url=file%3a%2f%2f%2fetc%2fpasswd".into(),
        "url=file:/etc/passwd".into(),
        format!("url=http%3a%2f%2f127.0.0.1%3a{port}%2fx.m3u8"),
        format!("url=http://127.0.0.1:{port}/x.m3u8"),
        "format=hls&protocol_whitelist=file,http,tcp".into(),
        "input=concat:%2fetc%2fpasswd".into(),
        "ss=10&t=5&to=20".into(),
        "args=-f%20concat%20-safe%200".into(),
        "filter_complex=movie%3d%2fetc%2fpasswd".into(),
        "rung=..%2f..%2f..%2fledger".into(),
    ];
    let paths = [
        format!("/media/{film}/original"),
        format!("/media/{film}/tv.mp4"),
        format!("/media/{film}/thumb.jpg"),
        format!("/hls/{film}/master.m3u8"),
    ];
    let mut failures = Vec::new();
    for path in &paths {
        let plain = raw::request(&addr, "GET", path, &[]).await.expect("answer");
        assert_eq!(plain.status, 200, "{path}");
        for q in &queries {
            let target = format!("{path}?{q}");
            let a = raw::request(&addr, "GET", &target, &[])
                .await
                .expect("answer");
            let same = a.status == 200 && a.body == plain.body;
            if !(same || a.status == 400) {
                failures.push(format!(
                    "{target}: {} with {} bytes",
                    a.status,
                    a.body.len()
                ));
            }
        }
    }
    eprintln!("{} query cases", paths.len() * queries.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        listener.accept().is_err(),
        "a query parameter made the server connect to 127.0.0.1:{port}"
    );
}
