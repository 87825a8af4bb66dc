//! Reported plays: credited time, ends, stations, sign-ins and the late rule.

use super::*;

#[test]
fn reported_positions_credit_distinct_film_time_by_the_server_clock() {
    let rig = Rig::new();
    let plays = rig.plays();
    let play = plays
        .start(
            &rig.film,
            &Principal::Anonymous,
            None,
            Some(ip("10.0.0.5")),
            0.0,
        )
        .expect("start");
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
        plays.heartbeat(&play.id, pos).expect("heartbeat");
    }
    rig.advance(5.0);
    let ended = plays.end(&play.id, Some(155.0)).expect("end");
    let v = &ended.viewing;
    assert_eq!(v.watched_s, 35);
    assert_eq!(v.furthest_position_s, 155);
    assert_eq!((v.source, v.inferred), (Source::TvUi, false));
    assert_eq!(v.status, ViewingStatus::Showing);
    assert_eq!(v.station_id, None);
    assert_eq!(v.duration_s, 600);
    assert_eq!(v.started_at, "2026-03-10T10:00:00Z");
    assert_eq!(v.ended_at, "2026-03-10T10:00:48Z");

    let len = rig.ledger.len();
    let again = plays.end(&play.id, Some(300.0)).expect("second end");
    assert_eq!(again, ended, "the same record");
    assert_eq!(rig.ledger.len(), len, "nothing appended");
    assert!(matches!(
        plays.heartbeat(&play.id, 160.0),
        Err(PlaysError::Ended(_))
    ));
    assert!(matches!(
        plays.heartbeat("pl_000000000000", 1.0),
        Err(PlaysError::UnknownPlay(_))
    ));
    assert_eq!(rig.viewings().len(), 1);
}

#[test]
fn a_short_play_is_recorded_as_aborted() {
    let rig = Rig::new();
    let plays = rig.plays();
    let play = plays
        .start(&rig.film, &Principal::Anonymous, None, None, 0.0)
        .expect("start");
    rig.advance(10.0);
    let ended = plays.end(&play.id, Some(10.0)).expect("end");
    assert_eq!(ended.viewing.watched_s, 10);
    assert_eq!(ended.viewing.status, ViewingStatus::Aborted);
}

#[test]
fn entries_made_after_the_showing_day_are_late_and_a_member_signs_in_once() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let zhang = rig.member(&station, "001");
    let wang = rig.member(&station, "002");
    let elsewhere = rig.station("LJC-02");
    let stranger = rig.member(&elsewhere, "001");
    let plays = rig.plays();
    let play = plays
        .start(&rig.film, &clerk(), Some(&station), None, 0.0)
        .expect("start");

    // 18:00 local: same day.
    let first = plays.sign_in(&play.id, &zhang).expect("sign in");
    assert!(first.created);
    let s: Signin = serde_json::from_value(first.entry.payload.clone()).expect("signin");
    assert_eq!(s.day.showing_date.to_string(), "2026-03-10");
    assert!(!s.day.late);
    let len = rig.ledger.len();
    let repeat = plays.sign_in(&play.id, &zhang).expect("repeat");
    assert!(!repeat.created);
    assert_eq!(repeat.entry, first.entry);
    assert_eq!(rig.ledger.len(), len, "a repeat appends nothing");
    assert!(matches!(
        plays.sign_in(&play.id, &stranger),
        Err(PlaysError::OtherStation { .. })
    ));
    assert!(matches!(
        plays.sign_in(&play.id, "m_nobody"),
        Err(PlaysError::Stations(StationsError::UnknownMember(_)))
    ));
    assert_eq!(rig.ledger.len(), len, "refusals append nothing");

    // 23:59 local, still the showing day; the play ends with one sign-in.
    rig.advance(5.0 * 3600.0 + 59.0 * 60.0);
    plays.end(&play.id, None).expect("end");
    assert_eq!(rig.viewings()[0].signins, 1);

    // 00:01 local the next day: late, still accepted.
    rig.advance(120.0);
    let late = plays.sign_in(&play.id, &wang).expect("late sign-in");
    let s: Signin = serde_json::from_value(late.entry.payload).expect("signin");
    assert!(s.day.late);
    assert_eq!(s.day.entered_date.to_string(), "2026-03-11");
    let talk = plays
        .discuss(&play.id, " 大家谈了学习体会 ")
        .expect("discussion");
    assert_eq!(talk.payload["late"], true);
    assert_eq!(talk.payload["text"], "大家谈了学习体会");
    assert_eq!(talk.station.as_deref(), Some(station.as_str()));
    assert!(matches!(
        plays.discuss(&play.id, "  "),
        Err(PlaysError::Invalid(_))
    ));
    assert!(matches!(
        plays.discuss(&play.id, &"字".repeat(2001)),
        Err(PlaysError::Invalid(_))
    ));
    let fb = plays
        .feedback(&play.id, "希望多放农业技术片")
        .expect("feedback");
    assert_eq!(fb.payload["play_id"], play.id.as_str());
    assert_eq!(
        rig.viewings()[0].signins,
        1,
        "the viewing entry is never edited"
    );
}

