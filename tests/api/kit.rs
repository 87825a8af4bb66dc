//! The pastoral field kit end to end: a clerk makes a kit for a pastoral station in the
//! office; its page, opened from the kit's folder in Chromium (`file://`, no server), plays a
//! film, signs two members in, notes a discussion, times a 10-minute teaching session on the
//! page's scripted clock and exports the records (`tests/browser/kit.mjs`); back at the
//! township (the server's clock an hour on) the import lands them as field records, the
//! registers mark them 离线记录 and the 30-hour figure counts them; an edited export is refused
//! naming the record; a repeated import adds nothing.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use dianjiao::ledger::LedgerClock;
use serde_json::{json, Value};

use crate::prepare::prepare_all;
use crate::support::node::run_node;
use crate::support::plays::entries_of;
use crate::support::{spawn_app_on_clock, TestApp, PASSWORD};

/// A server whose clock runs `offset` seconds ahead of the system's.
async fn app_on_clock(offset: Arc<AtomicI64>) -> TestApp {
    let clock = LedgerClock::scripted(move || {
        time::OffsetDateTime::now_utc() + time::Duration::seconds(offset.load(Ordering::SeqCst))
    });
    spawn_app_on_clock(clock, |s| s.play_min_secs = 2).await
}

/// A pastoral station with two members; (station id, member ids).
async fn pastoral_station(app: &TestApp, admin: &reqwest::Client) -> (String, Vec<String>) {
    let body = json!({"code": "MY-01", "name": "夏季牧场", "kind": "pastoral"});
    let (status, station) = app.post_json(admin, "/api/v1/stations", body).await;
    assert_eq!(status, 201, "{station}");
    let id = station["id"].as_str().expect("id").to_owned();
    let mut members = Vec::new();
    for (name, no) in [("巴特尔", "D-001"), ("其其格", "D-002")] {
        let path = format!("/api/v1/stations/{id}/members");
        let (status, m) = app
            .post_json(admin, &path, json!({"name": name, "member_no": no}))
            .await;
        assert_eq!(status, 201, "{m}");
        members.push(m["id"].as_str().expect("member id").to_owned());
    }
    (id, members)
}

/// Runs `tests/browser/kit.mjs` in `mode` with `config` (plus the mode and the clerk's
/// account); returns its JSON line after checking it passed.
async fn kit_page(app: &TestApp, mode: &str, mut config: Value) -> Value {
    config["mode"] = json!(mode);
    config["user"] = json!("clerk");
    config["password"] = json!(PASSWORD);
    let run = run_node("kit.mjs", &app.base, config.to_string()).await;
    assert!(
        run.success,
        "kit.mjs {mode} failed: {}\n{}",
        run.result, run.stderr
    );
    run.result
}

async fn import(app: &TestApp, clerk: &reqwest::Client, bytes: Vec<u8>) -> (u16, Value) {
    let res = clerk
        .post(app.url("/api/v1/kits/import"))
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .expect("import");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The register `which` out of a `registers/all` answer.
fn register<'a>(all: &'a Value, which: &str) -> &'a Value {
    all["registers"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["register"] == which))
        .unwrap_or_else(|| panic!("no {which} register in {all}"))
}

