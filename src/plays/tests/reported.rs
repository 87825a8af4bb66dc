//! Reported plays: credited time, ends, stations, sign-ins and the late rule.

use super::*;

#[test]
fn reported_positions_credit_distinct_film_time_by_the_server_clock() {
    let rig = Rig::new();
    let plays = rig.plays();
    let station = rig.station("LJC-01");
    rig.stations
        .add_address(&station, ip("10.0.0.5"))
        .expect("address");
    let me = Actor {
        who: &Principal::Anonymous,
        client: Some(ip("10.0.0.5")),
    };
    let play = plays.start(&rig.film, me, None, 0.0).expect("start");
    let steps = [
        (10.0, 10.0),  // +10 watched
        (10.0, 20.0),  // +10
        (1.0, 5.0),    // seek back
        (10.0, 15.0),  // replay: nothing new
        (1.0, 100.0),  // seek forward: skipped
        (10.0, 110.0), // +10
        (1.0, 150.0),  // ahead of the clock: a seek
    ];
    for (wait, pos) in steps {
        rig.advance(wait);
        plays.heartbeat(&play.id, me, pos).expect("heartbeat");
    }
    rig.advance(5.0);
    let ended = plays.end(&play.id, me, Some(155.0)).expect("end");
    let v = &ended.viewing;
    assert_eq!(v.watched_s, 35);
    assert_eq!(v.furthest_position_s, 155);
    assert_eq!((v.source, v.inferred), (Source::TvUi, false));
    assert_eq!(v.status, ViewingStatus::Showing);
    assert_eq!(
        v.station_id.as_deref(),
        Some(station.as_str()),
        "by address"
    );
    assert_eq!(v.duration_s, 600);
    assert_eq!(v.started_at, "2026-03-10T10:00:00Z");
    assert_eq!(v.ended_at, "2026-03-10T10:00:48Z");

    let len = rig.ledger.len();
    let again = plays.end(&play.id, me, Some(300.0)).expect("second end");
    assert_eq!(again, ended, "the same record");
    assert_eq!(rig.ledger.len(), len, "nothing appended");
    assert!(matches!(
        plays.heartbeat(&play.id, me, 160.0),
        Err(PlaysError::Ended(_))
    ));
    assert!(matches!(
        plays.heartbeat("pl_000000000000", me, 1.0),
        Err(PlaysError::UnknownPlay(_))
    ));
    assert_eq!(rig.viewings().len(), 1);
}

#[test]
fn a_short_play_is_recorded_as_aborted() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let plays = rig.plays();
    let who = tv(&station);
    let me = Actor {
        who: &who,
        client: None,
    };
    let play = plays.start(&rig.film, me, None, 0.0).expect("start");
    rig.advance(10.0);
    let ended = plays.end(&play.id, me, Some(10.0)).expect("end");
    assert_eq!(ended.viewing.watched_s, 10);
    assert_eq!(ended.viewing.status, ViewingStatus::Aborted);
}

#[test]
fn entries_after_midnight_are_late_and_after_the_end_close_with_the_day() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let zhang = rig.member(&station, "001");
    let wang = rig.member(&station, "002");
    let liu = rig.member(&station, "003");
    let elsewhere = rig.station("LJC-02");
    let stranger = rig.member(&elsewhere, "001");
    let plays = rig.plays();
    let who = clerk();
    let me = Actor {
        who: &who,
        client: None,
    };
    let play = plays
        .start(&rig.film, me, Some(&station), 0.0)
        .expect("start");

    // 18:00 local: same day.
    let first = plays.sign_in(&play.id, me, &zhang).expect("sign in");
    assert!(first.created);
    let s: Signin = serde_json::from_value(first.entry.payload.clone()).expect("signin");
    assert_eq!(s.day.showing_date.to_string(), "2026-03-10");
    assert!(!s.day.late);
    let len = rig.ledger.len();
    let repeat = plays.sign_in(&play.id, me, &zhang).expect("repeat");
    assert!(!repeat.created);
    assert_eq!(repeat.entry, first.entry);
    assert_eq!(rig.ledger.len(), len, "a repeat appends nothing");
    assert!(matches!(
        plays.sign_in(&play.id, me, &stranger),
        Err(PlaysError::OtherStation { .. })
    ));
    assert!(matches!(
        plays.sign_in(&play.id, me, "m_nobody"),
        Err(PlaysError::Stations(StationsError::UnknownMember(_)))
    ));
    assert_eq!(rig.ledger.len(), len, "refusals append nothing");

    // 00:01 local the next day, the play still open: late, accepted.
    rig.advance(6.0 * 3600.0 + 60.0);
    let late = plays.sign_in(&play.id, me, &wang).expect("late sign-in");
    let s: Signin = serde_json::from_value(late.entry.payload).expect("signin");
    assert!(s.day.late);
    assert_eq!(s.day.entered_date.to_string(), "2026-03-11");
    plays.end(&play.id, me, None).expect("end");
    assert_eq!(rig.viewings()[0].signins, 2);

    // Just after the end, the same day and within the grace time: still taken.
    rig.advance(60.0);
    let talk = plays
        .discuss(&play.id, me, " 大家谈了学习体会 ")
        .expect("discussion");
    assert_eq!(talk.payload["late"], true);
    assert_eq!(talk.payload["text"], "大家谈了学习体会");
    assert_eq!(talk.station.as_deref(), Some(station.as_str()));
    assert!(matches!(
        plays.discuss(&play.id, me, "  "),
        Err(PlaysError::Invalid(_))
    ));
    assert!(matches!(
        plays.discuss(&play.id, me, &"字".repeat(2001)),
        Err(PlaysError::Invalid(_))
    ));
    let fb = plays
        .feedback(&play.id, me, "希望多放农业技术片")
        .expect("feedback");
    assert_eq!(fb.payload["play_id"], play.id.as_str());
    assert_eq!(
        rig.viewings()[0].signins,
        2,
        "the viewing entry is never edited"
    );

    // Past the grace time: nothing more from the TV; a late entry is the office's 补记.
    rig.advance(PlayLimits::default().entry_grace_secs as f64);
    let len = rig.ledger.len();
    assert!(matches!(
        plays.sign_in(&play.id, me, &liu),
        Err(PlaysError::EntriesClosed { .. })
    ));
    assert!(matches!(
        plays.discuss(&play.id, me, "补一条"),
        Err(PlaysError::EntriesClosed { .. })
    ));
    assert_eq!(rig.ledger.len(), len);
}

