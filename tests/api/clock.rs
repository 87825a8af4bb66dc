//! Clock faults, black-box: the real server on a scripted wall clock and boot-time counter.
//! A power cut that boots the machine in 2000, a clock that leaps to 2041, and the clock set
//! right again — showings stay in order and in 2026, the entries made meanwhile carry
//! `clock_suspect`, the reports put nothing in 2000 or 2041, and the office's checks say so
//! in words until the clock is right.

use dianjiao::accounts::Role;
use serde_json::{json, Value};
use time::macros::datetime;

use crate::support::clock::TestClock;
use crate::support::plays::{paired_tv, station_with_roster, viewings};
use crate::support::{spawn_app_on_clock, TestApp};

/// A 40 s showing by the paired TV: start, two heartbeats, end; returns the record.
async fn showing(app: &TestApp, tv: &reqwest::Client, clock: &TestClock, film: &str) -> Value {
    let (status, play) = app
        .post_json(tv, "/api/v1/plays", json!({ "film_id": film }))
        .await;
    assert_eq!(status, 201, "{play}");
    let play = play["play_id"].as_str().expect("play_id").to_owned();
    for pos in [20.0, 40.0] {
        clock.pass(20.0);
        let path = format!("/api/v1/plays/{play}/heartbeat");
        let (status, body) = app.post_json(tv, &path, json!({ "position_s": pos })).await;
        assert_eq!(status, 200, "{body}");
    }
    let path = format!("/api/v1/plays/{play}/end");
    let (status, record) = app
        .post_json(tv, &path, json!({ "position_s": 40.0 }))
        .await;
    assert_eq!(status, 200, "{record}");
    clock.pass(60.0);
    record
}

/// The office's `clock` check (the dashboard's 系统自检 card shows it), after checking that
/// `/metrics` agrees.
async fn clock_check(app: &TestApp, admin: &reqwest::Client) -> Value {
    let check = doctor_clock(app, admin).await;
    let metrics = admin
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    let metrics = metrics.text().await.expect("text");
    let gauge = if check["status"] == "ok" { 0 } else { 1 };
    assert!(
        metrics.contains(&format!("dianjiao_clock_suspect {gauge}")),
        "{check} {metrics}"
    );
    check
}

async fn doctor_clock(app: &TestApp, admin: &reqwest::Client) -> Value {
    let report = app.get_json_as(admin, "/api/v1/doctor").await;
    let checks = report["checks"].as_array().expect("checks");
    checks
        .iter()
        .find(|c| c["id"] == "clock")
        .cloned()
        .unwrap_or_else(|| panic!("no clock check in {report}"))
}

async fn showings_in(app: &TestApp, clerk: &reqwest::Client, year: i32) -> u64 {
    let m = app
        .get_json_as(clerk, &format!("/api/v1/reports/monthly?year={year}"))
        .await;
    let rows = m["rows"].as_array().expect("rows");
    rows.iter()
        .flat_map(|r| r["months"].as_array().cloned().unwrap_or_default())
        .map(|c| c["showings"].as_u64().unwrap_or(0))
        .sum()
}

#[tokio::test]
async fn a_clock_reset_to_2000_or_leaping_to_2041_writes_no_misdated_showing_and_says_so() {
    let clock = TestClock::at(datetime!(2026-03-10 02:00 UTC));
    let app = spawn_app_on_clock(clock.ledger_clock(), |s| s.play_min_secs = 5).await;
    app.synth_clip("党课.mp4", 60.0).await;
    app.scan(&app.library.clone()).await;
    let film = app.get_json("/api/v1/films").await["items"][0]["id"]
        .as_str()
        .expect("film")
        .to_owned();
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let (station, _) = station_with_roster(&app, &admin, "QLC").await;
    let tv = paired_tv(&app, &admin, &station).await;

    let right = showing(&app, &tv, &clock, &film).await;
    assert!(right.get("clock_suspect").is_none(), "{right}");
    assert_eq!(clock_check(&app, &admin).await["status"], "ok");

    // The power cut: the machine comes back in 2000.
    clock.set(datetime!(2000-01-01 00:00:05 UTC));
    let behind = showing(&app, &tv, &clock, &film).await;
    let check = clock_check(&app, &admin).await;
    assert_eq!(check["status"], "action", "{check}");
    let summary = check["summary"].as_str().expect("summary");
    assert!(summary.starts_with("时钟可能不准"), "{summary}");
    assert!(summary.contains("2000-01-01"), "{summary}");

    // Set right (NTP, or the clerk): trusted again.
    clock.set(datetime!(2026-03-10 06:00 UTC));
    let after = showing(&app, &tv, &clock, &film).await;
    assert_eq!(clock_check(&app, &admin).await["status"], "ok");

    // A minute later the clock says 2041.
    clock.set(datetime!(2041-07-01 08:00 UTC));
    let ahead = showing(&app, &tv, &clock, &film).await;
    let check = clock_check(&app, &admin).await;
    assert_eq!(check["status"], "action", "{check}");
    assert!(
        check["summary"].as_str().unwrap().contains("2041"),
        "{check}"
    );

    let records = viewings(&app, &clerk).await;
    assert_eq!(records.len(), 4, "{records:?}");
    let ats: Vec<&str> = records.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(
        ats.windows(2).all(|w| w[0] <= w[1]),
        "out of order: {ats:?}"
    );
    for (entry, record, fault) in [
        (&records[0], &right, None),
        (&records[1], &behind, Some("behind")),
        (&records[2], &after, None),
        (&records[3], &ahead, Some("ahead")),
    ] {
        let p = &entry["payload"];
        assert_eq!(p["play_id"], record["play_id"]);
        assert_eq!(p["clock_suspect"]["fault"].as_str(), fault, "{entry}");
        for field in ["started_at", "ended_at"] {
            let t = p[field].as_str().expect(field);
            assert!(t.starts_with("2026-03-10"), "{field} {t} in {entry}");
        }
        assert!(
            entry["at"].as_str().unwrap().starts_with("2026-03-10"),
            "{entry}"
        );
        assert!(p["watched_s"].as_u64().unwrap() >= 5, "{entry}");
    }
    assert_eq!(
        records[1]["payload"]["clock_suspect"]["system_at"]
            .as_str()
            .map(|s| &s[..4]),
        Some("2000")
    );
    assert_eq!(showings_in(&app, &clerk, 2026).await, 4);
    assert_eq!(showings_in(&app, &clerk, 2000).await, 0);
    assert_eq!(showings_in(&app, &clerk, 2041).await, 0);
}
