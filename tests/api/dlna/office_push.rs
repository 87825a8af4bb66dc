//! "在站点电视上播放" from the office: in Debian's Chromium (`tests/browser/office-push.mjs`)
//! run inside the server's network namespace against the real `dianjiao serve --demo`, with
//! Debian's `gmediarender` as the station's TV in its own namespace, the office signs in,
//! opens a film's page, pushes the film to the station's TV, sees the TV's position advance,
//! pauses (it holds), resumes and stops; the station's page lists the TV. The ledger then
//! holds exactly one viewing, `dlna_push`, of that play. Screenshots:
//! `target/test-output/screenshots/office-push-*.png`.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use super::netns::{Lan, Netns, Renderer, ADMIN, HTTP_PORT};
use super::push::{first_episode, office, push_server, renderers_of, TV_NAME};
use crate::support::node::run_node_with;

/// A new station with the TV's address registered to it; its id.
fn station_with_the_tv(ns: &Netns) -> String {
    let body = r#"{"code":"OFC-01","name":"东村党员电教室","kind":"village"}"#;
    let (status, station) = office(ns, "POST", "/api/v1/stations", body);
    assert_eq!(status, 201, "{station}");
    let id = station["id"].as_str().expect("station id").to_owned();
    let address = json!({ "address": Lan::TV_IP }).to_string();
    let path = format!("/api/v1/stations/{id}/addresses");
    let (status, answer) = office(ns, "POST", &path, &address);
    assert_eq!(status, 201, "{answer}");
    id
}

#[test]
fn from_a_film_s_page_the_office_plays_it_on_a_station_s_tv_and_the_ledger_holds_one_push() {
    let test = "office-push";
    let Some(lan) = Lan::new(test) else { return };
    let Some(tv) = Renderer::start(&lan.tv, "lan0", TV_NAME, test) else {
        return;
    };
    let server = push_server(&lan.server);
    let station = station_with_the_tv(&lan.server);
    let film = first_episode(&lan.server);
    renderers_of(&lan.server, &station, &server, &tv);

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/screenshots");
    let job = json!({
        "user": ADMIN.0, "password": ADMIN.1, "film_id": film, "station_id": station,
        "tv_name": TV_NAME, "shots": shots,
    });
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let run = run_node_with(
        lan.server.command("node"),
        "office-push.mjs",
        &base,
        job.to_string(),
    );
    let logs = || format!("server:\n{}\ngmediarender:\n{}", server.log(), tv.log());
    if !run.success || run.result["ok"] != true {
        panic!(
            "the office's steps ({}): {}\n{}\n{}\n{}",
            run.status,
            run.result["steps"],
            run.result,
            run.stderr,
            logs()
        );
    }
    check_page(&run.result);

    // The ledger: the one pushed play, and no inferred play of the TV's own fetches.
    std::thread::sleep(Duration::from_secs(4)); // past the inferred plays' idle time
    let viewings = lan
        .server
        .peer(&["admin-viewings", &base, ADMIN.0, ADMIN.1]);
    let viewings = viewings[0].as_array().expect("viewings");
    assert_eq!(viewings.len(), 1, "{viewings:?}\n{}", logs());
    let v = &viewings[0];
    assert_eq!(v["station"], station.as_str(), "{v}");
    assert_eq!(v["payload"]["play_id"], run.result["play_id"], "{v}");
    assert_eq!(v["payload"]["source"], "dlna_push", "{v}");
    assert_eq!(v["payload"]["inferred"], false, "{v}");
    assert_eq!(v["payload"]["film_id"], film.as_str(), "{v}");
}

/// What the page showed: positions that advanced, a pause that held, a resume that went on,
/// the stop, and the TV on the station's page.
fn check_page(result: &Value) {
    let positions: Vec<f64> = result["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|p| p.as_f64().expect("seconds"))
        .collect();
    assert!(
        positions.len() >= 3 && positions.windows(2).all(|w| w[1] > w[0]),
        "the position advanced: {positions:?}"
    );
    assert!(positions.last() >= Some(&3.0), "{positions:?}");
    let held: Vec<f64> = result["held"]
        .as_array()
        .expect("held")
        .iter()
        .map(|p| p.as_f64().expect("seconds"))
        .collect();
    assert!((held[1] - held[0]).abs() < 0.6, "paused: {held:?}");
    let resumed = result["resumed_at"].as_f64().expect("resumed_at");
    assert!(resumed > held[1] + 1.0, "resumed: {resumed} after {held:?}");
    assert!(
        result["stopped"]
            .as_str()
            .is_some_and(|s| s.contains("停止")),
        "{result}"
    );
    let row = result["renderer_row"].as_array().expect("renderer_row");
    assert_eq!(row[0], TV_NAME, "{row:?}");
    assert_eq!(row[1], Lan::TV_IP, "{row:?}");
    assert_eq!(result["page_errors"], json!([]), "{result}");
}
