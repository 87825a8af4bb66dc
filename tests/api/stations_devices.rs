//! Paired TVs: a 6-digit code becomes a long-lived device cookie
//! that makes the TV its station's (until revoked); wrong codes are counted per address;
//! codes expire and pair only once. Addresses (DLNA TVs) are in `stations_addresses.rs`.

use dianjiao::accounts::Role;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::security::signin::client_from;
use crate::stations::{changes_of, station};
use crate::support::send;
use crate::support::{spawn_app, spawn_app_with, TestApp};

/// A pairing code for `station_id`, made by `admin`.
async fn code_for(app: &TestApp, admin: &Client, station_id: &str) -> Value {
    let url = app.url(&format!("/api/v1/stations/{station_id}/pairing-codes"));
    let (status, code) = send(admin.post(url)).await;
    assert_eq!(status, StatusCode::CREATED, "{code}");
    code
}

/// Posts a pairing code; returns status, body and the `Set-Cookie` header, if any.
async fn pair(app: &TestApp, tv: &Client, code: &str) -> (StatusCode, Value, Option<String>) {
    let res = tv
        .post(app.url("/api/v1/devices/pair"))
        .json(&json!({"code": code, "name": "村委会电视"}))
        .send()
        .await
        .expect("pair");
    let status = res.status();
    let cookie = res
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (status, res.json().await.expect("json"), cookie)
}

/// A station with two members and a TV paired to it through the API.
struct PairedTv {
    app: TestApp,
    admin: Client,
    /// The TV's cookie-keeping client.
    tv: Client,
    station_id: String,
    device_id: String,
    token: String,
    code: String,
}

/// Sets up a [`PairedTv`] on a server where anonymous viewers are switched off, so the
/// device cookie is what lets the TV in.
async fn paired_tv() -> PairedTv {
    let app = spawn_app_with(|s| s.anonymous_viewers = false).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let id = made["id"].as_str().expect("id").to_owned();
    for (name, no) in [("张三", "002"), ("李四", "001")] {
        let url = app.url(&format!("/api/v1/stations/{id}/members"));
        let body = json!({"name": name, "member_no": no});
        assert_eq!(send(admin.post(url).json(&body)).await.0, 201);
    }
    let code = code_for(&app, &admin, &id).await;
    let code = code["code"].as_str().expect("code").to_owned();
    let tv = app.client();
    assert_eq!(app.get(&tv, "/api/v1/films").await.0, 401, "not yet paired");
    let (status, paired, cookie) = pair(&app, &tv, &code).await;
    assert_eq!(status, 200, "{paired}");
    assert_eq!(paired["station_id"], id.as_str());
    assert_eq!(paired["station_name"], "李家村");
    let token = check_device_cookie(&cookie.expect("a device cookie"));
    PairedTv {
        device_id: paired["device_id"].as_str().expect("device_id").to_owned(),
        app,
        admin,
        tv,
        station_id: id,
        token,
        code,
    }
}

#[tokio::test]
async fn a_pairing_code_is_six_digits_valid_for_a_day() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..5 {
        let code = code_for(&app, &admin, made["id"].as_str().unwrap()).await;
        let digits = code["code"].as_str().expect("code").to_owned();
        assert!(digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()));
        assert!(seen.insert(digits), "live codes are unique");
        let expires = code["expires_at"].as_str().expect("expires_at");
        let rfc3339 = &time::format_description::well_known::Rfc3339;
        let until = time::OffsetDateTime::parse(expires, rfc3339).expect("RFC 3339");
        let hours = (until - time::OffsetDateTime::now_utc()).whole_minutes() as f64 / 60.0;
        assert!((23.9..=24.0).contains(&hours), "valid 24 h, got {hours}");
    }
}

#[tokio::test]
async fn a_paired_tv_is_its_stations_and_sees_the_roster_to_sign_in_from() {
    let PairedTv {
        app,
        admin,
        tv,
        station_id: id,
        token,
        code,
        ..
    } = paired_tv().await;
    let by_token = app.app.stations.device_station(&token).expect("read");
    assert_eq!(
        by_token.as_deref(),
        Some(id.as_str()),
        "the token is the station's"
    );

    let (status, me) = app.get(&tv, "/api/v1/device").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["station"]["id"], id.as_str());
    assert_eq!(me["device"]["name"], "村委会电视", "{me}");
    let members = me["members"].as_array().expect("members");
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["李四", "张三"], "the roster, by member number");
    assert_eq!(app.get(&tv, "/api/v1/films").await.0, 200, "a viewer route");
    let office = app.get(&tv, "/api/v1/stations").await.0;
    assert_eq!(office, 403, "not an office route");
    let (status, err) = app.get(&admin, "/api/v1/device").await;
    assert_eq!(status, 404, "a signed-in user is not a TV: {err}");
    let (status, err) = send(app.client().get(app.url("/api/v1/device"))).await;
    assert_eq!(status, 401, "nor is a stranger: {err}");

    let (status, again, cookie) = pair(&app, &app.client(), &code).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    assert!(
        again["message"].as_str().unwrap().contains("用过"),
        "{again}"
    );
    assert!(cookie.is_none(), "a used code pairs nothing");
}

