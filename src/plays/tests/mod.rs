//! Plays on a scripted clock: credited time, the late rule, idle closing and restarts,
//! against a real ledger, stations store and catalog in a temporary folder.

mod inferred;
mod owners;
mod reported;
mod resume;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use media_catalog::{Catalog, Film, FilmId, MediaInfo};
use time::macros::datetime;
use time::OffsetDateTime;

use super::*;
use crate::accounts::Principal;
use crate::ledger::{Entry, EntryKind, Ledger, LedgerClock};
use crate::records::Source;
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
            limits: PlayLimits::default(),
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
        media: Some(MediaInfo {
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            container_long: None,
            duration_s: FILM_S,
            bit_rate: None,
            streams: Vec::new(),
            tags: BTreeMap::new(),
        }),
        ..Film::bare(FilmId::parse(id).expect("id"), "党章电视教材 第一集")
    }
}

fn clerk() -> Principal {
    Principal::User {
        name: "li".into(),
        role: crate::accounts::Role::Clerk,
    }
}

/// A paired TV of `station` (device `dv_{station}`).
fn tv(station: &str) -> Principal {
    Principal::Device {
        station: station.to_owned(),
        device: format!("dv_{station}"),
    }
}

/// `who`, at no known address.
fn by(who: &Principal) -> Actor<'_> {
    Actor { who, client: None }
}

/// A second paired TV of `station`.
fn tv2(station: &str) -> Principal {
    Principal::Device {
        station: station.to_owned(),
        device: "dv_tv_b".into(),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}
