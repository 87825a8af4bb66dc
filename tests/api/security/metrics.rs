//! Hole 10 (part): `/metrics` was public even with `anonymous_viewers = false`. Now, with
//! anonymous viewers off or a `metrics_token` set, it needs that token or a signed-in clerk
//! or admin.

use dianjiao::accounts::Role;
use reqwest::StatusCode;

use crate::support::spawn_app_with;

const TOKEN: &str = "scraper-secret-7f3a9c";

#[tokio::test]
async fn metrics_need_a_session_or_the_token_when_anonymous_viewers_are_off() {
    let app = spawn_app_with(|s| {
        s.anonymous_viewers = false;
        s.metrics_token = TOKEN.into();
    })
    .await;
    let get = |client: reqwest::Client, bearer: Option<&str>| {
        let mut req = client.get(app.url("/metrics"));
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        async move { req.send().await.expect("get").status() }
    };
    assert_eq!(get(app.client(), None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(app.client(), Some("scraper-secret-7f3a9d")).await,
        StatusCode::UNAUTHORIZED,
        "a wrong token"
    );
    assert_eq!(get(app.client(), Some(TOKEN)).await, StatusCode::OK);
    let clerk = app.signed_in("li", Role::Clerk).await;
    assert_eq!(get(clerk, None).await, StatusCode::OK);
}

#[tokio::test]
async fn without_a_token_metrics_need_a_session_when_anonymous_viewers_are_off() {
    let app = spawn_app_with(|s| s.anonymous_viewers = false).await;
    let anonymous = app.client().get(app.url("/metrics")).send().await;
    assert_eq!(anonymous.expect("get").status(), StatusCode::UNAUTHORIZED);
    // An empty bearer never matches the unset token.
    let empty = app
        .client()
        .get(app.url("/metrics"))
        .bearer_auth("")
        .send()
        .await;
    assert_eq!(empty.expect("get").status(), StatusCode::UNAUTHORIZED);
    let admin = app.signed_in("wang", Role::Admin).await;
    let res = admin.get(app.url("/metrics")).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.expect("text");
    assert!(text.contains("dianjiao_ledger_length"), "{text}");
}

#[tokio::test]
async fn a_set_token_protects_metrics_even_with_anonymous_viewers_on() {
    let app = spawn_app_with(|s| s.metrics_token = TOKEN.into()).await;
    let anonymous = app.client().get(app.url("/metrics")).send().await;
    assert_eq!(anonymous.expect("get").status(), StatusCode::UNAUTHORIZED);
    let scraper = app
        .client()
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await;
    assert_eq!(scraper.expect("get").status(), StatusCode::OK);
}
