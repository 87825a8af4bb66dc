//! Stations: the village playback points (and community, enterprise, organ and pastoral
//! points), their party-member rosters, the TVs paired to them, the addresses of TVs that
//! cannot pair and their 六有 checklists. Owns the sled trees `stations`, `station_codes`,
//! `members`, `station_rosters`, `station_devices`, `station_addresses`,
//! `station_pairing_codes` and `station_checklists`.
//!
//! Every change is also a `station_change` ledger entry, appended (and synced) before the
//! store is written: the ledger is the record, the store its working copy. Stations are
//! never deleted, only retired: they have history.

mod addresses;
mod checklist;
mod devices;
mod import;
mod model;
mod pairing_limit;
mod roster;
mod store;

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use addresses::parse_address;
pub use checklist::{ChecklistEntry, ChecklistItem, ChecklistUpdate};
pub use import::RosterFormat;
pub use model::{
    Address, Device, DeviceKind, Member, NewMember, NewStation, Paired, PairingCode, Station,
    StationKind, StationUpdate,
};
pub use pairing_limit::PairingStatus;
pub use roster::{ImportReport, RejectedRow};

use crate::ledger::{Draft, EntryKind, Ledger, LedgerError};
use crate::records::StationChange;

/// The one answer to a code that does not pair, whatever the reason: a guesser must not
/// learn that a code exists, was used or has expired.
const CODE_REFUSED: &str = "配对码不正确、已过期或已用过，请核对管理端显示的 6 位数字，或在管理端重新生成（wrong, expired or used pairing code）";

/// Why a pairing code did not pair (for the log; the answer is the same for all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    #[error("{CODE_REFUSED}")]
    Wrong,
    #[error("{CODE_REFUSED}")]
    Expired,
    #[error("{CODE_REFUSED}")]
    Used,
    /// The code's station was retired after the code was made.
    #[error("{CODE_REFUSED}")]
    StationRetired,
}

