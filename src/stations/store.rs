//! The sled trees behind [`Stations`](super::Stations) and the small helpers that check and
//! make their fields.

use std::net::IpAddr;

use serde::de::DeserializeOwned;

use super::{Member, Station, StationsError};

/// The trees, opened once.
pub(super) struct Trees {
    db: sled::Db,
    /// id → Station (JSON).
    stations: sled::Tree,
    /// code → station id: makes codes unique without a lock.
    codes: sled::Tree,
    /// id → Member (JSON).
    members: sled::Tree,
    /// station id ‖ 0 ‖ member_no → member id: unique numbers per roster, and the roster.
    rosters: sled::Tree,
    /// device token → station id.
    pub(super) devices: sled::Tree,
    /// IP address (text) → station id.
    pub(super) addresses: sled::Tree,
}

impl Trees {
    pub(super) fn open(db: &sled::Db) -> Result<Trees, StationsError> {
        Ok(Trees {
            db: db.clone(),
            stations: db.open_tree("stations")?,
            codes: db.open_tree("station_codes")?,
            members: db.open_tree("members")?,
            rosters: db.open_tree("station_rosters")?,
            devices: db.open_tree("station_devices")?,
            addresses: db.open_tree("station_addresses")?,
        })
    }

    /// Claims `code` for `id`; fails if another station has it.
    pub(super) fn reserve_code(&self, code: &str, id: &str) -> Result<(), StationsError> {
        let swapped = self.codes.compare_and_swap(
            code.as_bytes(),
            None as Option<&[u8]>,
            Some(id.as_bytes()),
        )?;
        swapped.map_err(|_| StationsError::CodeTaken(code.to_owned()))
    }

    /// Gives back a code claimed by a create that did not happen.
    pub(super) fn release_code(&self, code: &str, id: &str) {
        let _ = self.codes.compare_and_swap(
            code.as_bytes(),
            Some(id.as_bytes()),
            None as Option<&[u8]>,
        );
    }

    pub(super) fn reserve_member_no(&self, m: &Member) -> Result<(), StationsError> {
        let key = roster_key(&m.station_id, &m.member_no);
        let swapped =
            self.rosters
                .compare_and_swap(key, None as Option<&[u8]>, Some(m.id.as_bytes()))?;
        swapped.map_err(|_| StationsError::MemberTaken(m.member_no.clone()))
    }

    pub(super) fn release_member_no(&self, m: &Member) {
        let key = roster_key(&m.station_id, &m.member_no);
        let _ = self
            .rosters
            .compare_and_swap(key, Some(m.id.as_bytes()), None as Option<&[u8]>);
    }

    /// Writes a station and makes it durable (sled's own flush: see TOOLCHAIN.md).
    pub(super) fn put_station(&self, s: &Station) -> Result<(), StationsError> {
        self.stations
            .insert(s.id.as_bytes(), serde_json::to_vec(s)?)?;
        self.db.flush()?;
        Ok(())
    }

    pub(super) fn put_member(&self, m: &Member) -> Result<(), StationsError> {
        self.members
            .insert(m.id.as_bytes(), serde_json::to_vec(m)?)?;
        self.db.flush()?;
        Ok(())
    }

    pub(super) fn station(&self, id: &str) -> Result<Option<Station>, StationsError> {
        read(&self.stations, id.as_bytes())
    }

    pub(super) fn stations(&self) -> Result<Vec<Station>, StationsError> {
        let mut out = Vec::new();
        for kv in self.stations.iter() {
            let (_, v) = kv?;
            out.push(serde_json::from_slice(&v)?);
        }
        Ok(out)
    }

    pub(super) fn member(&self, id: &str) -> Result<Option<Member>, StationsError> {
        read(&self.members, id.as_bytes())
    }

    pub(super) fn members_of(&self, station_id: &str) -> Result<Vec<Member>, StationsError> {
        let mut prefix = station_id.as_bytes().to_vec();
        prefix.push(0);
        let mut out = Vec::new();
        for kv in self.rosters.scan_prefix(prefix) {
            let (_, id) = kv?;
            // A number reserved by an add that is still running has no member yet.
            if let Some(m) = read(&self.members, &id)? {
                out.push(m);
            }
        }
        Ok(out)
    }

    pub(super) fn device_station(&self, token: &str) -> Result<Option<String>, StationsError> {
        Ok(self
            .devices
            .get(token.as_bytes())?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    pub(super) fn address_station(&self, ip: IpAddr) -> Result<Option<String>, StationsError> {
        Ok(self
            .addresses
            .get(ip.to_string().as_bytes())?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }
}

fn roster_key(station_id: &str, member_no: &str) -> Vec<u8> {
    let mut key = station_id.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(member_no.as_bytes());
    key
}

fn read<T: DeserializeOwned>(tree: &sled::Tree, key: &[u8]) -> Result<Option<T>, StationsError> {
    match tree.get(key)? {
        Some(v) => Ok(Some(serde_json::from_slice(&v)?)),
        None => Ok(None),
    }
}

/// A new server-made id: `prefix` + 10 hex digits.
pub(super) fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(rand::random::<[u8; 5]>()))
}

/// Now, RFC 3339 UTC to the second.
pub(super) fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A clerk-given text field: trimmed, 1 to `max` characters, no control characters.
pub(super) fn field(label: &str, value: &str, max: usize) -> Result<String, StationsError> {
    let v = value.trim();
    let chars = v.chars().count();
    if chars == 0 {
        return Err(StationsError::Invalid(format!("{label} 不能为空")));
    }
    if chars > max {
        return Err(StationsError::Invalid(format!(
            "{label} 太长（最多 {max} 个字）"
        )));
    }
    if v.chars().any(char::is_control) {
        return Err(StationsError::Invalid(format!(
            "{label} 含有不可见的控制字符"
        )));
    }
    Ok(v.to_owned())
}
