//! A TV that fails while a film is pushed to it: switched off mid-play, refusing the film
//! with a UPnP fault, answering too late. The TV is the real `gmediarender`; the faults it
//! does not make by itself come from a fault injector in front of it (`peer.py fault-proxy`,
//! a small HTTP proxy in the TV's namespace that replaces or delays one SOAP answer), which
//! the office registers by its description's location. In every case the phone gets a
//! sentence and the ledger holds no half-made entry.

use std::process::Child;

use serde_json::Value;

use super::netns::{Lan, Netns, Renderer, ADMIN, HTTP_PORT};
use super::push::{
    first_episode, office, push_server_with, register, renderers_of, wait_play, wait_status,
};

const TV_NAME: &str = "Xicun TV";

/// A fault injector in front of the TV's gmediarender, on `port` of the TV's address.
struct FaultProxy {
    child: Child,
    lines: Box<dyn Iterator<Item = Value>>,
    location: String,
}

impl FaultProxy {
    fn start(tv: &Netns, port: u16, action: &str, mode: &str, arg: &str) -> FaultProxy {
        let upstream = Renderer::location(Lan::TV_IP);
        let port_s = port.to_string();
        let args = [
            "fault-proxy",
            Lan::TV_IP,
            &port_s,
            &upstream,
            action,
            mode,
            arg,
        ];
        let (child, mut lines) = tv.spawn_peer(&args);
        assert_eq!(lines.next(), Some(Value::from("ready")));
        FaultProxy {
            child,
            lines: Box::new(lines),
            location: format!("http://{}:{port}/description.xml", Lan::TV_IP),
        }
    }