/// Why a stations operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StationsError {
    #[error("station storage failed")]
    Store(#[from] sled::Error),
    #[error("a station record is unreadable")]
    Record(#[from] serde_json::Error),
    #[error("the ledger refused the change")]
    Ledger(#[from] LedgerError),
    /// A field a clerk gave is not acceptable; the sentence says which and why.
    #[error("{0}")]
    Invalid(String),
    #[error("站点编号 {0} 已被使用（the station code is taken）")]
    CodeTaken(String),
    #[error("党员编号 {0} 已在该站点名册中（the member number is already on this roster）")]
    MemberTaken(String),
    #[error("找不到该站点（unknown station {0}）")]
    UnknownStation(String),
    #[error("找不到该党员（unknown member {0}）")]
    UnknownMember(String),
    #[error("找不到该电视（unknown device {0}）")]
    UnknownDevice(String),
    #[error("该站点没有登记这个地址（address {0} is not registered to this station）")]
    UnknownAddress(String),
    #[error("没有这个六有项目：{0}（organization、staff、sign、library、rules、registers 之一）")]
    UnknownChecklistItem(String),
    #[error("站点 {0} 已撤销，不能再使用（the station is retired）")]
    Retired(String),
    #[error("地址 {address} 已登记给站点 {code}（the address belongs to another station）")]
    AddressTaken { address: String, code: String },
    #[error(transparent)]
    Code(#[from] CodeRefusal),
    #[error("配对码错误次数过多，请 {} 分钟后再试（too many wrong codes）", retry_after_secs.div_ceil(60).max(1))]
    Throttled { retry_after_secs: u64 },
    /// Too many wrong codes from all addresses this hour: pairing is paused for everyone.
    #[error("电视配对已暂停：这一小时内全站输入错误的配对码太多（可能有人在猜配对码），请 {} 分钟后再试（pairing is paused: too many wrong codes this hour）", retry_after_secs.div_ceil(60).max(1))]
    PairingPaused { retry_after_secs: u64 },
    /// The uploaded roster is not a CSV or XLSX file, or has no usable header row.
    #[error("{0}")]
    BadRoster(String),
}

/// How the stations store behaves; from the settings.
#[derive(Clone, Debug)]
pub struct StationsOptions {
    /// Default township of new stations.
    pub township: String,
    /// How long a pairing code pairs, in hours (0: it is expired once made).
    pub pairing_code_hours: u64,
    /// Wrong pairing codes from one address before it is locked out for `pairing_lockout`.
    pub pairing_max_failures: u32,
    pub pairing_lockout: Duration,
    /// Wrong pairing codes from all addresses in an hour before pairing pauses.
    pub pairing_max_wrong_per_hour: u32,
    /// A device token unused this long is no longer accepted.
    pub device_idle: Duration,
}

impl StationsOptions {
    /// Defaults: 24-hour codes, 5 wrong codes lock an address out for 15 minutes, 30 wrong
    /// codes in an hour pause pairing, device tokens lapse after a year unused.
    pub fn new(township: &str) -> StationsOptions {
        StationsOptions {
            township: township.to_owned(),
            pairing_code_hours: 24,
            pairing_max_failures: 5,
            pairing_lockout: Duration::from_secs(900),
            pairing_max_wrong_per_hour: 30,
            device_idle: Duration::from_secs(365 * 86_400),
        }
    }
}

/// The stations store. Share it (`Arc`); every method takes `&self`.
pub struct Stations {
    trees: store::Trees,
    ledger: Arc<Ledger>,
    options: StationsOptions,
    /// Wrong pairing codes per client address and per hour (in memory, like sign-in
    /// failures).
    pairing_limit: pairing_limit::PairingLimit,
    /// Serialises read-modify-write of station records (update, retire).
    edit: Mutex<()>,
}

impl Stations {
    /// Opens the station trees in `db` with default options; `township` is the default for
    /// new stations.
    pub fn open(
        db: &sled::Db,
        ledger: Arc<Ledger>,
        township: &str,
    ) -> Result<Stations, StationsError> {
        Stations::open_with(db, ledger, StationsOptions::new(township))
    }

    /// Opens the station trees in `db`.
    pub fn open_with(
        db: &sled::Db,
        ledger: Arc<Ledger>,
        options: StationsOptions,
    ) -> Result<Stations, StationsError> {
        Ok(Stations {
            trees: store::Trees::open(db)?,
            ledger,
            pairing_limit: pairing_limit::PairingLimit::new(
                options.pairing_max_failures,
                options.pairing_lockout,
                options.pairing_max_wrong_per_hour,
            ),
            options,
            edit: Mutex::new(()),
        })
    }

    /// Makes a station; its code must be new. Returns once the ledger entry is durable. Its
    /// `created_at` is that entry's time (the ledger's clock), so the two always agree.
    pub fn create(&self, new: NewStation) -> Result<Station, StationsError> {
        let mut station = Station {
            id: store::new_id("st_"),
            code: store::field("站点编号 (code)", &new.code, 32)?,
            name: store::field("站点名称 (name)", &new.name, 64)?,
            kind: new.kind,
            township: match &new.township {
                Some(t) => store::field("乡镇 (township)", t, 64)?,
                None => self.options.township.clone(),
            },
            broadcaster: broadcaster(new.broadcaster.as_deref())?,
            created_at: store::now(),
            retired_at: None,
        };
        self.trees.reserve_code(&station.code, &station.id)?;
        let recorded = self.record(
            &station,
            "created",
            serde_json::json!({ "kind": station.kind, "township": station.township }),
        );
        match recorded {
            Ok(at) => station.created_at = at,
            Err(e) => {
                self.trees.release_code(&station.code, &station.id);
                return Err(e);
            }
        }
        self.trees.put_station(&station)?;
        Ok(station)
    }

    /// One station, retired or not.
    pub fn get(&self, id: &str) -> Result<Option<Station>, StationsError> {
        self.trees.station(id)
    }

    /// One station that must exist.
    pub fn require(&self, id: &str) -> Result<Station, StationsError> {
        self.get(id)?
            .ok_or_else(|| StationsError::UnknownStation(id.to_owned()))
    }

    /// One station that must exist and not be retired.
    fn require_active(&self, id: &str) -> Result<Station, StationsError> {
        let station = self.require(id)?;
        if station.is_retired() {
            return Err(StationsError::Retired(station.code));
        }
        Ok(station)
    }

    /// Every station, retired ones included, by code.
    pub fn list(&self) -> Result<Vec<Station>, StationsError> {
        let mut all = self.trees.stations()?;
        all.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(all)
    }

    /// Changes a station's name, broadcaster or township. A change that changes nothing
    /// writes nothing.
    pub fn update(&self, id: &str, update: StationUpdate) -> Result<Station, StationsError> {
        let _edit = self.edit.lock().unwrap_or_else(|p| p.into_inner());
        let before = self.require(id)?;
        let mut after = before.clone();
        if let Some(name) = &update.name {
            after.name = store::field("站点名称 (name)", name, 64)?;
        }
        if let Some(township) = &update.township {
            after.township = store::field("乡镇 (township)", township, 64)?;
        }
        if let Some(b) = &update.broadcaster {
            after.broadcaster = broadcaster(Some(b))?;
        }
        if after == before {
            return Ok(after);
        }
        let detail = serde_json::json!({
            "before": { "name": before.name, "township": before.township,
                        "broadcaster": before.broadcaster },
            "after": { "name": after.name, "township": after.township,
                       "broadcaster": after.broadcaster },
        });
        self.record(&after, "updated", detail)?;
        self.trees.put_station(&after)?;
        Ok(after)
    }

    /// Retires a station: it keeps its history but takes no new members, TVs, addresses or
    /// plays. Retiring a retired station changes nothing and returns it as it is.
    pub fn retire(&self, id: &str) -> Result<Station, StationsError> {
        let _edit = self.edit.lock().unwrap_or_else(|p| p.into_inner());
        let mut station = self.require(id)?;
        if station.is_retired() {
            return Ok(station);
        }
        station.retired_at = Some(store::now());
        self.record(&station, "retired", serde_json::json!({}))?;
        self.trees.put_station(&station)?;
        Ok(station)
    }

    /// Appends a `station_change` entry about `station`.
    fn record(
        &self,
        station: &Station,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<String, StationsError> {
        let change = StationChange {
            action: action.to_owned(),
            code: station.code.clone(),
            name: station.name.clone(),
            detail,
        };
        let payload = serde_json::to_value(change)?;
        let entry = self.ledger.append(Draft::new(
            EntryKind::StationChange,
            Some(&station.id),
            payload,
        ))?;
        Ok(entry.at)
    }
}

/// A broadcaster's name; empty or absent means none.
fn broadcaster(given: Option<&str>) -> Result<Option<String>, StationsError> {
    match given {
        Some(b) if !b.trim().is_empty() => Ok(Some(store::field("播放员 (broadcaster)", b, 32)?)),
        _ => Ok(None),
    }
}
