//! Pairing TVs (and the broadcaster's phone) to stations: a 6-digit code made by an admin,
//! entered once on the TV with the remote (or opened from a QR code on the phone),
//! exchanged for a long-lived random device token. Only the token's SHA-256 is stored, so a
//! copy of the database pairs nothing. Wrong codes are counted per client
//! address and for the whole server (see `pairing_limit`), and all get one answer. A token
//! unused for `device_idle` lapses; its last use is written at most about once a day. Use
//! and lapse are timed by the ledger's clock, the server's one clock (which tests script).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use rand::Rng;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::store::{self, read};
use super::{
    CodeRefusal, Device, DeviceKind, Paired, PairingCode, PairingStatus, Station, Stations,
    StationsError,
};

/// A device's last use is written again once it is this old (or half the idle limit, if
/// that is shorter): the store is not written on every request.
const TOUCH_EVERY: Duration = Duration::from_secs(86_400);
/// Dead codes are kept this long after they expire, so the log can say why a code was
/// refused (the answer is the same); then they go.
const KEEP_DEAD_DAYS: i64 = 7;

impl Stations {
    /// Makes a pairing code for a station: 6 random digits, unique among live codes, valid
    /// for `pairing_code_hours`, good for one TV.
    pub fn make_pairing_code(&self, station_id: &str) -> Result<PairingCode, StationsError> {
        let station = self.require_active(station_id)?;
        let made = store::now_utc();
        self.purge_dead_codes(made)?;
        let hours = i64::try_from(self.options.pairing_code_hours).unwrap_or(i64::MAX);
        let expires = made
            .checked_add(time::Duration::hours(hours.min(24 * 366)))
            .unwrap_or(made);
        for _ in 0..64 {
            let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32));
            let record = PairingCode {
                code,
                station_id: station.id.clone(),
                made_at: store::stamp(made),
                expires_at: store::stamp(expires),
                used_at: None,
            };
            if self.try_code(&station, &record, made)? {
                return Ok(record);
            }
        }
        // Only if nearly all million codes were live at once.
        Err(StationsError::Invalid(
            "暂时无法生成新的配对码，请稍后再试（no free pairing code）".into(),
        ))
    }

    /// Stores `record` if its code is free (unknown, used or expired) and records it in the
    /// ledger; `false`: the code is live for someone else, try another.
    fn try_code(
        &self,
        station: &Station,
        record: &PairingCode,
        now: OffsetDateTime,
    ) -> Result<bool, StationsError> {
        let tree = &self.trees.pairing_codes;
        let key = record.code.as_bytes();
        let current = tree.get(key)?;
        if let Some(old) = &current {
            let old: PairingCode = serde_json::from_slice(old)?;
            if is_live(&old, now) {
                return Ok(false);
            }
        }
        let json = serde_json::to_vec(record)?;
        if tree
            .compare_and_swap(key, current.clone(), Some(json.clone()))?
            .is_err()
        {
            return Ok(false);
        }
        let detail = serde_json::json!({ "expires_at": record.expires_at });
        if let Err(e) = self.record(station, "pairing_code_made", detail) {
            let _ = tree.compare_and_swap(key, Some(json), current);
            return Err(e);
        }
        self.trees.flush()?;
        Ok(true)
    }

    /// Pairs a TV with a code: the device record and its token. `client` is the TV's
    /// address (counted against wrong codes); `name` an optional label for the admin list.
    pub fn pair(
        &self,
        code: &str,
        client: Option<IpAddr>,
        name: Option<&str>,
    ) -> Result<Paired, StationsError> {
        self.pair_as(code, client, name, DeviceKind::Tv)
    }

    /// Pairs a device of `kind` (a TV or the broadcaster's phone) with a code, as
    /// [`Stations::pair`]: the same codes, limits and rights for both.
    pub fn pair_as(
        &self,
        code: &str,
        client: Option<IpAddr>,
        name: Option<&str>,
        kind: DeviceKind,
    ) -> Result<Paired, StationsError> {
        let from = client.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let attempt = self.pairing_limit.reserve(from)?;
        let paired = self.pair_with(code, client, name, kind);
        match &paired {
            Err(StationsError::Code(why)) => {
                tracing::info!(client = %from, ?why, "pairing code refused");
                attempt.wrong();
            }
            Ok(_) | Err(_) => attempt.release(),
        }
        paired
    }

    /// Whether pairing is paused for everyone (too many wrong codes this hour), for the
    /// admin page.
    pub fn pairing_status(&self) -> PairingStatus {
        self.pairing_limit.status()
    }

    fn pair_with(
        &self,
        code: &str,
        client: Option<IpAddr>,
        name: Option<&str>,
        kind: DeviceKind,
    ) -> Result<Paired, StationsError> {
        let label = match kind {
            DeviceKind::Tv => "电视名称 (name)",
            DeviceKind::Phone => "手机名称 (name)",
        };
        let name = match name {
            Some(n) if !n.trim().is_empty() => Some(store::field(label, n, 32)?),
            _ => None,
        };
        let now = store::now_utc();
        let claim = self.claim_code(code, now)?;
        let station = claim.station;
        let device = Device {
            device_id: store::new_id("dv_"),
            station_id: station.id.clone(),
            paired_at: store::stamp(now),
            client: client.map(|ip| ip.to_string()),
            name,
            // To the fraction of a second, unlike `paired_at`: it is compared with short idle
            // limits in tests.
            last_used_at: Some(store::stamp(self.ledger.now())),
            kind,
        };
        let detail = serde_json::json!({
            "device_id": device.device_id, "client": device.client, "name": device.name,
            "kind": device.kind,
        });
        if let Err(e) = self.record(&station, "device_paired", detail) {
            let tree = &self.trees.pairing_codes;
            let _ = tree.compare_and_swap(claim.key, Some(claim.used), Some(claim.unused));
            return Err(e);
        }
        let token = hex::encode(rand::random::<[u8; 32]>());
        self.trees
            .put(&self.trees.devices, &token_key(&token), &device)?;
        Ok(Paired {
            device,
            token,
            station,
        })
    }

    /// Marks a live code of an active station used (atomically: one TV per code).
    fn claim_code(&self, code: &str, now: OffsetDateTime) -> Result<Claim, StationsError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeRefusal::Wrong.into());
        }
        let tree = &self.trees.pairing_codes;
        let unused = tree.get(code.as_bytes())?.ok_or(CodeRefusal::Wrong)?;
        let mut record: PairingCode = serde_json::from_slice(&unused)?;
        if record.used_at.is_some() {
            return Err(CodeRefusal::Used.into());
        }
        if is_expired(&record, now) {
            return Err(CodeRefusal::Expired.into());
        }
        let station = match self.require_active(&record.station_id) {
            Err(StationsError::Retired(_)) => return Err(CodeRefusal::StationRetired.into()),
            other => other?,
        };
        record.used_at = Some(store::stamp(now));
        let used = serde_json::to_vec(&record)?;
        let swapped = tree.compare_and_swap(code.as_bytes(), Some(&unused), Some(used.clone()))?;
        // Lost the race: another TV used it a moment ago.
        swapped.map_err(|_| CodeRefusal::Used)?;
        Ok(Claim {
            key: code.into_bytes(),
            unused: unused.to_vec(),
            used,
            station,
        })
    }

    /// A code of `station_id` that still pairs (unused, not expired), for showing it again
    /// (as a QR code); `None` for any other code.
    pub fn live_code(
        &self,
        station_id: &str,
        code: &str,
    ) -> Result<Option<PairingCode>, StationsError> {
        self.require(station_id)?;
        let record: Option<PairingCode> = read(&self.trees.pairing_codes, code.as_bytes())?;
        let now = store::now_utc();
        Ok(record.filter(|c| c.station_id == station_id && is_live(c, now)))
    }

    /// The TVs and phones paired to a station, oldest first; tokens are never listed (not kept).
    pub fn devices(&self, station_id: &str) -> Result<Vec<Device>, StationsError> {
        self.require(station_id)?;
        let mut all = store::all(&self.trees.devices, |d: &Device| d.station_id == station_id)?;
        all.sort_by(|a, b| a.paired_at.cmp(&b.paired_at));
        Ok(all)
    }

    /// Revokes a paired TV: its cookie then reads as anonymous and it must pair again.
    pub fn revoke_device(
        &self,
        station_id: &str,
        device_id: &str,
    ) -> Result<Device, StationsError> {
        let station = self.require(station_id)?;
        let mut found = None;
        for kv in self.trees.devices.iter() {
            let (key, value) = kv?;
            let device: Device = serde_json::from_slice(&value)?;
            if device.device_id == device_id && device.station_id == station.id {
                found = Some((key, device));
                break;
            }
        }
        let (key, device) = found.ok_or_else(|| StationsError::UnknownDevice(device_id.into()))?;
        let detail = serde_json::json!({ "device_id": device.device_id, "name": device.name });
        self.record(&station, "device_revoked", detail)?;
        self.trees.remove(&self.trees.devices, &key)?;
        Ok(device)
    }

    /// The station a paired TV's device token belongs to (`None`: unknown or revoked).
    pub fn device_station(&self, token: &str) -> Result<Option<String>, StationsError> {
        Ok(self.device(token)?.map(|d| d.station_id))
    }

    /// The paired TV a device token belongs to (`None`: unknown, revoked or unused for
    /// longer than `device_idle`).
    pub fn device(&self, token: &str) -> Result<Option<Device>, StationsError> {
        let device: Option<Device> = read(&self.trees.devices, &token_key(token))?;
        let now = self.ledger.now();
        Ok(device.filter(|d| idle_for(d, now) < self.options.device_idle))
    }

    /// A TV is using its token: its device (as [`Stations::device`]) and whether its last
    /// use was just written again (then the caller renews the cookie). Written at most about
    /// once a day per TV.
    pub fn use_device(&self, token: &str) -> Result<Option<(Device, bool)>, StationsError> {
        let key = token_key(token);
        let Some(before) = self.trees.devices.get(key)? else {
            return Ok(None);
        };
        let mut device: Device = serde_json::from_slice(&before)?;
        let now = self.ledger.now();
        let idle = idle_for(&device, now);
        if idle >= self.options.device_idle {
            return Ok(None);
        }
        if idle < TOUCH_EVERY.min(self.options.device_idle / 2) {
            return Ok(Some((device, false)));
        }
        device.last_used_at = Some(store::stamp(now));
        let after = serde_json::to_vec(&device)?;
        // Only over the record just read: a revoke in between is not undone. Not flushed:
        // a lost touch after a crash costs nothing but an earlier lapse by a day.
        let swapped = self
            .trees
            .devices
            .compare_and_swap(key, Some(before), Some(after))?;
        match swapped {
            Ok(()) => Ok(Some((device, true))),
            // Another request of this TV touched it first (still there), or it was revoked.
            Err(e) if e.current.is_some() => Ok(Some((device, false))),
            Err(_) => Ok(None),
        }
    }

    /// Removes codes that died (used or expired) more than [`KEEP_DEAD_DAYS`] ago.
    fn purge_dead_codes(&self, now: OffsetDateTime) -> Result<(), StationsError> {
        let horizon = now - time::Duration::days(KEEP_DEAD_DAYS);
        let tree = &self.trees.pairing_codes;
        for kv in tree.iter() {
            let (key, value) = kv?;
            let code: PairingCode = serde_json::from_slice(&value)?;
            if is_expired(&code, horizon) {
                let _ = tree.compare_and_swap(key, Some(value), None as Option<&[u8]>);
            }
        }
        Ok(())
    }
}

/// A pairing code just marked used, and what it was before (to undo the mark if the
/// ledger refuses the pairing).
struct Claim {
    key: Vec<u8>,
    unused: Vec<u8>,
    used: Vec<u8>,
    station: Station,
}

/// The store key of a device token: its SHA-256.
fn token_key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// How long ago `device` was last used (or paired, for records from before last use was
/// kept); unreadable times count as long ago, times ahead of the clock (it was set back) as
/// just now.
fn idle_for(device: &Device, now: OffsetDateTime) -> Duration {
    let format = &time::format_description::well_known::Rfc3339;
    let last = device.last_used_at.as_deref().unwrap_or(&device.paired_at);
    OffsetDateTime::parse(last, format).map_or(Duration::MAX, |at| {
        Duration::try_from(now - at).unwrap_or(Duration::ZERO)
    })
}

fn is_expired(code: &PairingCode, now: OffsetDateTime) -> bool {
    let format = &time::format_description::well_known::Rfc3339;
    OffsetDateTime::parse(&code.expires_at, format).map_or(true, |until| now >= until)
}

fn is_live(code: &PairingCode, now: OffsetDateTime) -> bool {
    code.used_at.is_none() && !is_expired(code, now)
}
