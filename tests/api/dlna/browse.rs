//! End to end with the demo library: a TV's control point finds the server, browses 按系列 →
//! 党章电视教材 → its episodes, plays the first one in byte ranges as a TV does, and the
//! ledger holds a `dlna` viewing of the station its address is registered to — credited no
//! faster than the fetches took. Also from a routed village, and with a second client.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::netns::{Lan, Routed};
use super::netns::{Netns, Server, ADMIN, HTTP_PORT};

const SERIES: &str = "党章电视教材";
const SHELF: &str = "按系列";
/// The demo's first episode is 12 s long: read in 12 ranges, one a second.
const PLAY_S: &str = "12";
/// `plays::READ_AHEAD_S`: what a player may fetch ahead of what it has shown.
const READ_AHEAD_S: f64 = 6.0;

/// The demo library served in `ns` with DLNA on; inferred plays close after 2 s idle and
/// count as a showing from 5 s.
fn demo_server(ns: &Netns) -> Server {
    Server::start_with(
        ns,
        &["--demo"],
        &[
            ("DIANJIAO_PLAY_IDLE_SECS", "2"),
            ("DIANJIAO_PLAY_MIN_SECS", "5"),
            // The short clips, no demo year: these tests look for the first viewing.
            ("DIANJIAO_DEMO_YEAR", "off"),
        ],
    )
}

/// The office registers `tv_ip` to a new station (through the server's own loopback).
fn register(server_ns: &Netns, tv_ip: &str) -> String {
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let out = server_ns.peer(&["admin-register", &base, ADMIN.0, ADMIN.1, tv_ip]);
    out[0].as_str().expect("station id").to_owned()
}

/// Waits (at most 30 s) for the first `viewing` entry, read by the office.
fn first_viewing(server_ns: &Netns, server: &Server) -> Value {
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = server_ns.peer(&["admin-viewings", &base, ADMIN.0, ADMIN.1]);
        if let Some(v) = found[0].as_array().and_then(|a| a.first()) {
            return v.clone();
        }
        assert!(Instant::now() < deadline, "no viewing:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn location_of(answer: &Value) -> String {
    let found = answer.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("location"))
            .and_then(|(_, v)| v.as_str())
    });
    found
        .unwrap_or_else(|| panic!("no LOCATION in {answer}"))
        .to_owned()
}

#[test]
fn a_tv_on_the_subnet_browses_by_series_plays_an_episode_and_the_showing_is_logged() {
    let Some(lan) = Lan::new("browse-play") else {
        return;
    };
    let server = demo_server(&lan.server);
    let station = register(&lan.server, Lan::TV_IP);

    let media_server = "urn:schemas-upnp-org:device:MediaServer:1";
    let answers = lan.tv.peer(&["search", Lan::TV_IP, media_server, "2"]);
    assert_eq!(answers.len(), 1, "{answers:?}\n{}", server.log());
    let location = location_of(&answers[0]);
    let played = lan
        .tv
        .peer(&["browse-and-play", &location, SHELF, SERIES, PLAY_S]);
    let played = &played[0];
    let episodes = played["episodes"].as_array().expect("episodes");
    assert_eq!(episodes.len(), 3, "{played}");
    assert!(
        episodes[0].as_str().expect("title").contains("第一集"),
        "episodes in episode order: {played}"
    );
    let uri = played["uri"].as_str().expect("uri");
    assert!(
        uri.starts_with(&format!("http://{}:{HTTP_PORT}/media/", Lan::SERVER_IP)),
        "{uri}"
    );
    assert!(played["protocol_info"]
        .as_str()
        .expect("pi")
        .starts_with("http-get:*:video/"));

    let v = first_viewing(&lan.server, &server);
    let p = &v["payload"];
    assert_eq!(v["station"], station.as_str(), "{v}");
    assert_eq!(
        (p["source"].as_str(), p["inferred"].as_bool()),
        (Some("dlna"), Some(true)),
        "{v}"
    );
    let watched = p["watched_s"].as_f64().expect("watched");
    let took = played["took_s"].as_f64().expect("took");
    assert!(
        watched <= took + READ_AHEAD_S,
        "credited {watched} s for fetches that took {took} s"
    );
    assert!(watched >= 10.0, "the episode played through: {v}");
    assert_eq!(p["status"], "showing", "{v}");
}

#[test]
fn a_routed_village_tv_hears_of_the_server_and_upnpclient_browses_it_to_the_episodes() {
    let Some(net) = Routed::new("browse-routed") else {
        return;
    };
    let server = demo_server(&net.server);
    let (mut listener, mut heard) = net.tv.spawn_peer(&["listen", Routed::TV_IP, "60"]);
    assert_eq!(heard.next(), Some("ready".into()));
    register(&net.server, Routed::TV_IP);
    let alive = heard
        .next()
        .unwrap_or_else(|| panic!("no alive reached the TV\n{}", server.log()));
    let _ = listener.wait();
    let location = location_of(&alive);

    // A second control point with its own description and SOAP code, same episodes.
    let titles = net
        .tv
        .peer(&["upnpclient-browse", &location, SHELF, SERIES]);
    let titles = titles[0].as_array().expect("titles");
    assert_eq!(titles.len(), 3, "{titles:?}\n{}", server.log());
    assert!(
        titles[0].as_str().expect("title").contains("第一集"),
        "{titles:?}"
    );
}

#[test]
fn upnpclient_discovers_the_server_and_browses_it_to_the_same_episodes() {
    let Some(lan) = Lan::new("browse-upnpclient") else {
        return;
    };
    let server = demo_server(&lan.server);
    let found = lan.tv.peer(&["upnpclient-discover", "3"]);
    let devices = found[0].as_array().expect("devices");
    let ours = devices
        .iter()
        .find(|d| d["device_type"] == "urn:schemas-upnp-org:device:MediaServer:1")
        .unwrap_or_else(|| panic!("not discovered: {found:?}\n{}", server.log()));
    let location = ours["location"].as_str().expect("location");
    let titles = lan.tv.peer(&["upnpclient-browse", location, SHELF, SERIES]);
    let titles = titles[0].as_array().expect("titles");
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(
        titles[0].as_str().expect("title").contains("第一集"),
        "{titles:?}"
    );
}
