//! Pushing films to a TV's own renderer: Debian's `gmediarender` (GStreamer, written by
//! others) runs in the TV's namespace; the server finds it, the office lists it for the
//! station whose registered address it has.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::netns::{Lan, Netns, Renderer, Server, ADMIN, HTTP_PORT};

/// The renderer's name as the TV shows it (ASCII: gmediarender's own encoding is unsure).
const TV_NAME: &str = "Dongcun TV";

/// The demo library with DLNA on, searching for renderers every second.
fn push_server(ns: &Netns) -> Server {
    Server::start_with(
        ns,
        &["--demo"],
        &[
            ("DIANJIAO_PLAY_IDLE_SECS", "2"),
            ("DIANJIAO_PLAY_MIN_SECS", "5"),
            ("DIANJIAO_DLNA_RENDERER_SEARCH_SECS", "2"),
        ],
    )
}

/// The office calls `method path` with `body` through the server's loopback.
fn office(ns: &Netns, method: &str, path: &str, body: &str) -> (u64, Value) {
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let out = ns.peer(&["admin-call", &base, ADMIN.0, ADMIN.1, method, path, body]);
    let status = out[0]["status"].as_u64().expect("status");
    (status, out[0]["body"].clone())
}

fn register(server_ns: &Netns, tv_ip: &str) -> String {
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let out = server_ns.peer(&["admin-register", &base, ADMIN.0, ADMIN.1, tv_ip]);
    out[0].as_str().expect("station id").to_owned()
}

/// Waits (at most 30 s) until the station's renderer list is not empty.
fn renderers_of(ns: &Netns, station: &str, server: &Server, tv: &Renderer) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = office(
            ns,
            "GET",
            &format!("/api/v1/renderers?station={station}"),
            "",
        );
        assert_eq!(status, 200, "{body}");
        let list = body.as_array().expect("a list").clone();
        if !list.is_empty() {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "the renderer was not found\nserver:\n{}\ngmediarender:\n{}",
            server.log(),
            tv.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn the_office_sees_the_tv_renderer_of_a_station_by_its_registered_address() {
    let test = "push-discover";
    let Some(lan) = Lan::new(test) else { return };
    let Some(tv) = Renderer::start(&lan.tv, "lan0", TV_NAME, test) else {
        return;
    };
    let server = push_server(&lan.server);
    let station = register(&lan.server, Lan::TV_IP);

    let list = renderers_of(&lan.server, &station, &server, &tv);
    assert_eq!(list.len(), 1, "{list:?}");
    let r = &list[0];
    assert_eq!(r["id"], format!("uuid:{}", Renderer::UUID), "{r}");
    assert_eq!(r["name"], TV_NAME, "{r}");
    assert_eq!(r["address"], Lan::TV_IP, "{r}");
    assert!(
        r["last_seen"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{r}"
    );

    // Another station has no renderers; an unknown one is not found.
    let (_, other) = office(
        &lan.server,
        "POST",
        "/api/v1/stations",
        r#"{"code":"TV-02","name":"西村","kind":"village"}"#,
    );
    let other = other["id"].as_str().expect("station id").to_owned();
    let (status, none) = office(
        &lan.server,
        "GET",
        &format!("/api/v1/renderers?station={other}"),
        "",
    );
    assert_eq!((status, none), (200, serde_json::json!([])));
    let (status, _) = office(&lan.server, "GET", "/api/v1/renderers?station=nope", "");
    assert_eq!(status, 404);
    let (status, _) = office(&lan.server, "GET", "/api/v1/renderers", "");
    assert_eq!(status, 400);
}