#[tokio::test]
async fn a_revoked_tv_is_nobody_and_tokens_are_never_listed() {
    let PairedTv {
        app,
        admin,
        tv,
        station_id: id,
        device_id,
        token,
        ..
    } = paired_tv().await;
    let devices = app.url(&format!("/api/v1/stations/{id}/devices"));
    let res = admin.get(&devices).send().await.expect("devices");
    let text = res.text().await.expect("text");
    assert!(!text.contains(&token), "tokens are never listed");
    let list: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["device_id"], device_id.as_str());
    assert_eq!(list["items"][0]["name"], "村委会电视");
    assert_eq!(list["items"][0]["client"], "127.0.0.1");

    let revoke = app.url(&format!("/api/v1/stations/{id}/devices/{device_id}"));
    assert_eq!(send(admin.delete(&revoke)).await.0, 200);
    assert_eq!(send(admin.delete(&revoke)).await.0, 404, "already gone");
    assert_eq!(app.get(&tv, "/api/v1/device").await.0, 401, "anonymous now");
    assert_eq!(app.get(&tv, "/api/v1/films").await.0, 401);
    assert_eq!(app.app.stations.device_station(&token).expect("read"), None);
    let expected = [
        "created",
        "member_added",
        "member_added",
        "pairing_code_made",
    ];
    let expected = [&expected[..], &["device_paired", "device_revoked"]].concat();
    assert_eq!(changes_of(&app, &id), expected);
}

#[tokio::test]
async fn the_database_keeps_a_hash_of_the_device_token_never_the_token() {
    let PairedTv {
        app,
        device_id,
        token,
        ..
    } = paired_tv().await;
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(app.data.path()) {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            files.push(std::fs::read(entry.path()).expect("read"));
        }
    }
    let has = |needle: &[u8]| {
        files
            .iter()
            .any(|f| f.windows(needle.len()).any(|w| w == needle))
    };
    assert!(
        has(device_id.as_bytes()),
        "the device record is on disk (the search works)"
    );
    assert!(!has(token.as_bytes()), "the token is not");
    let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    assert!(has(&hash), "its SHA-256 is the key");
}

#[tokio::test]
async fn two_tvs_racing_with_one_code_pair_only_one() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let id = made["id"].as_str().unwrap();
    for round in 0..5u8 {
        let code = code_for(&app, &admin, id).await;
        let code = code["code"].as_str().unwrap();
        // Two TVs are two machines: each loser's used code counts against its own address
        // (from one address, the fifth round's in-flight try would reach the limit of 5).
        let (a, b) = (client_from(10 + 2 * round), client_from(11 + 2 * round));
        let (ra, rb) = tokio::join!(pair(&app, &a, code), pair(&app, &b, code));
        let mut statuses = [ra.0.as_u16(), rb.0.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 422], "{} / {}", ra.1, rb.1);
    }
    assert_eq!(app.app.stations.devices(id).expect("devices").len(), 5);
}

/// Checks the cookie's attributes and returns its value, the device token.
fn check_device_cookie(set_cookie: &str) -> String {
    let mut parts = set_cookie.split(';').map(str::trim);
    let (name, value) = parts.next().unwrap().split_once('=').unwrap();
    assert_eq!(name, "dj_device");
    assert_eq!(value.len(), 64, "32 random bytes in hex");
    assert!(value.bytes().all(|b| b.is_ascii_hexdigit()));
    let attrs: Vec<String> = parts.map(|p| p.to_ascii_lowercase()).collect();
    assert!(attrs.contains(&"httponly".to_owned()), "{set_cookie}");
    assert!(attrs.contains(&"samesite=lax".to_owned()), "{set_cookie}");
    assert!(attrs.contains(&"path=/".to_owned()), "{set_cookie}");
    let max_age: u64 = attrs
        .iter()
        .find_map(|a| a.strip_prefix("max-age="))
        .expect("max-age")
        .parse()
        .expect("seconds");
    // A year unless used (`device_idle_days`); renewed when used (security::pairing).
    let days = max_age / (24 * 3600);
    assert!((364..=366).contains(&days), "about a year: {max_age}");
    value.to_owned()
}

#[tokio::test]
async fn wrong_codes_get_422_and_after_five_the_address_waits_with_429() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let good = code_for(&app, &admin, made["id"].as_str().unwrap()).await;
    let good = good["code"].as_str().unwrap();
    let wrong = if good == "000000" { "000001" } else { "000000" };
    let tv = app.client();
    for attempt in [wrong, "12345", "abcdef", wrong, wrong] {
        let (status, err, cookie) = pair(&app, &tv, attempt).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{attempt}: {err}");
        assert_eq!(err["error"], "bad_pairing_code");
        assert!(
            err["message"].as_str().unwrap().contains("配对码不正确"),
            "{err}"
        );
        assert!(cookie.is_none());
    }
    let res = tv
        .post(app.url("/api/v1/devices/pair"))
        .json(&json!({"code": good}))
        .send()
        .await
        .expect("pair");
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code now"
    );
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    let err: Value = res.json().await.expect("json");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("配对码错误次数过多"),
        "{err}"
    );
    let paired = app
        .app
        .stations
        .devices(made["id"].as_str().unwrap())
        .expect("devices");
    assert!(paired.is_empty(), "nothing paired");
}

#[tokio::test]
async fn an_expired_code_pairs_nothing() {
    // Codes valid for 0 hours are expired as they are made: the real expiry check, no waiting.
    let app = spawn_app_with(|s| s.pairing_code_hours = 0).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let made = station(&app, &admin, "LJC-01", "李家村").await;
    let code = code_for(&app, &admin, made["id"].as_str().unwrap()).await;
    let (status, err, cookie) = pair(&app, &app.client(), code["code"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err["message"].as_str().unwrap().contains("过期"), "{err}");
    assert!(cookie.is_none());
}
