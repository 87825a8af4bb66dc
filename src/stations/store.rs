//! The sled trees behind [`Stations`](super::Stations) and the small helpers that check and
//! make their fields.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Member, Station, StationsError};

/// The trees, opened once.
pub(super) struct Trees {
    db: sled::Db,
    /// id → Station (JSON).
    pub(super) stations: sled::Tree,
    /// code → station id: makes codes unique without a lock.
    codes: sled::Tree,
    /// id → Member (JSON).
    pub(super) members: sled::Tree,
    /// station id ‖ 0 ‖ member_no → member id: unique numbers per roster, and the roster.
    rosters: sled::Tree,
    /// SHA-256 of a device token (32 bytes) → Device (JSON). Tokens themselves are not kept.
    pub(super) devices: sled::Tree,
    /// IP address (canonical text) → Address (JSON).
    pub(super) addresses: sled::Tree,
    /// 6-digit code → PairingCode (JSON), live, used or expired (dead ones are reused).
    pub(super) pairing_codes: sled::Tree,
    /// station id ‖ 0 ‖ item key → ChecklistEntry (JSON).
    pub(super) checklists: sled::Tree,
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
            pairing_codes: db.open_tree("station_pairing_codes")?,
            checklists: db.open_tree("station_checklists")?,
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
        let key = pair_key(&m.station_id, &m.member_no);
        let swapped =
            self.rosters
                .compare_and_swap(key, None as Option<&[u8]>, Some(m.id.as_bytes()))?;
        swapped.map_err(|_| StationsError::MemberTaken(m.member_no.clone()))
    }

    pub(super) fn release_member_no(&self, m: &Member) {
        let key = pair_key(&m.station_id, &m.member_no);
        let _ = self
            .rosters
            .compare_and_swap(key, Some(m.id.as_bytes()), None as Option<&[u8]>);
    }

    /// Writes a station and makes it durable (sled's own flush: see TOOLCHAIN.md).
    pub(super) fn put_station(&self, s: &Station) -> Result<(), StationsError> {
        self.put(&self.stations, s.id.as_bytes(), s)
    }

    /// Writes members in one batch and makes them durable.
    pub(super) fn put_members(&self, members: &[Member]) -> Result<(), StationsError> {
        let mut batch = sled::Batch::default();
        for m in members {
            batch.insert(m.id.as_bytes(), serde_json::to_vec(m)?);
        }
        self.members.apply_batch(batch)?;
        self.db.flush()?;
        Ok(())
    }

    /// Writes one record into `tree` and makes it durable.
    pub(super) fn put<T: Serialize>(
        &self,
        tree: &sled::Tree,
        key: &[u8],
        value: &T,
    ) -> Result<(), StationsError> {
        tree.insert(key, serde_json::to_vec(value)?)?;
        self.db.flush()?;
        Ok(())
    }

    /// Makes what was written so far durable.
    pub(super) fn flush(&self) -> Result<(), StationsError> {
        self.db.flush()?;
        Ok(())
    }

    /// Removes one record from `tree` and makes that durable.
    pub(super) fn remove(&self, tree: &sled::Tree, key: &[u8]) -> Result<(), StationsError> {
        tree.remove(key)?;
        self.db.flush()?;
        Ok(())
    }

    pub(super) fn station(&self, id: &str) -> Result<Option<Station>, StationsError> {
        read(&self.stations, id.as_bytes())
    }

    pub(super) fn stations(&self) -> Result<Vec<Station>, StationsError> {
        all(&self.stations, |_: &Station| true)
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
}

/// `a ‖ 0 ‖ b`: a key that groups by `a` (a station id) and is unique per `b`.
pub(super) fn pair_key(a: &str, b: &str) -> Vec<u8> {
    let mut key = a.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(b.as_bytes());
    key
}

/// One JSON record by key.
pub(super) fn read<T: DeserializeOwned>(
    tree: &sled::Tree,
    key: &[u8],
) -> Result<Option<T>, StationsError> {
    match tree.get(key)? {
        Some(v) => Ok(Some(serde_json::from_slice(&v)?)),
        None => Ok(None),
    }
}

/// Every JSON record of `tree` that `keep` accepts. The trees it is used on are small (a
/// township has tens of stations, a few TVs each).
pub(super) fn all<T: DeserializeOwned>(
    tree: &sled::Tree,
    keep: impl Fn(&T) -> bool,
) -> Result<Vec<T>, StationsError> {
    let mut out = Vec::new();
    for kv in tree.iter() {
        let (_, v) = kv?;
        let record: T = serde_json::from_slice(&v)?;
        if keep(&record) {
            out.push(record);
        }
    }
    Ok(out)
}

/// A new server-made id: `prefix` + 10 hex digits.
pub(super) fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(rand::random::<[u8; 5]>()))
}

/// Now, to the second.
pub(super) fn now_utc() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// An instant as RFC 3339 UTC.
pub(super) fn stamp(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Now, RFC 3339 UTC to the second.
pub(super) fn now() -> String {
    stamp(now_utc())
}

/// A clerk-given text field: trimmed, 1 to `max` characters, no control characters.
pub(super) fn field(label: &str, value: &str, max: usize) -> Result<String, StationsError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(StationsError::Invalid(format!("{label} 不能为空")));
    }
    optional_field(label, v, max)
}

/// Like [`field`], but empty is allowed.
pub(super) fn optional_field(
    label: &str,
    value: &str,
    max: usize,
) -> Result<String, StationsError> {
    let v = value.trim();
    if v.chars().count() > max {
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
