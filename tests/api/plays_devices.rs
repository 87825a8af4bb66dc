//! Plays of the two kinds of village TV: one paired with a code (its plays and sign-ins go to
//! its station without naming it) and a DLNA TV that cannot pair, registered by its address
//! (its media requests become a `dlna` viewing of its station).

use dianjiao::accounts::Role;
use serde_json::json;

use crate::support::clock::TestClock;
use crate::support::plays::{
    app_with_films, entries_of, fetch_segments, media_playlist, paired_tv, read_paced,
    register_loopback, station_with_roster, viewings, viewings_after,
};

#[tokio::test]
async fn a_paired_tv_plays_and_signs_in_for_its_own_station_without_naming_it() {
    let clock = TestClock::now();
    let (app, films) = app_with_films(&clock, 3, &["党章 第二集.mp4"]).await;
    let film = &films[0];
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station, members) = station_with_roster(&app, &admin, "QLC").await;
    let (_, others) = station_with_roster(&app, &admin, "DFC").await;
    let tv = paired_tv(&app, &admin, &station).await;

    let (status, started) = app
        .post_json(&tv, "/api/v1/plays", json!({"film_id": film}))
        .await;
    assert_eq!(status, 201, "{started}");
    let play = started["play_id"].as_str().expect("play").to_owned();
    // The TV's player fetches the segments too: they belong to this play.
    let (base, segments) = media_playlist(&app, &tv, film).await;
    fetch_segments(&app, &tv, &base, &segments).await;
    for pos in [4.0, 8.0, 12.0] {
        clock.pass(1.5);
        let path = format!("/api/v1/plays/{play}/heartbeat");
        let (status, body) = app.post_json(&tv, &path, json!({"position_s": pos})).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, record) = app
        .post_json(
            &tv,
            &format!("/api/v1/plays/{play}/end"),
            json!({"position_s": 12.0}),
        )
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["station_id"], station.as_str());
    assert_eq!(record["source"], "tv_ui");

    // After the film: the station's two members sign in; another station's may not.
    let signins = format!("/api/v1/plays/{play}/signins");
    for m in &members {
        let (status, e) = app.post_json(&tv, &signins, json!({"member_id": m})).await;
        assert_eq!(status, 201, "{e}");
        assert_eq!(e["station"], station.as_str());
    }
    let (status, e) = app
        .post_json(&tv, &signins, json!({"member_id": others[0]}))
        .await;
    assert_eq!(status, 422, "{e}");

    let clerk = app.signed_in("clerk", Role::Clerk).await;
    clock.pass(4.0);
    app.close_idle_plays().await;
    let found = viewings(&app, &clerk).await;
    assert_eq!(
        found.len(),
        1,
        "the TV's own segment requests made no second play: {found:?}"
    );
    let signed = entries_of(&app, &clerk, "signin").await;
    assert_eq!(signed.len(), 2, "{signed:?}");
    assert!(signed
        .iter()
        .all(|e| e["payload"]["play_id"] == play.as_str()));
    assert!(signed.iter().all(|e| e["payload"]["late"] == false));
}

#[tokio::test]
async fn a_dlna_tv_registered_by_address_is_logged_as_a_dlna_showing_of_its_station() {
    let clock = TestClock::now();
    let (app, films) = app_with_films(&clock, 2, &["肉牛养殖技术.mp4"]).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station, _) = station_with_roster(&app, &admin, "NYC").await;
    // The test client connects from loopback: that is the TV's address.
    register_loopback(&app, &admin, &station).await;

    // The TV reads tv.mp4 as it plays it.
    let tv = reqwest::Client::new();
    let url = app.url(&format!("/media/{}/tv.mp4", films[0]));
    read_paced(&app, &clock, &tv, &url, 12.0, 1.0).await;

    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let found = viewings_after(&app, &clock, &clerk, 3.0).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let v = &found[0];
    assert_eq!(v["station"], station.as_str());
    assert_eq!(v["payload"]["source"], "dlna");
    assert_eq!(v["payload"]["inferred"], true);
    let watched = v["payload"]["watched_s"].as_f64().expect("watched");
    assert!(
        (watched - 12.0).abs() <= 1.0,
        "the whole 12 s film: {watched}"
    );
    assert_eq!(v["payload"]["status"], "showing");
}
