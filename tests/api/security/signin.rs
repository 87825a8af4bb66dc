//! Hole 4: the sign-in throttle was checked before argon2 and counted after it, so a burst of
//! concurrent guesses all passed the check; a guess flood then locked the account for
//! everyone; and every attempt hashed at once, each with argon2's ~19 MiB.

use std::net::{IpAddr, Ipv4Addr};

use dianjiao::accounts::Role;
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::support::{spawn_app_with, TestApp, PASSWORD};

/// A client whose connections leave from `127.0.0.x` (loopback answers the whole 127/8), so
/// the server sees a different peer address per `x`.
pub fn client_from(x: u8) -> Client {
    Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, x)))
        .build()
        .expect("client")
}

async fn sign_in(app: &TestApp, client: &Client, name: &str, password: &str) -> StatusCode {
    client
        .post(app.url("/api/v1/session"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .expect("post")
        .status()
}

/// Starts `n` wrong guesses for `name` at once from `client`; their statuses, in any order.
fn wrong_guesses(
    app: &TestApp,
    client: &Client,
    name: &str,
    n: usize,
) -> tokio::task::JoinSet<StatusCode> {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, url, name) = (client.clone(), app.url("/api/v1/session"), name.to_owned());
        set.spawn(async move {
            let body = json!({"name": name, "password": format!("wrong guess {i}")});
            let res = client.post(url).json(&body).send().await.expect("post");
            res.status()
        });
    }
    set
}

#[tokio::test]
async fn a_burst_of_guesses_gets_no_more_password_checks_than_the_limit() {
    let app = spawn_app_with(|s| s.login_max_failures = 5).await;
    app.add_user("admin", Role::Admin).await;
    let attacker = client_from(1);
    let mut burst = wrong_guesses(&app, &attacker, "admin", 59);
    // The first answer back: by then the burst is under way, most guesses still in flight.
    let first = burst.join_next().await.expect("an answer").expect("join");
    let right = sign_in(&app, &attacker, "admin", PASSWORD).await;
    let mut statuses = vec![first, right];
    while let Some(status) = burst.join_next().await {
        statuses.push(status.expect("join"));
    }
    let evaluated = statuses
        .iter()
        .filter(|s| **s != StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        evaluated <= 5,
        "{evaluated} of 60 guesses had their password checked (limit 5): {statuses:?}"
    );
    assert_eq!(
        right,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password sent inside the burst, after the limit, is refused"
    );
}

#[tokio::test]
async fn a_guess_flood_from_one_address_does_not_lock_the_account_elsewhere() {
    let app = spawn_app_with(|s| s.login_max_failures = 5).await;
    app.add_user("admin", Role::Admin).await;
    let attacker = client_from(1);
    let mut burst = wrong_guesses(&app, &attacker, "admin", 30);
    while let Some(status) = burst.join_next().await {
        status.expect("join");
    }
    assert_eq!(
        sign_in(&app, &attacker, "admin", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker's address is locked out of this account"
    );
    let office = client_from(2);
    assert_eq!(
        sign_in(&app, &office, "admin", PASSWORD).await,
        StatusCode::OK,
        "the office PC (another address) still signs in"
    );
}

/// `VmHWM` (the peak resident set) of this process, in KiB: the server runs in-process and
/// nextest gives each test its own process.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[tokio::test]
async fn a_flood_of_sign_ins_does_not_grow_the_servers_memory() {
    // As if from many addresses: the per-address limit must not be what saves us here.
    let app = spawn_app_with(|s| s.login_max_failures_per_address = 10_000).await;
    app.add_user("admin", Role::Admin).await;
    // Warm up: one sign-in, so lazily made pools and buffers exist before the measurement.
    assert_eq!(
        sign_in(&app, &app.client(), "nobody", "x").await,
        StatusCode::UNAUTHORIZED
    );
    let before = peak_rss_kib();
    let client = client_from(1);
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..200 {
        let (client, url) = (client.clone(), app.url("/api/v1/session"));
        flood.spawn(async move {
            let body = json!({"name": format!("nobody{i}"), "password": "a wrong password"});
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("post")
                .status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = flood.join_next().await {
        statuses.push(status.expect("join"));
    }
    let growth_mib = peak_rss_kib().saturating_sub(before) / 1024;
    assert!(
        growth_mib < 100,
        "peak RSS grew by {growth_mib} MiB during 200 concurrent sign-ins"
    );
    for s in &statuses {
        assert!(
            [401, 503].contains(&s.as_u16()),
            "a refused name or a busy server, nothing else: {s}"
        );
    }
    assert!(
        statuses.contains(&StatusCode::UNAUTHORIZED),
        "some were checked: {statuses:?}"
    );
}