#[test]
fn entries_after_the_end_stop_at_midnight_even_within_the_grace_time() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let zhang = rig.member(&station, "001");
    let plays = rig.plays();
    let who = tv(&station);
    let me = Actor {
        who: &who,
        client: None,
    };
    // Ends at 23:50 local; ten minutes later is the next day.
    rig.advance(5.0 * 3600.0 + 50.0 * 60.0);
    let play = plays.start(&rig.film, me, None, 0.0).expect("start");
    plays.end(&play.id, me, None).expect("end");
    rig.advance(11.0 * 60.0);
    assert!(matches!(
        plays.sign_in(&play.id, me, &zhang),
        Err(PlaysError::EntriesClosed { .. })
    ));
}

#[test]
fn stations_are_chosen_by_who_starts_the_play() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let plays = rig.plays();
    let tv = tv(&station);
    let at = |who| Actor { who, client: None };
    let p = plays.start(&rig.film, at(&tv), None, 0.0).expect("tv");
    assert_eq!(p.station_id.as_deref(), Some(station.as_str()));
    assert!(matches!(
        plays.start(&rig.film, at(&Principal::Anonymous), Some(&station), 0.0),
        Err(PlaysError::StationNotYours)
    ));
    let clerk = clerk();
    assert!(matches!(
        plays.start(&rig.film, at(&clerk), Some("st_nope"), 0.0),
        Err(PlaysError::Stations(StationsError::UnknownStation(_)))
    ));
    assert!(matches!(
        plays.start("00000000000000ff", at(&clerk), None, 0.0),
        Err(PlaysError::UnknownFilm(_))
    ));
    assert!(matches!(
        plays.start(&rig.film, at(&clerk), None, -1.0),
        Err(PlaysError::Invalid(_))
    ));
}

#[test]
fn a_close_cut_short_after_its_append_is_found_in_the_ledger_not_made_twice() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let who = tv(&station);
    let me = Actor {
        who: &who,
        client: None,
    };
    let plays = rig.plays();
    let play = plays.start(&rig.film, me, None, 0.0).expect("start");
    // What a crash leaves: the close marked in the store and the entry in the ledger, but
    // the play never stored as ended.
    let mut marked = play.clone();
    marked.closing_from = Some(rig.ledger.len());
    plays.put(&marked, true).expect("marked");
    let record = viewing(&marked, marked.started_ms + 40_000, MIN_S);
    let payload = serde_json::to_value(&record).expect("payload");
    let entry = rig
        .ledger
        .append(crate::ledger::Draft::new(
            EntryKind::Viewing,
            Some(&station),
            payload,
        ))
        .expect("appended");
    drop(plays);

    let plays = rig.plays();
    assert!(plays.active().is_empty(), "recognised as ended");
    let ended = plays.end(&play.id, me, Some(10.0)).expect("end");
    assert_eq!((ended.seq, &ended.viewing), (Some(entry.seq), &record));
    rig.advance(IDLE_S as f64 * 2.0);
    plays.sweep();
    assert_eq!(rig.viewings().len(), 1);

    // Marked but never appended: the close happens after the restart.
    let other = plays.start(&rig.film, me, None, 0.0).expect("start");
    let mut marked = other.clone();
    marked.closing_from = Some(rig.ledger.len());
    plays.put(&marked, true).expect("marked");
    drop(plays);
    let plays = rig.plays();
    assert_eq!(plays.active().len(), 1);
    rig.advance(IDLE_S as f64 + 1.0);
    assert_eq!(plays.sweep(), 1);
    assert_eq!(rig.viewings().len(), 2);
}
