//! Domain tests of the reports: a scripted year (`scenario.rs`) checked against numbers
//! worked out by hand, and the index checked against the log (`index.rs`).

mod floor;
mod index;
mod scenario;

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::Reports;
use crate::ledger::{Draft, EntryKind, Ledger, LedgerClock, LedgerOptions};
use crate::records::Days;
use crate::stations::{NewMember, NewStation, Stations};

/// A ledger whose clock the test moves, with stations and reports over one sled db.
pub struct Script {
    pub _dir: tempfile::TempDir,
    pub db: sled::Db,
    pub ledger: Arc<Ledger>,
    pub stations: Arc<Stations>,
    pub reports: Reports,
    pub days: Days,
    now: Arc<Mutex<OffsetDateTime>>,
}

impl Script {
    pub fn new() -> Script {
        let dir = tempfile::tempdir().expect("dir");
        let now = Arc::new(Mutex::new(stamp("2024-12-01T02:00:00Z")));
        let clock_now = now.clone();
        let options = LedgerOptions {
            // The scenario lays out each station's year in turn: times out of order.
            clock: LedgerClock::scripted(move || *clock_now.lock().expect("clock")).unchecked(),
            ..LedgerOptions::default()
        };
        let ledger =
            Arc::new(Ledger::open_with(&dir.path().join("ledger"), options).expect("ledger"));
        let db = sled::open(dir.path().join("db")).expect("db");
        let stations = Arc::new(Stations::open(&db, ledger.clone(), "青山乡").expect("stations"));
        let days = Days::new(480);
        let reports = Reports::open(&db, ledger.clone(), stations.clone(), days).expect("reports");
        Script {
            _dir: dir,
            db,
            ledger,
            stations,
            reports,
            days,
            now,
        }
    }

    /// Moves the ledger's clock.
    pub fn at(&self, rfc3339: &str) {
        *self.now.lock().expect("clock") = stamp(rfc3339);
    }

    pub fn append(&self, kind: EntryKind, station: Option<&str>, payload: Value) -> u64 {
        self.ledger
            .append(Draft::new(kind, station, payload))
            .expect("append")
            .seq
    }

    pub fn station(
        &self,
        code: &str,
        name: &str,
        kind: &str,
        members: &[&str],
    ) -> (String, Vec<String>) {
        let new: NewStation = serde_json::from_value(json!({
            "code": code, "name": name, "kind": kind, "broadcaster": "张播放",
        }))
        .expect("new station");
        let station = self.stations.create(new).expect("station");
        let ids = members
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let m = NewMember {
                    name: (*name).into(),
                    member_no: format!("{code}-{i}"),
                    branch: None,
                };
                self.stations.add_member(&station.id, m).expect("member").id
            })
            .collect();
        (station.id, ids)
    }

    /// A closed play at `started` (UTC), appended then.
    pub fn viewing(
        &self,
        station: &str,
        play: &str,
        film: &str,
        started: &str,
        watched_s: u64,
        shown: bool,
    ) -> u64 {
        self.at(started);
        let payload = json!({
            "play_id": play, "station_id": station, "film_id": film, "film_title": format!("影片{film}"),
            "started_at": started, "ended_at": started, "watched_s": watched_s,
            "furthest_position_s": watched_s, "duration_s": 3600, "source": "tv_ui",
            "inferred": false, "signins": 0, "status": if shown { "showing" } else { "aborted" },
        });
        self.append(EntryKind::Viewing, Some(station), payload)
    }

    /// A sign-in for `play`, entered the day of the showing.
    pub fn signin(&self, station: &str, play: &str, film: &str, member: &str, date: &str) -> u64 {
        let payload = json!({
            "play_id": play, "film_id": film, "film_title": format!("影片{film}"),
            "member_id": member, "member_name": format!("党员{member}"), "member_no": member,
            "showing_date": date, "entered_date": date, "late": false,
        });
        self.append(EntryKind::Signin, Some(station), payload)
    }
}

pub fn stamp(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).expect("stamp")
}