/// Every row is marked as recorded offline.
fn all_offline(rows: &[Value]) -> bool {
    rows.iter().all(|r| {
        r["offline"] == true
            && r["marks"].as_array().is_some_and(|m| {
                m.iter()
                    .any(|m| m.as_str().is_some_and(|m| m.contains("离线记录")))
            })
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kit_page_records_in_the_field_and_the_import_lands_verified_field_records() {
    let offset = Arc::new(AtomicI64::new(0));
    let app = app_on_clock(offset.clone()).await;
    app.synth_clip("草原上的党课.mp4", 12.0).await;
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(&app).await, 1);
    let films = app.get_json("/api/v1/films").await;
    let film = films["items"][0]["id"].as_str().expect("film").to_owned();
    let admin = app
        .signed_in("admin", dianjiao::accounts::Role::Admin)
        .await;
    let clerk = app
        .signed_in("clerk", dianjiao::accounts::Role::Clerk)
        .await;
    let (station, members) = pastoral_station(&app, &admin).await;

    // In the office: 制作牧区放映包 with the film chosen, followed to the end.
    let made = kit_page(
        &app,
        "make",
        json!({"station_id": station, "film_id": film}),
    )
    .await;
    let folder = std::path::PathBuf::from(made["folder"].as_str().expect("folder"));
    let kits = app.get_json_as(&clerk, "/api/v1/kits").await;
    assert_eq!(kits["kits"][0]["folder"], made["folder"], "{kits}");
    let kit_id = kits["kits"][0]["kit_id"]
        .as_str()
        .expect("kit id")
        .to_owned();
    let stored = app
        .app
        .kits
        .get(&kit_id)
        .expect("read")
        .expect("kit stored");
    let manifest = stored.manifest().expect("manifest");
    let made_at = time::OffsetDateTime::parse(
        &manifest.made_at,
        &time::format_description::well_known::Rfc3339,
    )
    .expect("made_at");
    assert!(
        folder.starts_with(app.app.settings.data.join("kits")),
        "{folder:?}"
    );
    assert!(folder.join("films").join(format!("{film}.mp4")).is_file());

    // In the field: the page from the kit's folder, its clock a few seconds after the making.
    let export = app.data.path().join("kit-export.json");
    let config = json!({
        "page": folder.join(dianjiao::kit::PAGE_FILE),
        "clock_start_ms": (made_at.unix_timestamp() + 5) * 1000,
        "film_id": film, "member_ids": members, "out": export,
        "shot": std::env::var("DIANJIAO_KIT_SHOT").ok(),
    });
    let run = kit_page(&app, "field", config).await;
    assert!(
        run["current_time_s"].as_f64().expect("played") > 2.5,
        "{run}"
    );
    let bytes = std::fs::read(&export).expect("the export was saved");

    // Home again an hour later: the import lands 2 sign-ins, the showing, the discussion
    // and the session, each as its own entry, and one entry for the import.
    offset.store(3600, Ordering::SeqCst);
    let before = app.app.ledger.len();
    let imported = kit_page(&app, "import", json!({"out": export})).await;
    assert!(
        imported["imported"]
            .as_str()
            .expect("sentence")
            .contains("新记入台账 5 条"),
        "{imported}"
    );
    assert_eq!(app.app.ledger.len(), before + 6);
    let viewings = entries_of(&app, &clerk, "viewing").await;
    let v = &viewings.last().expect("a field viewing")["payload"];
    assert_eq!(
        (v["source"].as_str(), v["origin"].as_str()),
        (Some("field_kit"), Some("field_kit")),
        "{v}"
    );
    assert_eq!(v["signins"], 2, "{v}");
    assert_eq!(v["status"], "showing", "{v}");
    let watched_s = v["watched_s"].as_u64().expect("watched_s");
    assert!(watched_s >= 2, "{v}");
    let signins = entries_of(&app, &clerk, "signin").await;
    assert_eq!(signins.len(), 2);
    assert!(signins
        .iter()
        .all(|s| s["payload"]["late"] == false && s["payload"]["origin"] == "field_kit"));
    let sessions = entries_of(&app, &clerk, "pastoral_session").await;
    let hours = sessions[0]["payload"]["hours"].as_f64().expect("hours");
    assert!(
        (hours * 60.0 - 10.0).abs() < 0.05,
        "a 10-minute session is {hours} h"
    );
    assert_eq!(sessions[0]["payload"]["late"], false);

    // The registers say 离线记录; the 30-hour figure counts session + showing.
    let date = sessions[0]["payload"]["showing_date"]
        .as_str()
        .expect("date")
        .to_owned();
    let year: i32 = date[..4].parse().expect("year");
    let path = format!("/api/v1/reports/registers/all?station={station}&from={date}&to={date}");
    let all = app.get_json_as(&clerk, &path).await;
    let viewing_reg = register(&all, "viewing");
    let rows = viewing_reg["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "the showing and the session: {viewing_reg}");
    assert!(all_offline(rows), "{viewing_reg}");
    let signin_rows = register(&all, "signin")["rows"]
        .as_array()
        .expect("rows")
        .clone();
    assert_eq!(signin_rows.len(), 2);
    assert!(all_offline(&signin_rows), "{all}");
    let expected = hours + watched_s as f64 / 3600.0;
    let total = viewing_reg["totals"]["pastoral_hours"]
        .as_f64()
        .expect("register hours");
    assert!(
        (total - expected).abs() < 1e-6,
        "register {total} h, expected {expected} h"
    );
    let yearly = app
        .get_json_as(&clerk, &format!("/api/v1/reports/yearly?year={year}"))
        .await;
    let row = yearly["stations"]
        .as_array()
        .expect("stations")
        .iter()
        .find(|s| s["station"]["id"] == station.as_str())
        .expect("station row")
        .clone();
    assert!(
        (row["pastoral_hours"].as_f64().expect("hours") - expected).abs() < 1e-6,
        "{yearly}"
    );
    assert!(
        (yearly["pastoral_hours"].as_f64().expect("total") - expected).abs() < 1e-6,
        "{yearly}"
    );

    // A repeated import adds nothing.
    let len = app.app.ledger.len();
    let (status, again) = import(&app, &clerk, bytes.clone()).await;
    assert_eq!(
        (status, again["added"].as_u64(), again["already"].as_u64()),
        (200, Some(0), Some(5)),
        "{again}"
    );
    assert_eq!(app.app.ledger.len(), len);

    // An edited export (the showing's watched seconds raised by hand) is refused, naming it.
    let mut file: Value = serde_json::from_slice(&bytes).expect("export json");
    let records = file["records"].as_array_mut().expect("records");
    let at = records
        .iter()
        .position(|r| {
            r["body"]
                .as_str()
                .is_some_and(|b| b.contains("\"kind\":\"showing\""))
        })
        .expect("the showing's record");
    let body = records[at]["body"]
        .as_str()
        .expect("body")
        .replace(&format!("\"watched_s\":{watched_s}"), "\"watched_s\":11");
    records[at]["body"] = json!(body);
    let (status, refused) = import(&app, &clerk, serde_json::to_vec(&file).expect("json")).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (422, Some("kit_chain_broken")),
        "{refused}"
    );
    let named = format!("第 {} 条记录", at + 1);
    assert!(
        refused["message"]
            .as_str()
            .expect("message")
            .contains(&named),
        "{refused}"
    );
    assert_eq!(app.app.ledger.len(), len);
}
