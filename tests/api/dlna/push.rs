//! Pushing films to a TV's own renderer: Debian's `gmediarender` (GStreamer, written by
//! others) runs in the TV's namespace; the server finds it, the office lists it for the
//! station whose registered address it has.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::exact::Pushing;
use super::netns::{Lan, Netns, Renderer, Server, ADMIN, HTTP_PORT};

/// The renderer's name as the TV shows it (ASCII: gmediarender's own encoding is unsure).
pub(super) const TV_NAME: &str = "Dongcun TV";

/// The demo library with DLNA on, searching for renderers every 2 s and polling a pushed
/// film every second (plays close after 2 s without a heartbeat).
pub(super) fn push_server(ns: &Netns) -> Server {
    push_server_with(ns, &[("DIANJIAO_PLAY_IDLE_SECS", "2")])
}

/// [`push_server`] with other settings (`env` first: its keys win).
pub(super) fn push_server_with(ns: &Netns, env: &[(&str, &str)]) -> Server {
    let defaults = [
        ("DIANJIAO_PLAY_MIN_SECS", "5"),
        ("DIANJIAO_DLNA_RENDERER_SEARCH_SECS", "2"),
        ("DIANJIAO_DLNA_PUSH_POLL_SECS", "1"),
        // The short clips, no demo year: these tests look for the first viewing.
        ("DIANJIAO_DEMO_YEAR", "off"),
    ];
    let mut all: Vec<(&str, &str)> = env.to_vec();
    all.extend(
        defaults
            .iter()
            .filter(|(k, _)| !env.iter().any(|(e, _)| e == k)),
    );
    Server::start_with(ns, &["--demo"], &all)
}

/// The office calls `method path` with `body` through the server's loopback.
pub(super) fn office(ns: &Netns, method: &str, path: &str, body: &str) -> (u64, Value) {
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let out = ns.peer(&["admin-call", &base, ADMIN.0, ADMIN.1, method, path, body]);
    let status = out[0]["status"].as_u64().expect("status");
    (status, out[0]["body"].clone())
}

pub(super) fn register(server_ns: &Netns, tv_ip: &str) -> String {
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let out = server_ns.peer(&["admin-register", &base, ADMIN.0, ADMIN.1, tv_ip]);
    out[0].as_str().expect("station id").to_owned()
}

/// Waits (at most 30 s) until the station's renderer list is not empty.
pub(super) fn renderers_of(
    ns: &Netns,
    station: &str,
    server: &Server,
    tv: &Renderer,
) -> Vec<Value> {
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
pub(super) fn first_episode(ns: &Netns) -> String {
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
pub(super) fn play_of(ns: &Netns, play: &str) -> Value {
    let (status, body) = office(ns, "GET", &format!("/api/v1/plays/{play}"), "");
    assert_eq!(status, 200, "{body}");
    body
}

/// Waits (at most 30 s) until `done` holds of the play.
pub(super) fn wait_play(
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

/// Waits (at most 30 s) until `done` holds of the renderer's status.
pub(super) fn wait_status(
    status_of: &dyn Fn() -> Value,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = status_of();
        if done(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "{what}: {s}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_pushed_film_plays_on_the_tv_and_the_renderer_s_positions_make_one_exact_viewing() {
    let test = "push-play";
    let Some(lan) = Lan::new(test) else { return };
    let Some(mut tv) = Renderer::start(&lan.tv, "lan0", TV_NAME, test) else {
        return;
    };
    let server = push_server(&lan.server);
    let station = register(&lan.server, Lan::TV_IP);
    let film = first_episode(&lan.server);
    let list = renderers_of(&lan.server, &station, &server, &tv);
    let id = list[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        (&list[0]["last_used"], &list[0]["present"]),
        (&Value::Null, &Value::Bool(true)),
        "{list:?}"
    );
    let setup = Pushing {
        ns: &lan.server,
        server: &server,
        tv: &tv,
        tv_ns: &lan.tv,
        tv_ip: Lan::TV_IP,
        station: &station,
    };
    setup.plays_exactly(&id, &film);

    // After a restart, with the TV switched off, the office still sees the station's TV and
    // when a film was last pushed to it (not pushable until it is seen again).
    let listed = |station: &str| {
        let path = format!("/api/v1/renderers?station={station}");
        let (status, body) = office(&lan.server, "GET", &path, "");
        assert_eq!(status, 200, "{body}");
        body.as_array().expect("a list").clone()
    };
    let used = listed(&station)[0]["last_used"].clone();
    assert!(used.as_str().is_some_and(|t| t.ends_with('Z')), "{used}");
    tv.kill();
    let server = server.restart(&lan.server);
    let after = listed(&station);
    assert_eq!(after.len(), 1, "{after:?}\n{}", server.log());
    let r = &after[0];
    assert_eq!(
        (r["id"].as_str(), &r["name"]),
        (Some(id.as_str()), &Value::from(TV_NAME)),
        "{r}"
    );
    assert_eq!(
        (&r["last_used"], &r["present"]),
        (&used, &Value::Bool(false)),
        "{r}"
    );
    let (status, _) = office(
        &lan.server,
        "POST",
        &format!("/api/v1/renderers/{id}/play"),
        &format!(r#"{{"film_id":"{film}"}}"#),
    );
    assert_eq!(
        status, 404,
        "a TV not seen since the restart is not pushed to"
    );
}
