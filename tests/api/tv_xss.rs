//! A station, a roster member and a film all named like an attack (`<img src=x
//! onerror=alert(1)>`) are shown as plain text on the TV screens — home, film page, search,
//! after-film sign-in — in Debian's Chromium (`tests/browser/tv-xss.mjs`): nothing is made
//! from the name and no script runs. The admin pages, XLSX and print views: `admin_ui.rs`.

use dianjiao::accounts::Role;
use serde_json::json;

use crate::support::node::run_node;
use crate::support::spawn_app;

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

#[tokio::test]
async fn hostile_names_are_plain_text_on_every_tv_screen() {
    let app = spawn_app().await;
    app.synth_clip("七一党课.mp4", 4.0).await;
    app.scan(&app.library.clone()).await;
    let film = app.get_json("/api/v1/films").await["items"][0]["id"]
        .as_str()
        .expect("a film")
        .to_owned();
    let admin = app.signed_in("admin", Role::Admin).await;
    let res = admin
        .patch(app.url(&format!("/api/v1/films/{film}")))
        .json(&json!({"title": HOSTILE}))
        .send()
        .await
        .expect("edit");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let body = json!({"code": "XSS", "name": HOSTILE, "kind": "village"});
    let (status, station) = app.post_json(&admin, "/api/v1/stations", body).await;
    assert_eq!(status, 201, "{station}");
    let station = station["id"].as_str().expect("id").to_owned();
    let member = json!({"name": HOSTILE, "member_no": "001"});
    let path = format!("/api/v1/stations/{station}/members");
    assert_eq!(app.post_json(&admin, &path, member).await.0, 201);
    let path = format!("/api/v1/stations/{station}/pairing-codes");
    let (_, code) = app.post_json(&admin, &path, json!({})).await;
    let paired = app
        .client()
        .post(app.url("/api/v1/devices/pair"))
        .json(&json!({"code": code["code"]}))
        .send()
        .await
        .expect("pair");
    assert_eq!(paired.status(), 200);
    let token = paired
        .cookies()
        .find(|c| c.name() == "dj_device")
        .expect("device cookie")
        .value()
        .to_owned();

    let job = json!({"token": token, "film_id": film, "hostile": HOSTILE}).to_string();
    let run = run_node("tv-xss.mjs", &app.base, job).await;
    let (result, stderr) = (run.result, run.stderr);
    assert_eq!(result["ok"], true, "{result}\n{stderr}");
    for screen in ["home", "film", "search", "after"] {
        assert_eq!(
            result["screens"][screen]["elements"], 0,
            "{screen}: {result}"
        );
    }
    assert_eq!(result["dialogs"], json!([]), "{result}");
}
