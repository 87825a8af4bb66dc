//! Signing in: cookie flags, generic failures, throttling by account and by the socket
//! peer (not X-Forwarded-For), cross-site writes refused, health and metrics.

use dianjiao::accounts::Role;
use serde_json::{json, Value};

use crate::support::{spawn_app, spawn_app_with, PASSWORD};

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_strict() {
    let app = spawn_app().await;
    app.add_user("zhang", Role::Clerk).await;
    let res = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&json!({"name": "zhang", "password": PASSWORD}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(cookie.starts_with("dj_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["role"], "clerk");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    app.add_user("zhang", Role::Clerk).await;
    let mut bodies = Vec::new();
    for name in ["zhang", "nobody"] {
        let res = app
            .client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"name": name, "password": "wrong password"}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 401);
        bodies.push(res.json::<Value>().await.expect("json"));
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0]["error"], "invalid_credentials");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_with_a_changing_forwarded_for() {
    let app = spawn_app_with(|s| s.login_max_failures = 3).await;
    app.add_user("zhang", Role::Clerk).await;
    let client = app.client();
    for i in 0..3 {
        let res = client
            .post(app.url("/api/v1/session"))
            .header("X-Forwarded-For", format!("10.9.9.{i}"))
            .json(&json!({"name": "zhang", "password": "wrong password"}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 401);
    }
    let res = client
        .post(app.url("/api/v1/session"))
        .json(&json!({"name": "zhang", "password": PASSWORD}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 429, "locked even with the right password");
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn repeated_failures_from_one_peer_lock_that_address_across_accounts() {
    let app = spawn_app_with(|s| s.login_max_failures_per_address = 4).await;
    app.add_user("li", Role::Clerk).await;
    for i in 0..4 {
        app.client()
            .post(app.url("/api/v1/session"))
            .header("X-Forwarded-For", "192.168.1.77")
            .json(&json!({"name": format!("guess{i}"), "password": "x"}))
            .send()
            .await
            .expect("post");
    }
    let res = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&json!({"name": "li", "password": PASSWORD}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn a_cross_site_write_is_refused_and_a_same_origin_one_is_not() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let body = json!({"name": "wang", "password": PASSWORD, "role": "clerk"});
    let evil = admin
        .post(app.url("/api/v1/users"))
        .header("Origin", "http://evil.example")
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(evil.status(), 403);
    assert_eq!(
        evil.json::<Value>().await.expect("json")["error"],
        "cross_site"
    );
    let ours = admin
        .post(app.url("/api/v1/users"))
        .header("Origin", app.base.clone())
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(ours.status(), 201);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let clerk = app.signed_in("li", Role::Clerk).await;
    let status = |c: reqwest::Client| {
        let url = app.url("/api/v1/library");
        async move { c.get(url).send().await.expect("get").status() }
    };
    assert_eq!(status(clerk.clone()).await, 200);
    let out = clerk
        .delete(app.url("/api/v1/session"))
        .send()
        .await
        .expect("delete");
    assert_eq!(out.status(), 204);
    assert_eq!(status(clerk).await, 401);
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let app = spawn_app().await;
    let health = app
        .client()
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("get");
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.expect("text"), "ok");
    app.client()
        .get(app.url("/api/v1/films"))
        .send()
        .await
        .expect("get");
    let text = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    for name in [
        "dianjiao_http_requests_total",
        "dianjiao_films{state=\"queued\"}",
        "dianjiao_watcher_fallback",
        "dianjiao_prepare_queue",
        "dianjiao_ledger_length",
    ] {
        assert!(text.contains(name), "{name} missing from\n{text}");
    }
    let requests: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("dianjiao_http_requests_total "))
        .and_then(|v| v.parse().ok())
        .expect("counter");
    assert!(requests >= 2, "{requests}");
}
