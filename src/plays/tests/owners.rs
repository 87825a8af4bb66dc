//! Who may write to a play, how much one client may do, and what a play with no station
//! leaves behind.

use super::*;

#[test]
fn only_the_caller_that_started_a_play_may_report_end_or_add_to_it() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let zhang = rig.member(&station, "001");
    let plays = rig.plays();
    let (tv_a, tv_b) = (tv(&station), tv2(&station));
    let owner = Actor {
        who: &tv_a,
        client: Some(ip("10.0.0.5")),
    };
    let strangers = [
        // Another TV of the same station, at the same address.
        Actor {
            who: &tv_b,
            client: Some(ip("10.0.0.5")),
        },
        // No cookie at all, from the TV's own address.
        Actor {
            who: &Principal::Anonymous,
            client: Some(ip("10.0.0.5")),
        },
        Actor {
            who: &Principal::Anonymous,
            client: None,
        },
    ];
    let play = plays.start(&rig.film, owner, None, 0.0).expect("start");
    for s in strangers {
        assert!(matches!(
            plays.heartbeat(&play.id, s, 5.0),
            Err(PlaysError::NotYours(_))
        ));
        assert!(matches!(
            plays.sign_in(&play.id, s, &zhang),
            Err(PlaysError::NotYours(_))
        ));
        assert!(matches!(
            plays.discuss(&play.id, s, "x"),
            Err(PlaysError::NotYours(_))
        ));
        assert!(matches!(
            plays.feedback(&play.id, s, "x"),
            Err(PlaysError::NotYours(_))
        ));
        assert!(matches!(
            plays.end(&play.id, s, None),
            Err(PlaysError::NotYours(_))
        ));
    }
    assert!(rig.viewings().is_empty());
    assert!(rig.entries(EntryKind::Signin).is_empty());

    // Revoking the TV ends its play; its old cookie now reads as anonymous.
    rig.advance(30.0);
    plays.heartbeat(&play.id, owner, 30.0).expect("heartbeat");
    assert_eq!(plays.end_device_plays("dv_tv_b").expect("none"), 0);
    assert_eq!(
        plays
            .end_device_plays(&format!("dv_{station}"))
            .expect("ends"),
        1
    );
    assert!(plays.active().is_empty());
    let v = rig.viewings();
    assert_eq!((v.len(), v[0].watched_s), (1, 30));
}

#[test]
fn a_client_has_a_bounded_number_of_open_plays_and_starts_an_hour() {
    let rig = Rig::new();
    let plays = rig.plays();
    let me = Actor {
        who: &Principal::Anonymous,
        client: Some(ip("10.0.0.8")),
    };
    let limits = PlayLimits::default();
    for _ in 0..limits.open_per_client {
        plays.start(&rig.film, me, None, 0.0).expect("start");
    }
    assert!(matches!(
        plays.start(&rig.film, me, None, 0.0),
        Err(PlaysError::TooMany { .. })
    ));
    let other = Actor {
        who: &Principal::Anonymous,
        client: Some(ip("10.0.0.9")),
    };
    plays
        .start(&rig.film, other, None, 0.0)
        .expect("another client");
    for p in plays.active() {
        let by = if p.client.as_deref() == Some("10.0.0.9") {
            other
        } else {
            me
        };
        plays.end(&p.play_id, by, None).expect("end");
    }
    // `other` has started one; the rest of its hour's allowance:
    for _ in 1..limits.starts_per_hour {
        let p = plays.start(&rig.film, other, None, 0.0).expect("start");
        plays.end(&p.id, other, None).expect("end");
    }
    assert!(matches!(
        plays.start(&rig.film, other, None, 0.0),
        Err(PlaysError::TooMany { .. })
    ));
    rig.advance(3600.0);
    plays
        .start(&rig.film, other, None, 0.0)
        .expect("a new hour");
}

#[test]
fn a_play_without_a_station_takes_no_sign_ins_and_makes_no_record() {
    let rig = Rig::new();
    let station = rig.station("LJC-01");
    let zhang = rig.member(&station, "001");
    let plays = rig.plays();
    let me = Actor {
        who: &Principal::Anonymous,
        client: Some(ip("10.0.0.77")),
    };
    let len = rig.ledger.len();
    let play = plays.start(&rig.film, me, None, 0.0).expect("start");
    assert!(matches!(
        plays.sign_in(&play.id, me, &zhang),
        Err(PlaysError::NoStation(_))
    ));
    assert!(matches!(
        plays.discuss(&play.id, me, "谈体会"),
        Err(PlaysError::NoStation(_))
    ));
    rig.advance(120.0);
    plays.heartbeat(&play.id, me, 120.0).expect("heartbeat");
    let ended = plays.end(&play.id, me, None).expect("end");
    assert_eq!(ended.seq, None);
    assert_eq!(rig.ledger.len(), len, "no entry for a play with no station");
    let seen = plays.unregistered().expect("statistics");
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].address.as_str(), seen[0].plays, seen[0].watched_s),
        ("10.0.0.77", 1, 120)
    );
    rig.advance(PlayLimits::default().unregistered_keep_days as f64 * 86_400.0 + 1.0);
    assert!(
        plays.unregistered().expect("statistics").is_empty(),
        "kept for a while only"
    );
}
