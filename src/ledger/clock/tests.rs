//! The watch on a scripted clock with a scripted boot-time counter: backward and forward
//! jumps, the marks, recovery, and a ledger reopened on a clock behind its last entry.

use std::sync::{Arc, Mutex};

use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;
use crate::ledger::{Draft, EntryKind, Ledger, LedgerOptions};

/// A wall clock and a boot-time counter the test moves separately.
#[derive(Clone)]
struct Rig {
    wall: Arc<Mutex<OffsetDateTime>>,
    boot: Arc<Mutex<Duration>>,
}

impl Rig {
    fn new(at: OffsetDateTime) -> Rig {
        Rig {
            wall: Arc::new(Mutex::new(at)),
            boot: Arc::new(Mutex::new(Duration::hours(1))),
        }
    }

    fn clock(&self) -> LedgerClock {
        let (wall, boot) = (self.wall.clone(), self.boot.clone());
        LedgerClock::scripted(move || *wall.lock().unwrap())
            .with_steady(move || Some(*boot.lock().unwrap()))
    }

    /// Time really passes: both move.
    fn pass(&self, by: Duration) {
        *self.wall.lock().unwrap() += by;
        *self.boot.lock().unwrap() += by;
    }

    /// Someone (or a dead battery) sets the wall clock.
    fn set(&self, at: OffsetDateTime) {
        *self.wall.lock().unwrap() = at;
    }
}

fn note(n: u32) -> Draft {
    Draft::new(
        EntryKind::Feedback,
        Some("st_1"),
        json!({ "text": format!("第{n}条") }),
    )
}

fn stamp(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
}

#[test]
fn a_clock_that_falls_back_to_2000_keeps_entries_in_order_and_marks_them_until_set_right() {
    let dir = tempfile::tempdir().unwrap();
    let rig = Rig::new(datetime!(2026-03-10 10:00 UTC));
    let options = LedgerOptions {
        clock: rig.clock(),
        ..LedgerOptions::default()
    };
    let ledger = Ledger::open_with(dir.path(), options).unwrap();
    let before = ledger.append(note(0)).unwrap();
    assert_eq!(before.at, "2026-03-10T10:00:00Z");
    assert!(before.payload.get(CLOCK_SUSPECT_FIELD).is_none());

    rig.pass(Duration::minutes(10));
    rig.set(datetime!(2000-01-01 00:00:05 UTC));
    let during = ledger.append(note(1)).unwrap();
    assert_eq!(
        during.at, "2026-03-10T10:00:00Z",
        "goes on from the last entry"
    );
    assert_eq!(
        during.payload[CLOCK_SUSPECT_FIELD],
        json!({"fault": "behind", "system_at": "2000-01-01T00:00:05Z"})
    );
    let suspect = ledger.clock().suspect().expect("suspect");
    assert_eq!(suspect.fault, ClockFault::Behind);
    assert!(
        suspect.sentence().contains("时钟可能不准"),
        "{}",
        suspect.sentence()
    );

    rig.pass(Duration::minutes(30));
    let later = ledger.append(note(2)).unwrap();
    assert_eq!(later.at, "2026-03-10T10:30:00Z", "at the clock's own pace");
    assert_eq!(later.payload[CLOCK_SUSPECT_FIELD]["fault"], "behind");
    assert!(ledger.now().year() == 2026, "plays see the same time");

    rig.set(datetime!(2026-03-10 12:00 UTC));
    let right = ledger.append(note(3)).unwrap();
    assert_eq!(right.at, "2026-03-10T12:00:00Z");
    assert!(
        right.payload.get(CLOCK_SUSPECT_FIELD).is_none(),
        "{}",
        right.payload
    );
    assert_eq!(ledger.clock().suspect(), None);
    ledger.verify().unwrap();
}

