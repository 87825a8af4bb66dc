//! Plays on a scripted clock: credited time, the late rule, idle closing and restarts,
//! against a real ledger, stations store and catalog in a temporary folder.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use media_catalog::{Catalog, Film, FilmId, FilmState, Fingerprint, MediaInfo, SourceFile};
use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::ledger::{Entry, EntryKind, Ledger, LedgerClock};
use crate::records::{Signin, ViewingStatus};
use crate::stations::{NewMember, NewStation, StationKind};

const FILM_S: f64 = 600.0;
const IDLE_S: u64 = 60;
const MIN_S: u64 = 30;

/// A data folder with a ledger, stations, one 600 s film, and a clock the test moves.
struct Rig {
    _dir: tempfile::TempDir,
    db: sled::Db,
    ledger: Arc<Ledger>,
    stations: Arc<Stations>,
    catalog: Arc<Catalog>,
    metrics: Arc<Metrics>,
    now: Arc<Mutex<OffsetDateTime>>,
    film: String,
}

impl Rig {
    fn new() -> Rig {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = sled::Config::new()
            .path(dir.path().join("db"))
            .open()
            .expect("db");
        let ledger = Arc::new(Ledger::open(&dir.path().join("ledger")).expect("ledger"));
        let stations = Arc::new(Stations::open(&db, ledger.clone(), "本乡").expect("stations"));
        let catalog = Arc::new(Catalog::open_with_ram_index(&db).expect("catalog"));
        let film = film("0000000000000abc");
        catalog.put(&film).expect("film");
        Rig {
            _dir: dir,
            db,
            ledger,
            stations,
            catalog,
            metrics: Arc::default(),
            // 18:00 in the township (UTC+8).
            now: Arc::new(Mutex::new(datetime!(2026-03-10 10:00:00 UTC))),
            film: film.id.as_str().to_owned(),
        }
    }

    /// Plays as a (re)started server opens them.
    fn plays(&self) -> Plays {
        let now = self.now.clone();
        let deps = Deps {
            db: self.db.clone(),
            ledger: self.ledger.clone(),
            stations: self.stations.clone(),
            catalog: self.catalog.clone(),
            metrics: self.metrics.clone(),
            days: Days::new(480),
            film_dir: Box::new(|_| PathBuf::from("/nonexistent")),
            planned_segments: Box::new(|_| None),
        };
        let cfg = PlaysConfig {
            idle_secs: IDLE_S,
            min_secs: MIN_S,
            clock: LedgerClock::scripted(move || *now.lock().unwrap()),
        };
        Plays::open(deps, cfg).expect("plays open")
    }

    fn advance(&self, secs: f64) {
        *self.now.lock().unwrap() += time::Duration::seconds_f64(secs);
    }

    fn entries(&self, kind: EntryKind) -> Vec<Entry> {
        self.ledger
            .iter(0)
            .expect("iter")
            .map(|e| e.expect("entry"))
            .filter(|e| e.kind == kind)
            .collect()
    }

    fn viewings(&self) -> Vec<Viewing> {
        self.entries(EntryKind::Viewing)
            .into_iter()
            .map(|e| serde_json::from_value(e.payload).expect("viewing"))
            .collect()
    }

    fn station(&self, code: &str) -> String {
        let new = NewStation {
            code: code.into(),
            name: format!("{code} 村"),
            kind: StationKind::Village,
            township: None,
            broadcaster: None,
        };
        self.stations.create(new).expect("station").id
    }

    fn member(&self, station: &str, no: &str) -> String {
        let new = NewMember {
            name: format!("党员{no}"),
            member_no: no.into(),
            branch: None,
        };
        self.stations.add_member(station, new).expect("member").id
    }
}

fn film(id: &str) -> Film {
    Film {
        id: FilmId::parse(id).expect("id"),
        title: "党章电视教材 第一集".into(),
        series: None,
        episode: None,
        category: None,
        themes: Vec::new(),
        year: None,
        producer: None,
        summary: None,
        prep_notes: None,
        cues: Vec::new(),
        state: FilmState::Ready,
        reason: None,
        source: SourceFile {
            path: PathBuf::from("/library/a.mp4"),
            name: "a.mp4".into(),
            fingerprint: Fingerprint {
                size: 1,
                mtime_ns: 0,
                head_tail_sha256: String::new(),
            },
        },
        missing: false,
        media: Some(MediaInfo {
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            container_long: None,
            duration_s: FILM_S,
            bit_rate: None,
            streams: Vec::new(),
            tags: BTreeMap::new(),
        }),
        added_at: 0,
        updated_at: 0,
    }
}

fn clerk() -> Principal {
    Principal::User {
        name: "li".into(),
        role: crate::accounts::Role::Clerk,
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

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
