//! Hole 9: pairing codes were throttled per address only (each new address got 5 more
//! guesses at a million codes) and wrong, used and expired codes got answers that told
//! them apart. Hole 10 (part): the device cookie lived ten years whether used or not.

use dianjiao::accounts::Role;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use super::signin::client_from;
use crate::stations::station;
use crate::support::clock::TestClock;
use crate::support::node::run_node;
use crate::support::send;
use crate::support::{spawn_app, spawn_app_on_clock, spawn_app_with, TestApp, PASSWORD};

/// A station and a fresh pairing code for it; returns (station id, code).
async fn station_and_code(app: &TestApp, admin: &Client) -> (String, String) {
    let made = station(app, admin, "LJC-01", "李家村").await;
    let id = made["id"].as_str().expect("id").to_owned();
    let code = new_code(app, admin, &id).await;
    (id, code)
}

async fn new_code(app: &TestApp, admin: &Client, station_id: &str) -> String {
    let url = app.url(&format!("/api/v1/stations/{station_id}/pairing-codes"));
    let (status, code) = send(admin.post(url)).await;
    assert_eq!(status, StatusCode::CREATED, "{code}");
    code["code"].as_str().expect("code").to_owned()
}

/// Posts `code` from `tv`: status, raw body and the `Set-Cookie` header, if any.
async fn pair(app: &TestApp, tv: &Client, code: &str) -> (StatusCode, String, Option<String>) {
    let res = tv
        .post(app.url("/api/v1/devices/pair"))
        .json(&json!({ "code": code }))
        .send()
        .await
        .expect("pair");
    let status = res.status();
    let cookie = res
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (status, res.text().await.expect("body"), cookie)
}

/// A six-digit code that is not `good`.
fn other_code(good: &str, n: u32) -> String {
    let good: u32 = good.parse().expect("digits");
    format!("{:06}", (good + 1 + n) % 1_000_000)
}

/// 40 wrong codes at once from 10 addresses (4 each: no address reaches its own limit of
/// 5); their statuses.
async fn guess_from_many_addresses(app: &TestApp, good: &str) -> Vec<u16> {
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..40u32 {
        let tv = client_from(10 + (n % 10) as u8);
        let (url, code) = (app.url("/api/v1/devices/pair"), other_code(good, n));
        guesses.spawn(async move {
            let res = tv.post(url).json(&json!({ "code": code })).send().await;
            res.expect("pair").status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = guesses.join_next().await {
        statuses.push(status.expect("join").as_u16());
    }
    statuses
}

#[tokio::test]
async fn wrong_codes_from_many_addresses_pause_pairing_even_for_the_right_code() {
    // Default settings: 5 wrong codes lock an address, 30 an hour pause the server.
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station_id, good) = station_and_code(&app, &admin).await;
    let statuses = guess_from_many_addresses(&app, &good).await;
    let wrong = statuses.iter().filter(|s| **s == 422).count();
    assert!(
        wrong <= 30,
        "{wrong} wrong codes were looked at: {statuses:?}"
    );

    let (status, body, cookie) = pair(&app, &client_from(50), &good).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "a fresh address with the right code is refused while paused: {body}"
    );
    assert!(body.contains("配对已暂停"), "a sentence saying why: {body}");
    assert!(cookie.is_none());
    assert!(app
        .app
        .stations
        .devices(&station_id)
        .expect("devices")
        .is_empty());

    let (status, seen) = app.get(&admin, "/api/v1/devices/pairing-status").await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["paused"], true, "{seen}");
    assert!(seen["paused_until"].is_string(), "{seen}");
    assert!(
        seen["message"].as_str().unwrap_or("").contains("暂停"),
        "{seen}"
    );
}

#[tokio::test]
async fn the_office_page_says_pairing_is_paused_and_why() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station_id, good) = station_and_code(&app, &admin).await;
    guess_from_many_addresses(&app, &good).await;
    let config = json!({"user": "admin", "password": PASSWORD, "station_id": station_id});
    let run = run_node("pairing-paused.mjs", &app.base, config.to_string()).await;
    assert!(run.success, "{} {}", run.result, run.stderr);
    let said = run.result["paused_text"].as_str().unwrap_or_default();
    assert!(said.contains("电视配对已暂停"), "{said}");
}

