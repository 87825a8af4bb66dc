//! Stations over HTTP: made, listed, read, changed, retired (never deleted), their 六有
//! checklist, and every change a `station_change` entry in the ledger. Pairing is in
//! `stations_devices.rs`, addresses in `stations_addresses.rs`, rosters in `stations_roster.rs`.

use dianjiao::accounts::Role;
use dianjiao::ledger::EntryKind;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::support::{send, spawn_app, TestApp};

/// An admin's client and a station made through the API; returns the station's JSON.
pub async fn station(app: &TestApp, admin: &Client, code: &str, name: &str) -> Value {
    let body = json!({"code": code, "name": name, "kind": "village"});
    let (status, station) = app.post_json(admin, "/api/v1/stations", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{station}");
    station
}

/// The `action`s of every `station_change` entry about `station_id`, in ledger order.
pub fn changes_of(app: &TestApp, station_id: &str) -> Vec<String> {
    let entries = app.app.ledger.iter(0).expect("iter");
    entries
        .map(|e| e.expect("entry"))
        .filter(|e| e.kind == EntryKind::StationChange)
        .filter(|e| e.station.as_deref() == Some(station_id))
        .map(|e| e.payload["action"].as_str().expect("action").to_owned())
        .collect()
}

#[tokio::test]
async fn stations_are_made_listed_and_read_with_unique_codes() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let made = station(&app, &admin, "LJC-02", "李家村").await;
    station(&app, &admin, "LJC-01", "东山村").await;
    let id = made["id"].as_str().expect("id");
    assert!(id.starts_with("st_"), "{made}");
    assert_eq!(
        made["township"], "本乡镇",
        "the township setting is the default"
    );
    assert!(made["retired_at"].is_null());

    let (status, list) = app.get(&clerk, "/api/v1/stations").await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["code"], "LJC-01", "listed by code: {list}");
    let (status, one) = send(clerk.get(app.url(&format!("/api/v1/stations/{id}")))).await;
    assert_eq!(status, 200);
    assert_eq!(one["name"], "李家村");
    let checklist = one["checklist"].as_array().expect("checklist");
    let keys: Vec<&str> = checklist
        .iter()
        .map(|i| i["item"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "organization",
            "staff",
            "sign",
            "library",
            "rules",
            "registers"
        ]
    );
    assert!(checklist.iter().all(|i| i["done"] == false));

    let again = json!({"code": "LJC-02", "name": "另一个村", "kind": "village"});
    let (status, err) = app.post_json(&admin, "/api/v1/stations", &again).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert!(err["message"].as_str().unwrap().contains("LJC-02"), "{err}");
    let (status, err) = app.get(&clerk, "/api/v1/stations/st_0000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    assert_eq!(err["error"], "not_found");
    let (status, _) = app
        .get(&clerk, "/api/v1/stations/st_0000000000/members")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_station_is_changed_and_retired_but_never_gone() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let made = station(&app, &admin, "WJC-01", "王家村").await;
    let id = made["id"].as_str().expect("id");
    let url = app.url(&format!("/api/v1/stations/{id}"));
    let code = send(admin.post(app.url(&format!("/api/v1/stations/{id}/pairing-codes")))).await;
    assert_eq!(code.0, StatusCode::CREATED, "{}", code.1);

    let patch = json!({"name": "王家村（新）", "broadcaster": "王播放", "township": "东乡"});
    let (status, changed) = send(admin.patch(&url).json(&patch)).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "王家村（新）");
    assert_eq!(changed["broadcaster"], "王播放");
    assert_eq!(changed["township"], "东乡");
    assert_eq!(changed["code"], "WJC-01", "the code never changes");
    let (status, same) = send(admin.patch(&url).json(&patch)).await;
    assert_eq!((status, &same), (200, &changed), "no change");
    let (status, err) = send(admin.patch(&url).json(&json!({"name": "  "}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, cleared) = send(admin.patch(&url).json(&json!({"broadcaster": ""}))).await;
    assert_eq!(status, 200);
    assert!(cleared["broadcaster"].is_null(), "{cleared}");

    let retire = app.url(&format!("/api/v1/stations/{id}/retire"));
    let (status, retired) = send(admin.post(&retire)).await;
    assert_eq!(status, 200, "{retired}");
    let retired_at = retired["retired_at"]
        .as_str()
        .expect("retired_at")
        .to_owned();
    let (status, again) = send(admin.post(&retire)).await;
    assert_eq!(status, 200, "retiring twice is fine");
    assert_eq!(
        again["retired_at"],
        retired_at.as_str(),
        "and changes nothing"
    );

    let member = json!({"name": "王五", "member_no": "001"});
    let members = app.url(&format!("/api/v1/stations/{id}/members"));
    let (status, err) = send(admin.post(&members).json(&member)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["error"], "retired");
    let pairing = app.url(&format!("/api/v1/stations/{id}/pairing-codes"));
    assert_eq!(send(admin.post(&pairing)).await.0, StatusCode::CONFLICT);
    let tv = app.client();
    let pair = json!({"code": code.1["code"]});
    let (status, err) = app.post_json(&tv, "/api/v1/devices/pair", &pair).await;
    // The one answer for every code that does not pair (issue 11: a guesser must not learn
    // that a code exists); it was 409 `retired`.
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code made before retiring pairs nothing: {err}"
    );
    assert_eq!(err["error"], "bad_pairing_code");
    let (status, kept) = send(admin.get(&url)).await;
    assert_eq!(status, 200, "a retired station is still there");
    assert_eq!(kept["retired_at"], retired_at.as_str());

    assert_eq!(
        changes_of(&app, id),
        [
            "created",
            "pairing_code_made",
            "updated",
            "updated",
            "retired"
        ],
        "one entry per real change, none for a no-op or a refusal"
    );
}

