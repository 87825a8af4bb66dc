//! Two viewers far apart in one unprepared film: each gets a producer of its own within
//! `jit_max`, the one behind stops where it reaches the other's segments (which then serve
//! both), so neither stalls and no segment is made twice; with `jit_max` = 1 the newcomer
//! is told the server is busy and the viewer playing on is never moved away.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde_json::Value;

use crate::jit::unprepared_dvd;
use crate::support::{spawn_app_with, TestApp};

/// A viewer whose requests come from `127.0.0.<last>`.
fn viewer(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .expect("client")
}

/// The time between two segment requests of a paced viewer (a player buffering ahead
/// asks faster than real time; what matters is that the two viewers' requests interleave).
const PACE: Duration = Duration::from_millis(150);

/// Fetches segments `from..to` in order, one every [`PACE`]: the status of each.
async fn play(
    app: &TestApp,
    client: reqwest::Client,
    film: &str,
    rung: &str,
    from: usize,
    to: usize,
) -> Vec<(usize, u16, usize)> {
    let mut answers = Vec::new();
    for index in from..to {
        let res = client
            .get(app.url(&format!("/hls/{film}/{rung}/seg-{index:05}.ts")))
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let bytes = res.bytes().await.expect("body").len();
        answers.push((index, status, bytes));
        tokio::time::sleep(PACE).await;
    }
    answers
}

/// The value of a metric at `/metrics`.
pub(crate) async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_viewers_far_apart_each_get_every_segment_from_a_producer_of_their_own() {
    let app = spawn_app_with(|s| s.jit_max = 2).await;
    let (id, rung) = unprepared_dvd(&app, "两头看.vob", 60).await;
    let segments = 10;
    let far = segments * 6 / 10;

    // Both start at once: one from the top, one 60 % in; the first plays on into the
    // part the second's producer makes.
    let (front, back) = tokio::join!(
        play(&app, viewer(31), &id, &rung, 0, segments),
        play(&app, viewer(32), &id, &rung, far, segments),
    );
    for (index, status, bytes) in front.iter().chain(&back) {
        assert_eq!(*status, 200, "segment {index}: {front:?} {back:?}");
        assert!(*bytes > 0, "segment {index} is empty");
    }
    // Wait for the producers to end (the one behind stopped at the other's segments, the
    // one ahead at the film's end) before reading the counters.
    let jit = app.app.jit.clone();
    for _ in 0..200 {
        if jit.running_transcodes() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(jit.running_transcodes(), 0, "both producers ended");
    assert_eq!(
        metric(&app, "dianjiao_jit_producers_started_total").await,
        2,
        "one producer per viewer, neither restarted"
    );
    assert_eq!(
        metric(&app, "dianjiao_jit_segments_made_total").await,
        segments as u64,
        "every segment made once: the producer behind stopped where the other's began"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_slot_the_second_viewer_is_told_to_wait_and_the_first_plays_on() {
    let app = spawn_app_with(|s| s.jit_max = 1).await;
    let (id, rung) = unprepared_dvd(&app, "一个位.vob", 120).await;
    let first = viewer(41);
    let opening = play(&app, first.clone(), &id, &rung, 0, 2).await;
    assert!(opening.iter().all(|(_, s, _)| *s == 200), "{opening:?}");

    // Far ahead of the first viewer's producer, which the first viewer plays on through.
    let res = viewer(42)
        .get(app.url(&format!("/hls/{id}/{rung}/seg-00012.ts")))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 503);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!(retry > 0);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "busy", "{body}");

    let rest = play(&app, first, &id, &rung, 2, 8).await;
    assert!(
        rest.iter().all(|(_, s, _)| *s == 200),
        "the first viewer plays on: {rest:?}"
    );
    assert_eq!(
        metric(&app, "dianjiao_jit_producers_started_total").await,
        1,
        "the first viewer's producer was never moved"
    );
    app.app
        .jit
        .stop(&media_catalog::FilmId::parse(&id).expect("id"));
}
