//! Play sessions, black-box: a showing reported by the TV UI lands in the ledger as one
//! `viewing` entry with the right station, film, watched seconds and source, its own media
//! requests counted nowhere else; bad input is refused with nothing appended. Plays inferred
//! from media requests: `plays_inferred.rs`.

use dianjiao::accounts::Role;
use serde_json::json;

use crate::support::clock::TestClock;
use crate::support::plays::{app_with_films, fetch_segments, media_playlist, viewings};

#[tokio::test]
async fn a_film_played_through_the_tv_ui_is_one_tv_ui_viewing_of_its_station() {
    let clock = TestClock::now();
    let (app, films) = app_with_films(&clock, 3, &["党章 第一集.mp4"]).await;
    let film = &films[0];
    let admin = app.signed_in("admin", Role::Admin).await;
    let (status, station) = app
        .post_json(
            &admin,
            "/api/v1/stations",
            json!({"code": "LJC-01", "name": "李家村", "kind": "village"}),
        )
        .await;
    assert_eq!(status, 201, "{station}");
    let station = station["id"].as_str().expect("station id").to_owned();
    // The broadcaster's screen: signed in, choosing the station; it also plays the film.
    let tv = app.signed_in("broadcaster", Role::Clerk).await;
    let (status, started) = app
        .post_json(
            &tv,
            "/api/v1/plays",
            json!({"film_id": film, "station_id": station}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let play = started["play_id"].as_str().expect("play_id").to_owned();
    let (base, segments) = media_playlist(&app, &tv, film).await;
    fetch_segments(&app, &tv, &base, &segments).await;

    let live = app.get_json_as(&tv, "/api/v1/plays?active=true").await;
    assert_eq!(live["total"], 1, "{live}");
    assert_eq!(live["items"][0]["station_id"], station.as_str());
    assert_eq!(live["items"][0]["film_id"], film.as_str());
    let metrics = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    let metrics = metrics.text().await.expect("text");
    assert!(metrics.contains("dianjiao_active_plays 1"), "{metrics}");

    // 12 s of film reported in steps the server clock allows.
    for pos in [3.5, 7.0, 10.5] {
        clock.pass(1.2);
        let path = format!("/api/v1/plays/{play}/heartbeat");
        let (status, body) = app
            .post_json(&tv, &path, json!({ "position_s": pos }))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    clock.pass(1.2);
    let end = format!("/api/v1/plays/{play}/end");
    let (status, record) = app.post_json(&tv, &end, json!({"position_s": 12.0})).await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["play_id"], play.as_str());
    assert_eq!(record["station_id"], station.as_str());
    assert_eq!(record["film_id"], film.as_str());
    assert_eq!(record["source"], "tv_ui");
    assert_eq!(record["inferred"], false);
    assert_eq!(record["status"], "showing");
    let watched = record["watched_s"].as_u64().expect("watched_s");
    let longest = segments.iter().map(|s| s.1).fold(0.0, f64::max);
    assert!(
        (watched as f64 - 12.0).abs() <= longest,
        "watched {watched}"
    );
    assert_eq!(record["furthest_position_s"], 12);

    let (status, again) = app.post_json(&tv, &end, json!({"position_s": 12.0})).await;
    assert_eq!(
        (status, &again),
        (200, &record),
        "a second end is the same record"
    );
    let view = app.get_json_as(&tv, &format!("/api/v1/plays/{play}")).await;
    assert_eq!(
        (view["active"].as_bool(), &view["seq"]),
        (Some(false), &record["seq"])
    );
    let hb = format!("/api/v1/plays/{play}/heartbeat");
    let (status, _) = app.post_json(&tv, &hb, json!({"position_s": 12.0})).await;
    assert_eq!(status, 409);
    // Its segment requests made no inferred play, now or after the idle time.
    fetch_segments(&app, &tv, &base, &segments[..1]).await;
    clock.pass(5.0);
    app.close_idle_plays().await;
    let all = viewings(&app, &admin).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["seq"], record["seq"]);
    assert_eq!(all[0]["station"], station.as_str());
    assert_eq!(all[0]["payload"]["watched_s"], watched);
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_is_appended() {
    let (app, films) = app_with_films(&TestClock::now(), 600, &["a.mp4"]).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let station = |code: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let body = json!({"code": code, "name": code, "kind": "village"});
            let (_, s) = app.post_json(&admin, "/api/v1/stations", body).await;
            s["id"].as_str().expect("station").to_owned()
        }
    };
    let ours = station("A-01").await;
    let theirs = station("B-01").await;
    let member = |st: String, no: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let path = format!("/api/v1/stations/{st}/members");
            let (status, m) = app
                .post_json(&admin, &path, json!({"name": "张三", "member_no": no}))
                .await;
            assert_eq!(status, 201, "{m}");
            m["id"].as_str().expect("member").to_owned()
        }
    };
    let zhang = member(ours.clone(), "001").await;
    let stranger = member(theirs.clone(), "002").await;
    let len = || app.app.ledger.len();
    let before = len();

    let (status, body) = app
        .post_json(
            &admin,
            "/api/v1/plays",
            json!({"film_id": "0000000000000000"}),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let (status, _) = app
        .post_json(
            &admin,
            "/api/v1/plays",
            json!({"film_id": films[0], "station_id": "st_nowhere"}),
        )
        .await;
    assert_eq!(status, 404);
    let anon = app.client();
    let (status, _) = app
        .post_json(
            &anon,
            "/api/v1/plays",
            json!({"film_id": films[0], "station_id": ours}),
        )
        .await;
    assert_eq!(status, 403, "an anonymous caller cannot choose a station");
    for tail in ["heartbeat", "end"] {
        let path = format!("/api/v1/plays/pl_000000000000/{tail}");
        let (status, _) = app
            .post_json(&anon, &path, json!({"position_s": 1.0}))
            .await;
        assert_eq!(status, 404, "{tail}");
    }
    let (status, _) = app
        .post_json(
            &anon,
            "/api/v1/plays/pl_000000000000/signins",
            json!({"member_id": zhang}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(len(), before, "nothing appended");

    let (_, started) = app
        .post_json(
            &admin,
            "/api/v1/plays",
            json!({"film_id": films[0], "station_id": ours}),
        )
        .await;
    let play = started["play_id"].as_str().expect("play").to_owned();
    let signins = format!("/api/v1/plays/{play}/signins");
    let before = len();
    // Only the caller that started it may add to it.
    let (status, body) = app
        .post_json(&anon, &signins, json!({"member_id": zhang}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("not_your_play"))
    );
    let (status, body) = app
        .post_json(&admin, &signins, json!({"member_id": stranger}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("other_station")),
        "{body}"
    );
    let (status, _) = app
        .post_json(&admin, &signins, json!({"member_id": "m_nobody"}))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_json(
            &admin,
            &format!("/api/v1/plays/{play}/heartbeat"),
            json!({"position_s": -3}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .post_json(
            &admin,
            &format!("/api/v1/plays/{play}/discussion"),
            json!({"text": " "}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(len(), before, "refusals append nothing");

    let (status, first) = app
        .post_json(&admin, &signins, json!({"member_id": zhang}))
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["kind"], "signin");
    assert_eq!(first["payload"]["member_no"], "001");
    assert_eq!(first["payload"]["late"], false);
    let (status, again) = app
        .post_json(&admin, &signins, json!({"member_id": zhang}))
        .await;
    assert_eq!((status, &again), (200, &first), "a member signs in once");
    assert_eq!(len(), before + 1);

    let (status, talk) = app
        .post_json(
            &admin,
            &format!("/api/v1/plays/{play}/discussion"),
            json!({"text": "谈体会"}),
        )
        .await;
    assert_eq!((status, talk["kind"].as_str()), (201, Some("discussion")));
    let (status, fb) = app
        .post_json(
            &admin,
            &format!("/api/v1/plays/{play}/feedback"),
            json!({"text": "好"}),
        )
        .await;
    assert_eq!(
        (status, fb["payload"]["film_id"].as_str()),
        (201, Some(films[0].as_str()))
    );
    let (status, record) = app
        .post_json(&admin, &format!("/api/v1/plays/{play}/end"), json!({}))
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["signins"], 1);
    assert_eq!(record["status"], "aborted");

    // A play with no station takes no sign-ins.
    let (_, started) = app
        .post_json(&anon, "/api/v1/plays", json!({"film_id": films[0]}))
        .await;
    assert!(started["station_id"].is_null());
    let path = format!(
        "/api/v1/plays/{}/signins",
        started["play_id"].as_str().expect("play")
    );
    let (status, body) = app
        .post_json(&anon, &path, json!({"member_id": zhang}))
        .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("no_station")));
}