#[tokio::test]
async fn the_checklist_is_set_item_by_item_and_shown_with_the_station() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let made = station(&app, &admin, "ZJC-01", "赵家村").await;
    let id = made["id"].as_str().expect("id");
    let item = |key: &str| app.url(&format!("/api/v1/stations/{id}/checklist/{key}"));

    let sign = json!({"done": true, "date": "2026-03-01", "note": "村委会门口挂牌"});
    let (status, set) = send(clerk.put(item("sign")).json(&sign)).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["label"], "标牌");
    let rules = json!({"done": false, "note": "制度待上墙"});
    assert_eq!(send(clerk.put(item("rules")).json(&rules)).await.0, 200);
    assert_eq!(send(clerk.put(item("rules")).json(&rules)).await.0, 200);

    let (_, one) = send(clerk.get(app.url(&format!("/api/v1/stations/{id}")))).await;
    let list = one["checklist"].as_array().expect("checklist");
    assert_eq!(list[2]["item"], "sign");
    assert_eq!(list[2]["done"], true);
    assert_eq!(list[2]["date"], "2026-03-01");
    assert_eq!(list[2]["note"], "村委会门口挂牌");
    assert_eq!(list[4]["note"], "制度待上墙");
    assert_eq!(list[4]["done"], false);
    assert!(list[0]["updated_at"].is_null(), "never set");

    let (status, _) = send(clerk.put(item("toilets")).json(&sign)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let bad_date = json!({"done": true, "date": "2026-02-30"});
    let (status, _) = send(clerk.put(item("staff")).json(&bad_date)).await;
    assert!((400..500).contains(&status), "{status}");
    let long = json!({"done": true, "note": "很".repeat(201)});
    let (status, _) = send(clerk.put(item("staff")).json(&long)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(changes_of(&app, id), ["created", "checklist", "checklist"]);
    let entries = app.app.ledger.iter(0).expect("iter");
    let last = entries.last().expect("an entry").expect("entry");
    assert_eq!(
        last.payload["detail"]["item"], "rules",
        "{:?}",
        last.payload
    );
}

#[tokio::test]
async fn a_hostile_station_name_is_stored_and_returned_as_plain_json_text() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let hostile = "<img src=x onerror=alert(1)>";
    let made = station(&app, &admin, "XSS-01", hostile).await;
    let id = made["id"].as_str().expect("id");
    let res = admin
        .get(app.url(&format!("/api/v1/stations/{id}")))
        .send()
        .await
        .expect("get");
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["name"], hostile,
        "stored as given, not escaped or altered"
    );
    let entries = app.app.ledger.iter(0).expect("iter");
    let first = entries.last().expect("entry").expect("entry");
    assert_eq!(first.payload["name"], hostile);
}