#[test]
fn a_play_without_a_station_takes_no_sign_ins() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let zhang = rig.member(&station, "001");
    let plays = rig.plays();
    let play = plays
        .start(&rig.film, &Principal::Anonymous, None, None, 0.0)
        .expect("start");
    assert!(matches!(
        plays.sign_in(&play.id, &zhang),
        Err(PlaysError::NoStation(_))
    ));
}

#[test]
fn stations_are_chosen_by_who_starts_the_play() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let plays = rig.plays();
    let tv = Principal::Device {
        station: station.clone(),
    };
    let p = plays.start(&rig.film, &tv, None, None, 0.0).expect("tv");
    assert_eq!(p.station_id.as_deref(), Some(station.as_str()));
    assert!(matches!(
        plays.start(&rig.film, &Principal::Anonymous, Some(&station), None, 0.0),
        Err(PlaysError::StationNotYours)
    ));
    assert!(matches!(
        plays.start(&rig.film, &clerk(), Some("st_nope"), None, 0.0),
        Err(PlaysError::Stations(StationsError::UnknownStation(_)))
    ));
    assert!(matches!(
        plays.start("00000000000000ff", &clerk(), None, None, 0.0),
        Err(PlaysError::UnknownFilm(_))
    ));
    assert!(matches!(
        plays.start(&rig.film, &clerk(), None, None, -1.0),
        Err(PlaysError::Invalid(_))
    ));
}

#[test]
fn a_close_cut_short_after_its_append_is_found_in_the_ledger_not_made_twice() {
    let rig = Rig::new();
    let plays = rig.plays();
    let play = plays
        .start(&rig.film, &Principal::Anonymous, None, None, 0.0)
        .expect("start");
    // What a crash leaves: the close marked in the store and the entry in the ledger, but
    // the play never stored as ended.
    let mut marked = play.clone();
    marked.closing_from = Some(rig.ledger.len());
    plays.put(&marked, true).expect("marked");
    let record = viewing(&marked, marked.started_ms + 40_000, MIN_S);
    let payload = serde_json::to_value(&record).expect("payload");
    let entry = rig
        .ledger
        .append(crate::ledger::Draft::new(EntryKind::Viewing, None, payload))
        .expect("appended");
    drop(plays);

    let plays = rig.plays();
    assert!(plays.active().is_empty(), "recognised as ended");
    let ended = plays.end(&play.id, Some(10.0)).expect("end");
    assert_eq!((ended.seq, &ended.viewing), (entry.seq, &record));
    rig.advance(IDLE_S as f64 * 2.0);
    plays.sweep();
    assert_eq!(rig.viewings().len(), 1);

    // Marked but never appended: the close happens after the restart.
    let other = plays
        .start(&rig.film, &Principal::Anonymous, None, None, 0.0)
        .expect("start");
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
