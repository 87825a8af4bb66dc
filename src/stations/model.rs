//! Stations (village playback points and their kin) and the party members on their rosters.

use serde::{Deserialize, Serialize};

/// What kind of playback point a station is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationKind {
    /// 村 — a village playback room.
    Village,
    /// 社区.
    Community,
    /// 企业 — an enterprise's party branch.
    Enterprise,
    /// 机关 — a government organ.
    Organ,
    /// 牧业点 — a herding point, visited with a laptop; counts pastoral hours.
    Pastoral,
}

impl StationKind {
    /// The Chinese name shown in registers.
    pub fn label(self) -> &'static str {
        match self {
            StationKind::Village => "村",
            StationKind::Community => "社区",
            StationKind::Enterprise => "企业",
            StationKind::Organ => "机关",
            StationKind::Pastoral => "牧业点",
        }
    }
}

/// A playback point. Never deleted: a retired station keeps its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Station {
    /// Server-made (`st_` + 10 hex digits); the ledger's `station`.
    pub id: String,
    /// The township's own code for it, unique among stations (e.g. `LJC-01`).
    pub code: String,
    pub name: String,
    pub kind: StationKind,
    pub township: String,
    /// The broadcaster (播放员) who runs its showings, if known.
    #[serde(default)]
    pub broadcaster: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Set once when retired (RFC 3339 UTC); a retired station takes no new plays.
    #[serde(default)]
    pub retired_at: Option<String>,
}

impl Station {
    pub fn is_retired(&self) -> bool {
        self.retired_at.is_some()
    }
}

/// What a clerk gives to make a station.
#[derive(Clone, Debug, Deserialize)]
pub struct NewStation {
    pub code: String,
    pub name: String,
    pub kind: StationKind,
    /// Default: the server's `township` setting.
    #[serde(default)]
    pub township: Option<String>,
    #[serde(default)]
    pub broadcaster: Option<String>,
}

/// A party member on one station's roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Server-made (`m_` + 10 hex digits).
    pub id: String,
    pub station_id: String,
    pub name: String,
    /// The member number (党员编号); unique within a station's roster.
    pub member_no: String,
    #[serde(default)]
    pub branch: Option<String>,
    pub added_at: String,
}

/// What a clerk (or one roster row) gives to add a member.
#[derive(Clone, Debug, Deserialize)]
pub struct NewMember {
    pub name: String,
    pub member_no: String,
    #[serde(default)]
    pub branch: Option<String>,
}

/// What a clerk may change on a station (`PATCH`): absent or `null` fields stay as they are;
/// an empty `broadcaster` clears it. The code and the kind never change.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub broadcaster: Option<String>,
    #[serde(default)]
    pub township: Option<String>,
}

/// What a paired device is: the station's TV, or the broadcaster's phone (the "station
/// phone" that picks films and pushes them to the TV). Both are the station's devices with
/// the same rights; the kind is for the office's list and the pages the device is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// 电视 — also what records from before phones existed read as.
    #[default]
    Tv,
    /// 手机 — the broadcaster's phone (`/m/`).
    Phone,
}

impl DeviceKind {
    /// The Chinese name shown in the office.
    pub fn label(self) -> &'static str {
        match self {
            DeviceKind::Tv => "电视",
            DeviceKind::Phone => "手机",
        }
    }
}

/// A TV or phone paired to a station. Its device token is never stored, only its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Server-made (`dv_` + 10 hex digits); names the device in the admin UI and the ledger.
    pub device_id: String,
    pub station_id: String,
    /// RFC 3339 UTC.
    pub paired_at: String,
    /// The address the TV paired from (socket peer), if known.
    #[serde(default)]
    pub client: Option<String>,
    /// A name given at pairing (e.g. 「村委会电视」), if any.
    #[serde(default)]
    pub name: Option<String>,
    /// RFC 3339 UTC: when the TV last used its token, to within about a day (absent on
    /// records from before this was kept: then `paired_at` counts).
    #[serde(default)]
    pub last_used_at: Option<String>,
    /// A TV or a phone (absent on records from before phones: a TV).
    #[serde(default)]
    pub kind: DeviceKind,
}

/// A TV paired just now: the device record and the token for its cookie (shown once).
#[derive(Clone, Debug)]
pub struct Paired {
    pub device: Device,
    /// 64 hex digits (32 random bytes); goes into the `dj_device` cookie and nowhere else.
    pub token: String,
    pub station: Station,
}

/// A pairing code as the admin sees it once: 6 digits, valid until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingCode {
    pub code: String,
    pub station_id: String,
    /// RFC 3339 UTC.
    pub made_at: String,
    /// RFC 3339 UTC; the code pairs nothing from then on.
    pub expires_at: String,
    /// Set when a TV used it (a code pairs one TV only).
    #[serde(default)]
    pub used_at: Option<String>,
}

/// An address registered for a TV that cannot pair (DLNA): its plays count for the station.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// An IP address in its canonical text form.
    pub address: String,
    pub station_id: String,
    /// RFC 3339 UTC.
    pub added_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_record_from_before_phones_reads_as_a_tv() {
        let old = r#"{"device_id":"dv_0123456789","station_id":"st_0123456789","paired_at":"2026-01-01T00:00:00Z"}"#;
        let device: Device = serde_json::from_str(old).expect("reads");
        assert_eq!(device.kind, DeviceKind::Tv);
        let phone = serde_json::to_value(DeviceKind::Phone).expect("json");
        assert_eq!(phone, "phone");
        assert_eq!(DeviceKind::Phone.label(), "手机");
    }
}