#[test]
fn a_clock_that_leaps_years_ahead_while_running_is_not_believed_nor_made_the_floor() {
    let dir = tempfile::tempdir().unwrap();
    let rig = Rig::new(datetime!(2026-03-10 10:00 UTC));
    let options = LedgerOptions {
        clock: rig.clock(),
        ..LedgerOptions::default()
    };
    let ledger = Ledger::open_with(dir.path(), options).unwrap();
    ledger.append(note(0)).unwrap();

    // A minute passes; the clock says 2041.
    rig.pass(Duration::minutes(1));
    rig.set(datetime!(2041-07-01 08:00 UTC));
    let leapt = ledger.append(note(1)).unwrap();
    assert_eq!(
        leapt.at, "2026-03-10T10:01:00Z",
        "the time that really passed"
    );
    assert_eq!(
        leapt.payload[CLOCK_SUSPECT_FIELD],
        json!({"fault": "ahead", "system_at": "2041-07-01T08:00:00Z"})
    );
    rig.pass(Duration::minutes(4));
    let on = ledger.append(note(2)).unwrap();
    assert_eq!(on.at, "2026-03-10T10:05:00Z");
    assert_eq!(ledger.clock().suspect().unwrap().fault, ClockFault::Ahead);

    // Set back right: trusted again, and the 2041 reading never became a floor.
    rig.pass(Duration::minutes(5));
    rig.set(datetime!(2026-03-10 10:10 UTC));
    let right = ledger.append(note(3)).unwrap();
    assert_eq!(right.at, "2026-03-10T10:10:00Z");
    assert!(right.payload.get(CLOCK_SUSPECT_FIELD).is_none());
    assert_eq!(ledger.clock().suspect(), None);
}

#[test]
fn small_steps_and_real_time_passing_are_not_faults() {
    let rig = Rig::new(datetime!(2026-03-10 10:00 UTC));
    let clock = rig.clock();
    let mut payload = json!({});
    assert_eq!(clock.stamp(&mut payload), "2026-03-10T10:00:00Z");
    // An NTP step back of two minutes: held, unmarked.
    rig.set(datetime!(2026-03-10 09:58 UTC));
    assert_eq!(clock.stamp(&mut payload), "2026-03-10T10:00:00Z");
    // A step forward of three hours (a slow clock corrected): taken, unmarked.
    rig.set(datetime!(2026-03-10 13:00 UTC));
    assert_eq!(clock.stamp(&mut payload), "2026-03-10T13:00:00Z");
    // Forty days of real time (the counter moves too): taken, unmarked.
    rig.pass(Duration::days(40));
    assert_eq!(clock.stamp(&mut payload), "2026-04-19T13:00:00Z");
    assert_eq!(payload, json!({}));
    assert_eq!(clock.suspect(), None);
}

#[test]
fn a_ledger_reopened_on_a_clock_behind_its_last_entry_marks_from_the_first_entry() {
    let dir = tempfile::tempdir().unwrap();
    let at = Arc::new(Mutex::new(datetime!(2026-11-30 23:00 UTC)));
    let now = at.clone();
    let options = || LedgerOptions {
        clock: LedgerClock::scripted({
            let now = now.clone();
            move || *now.lock().unwrap()
        }),
        ..LedgerOptions::default()
    };
    Ledger::open_with(dir.path(), options())
        .unwrap()
        .append(note(0))
        .unwrap();
    // The power cut: the machine boots in 2000.
    *at.lock().unwrap() = datetime!(2000-01-01 00:00 UTC);
    let ledger = Ledger::open_with(dir.path(), options()).unwrap();
    let first = ledger.append(note(1)).unwrap();
    assert_eq!(first.at, "2026-11-30T23:00:00Z");
    assert_eq!(first.payload[CLOCK_SUSPECT_FIELD]["fault"], "behind");
    assert!(stamp(&first.at) >= stamp("2026-11-30T23:00:00Z"));
}

#[test]
fn a_first_start_in_2000_on_an_empty_ledger_is_suspect_too() {
    let clock = LedgerClock::scripted(|| datetime!(2000-01-01 00:00 UTC));
    let mut payload = json!({});
    let at = clock.stamp(&mut payload);
    assert_eq!(at, "2020-01-01T00:00:00Z");
    assert_eq!(payload[CLOCK_SUSPECT_FIELD]["fault"], "behind");
    let unchecked = LedgerClock::scripted(|| datetime!(2000-01-01 00:00 UTC)).unchecked();
    assert_eq!(
        unchecked.now().year(),
        2000,
        "laid-out test data is taken as given"
    );
}
