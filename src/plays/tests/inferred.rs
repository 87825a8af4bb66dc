//! Inferred plays: media requests grouped, idle closing, restarts, no double counting.

use super::*;

fn span(a: f64, b: f64) -> Delivered {
    Delivered::Span {
        start_s: a,
        end_s: b,
    }
}

fn from(addr: &str) -> Requester {
    Requester {
        station: None,
        client: Some(ip(addr)),
    }
}

#[test]
fn media_requests_make_an_inferred_play_closed_when_idle_even_across_a_restart() {
    let rig = Rig::new();
    let plays = rig.plays();
    for i in 0..10 {
        plays.observe(
            from("10.0.0.9"),
            &rig.film,
            span(i as f64 * 6.0, i as f64 * 6.0 + 6.0),
        );
        rig.advance(6.0);
    }
    // A rewatch of the first minute adds nothing; a byte range of the last tenth adds 60 s.
    plays.observe(from("10.0.0.9"), &rig.film, span(0.0, 60.0));
    let tail = Delivered::Bytes {
        from: 900,
        to: 1000,
        len: 1000,
    };
    plays.observe(from("10.0.0.9"), &rig.film, tail);
    assert_eq!(plays.sweep(), 0);
    let live = plays.active();
    assert_eq!(live.len(), 1);
    assert!(live[0].inferred);
    assert_eq!(live[0].watched_s, 120.0);
    assert_eq!(rig.metrics.active_plays.load(Ordering::Relaxed), 1);
    drop(plays);

    // A restart keeps it open; once idle past the limit, the sweep closes it.
    let plays = rig.plays();
    assert_eq!(plays.active().len(), 1);
    rig.advance(IDLE_S as f64 + 1.0);
    assert_eq!(plays.sweep(), 1);
    assert!(plays.active().is_empty());
    assert_eq!(rig.metrics.active_plays.load(Ordering::Relaxed), 0);
    let v = rig.viewings();
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].watched_s, v[0].furthest_position_s), (120, 600));
    assert_eq!((v[0].source, v[0].inferred), (Source::Direct, true));
    assert_eq!(v[0].client.as_deref(), Some("10.0.0.9"));
    assert_eq!(v[0].ended_at, "2026-03-10T10:01:00Z", "its last request");
    drop(plays);
    let plays = rig.plays();
    rig.advance(IDLE_S as f64 * 3.0);
    assert_eq!(plays.sweep(), 0, "an ended play stays ended");
    assert_eq!(rig.viewings().len(), 1);
}

#[test]
fn media_requests_of_a_reported_play_make_no_second_play() {
    let rig = Rig::new();
    let plays = rig.plays();
    let client = Some(ip("10.0.0.7"));
    // The player fetched a segment just before the TV UI reported the start.
    plays.observe(from("10.0.0.7"), &rig.film, span(0.0, 6.0));
    plays.sweep();
    let play = plays
        .start(&rig.film, &Principal::Anonymous, None, client, 0.0)
        .expect("start");
    for i in 1..5 {
        plays.observe(
            from("10.0.0.7"),
            &rig.film,
            span(i as f64 * 6.0, i as f64 * 6.0 + 6.0),
        );
    }
    plays.sweep();
    assert_eq!(plays.active().len(), 1, "only the reported play");
    rig.advance(30.0);
    plays.end(&play.id, Some(30.0)).expect("end");
    // Shortly after the end its requests still belong to it.
    plays.observe(from("10.0.0.7"), &rig.film, span(30.0, 36.0));
    plays.sweep();
    assert!(plays.active().is_empty());
    // Another client is another play.
    plays.observe(from("10.0.0.8"), &rig.film, span(0.0, 6.0));
    plays.sweep();
    assert_eq!(plays.active().len(), 1);
    rig.advance(IDLE_S as f64 + 1.0);
    plays.sweep();
    let v = rig.viewings();
    assert_eq!(v.len(), 2);
    assert!(!v[0].inferred && v[1].inferred);
    assert_eq!(v[1].client.as_deref(), Some("10.0.0.8"));
}
