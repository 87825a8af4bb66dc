//! Plays inferred from the media requests of players that report nothing: HLS segments
//! (prepared and just in time) and byte ranges of tv.mp4, fetched at a player's pace by a
//! client whose address a station registered, become `viewing` entries with
//! `inferred: true` once the client has been idle for `play_idle_secs`.

use dianjiao::accounts::Role;

use crate::support::clock::TestClock;
use crate::support::plays::{
    app_with_films, fetch_segments, fetch_segments_paced, media_playlist, read_paced,
    register_loopback, station_with_roster, viewings_after,
};
use crate::support::spawn_app_on_clock;

#[tokio::test]
async fn a_player_that_reports_nothing_is_logged_from_its_media_requests() {
    // Idle longer than a segment: the player fetches one as playback reaches it.
    let clock = TestClock::now();
    let (app, films) = app_with_films(&clock, 8, &["hls.mp4", "dlna.mp4"]).await;
    let player = reqwest::Client::new();
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station, _) = station_with_roster(&app, &admin, "NYC").await;
    register_loopback(&app, &admin, &station).await;

    // An HLS player: playlists and the first segments as it plays them, then again.
    let (base, segments) = media_playlist(&app, &player, &films[0]).await;
    assert!(segments.len() >= 2, "{segments:?}");
    let n = segments.len() - 1;
    fetch_segments_paced(&app, &clock, &player, &base, &segments[..n]).await;
    fetch_segments(&app, &player, &base, &segments[..n]).await;
    let expected: f64 = segments[..n].iter().map(|s| s.1).sum();
    let longest = segments.iter().map(|s| s.1).fold(0.0, f64::max);

    // A plain player reading the first half of tv.mp4, after a probe and a HEAD.
    let url = app.url(&format!("/media/{}/tv.mp4", films[1]));
    let probe = player
        .get(&url)
        .header("range", "bytes=0-1")
        .send()
        .await
        .expect("probe");
    assert_eq!(probe.status(), 206);
    probe.bytes().await.expect("body");
    read_paced(&app, &clock, &player, &url, 12.0, 0.5).await;

    let found = viewings_after(&app, &clock, &clerk, 9.0).await;
    assert_eq!(found.len(), 2, "{found:?}");
    let of = |film: &str| {
        found
            .iter()
            .find(|e| e["payload"]["film_id"] == film)
            .unwrap_or_else(|| panic!("no viewing of {film} in {found:?}"))["payload"]
            .clone()
    };
    let hls = of(&films[0]);
    assert_eq!(hls["inferred"], true);
    assert_eq!(hls["source"], "dlna");
    assert_eq!(hls["station_id"], station.as_str());
    let watched = hls["watched_s"].as_f64().expect("watched");
    assert!(
        (watched - expected).abs() <= longest,
        "{watched} vs {expected}"
    );
    assert!(
        (watched - expected).abs() <= 1.0,
        "union of the segments: {watched} vs {expected}"
    );
    let mp4 = of(&films[1]);
    assert_eq!(mp4["inferred"], true);
    let watched = mp4["watched_s"].as_f64().expect("watched");
    assert!((watched - 6.0).abs() <= 1.0, "half of 12 s: {watched}");

    // Nothing else: no play of the HEAD request, one play per (client, film).
    assert_eq!(viewings_after(&app, &clock, &clerk, 3.0).await.len(), 2);
}

#[tokio::test]
async fn segments_made_just_in_time_count_as_the_plan_says() {
    let clock = TestClock::now();
    let app = spawn_app_on_clock(clock.ledger_clock(), |s| {
        s.play_idle_secs = 8;
        s.play_min_secs = 5;
    })
    .await;
    app.synth_clip("未准备.mp4", 12.0).await;
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films").await;
    let film = list["items"][0]["id"].as_str().expect("id").to_owned();
    assert_ne!(
        list["items"][0]["state"], "ready",
        "not prepared: played just in time"
    );
    let player = reqwest::Client::new();
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station, _) = station_with_roster(&app, &admin, "NYC").await;
    register_loopback(&app, &admin, &station).await;
    let (base, segments) = media_playlist(&app, &player, &film).await;
    assert!(segments.len() >= 2, "{segments:?}");
    fetch_segments_paced(&app, &clock, &player, &base, &segments[1..]).await;
    let expected: f64 = segments[1..].iter().map(|s| s.1).sum();

    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let found = viewings_after(&app, &clock, &clerk, 9.0).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let v = &found[0]["payload"];
    assert_eq!(
        (v["inferred"].as_bool(), v["film_id"].as_str()),
        (Some(true), Some(film.as_str()))
    );
    let watched = v["watched_s"].as_f64().expect("watched");
    assert!((watched - expected).abs() <= 1.0, "{watched} vs {expected}");
    assert_eq!(v["furthest_position_s"], 12);
}
