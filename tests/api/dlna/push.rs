//! Pushing films to a TV's own renderer: Debian's `gmediarender` (GStreamer, written by
//! others) runs in the TV's namespace; the server finds it, the office lists it for the
//! station whose registered address it has.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::netns::{Lan, Netns, Renderer, Server, ADMIN, HTTP_PORT};

/// The renderer's name as the TV shows it (ASCII: gmediarender's own encoding is unsure).
const TV_NAME: &str = "Dongcun TV";

/// The demo library with DLNA on, searching for renderers every 2 s and polling a pushed
/// film every second (plays close after 2 s without a heartbeat).
fn push_server(ns: &Netns) -> Server {
    Server::start_with(
        ns,
        &["--demo"],
        &[
            ("DIANJIAO_PLAY_IDLE_SECS", "2"),
            ("DIANJIAO_PLAY_MIN_SECS", "5"),
            ("DIANJIAO_DLNA_RENDERER_SEARCH_SECS", "2"),
            ("DIANJIAO_DLNA_PUSH_POLL_SECS", "1"),
            // The short clips, no demo year: these tests look for the first viewing.
            ("DIANJIAO_DEMO_YEAR", "off"),
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

/// The first episode's film id (12 s), once the demo films are ready for TVs.
fn first_episode(ns: &Netns) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, films) = office(ns, "GET", "/api/v1/films?per_page=100", "");
        let found = films["items"].as_array().and_then(|items| {
            items.iter().find(|f| {
                f["title"]
                    .as_str()
                    .is_some_and(|t| t.contains("党章") && t.contains("第一集"))
                    && f["state"] == "ready"
            })
        });
        if let Some(f) = found {
            return f["id"].as_str().expect("id").to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "the demo film is not ready: {films}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The play as the office sees it.
fn play_of(ns: &Netns, play: &str) -> Value {
    let (status, body) = office(ns, "GET", &format!("/api/v1/plays/{play}"), "");
    assert_eq!(status, 200, "{body}");
    body
}

/// Waits (at most 30 s) until `done` holds of the play.
fn wait_play(
    ns: &Netns,
    play: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
    logs: &dyn Fn() -> String,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let p = play_of(ns, play);
        if done(&p) {
            return p;
        }
        assert!(Instant::now() < deadline, "{what}: {p}\n{}", logs());
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_pushed_film_plays_on_the_tv_and_the_renderer_s_positions_make_one_exact_viewing() {
    let test = "push-play";
    let Some(lan) = Lan::new(test) else { return };
    let Some(tv) = Renderer::start(&lan.tv, "lan0", TV_NAME, test) else {
        return;
    };
    let server = push_server(&lan.server);
    let station = register(&lan.server, Lan::TV_IP);
    let film = first_episode(&lan.server);
    let list = renderers_of(&lan.server, &station, &server, &tv);
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let logs = || format!("server:\n{}\ngmediarender:\n{}", server.log(), tv.log());
    let path = |action: &str| format!("/api/v1/renderers/{id}/{action}");

    let (status, body) = office(
        &lan.server,
        "POST",
        &path("play"),
        &format!(r#"{{"film_id":"{film}"}}"#),
    );
    assert_eq!(status, 201, "{body}\n{}", logs());
    let play = body["play_id"].as_str().expect("play_id").to_owned();
    let p = wait_play(
        &lan.server,
        &play,
        "positions advance",
        |p| p["position_s"].as_f64() >= Some(3.0),
        &logs,
    );
    assert_eq!(
        (p["source"].as_str(), p["inferred"].as_bool()),
        (Some("dlna_push"), Some(false)),
        "{p}"
    );
    assert_eq!(p["client"], Lan::TV_IP, "{p}");

    // Paused, the reported position stays where it is.
    let (status, body) = office(&lan.server, "POST", &path("pause"), "");
    assert_eq!(status, 200, "{body}");
    std::thread::sleep(Duration::from_millis(1500));
    let held = play_of(&lan.server, &play)["position_s"]
        .as_f64()
        .expect("position");
    std::thread::sleep(Duration::from_millis(2500));
    let later = play_of(&lan.server, &play)["position_s"]
        .as_f64()
        .expect("position");
    assert!(
        (later - held).abs() < 0.6,
        "paused, yet {held} → {later}\n{}",
        logs()
    );

    // Back to the start, then on to the end: the film ends the play by itself.
    let (status, body) = office(&lan.server, "POST", &path("seek"), r#"{"position_s":0}"#);
    assert_eq!(status, 200, "{body}");
    let (status, body) = office(&lan.server, "POST", &path("resume"), "");
    assert_eq!(status, 200, "{body}");
    wait_play(
        &lan.server,
        &play,
        "the seek back",
        |p| p["position_s"].as_f64() < Some(held - 1.0),
        &logs,
    );
    let ended = wait_play(
        &lan.server,
        &play,
        "the play ends at the film's end",
        |p| p["active"] == false,
        &logs,
    );
    let last = ended["position_s"].as_f64().expect("position");
    let viewing = &ended["viewing"];
    let watched = viewing["watched_s"].as_f64().expect("watched_s");
    assert!(
        (watched - last).abs() <= 2.0,
        "watched {watched} s, the TV last said {last} s: {ended}"
    );
    assert!(last >= 10.0, "played to the end: {ended}");

    // A second push, stopped half-way: it ends where the TV stopped.
    let (status, body) = office(
        &lan.server,
        "POST",
        &path("play"),
        &format!(r#"{{"film_id":"{film}"}}"#),
    );
    assert_eq!(status, 201, "{body}\n{}", logs());
    let second = body["play_id"].as_str().expect("play_id").to_owned();
    wait_play(
        &lan.server,
        &second,
        "positions advance",
        |p| p["position_s"].as_f64() >= Some(3.0),
        &logs,
    );
    let (status, body) = office(&lan.server, "POST", &path("stop"), "");
    assert_eq!(status, 200, "{body}");
    let stopped = play_of(&lan.server, &second);
    assert_eq!(stopped["active"], false, "{stopped}");
    let (status, _) = office(&lan.server, "POST", &path("pause"), "");
    assert_eq!(status, 409, "nothing is pushed any more");

    // The ledger: the two pushed plays, and no inferred play of the TV's own fetches.
    std::thread::sleep(Duration::from_secs(4)); // past the inferred plays' idle time
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let viewings = lan
        .server
        .peer(&["admin-viewings", &base, ADMIN.0, ADMIN.1]);
    let viewings = viewings[0].as_array().expect("viewings");
    let sources: Vec<&str> = viewings
        .iter()
        .map(|v| v["payload"]["source"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        sources,
        ["dlna_push", "dlna_push"],
        "{viewings:?}\n{}",
        logs()
    );
    for v in viewings {
        assert_eq!(v["station"], station.as_str(), "{v}");
        assert_eq!(v["payload"]["inferred"], false, "{v}");
    }
}