    /// Stops the proxy; the SOAP actions it saw, in order, with whether the metadata was
    /// empty.
    fn seen(mut self) -> Vec<(String, bool)> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let lines = std::mem::replace(&mut self.lines, Box::new(std::iter::empty()));
        lines
            .map(|l| {
                let action = l["action"].as_str().unwrap_or("?").to_owned();
                (action, l["empty_metadata"] == true)
            })
            .collect()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The office registers `location` for `station` → the renderer's id.
fn register_location(ns: &Netns, station: &str, location: &str) -> String {
    let (status, body) = office(
        ns,
        "POST",
        &format!("/api/v1/stations/{station}/renderers"),
        &format!(r#"{{"location":"{location}"}}"#),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["location"], location, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

/// No play is open and the ledger has no viewing.
fn nothing_logged(ns: &Netns, logs: &dyn Fn() -> String) {
    let (status, open) = office(ns, "GET", "/api/v1/plays", "");
    assert_eq!(
        (status, &open["total"]),
        (200, &Value::from(0)),
        "{open}\n{}",
        logs()
    );
    let viewings = viewings(ns);
    assert!(viewings.is_empty(), "{viewings:?}");
}

fn viewings(ns: &Netns) -> Vec<Value> {
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let out = ns.peer(&["admin-viewings", &base, ADMIN.0, ADMIN.1]);
    out[0].as_array().expect("viewings").clone()
}

fn push(ns: &Netns, renderer: &str, film: &str) -> (u64, Value) {
    office(
        ns,
        "POST",
        &format!("/api/v1/renderers/{renderer}/play"),
        &format!(r#"{{"film_id":"{film}"}}"#),
    )
}

#[test]
fn a_tv_that_refuses_the_film_or_answers_too_late_is_said_so_and_nothing_is_logged() {
    let test = "push-refuse";
    let Some(lan) = Lan::new(test) else { return };
    let Some(tv) = Renderer::start(&lan.tv, "lan0", TV_NAME, test) else {
        return;
    };
    let server = push_server_with(
        &lan.server,
        &[
            ("DIANJIAO_PLAY_IDLE_SECS", "2"),
            ("DIANJIAO_DLNA_RENDERER_COMMANDS_PER_MINUTE", "3"),
        ],
    );
    let station = register(&lan.server, Lan::TV_IP);
    let film = first_episode(&lan.server);
    renderers_of(&lan.server, &station, &server, &tv);
    let logs = || format!("server:\n{}\ngmediarender:\n{}", server.log(), tv.log());

    // A caller sends the TV at most 3 commands a minute (this test's setting).
    let volume = format!("/api/v1/renderers/uuid:{}/volume", Renderer::UUID);
    for _ in 0..3 {
        let (status, body) = office(&lan.server, "POST", &volume, r#"{"level":20}"#);
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = office(&lan.server, "POST", &volume, r#"{"level":20}"#);
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("too_many_commands")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("太频繁")),
        "{body}"
    );

    // The TV refuses the file type, with the metadata and again without.
    for (port, code, said) in [
        (49601, "714", "不支持这种文件"),
        (49602, "716", "找不到这个文件"),
    ] {
        let proxy = FaultProxy::start(&lan.tv, port, "SetAVTransportURI", "fault", code);
        let id = register_location(&lan.server, &station, &proxy.location);
        assert_eq!(id, format!("uuid:{}-fault-{port}", Renderer::UUID));
        let (status, body) = push(&lan.server, &id, &film);
        assert_eq!(status, 422, "{body}\n{}", logs());
        assert_eq!(body["error"], "renderer_refused_film", "{body}");
        let message = body["message"].as_str().expect("message");
        assert!(message.contains(said) && message.contains(code), "{body}");
        let sets: Vec<bool> = proxy
            .seen()
            .into_iter()
            .filter(|(a, _)| a == "SetAVTransportURI")
            .map(|(_, empty)| empty)
            .collect();
        assert_eq!(sets, [false, true], "with metadata, then once without");
        nothing_logged(&lan.server, &logs);
    }

    // The TV takes the film but answers after 12 s: the phone hears in time, the TV is told
    // to stop, nothing is logged.
    let proxy = FaultProxy::start(&lan.tv, 49603, "SetAVTransportURI", "delay", "12");
    let id = register_location(&lan.server, &station, &proxy.location);
    // A 504 at all shows the server did not wait for the late answer (it would have been
    // taken as a success).
    let (status, body) = push(&lan.server, &id, &film);
    assert_eq!(status, 504, "{body}\n{}", logs());
    assert_eq!(body["error"], "renderer_slow", "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("没有按时回答")),
        "{body}"
    );
    let status = office(
        &lan.server,
        "GET",
        &format!("/api/v1/renderers/{id}/status"),
        "",
    );
    assert_eq!(status.1["state"], "idle", "{status:?}");
    let upstream = Renderer::location(Lan::TV_IP);
    let state = lan.tv.peer(&["avt-state", &upstream]);
    assert!(
        matches!(state[0].as_str(), Some("STOPPED" | "NO_MEDIA_PRESENT")),
        "{state:?}"
    );
    let actions: Vec<String> = proxy.seen().into_iter().map(|(a, _)| a).collect();
    let set = actions.iter().position(|a| a == "SetAVTransportURI");
    let stop = actions.iter().rposition(|a| a == "Stop");
    assert!(
        matches!((set, stop), (Some(s), Some(t)) if t > s),
        "a Stop after the slow SetAVTransportURI: {actions:?}"
    );
    assert!(!actions.iter().any(|a| a == "Play"), "{actions:?}");
    nothing_logged(&lan.server, &logs);
}

#[test]
fn a_tv_switched_off_mid_play_ends_its_play_at_the_last_position_it_reported() {
    let test = "push-off";
    let Some(lan) = Lan::new(test) else { return };
    let Some(mut tv) = Renderer::start(&lan.tv, "lan0", TV_NAME, test) else {
        return;
    };
    // Plays close idle only after 60 s: the grace for a silent TV (6 s) ends it first.
    let server = push_server_with(
        &lan.server,
        &[
            ("DIANJIAO_PLAY_IDLE_SECS", "60"),
            ("DIANJIAO_DLNA_PUSH_GRACE_SECS", "6"),
        ],
    );
    let station = register(&lan.server, Lan::TV_IP);
    let film = first_episode(&lan.server);
    let list = renderers_of(&lan.server, &station, &server, &tv);
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let logs = || format!("server:\n{}", server.log());
    let status_of = || {
        let path = format!("/api/v1/renderers/{id}/status");
        let (status, body) = office(&lan.server, "GET", &path, "");
        assert_eq!(status, 200, "{body}");
        body
    };

    let (status, body) = push(&lan.server, &id, &film);
    assert_eq!(status, 201, "{body}\n{}", logs());
    let play = body["play_id"].as_str().expect("play_id").to_owned();
    wait_play(
        &lan.server,
        &play,
        "positions advance",
        |p| p["position_s"].as_f64() >= Some(3.0),
        &logs,
    );

    tv.kill();
    let silent = wait_status(&status_of, "the phone sees the TV gone", |s| {
        s["state"] == "unreachable"
    });
    assert_eq!(silent["play_id"], play.as_str(), "{silent}");
    assert!(
        silent["message"]
            .as_str()
            .is_some_and(|m| m.contains("没有应答")),
        "{silent}"
    );
    let last = silent["position_s"].as_f64().expect("the last position");
    assert!(last >= 3.0, "{silent}");

    let ended = wait_play(
        &lan.server,
        &play,
        "the play ends after the grace",
        |p| p["active"] == false,
        &logs,
    );
    let watched = ended["viewing"]["watched_s"].as_f64().expect("watched_s");
    assert!(
        watched <= last + 1.0 && watched >= last - 2.0,
        "watched {watched} s, the TV last said {last} s: {ended}"
    );
    let after = status_of();
    assert_eq!(after["state"], "idle", "{after}");
    let note = &after["ended"];
    assert_eq!(
        (note["play_id"].as_str(), note["reason"].as_str()),
        (Some(play.as_str()), Some("unreachable")),
        "{after}"
    );
    assert_eq!(note["watched_s"], ended["viewing"]["watched_s"], "{after}");

    let viewings = viewings(&lan.server);
    assert_eq!(viewings.len(), 1, "{viewings:?}");
    assert_eq!(viewings[0]["payload"]["play_id"], play.as_str());
    assert_eq!(viewings[0]["payload"]["source"], "dlna_push");
    drop(server);
}
