//! Office edits over HTTP: a clerk's edit is answered with the film and found by search at
//! once; bad edits get 422 with a Chinese sentence; a rescan does not undo an edit; an
//! admin resets a password and the old one stops working.

use dianjiao::accounts::Role;
use serde_json::{json, Value};

use crate::support::{spawn_app, TestApp, PASSWORD};

async fn one_film(app: &TestApp) -> String {
    app.synth_clip("党课/党课 第3集.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films").await;
    list["items"][0]["id"].as_str().expect("film id").to_owned()
}

#[tokio::test]
async fn an_edited_title_is_found_by_search_right_after_the_200() {
    let app = spawn_app().await;
    let id = one_film(&app).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let body = json!({
        "title": "焦裕禄精神永放光芒", "series": "榜样", "episode": 2, "category": "本地制作",
        "themes": ["典型事迹"], "year": 2026, "producer": "乡电教站",
        "summary": "简介", "prep_notes": "先讲背景",
        "cues": [{"at_s": 1.5, "text": "请注意这里"}, {"at_s": 0.5, "text": "开场"}]
    });
    let res = clerk
        .patch(app.url(&format!("/api/v1/films/{id}")))
        .json(&body)
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), 200);
    let film: Value = res.json().await.expect("json");
    assert_eq!(film["title"], "焦裕禄精神永放光芒");
    assert_eq!(film["category"], "local");
    assert_eq!(film["cues"][0]["text"], "开场", "cues sorted by time");
    let found = app.get_json("/api/v1/films?q=jiaoyulu").await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], id.as_str());
    let by_series = app.get_json("/api/v1/films?series=榜样").await;
    assert_eq!(by_series["total"], 1);
}

#[tokio::test]
async fn bad_edits_get_422_with_a_chinese_sentence_and_change_nothing() {
    let app = spawn_app().await;
    let id = one_film(&app).await;
    let before = app.get_json(&format!("/api/v1/films/{id}")).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    for body in [
        json!({"title": ""}),
        json!({"year": 3000}),
        json!({"category": "火星"}),
        json!({"cues": [{"at_s": 99999, "text": "片尾之后"}]}),
        json!({"themes": ["", "党章"]}),
    ] {
        let res = clerk
            .patch(app.url(&format!("/api/v1/films/{id}")))
            .json(&body)
            .send()
            .await
            .expect("patch");
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.expect("json");
        let message = err["message"].as_str().expect("message");
        assert!(message.chars().any(|c| c > '\u{2e80}'), "{message}");
    }
    let unknown = clerk
        .patch(app.url("/api/v1/films/0000000000000000"))
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(unknown.status(), 404);
    assert_eq!(app.get_json(&format!("/api/v1/films/{id}")).await, before);
}

#[tokio::test]
async fn a_rescan_does_not_undo_an_edit() {
    let app = spawn_app().await;
    let id = one_film(&app).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let res = clerk
        .patch(app.url(&format!("/api/v1/films/{id}")))
        .json(&json!({"title": "办公室的片名", "series": null}))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), 200);
    std::fs::write(
        app.library.join("党课/catalog.toml"),
        "series = \"基层党课\"\n[files.\"党课 第3集.mp4\"]\ntitle = \"文件的片名\"\n",
    )
    .expect("catalog.toml");
    app.scan(&app.library.clone()).await;
    let film = app.get_json(&format!("/api/v1/films/{id}")).await;
    assert_eq!(film["title"], "办公室的片名");
    assert_eq!(film["series"], Value::Null);
}

#[tokio::test]
async fn a_series_is_renamed_and_the_theme_list_keeps_its_order() {
    let app = spawn_app().await;
    one_film(&app).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let res = clerk
        .patch(app.url("/api/v1/series/党课"))
        .json(&json!({"name": "村级党课", "summary": "每月一课"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), 200);
    let series = app.get_json("/api/v1/series").await;
    assert_eq!(series["items"][0]["name"], "村级党课");
    assert_eq!(series["items"][0]["summary"], "每月一课");
    let list = json!({"items": [
        {"name": "先进性教育", "kind": "annual", "year": 2026},
        {"name": "农村实用技术", "kind": "phase", "note": "春耕前"}
    ]});
    let res = clerk
        .put(app.url("/api/v1/theme-plan"))
        .json(&list)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let got = app.get_json("/api/v1/theme-plan").await;
    assert_eq!(got["items"][0]["name"], "先进性教育");
    assert_eq!(got["items"][1]["note"], "春耕前");
}

#[tokio::test]
async fn an_admin_resets_a_password_and_the_old_one_stops_working() {
    let app = spawn_app().await;
    app.add_user("zhang", Role::Clerk).await;
    let zhang = app.client();
    let sign_in = |client: &reqwest::Client, password: &str| {
        client
            .post(app.url("/api/v1/session"))
            .json(&json!({"name": "zhang", "password": password}))
            .send()
    };
    assert_eq!(sign_in(&zhang, PASSWORD).await.expect("in").status(), 200);
    let admin = app.signed_in("admin", Role::Admin).await;
    let res = admin
        .post(app.url("/api/v1/users/zhang/password"))
        .json(&json!({"password": "a-new-password"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status(), 200);
    let me = app.get_json_as(&zhang, "/api/v1/session").await;
    assert_eq!(me["signed_in"], false, "the reset ended zhang's session");
    assert_eq!(sign_in(&zhang, PASSWORD).await.expect("old").status(), 401);
    assert_eq!(
        sign_in(&zhang, "a-new-password")
            .await
            .expect("new")
            .status(),
        200
    );
    let users = app.get_json_as(&admin, "/api/v1/users").await;
    let text = users.to_string();
    assert!(text.contains("zhang") && !text.contains("argon2"), "{text}");
    let short = admin
        .post(app.url("/api/v1/users/zhang/password"))
        .json(&json!({"password": "short"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(short.status(), 400);
}

/// The active plays, polled until `until` holds or five seconds pass.
async fn active_plays(
    app: &TestApp,
    clerk: &reqwest::Client,
    until: impl Fn(usize) -> bool,
) -> usize {
    let mut n = 0;
    for _ in 0..50 {
        let list = app.get_json_as(clerk, "/api/v1/plays?active=true").await;
        n = list["total"].as_u64().expect("total") as usize;
        if until(n) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    n
}

#[tokio::test]
async fn an_office_preview_in_the_catalog_page_is_not_a_showing() {
    let app = spawn_app().await;
    let id = one_film(&app).await;
    crate::prepare::prepare_all(&app).await;
    let path = format!("/media/{id}/tv.mp4");
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let body = clerk.get(app.url(&path)).send().await.expect("get");
    assert_eq!(body.status(), 200);
    body.bytes().await.expect("bytes");
    assert_eq!(
        active_plays(&app, &clerk, |n| n > 0).await,
        0,
        "the preview became a play"
    );
    // The same file fetched by a player that is not signed in is a showing.
    let tv = app.client().get(app.url(&path)).send().await.expect("get");
    tv.bytes().await.expect("bytes");
    assert_eq!(active_plays(&app, &clerk, |n| n > 0).await, 1);
}
