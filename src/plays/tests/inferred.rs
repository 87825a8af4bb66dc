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
    let station = rig.station("LJC-01");
    rig.stations
        .add_address(&station, ip("10.0.0.9"))
        .expect("address");
    let plays = rig.plays();
    for i in 0..10 {
        plays.observe(
            from("10.0.0.9"),
            &rig.film,
            span(i as f64 * 6.0, i as f64 * 6.0 + 6.0),
        );
        rig.advance(6.0);
    }
    // A minute later: a rewatch of the first minute adds nothing; a byte range of the last
    // tenth adds 60 s (two minutes have passed, so they may be earned).
    rig.advance(60.0);
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
    assert_eq!((v[0].source, v[0].inferred), (Source::Dlna, true));
    assert_eq!(v[0].station_id.as_deref(), Some(station.as_str()));
    assert_eq!(v[0].client.as_deref(), Some("10.0.0.9"));
    assert_eq!(v[0].ended_at, "2026-03-10T10:02:00Z", "its last request");
    drop(plays);
    let plays = rig.plays();
    rig.advance(IDLE_S as f64 * 3.0);
    assert_eq!(plays.sweep(), 0, "an ended play stays ended");
    assert_eq!(rig.viewings().len(), 1);
}

#[test]
fn media_requests_of_a_reported_play_make_no_second_play() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    for a in ["10.0.0.7", "10.0.0.8"] {
        rig.stations.add_address(&station, ip(a)).expect("address");
    }
    let plays = rig.plays();
    let client = Some(ip("10.0.0.7"));
    let me = Actor {
        who: &Principal::Anonymous,
        client,
    };
    // The player fetched a segment just before the TV UI reported the start.
    plays.observe(from("10.0.0.7"), &rig.film, span(0.0, 6.0));
    plays.sweep();
    let play = plays.start(&rig.film, me, None, 0.0).expect("start");
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
    plays.end(&play.id, me, Some(30.0)).expect("end");
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

#[test]
fn delivered_film_time_is_earned_no_faster_than_the_clock() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    rig.stations
        .add_address(&station, ip("10.0.0.9"))
        .expect("address");
    let plays = rig.plays();
    // The whole 600 s film in one request: a download, not a showing.
    let all = Delivered::Bytes {
        from: 0,
        to: 1000,
        len: 1000,
    };
    plays.observe(from("10.0.0.9"), &rig.film, all);
    plays.sweep();
    assert_eq!(plays.active()[0].watched_s, READ_AHEAD_S);
    rig.advance(IDLE_S as f64 + 1.0);
    assert_eq!(plays.sweep(), 1);
    let v = rig.viewings();
    assert_eq!(v[0].watched_s, READ_AHEAD_S as u64);
    assert_eq!(v[0].status, ViewingStatus::Aborted);
}

#[test]
fn one_client_plays_one_film_at_a_time_and_a_flood_of_idle_plays_closes_in_batches() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    rig.stations
        .add_address(&station, ip("10.0.0.9"))
        .expect("address");
    let plays = rig.plays();
    // Twelve films side by side from one TV: the older ones are superseded, not kept
    // running to be credited in parallel.
    for n in 0..12u64 {
        let film = film(&format!("{:016x}", 0xb00 + n));
        rig.catalog.put(&film).expect("film");
        plays.observe(from("10.0.0.9"), film.id.as_str(), span(0.0, 6.0));
    }
    plays.sweep();
    plays.sweep();
    assert!(plays.active().len() <= 2, "{:?}", plays.active().len());
    assert_eq!(rig.viewings().len(), 10, "the superseded ones are closed");

    // 200 anonymous addresses' idle plays: closed a batch per sweep, none lost.
    for n in 0..200 {
        plays.observe(
            from(&format!("10.1.{}.{}", n / 200, n % 200)),
            &rig.film,
            span(0.0, 6.0),
        );
    }
    plays.sweep();
    rig.advance(IDLE_S as f64 + 1.0);
    let mut sweeps = 0;
    while !plays.active().is_empty() {
        assert!(plays.sweep() <= 64, "a bounded batch");
        sweeps += 1;
        assert!(sweeps < 10);
    }
    assert!(sweeps >= 3, "more than one batch");
    assert_eq!(
        rig.viewings().len(),
        12,
        "stationless plays make no entries"
    );
    assert_eq!(plays.unregistered().expect("stats").len(), 200);
    // Registered to a station: no longer listed as unregistered.
    rig.stations
        .add_address(&station, ip("10.1.0.7"))
        .expect("address");
    let left = plays.unregistered().expect("stats");
    assert_eq!(left.len(), 199);
    assert!(left.iter().all(|v| v.address != "10.1.0.7"));
}