#[tokio::test]
async fn wrong_used_and_expired_codes_get_byte_identical_answers() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (_, good) = station_and_code(&app, &admin).await;
    assert_eq!(pair(&app, &client_from(2), &good).await.0, 200);
    let used = pair(&app, &client_from(3), &good).await;
    let wrong = pair(&app, &client_from(4), &other_code(&good, 0)).await;
    // Codes valid for 0 hours are expired as they are made.
    let stale = spawn_app_with(|s| s.pairing_code_hours = 0).await;
    let stale_admin = stale.signed_in("admin", Role::Admin).await;
    let (_, old) = station_and_code(&stale, &stale_admin).await;
    let expired = pair(&stale, &client_from(5), &old).await;
    for answer in [&used, &expired] {
        assert_eq!((answer.0, &answer.1), (wrong.0, &wrong.1));
        assert!(answer.2.is_none(), "pairs nothing");
    }
    assert_eq!(wrong.0, StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = serde_json::from_str(&wrong.1).expect("json");
    assert_eq!(body["error"], "bad_pairing_code");
}

/// `Max-Age` of a `Set-Cookie` header, in seconds.
fn max_age(set_cookie: &str) -> u64 {
    set_cookie
        .split(';')
        .find_map(|a| {
            a.trim()
                .to_ascii_lowercase()
                .strip_prefix("max-age=")
                .map(str::to_owned)
        })
        .expect("max-age")
        .parse()
        .expect("seconds")
}

#[tokio::test]
async fn a_device_cookie_lives_about_a_year_not_ten() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (_, good) = station_and_code(&app, &admin).await;
    let (status, body, cookie) = pair(&app, &app.client(), &good).await;
    assert_eq!(status, 200, "{body}");
    let days = max_age(&cookie.expect("cookie")) / 86_400;
    assert!((364..=366).contains(&days), "about a year: {days} days");
}

/// `GET /api/v1/device` with only the device cookie (no cookie jar: the server, not the
/// client, must decide that the token lapsed): status and any `Set-Cookie`.
async fn as_tv(app: &TestApp, token: &str) -> (StatusCode, Option<String>) {
    let res = Client::new()
        .get(app.url("/api/v1/device"))
        .header("cookie", format!("dj_device={token}"))
        .send()
        .await
        .expect("get");
    let cookie = res
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (res.status(), cookie)
}

#[tokio::test]
async fn an_unused_device_token_lapses_and_a_used_one_is_renewed() {
    // A 4-second "year": the last use is written again once it is 2 s old.
    let clock = TestClock::now();
    let app = spawn_app_on_clock(clock.ledger_clock(), |s| {
        s.anonymous_viewers = false;
        s.device_idle_days = 4.0 / 86_400.0;
    })
    .await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (_, good) = station_and_code(&app, &admin).await;
    let (status, body, cookie) = pair(&app, &app.client(), &good).await;
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.expect("cookie");
    assert_eq!(max_age(&cookie), 4, "{cookie}");
    let token = cookie
        .split(';')
        .next()
        .and_then(|c| c.strip_prefix("dj_device="))
        .expect("token")
        .to_owned();
    let (status, renewed) = as_tv(&app, &token).await;
    assert_eq!(status, 200);
    assert!(renewed.is_none(), "just paired: not written again");
    clock.pass(3.0);
    let (status, renewed) = as_tv(&app, &token).await;
    assert_eq!(status, 200, "used within the idle time");
    let renewed = renewed.expect("the cookie is renewed");
    assert!(
        renewed.starts_with(&format!("dj_device={token}")),
        "{renewed}"
    );
    assert_eq!(max_age(&renewed), 4, "{renewed}");
    clock.pass(3.0);
    let (status, _) = as_tv(&app, &token).await;
    assert_eq!(
        status, 200,
        "6 s after pairing, 3 s after its last use: alive"
    );
    clock.pass(5.0);
    let (status, renewed) = as_tv(&app, &token).await;
    assert_eq!(status, 401, "unused longer than the idle time: nobody");
    assert!(renewed.is_none());
}
