//! The exact record of a pushed film, the same on the LAN and in a routed village: the TV's
//! own positions make the viewing, pause, seek and stop work, and the phone's status follows.

use std::time::Duration;

use serde_json::Value;

use super::netns::{Netns, Renderer, Server, ADMIN, HTTP_PORT};
use super::push::{office, play_of, wait_play, wait_status};

/// A server with a TV renderer of `station` at `tv_ip`, to push to.
pub(super) struct Pushing<'a> {
    pub ns: &'a Netns,
    pub server: &'a Server,
    pub tv: &'a Renderer,
    /// The TV's namespace, where its own answers are read.
    pub tv_ns: &'a Netns,
    pub tv_ip: &'a str,
    pub station: &'a str,
}

impl Pushing<'_> {
    /// Pushes `film` to renderer `id` twice (played to its end with a pause and a seek, then
    /// stopped half-way): the TV's positions make two exact viewings, and nothing else.
    pub(super) fn plays_exactly(&self, id: &str, film: &str) {
        let (lan_server, server, tv, station) = (self.ns, self.server, self.tv, self.station);
        let logs = || format!("server:\n{}\ngmediarender:\n{}", server.log(), tv.log());
        let path = |action: &str| format!("/api/v1/renderers/{id}/{action}");
        let status_of = || {
            let (status, body) = office(lan_server, "GET", &path("status"), "");
            assert_eq!(status, 200, "{body}");
            body
        };
        let idle = status_of();
        assert_eq!(
            (idle["state"].as_str(), &idle["ended"]),
            (Some("idle"), &Value::Null),
            "{idle}"
        );

        let (status, body) = office(
            lan_server,
            "POST",
            &path("play"),
            &format!(r#"{{"film_id":"{film}"}}"#),
        );
        assert_eq!(status, 201, "{body}\n{}", logs());
        let play = body["play_id"].as_str().expect("play_id").to_owned();
        let p = wait_play(
            lan_server,
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
        assert_eq!(p["client"], self.tv_ip, "{p}");

        // The phone's view: playing, and the TV's position advances.
        let now = status_of();
        assert_eq!(now["state"], "playing", "{now}");
        assert_eq!(
            (&now["play_id"], &now["film_id"]),
            (&body["play_id"], &Value::from(film)),
            "{now}"
        );
        assert!(
            now["title"].as_str().is_some_and(|t| t.contains("第一集")),
            "{now}"
        );
        assert!(
            now["duration_s"].as_f64().is_some_and(|d| d > 10.0),
            "{now}"
        );
        let first_pos = now["position_s"].as_f64().expect("position");
        let advanced = wait_status(&status_of, "the status position advances", |s| {
            s["position_s"].as_f64() > Some(first_pos)
        });
        assert_eq!(advanced["state"], "playing", "{advanced}");

        // Paused, the reported position stays where it is.
        let (status, body) = office(lan_server, "POST", &path("pause"), "");
        assert_eq!(status, 200, "{body}");
        std::thread::sleep(Duration::from_millis(1500));
        let held = play_of(lan_server, &play)["position_s"]
            .as_f64()
            .expect("position");
        std::thread::sleep(Duration::from_millis(2500));
        let later = play_of(lan_server, &play)["position_s"]
            .as_f64()
            .expect("position");
        assert!(
            (later - held).abs() < 0.6,
            "paused, yet {held} → {later}\n{}",
            logs()
        );
        let paused = status_of();
        assert_eq!(
            (paused["state"].as_str(), paused["message"].as_str()),
            (Some("paused"), None),
            "{paused}"
        );

        // The volume, as the TV itself reads it back.
        for level in [37, 80] {
            let (status, body) = office(
                lan_server,
                "POST",
                &path("volume"),
                &format!(r#"{{"level":{level}}}"#),
            );
            assert_eq!(
                (status, &body["level"]),
                (200, &Value::from(level)),
                "{body}"
            );
            let location = Renderer::location(self.tv_ip);
            let said = self.tv_ns.peer(&["get-volume", &location]);
            assert_eq!(said[0], level, "the TV's own volume");
        }
        let (status, body) = office(lan_server, "POST", &path("volume"), r#"{"level":101}"#);
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("invalid")),
            "{body}"
        );

        // Back to the start, then on to the end: the film ends the play by itself.
        let (status, body) = office(lan_server, "POST", &path("seek"), r#"{"position_s":0}"#);
        assert_eq!(status, 200, "{body}");
        let (status, body) = office(lan_server, "POST", &path("resume"), "");
        assert_eq!(status, 200, "{body}");
        wait_play(
            lan_server,
            &play,
            "the seek back",
            |p| p["position_s"].as_f64() < Some(held - 1.0),
            &logs,
        );
        let ended = wait_play(
            lan_server,
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
        let after = wait_status(&status_of, "the status says the film ended", |s| {
            s["state"] == "idle"
        });
        let note = &after["ended"];
        assert_eq!(
            (note["play_id"].as_str(), note["reason"].as_str()),
            (Some(play.as_str()), Some("film_end")),
            "{after}"
        );
        assert_eq!(note["watched_s"], viewing["watched_s"], "{after}");
        assert!(
            note["message"].as_str().is_some_and(|m| m.contains("放完")),
            "{after}"
        );

        // A second push, stopped half-way: it ends where the TV stopped.
        let (status, body) = office(
            lan_server,
            "POST",
            &path("play"),
            &format!(r#"{{"film_id":"{film}"}}"#),
        );
        assert_eq!(status, 201, "{body}\n{}", logs());
        let second = body["play_id"].as_str().expect("play_id").to_owned();
        wait_play(
            lan_server,
            &second,
            "positions advance",
            |p| p["position_s"].as_f64() >= Some(3.0),
            &logs,
        );
        let (status, body) = office(lan_server, "POST", &path("stop"), "");
        assert_eq!(status, 200, "{body}");
        let stopped = play_of(lan_server, &second);
        assert_eq!(stopped["active"], false, "{stopped}");
        let after = status_of();
        assert_eq!(after["state"], "idle", "{after}");
        assert_eq!(after["play_id"], Value::Null, "{after}");
        let note = &after["ended"];
        assert_eq!(
            (note["play_id"].as_str(), note["reason"].as_str()),
            (Some(second.as_str()), Some("stopped")),
            "{after}"
        );
        assert_eq!(
            note["watched_s"], stopped["viewing"]["watched_s"],
            "{after}"
        );
        assert!(note["watched_s"].as_u64() >= Some(2), "{after}");
        let (status, _) = office(lan_server, "POST", &path("pause"), "");
        assert_eq!(status, 409, "nothing is pushed any more");

        // The ledger: the two pushed plays, and no inferred play of the TV's own fetches.
        std::thread::sleep(Duration::from_secs(4)); // past the inferred plays' idle time
        let base = format!("http://127.0.0.1:{HTTP_PORT}");
        let viewings = lan_server.peer(&["admin-viewings", &base, ADMIN.0, ADMIN.1]);
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
            assert_eq!(v["station"], station, "{v}");
            assert_eq!(v["payload"]["inferred"], false, "{v}");
        }
    }
}
