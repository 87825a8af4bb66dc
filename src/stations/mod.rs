//! Stations: the village playback points (and community, enterprise, organ and pastoral
//! points), their party-member rosters, the TVs paired to them and the addresses of TVs
//! that cannot pair. Owns the sled trees `stations`, `station_codes`, `members`,
//! `station_devices` and `station_addresses`.
//!
//! Every change is also a `station_change` ledger entry, appended (and synced) before the
//! store is written: the ledger is the record, the store its working copy. Stations are
//! never deleted, only retired: they have history.

mod model;
mod store;

use std::net::IpAddr;
use std::sync::Arc;

pub use model::{Member, NewMember, NewStation, Station, StationKind};

use crate::ledger::{Draft, EntryKind, Ledger, LedgerError};
use crate::records::StationChange;

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
    #[error("站点 {0} 已撤销，不能再使用（the station is retired）")]
    Retired(String),
}

/// The stations store. Share it (`Arc`); every method takes `&self`.
pub struct Stations {
    trees: store::Trees,
    ledger: Arc<Ledger>,
    township: String,
}

impl Stations {
    /// Opens the station trees in `db`; `township` is the default for new stations.
    pub fn open(
        db: &sled::Db,
        ledger: Arc<Ledger>,
        township: &str,
    ) -> Result<Stations, StationsError> {
        Ok(Stations {
            trees: store::Trees::open(db)?,
            ledger,
            township: township.to_owned(),
        })
    }

    /// Makes a station; its code must be new. Returns once the ledger entry is durable.
    pub fn create(&self, new: NewStation) -> Result<Station, StationsError> {
        let station = Station {
            id: store::new_id("st_"),
            code: store::field("站点编号 (code)", &new.code, 32)?,
            name: store::field("站点名称 (name)", &new.name, 64)?,
            kind: new.kind,
            township: match &new.township {
                Some(t) => store::field("乡镇 (township)", t, 64)?,
                None => self.township.clone(),
            },
            broadcaster: match &new.broadcaster {
                Some(b) if !b.trim().is_empty() => {
                    Some(store::field("播放员 (broadcaster)", b, 32)?)
                }
                _ => None,
            },
            created_at: store::now(),
            retired_at: None,
        };
        self.trees.reserve_code(&station.code, &station.id)?;
        let recorded = self.record(
            &station,
            "created",
            serde_json::json!({ "kind": station.kind }),
        );
        if let Err(e) = recorded {
            self.trees.release_code(&station.code, &station.id);
            return Err(e);
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

    /// Every station, retired ones included, by code.
    pub fn list(&self) -> Result<Vec<Station>, StationsError> {
        let mut all = self.trees.stations()?;
        all.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(all)
    }

    /// Adds a member to a station's roster; the member number must be new on that roster.
    pub fn add_member(&self, station_id: &str, new: NewMember) -> Result<Member, StationsError> {
        let station = self.require(station_id)?;
        if station.is_retired() {
            return Err(StationsError::Retired(station.code));
        }
        let member = Member {
            id: store::new_id("m_"),
            station_id: station.id.clone(),
            name: store::field("姓名 (name)", &new.name, 32)?,
            member_no: store::field("党员编号 (member_no)", &new.member_no, 32)?,
            branch: match &new.branch {
                Some(b) if !b.trim().is_empty() => Some(store::field("支部 (branch)", b, 64)?),
                _ => None,
            },
            added_at: store::now(),
        };
        self.trees.reserve_member_no(&member)?;
        let detail = serde_json::json!({
            "member_id": member.id, "name": member.name, "member_no": member.member_no,
        });
        if let Err(e) = self.record(&station, "member_added", detail) {
            self.trees.release_member_no(&member);
            return Err(e);
        }
        self.trees.put_member(&member)?;
        Ok(member)
    }

    /// One member, of any station.
    pub fn member(&self, id: &str) -> Result<Option<Member>, StationsError> {
        self.trees.member(id)
    }

    /// A station's roster, by member number.
    pub fn members(&self, station_id: &str) -> Result<Vec<Member>, StationsError> {
        let mut all = self.trees.members_of(station_id)?;
        all.sort_by(|a, b| a.member_no.cmp(&b.member_no));
        Ok(all)
    }

    /// The station a paired TV's device token belongs to (`None`: unknown or revoked).
    pub fn device_station(&self, token: &str) -> Result<Option<String>, StationsError> {
        self.trees.device_station(token)
    }

    /// The station a TV that cannot pair (DLNA) was registered to by its address.
    pub fn station_for_address(&self, ip: IpAddr) -> Result<Option<String>, StationsError> {
        self.trees.address_station(ip)
    }

    /// Appends a `station_change` entry about `station`.
    fn record(
        &self,
        station: &Station,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<(), StationsError> {
        let change = StationChange {
            action: action.to_owned(),
            code: station.code.clone(),
            name: station.name.clone(),
            detail,
        };
        let payload = serde_json::to_value(change)?;
        self.ledger.append(Draft::new(
            EntryKind::StationChange,
            Some(&station.id),
            payload,
        ))?;
        Ok(())
    }
}
