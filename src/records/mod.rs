//! What the ledger's entries say: one payload type per entry kind, shared by the modules
//! that write them (stations, plays, the manual-entry routes) and the one that reads them
//! (reports). The ledger itself stores any JSON object; these types are its vocabulary.
//!
//! Rules every writer keeps:
//! * times are the server's (`at` of the entry; `started_at`/`ended_at` of a viewing are
//!   also the server's clock, RFC 3339 UTC), never a client's;
//! * a manual entry about a showing carries `showing_date` and `entered_date` (local dates,
//!   see [`Days`]) and `late: true` when they differ (the same-day rule: 当天填写);
//! * names (film title, member name) are copied into the payload so a register prints the
//!   same years later, whatever the catalog or roster says by then.

mod days;

use serde::{Deserialize, Serialize};

pub use days::{Days, LocalDate};

/// How a showing reached the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Reported by our TV UI through the plays API.
    TvUi,
    /// Inferred from the media requests of a TV registered by address (DLNA).
    Dlna,
    /// Inferred from the media requests of any other player opening a URL.
    Direct,
    /// Pushed by the server to a TV's DLNA renderer, which reported its position (exact).
    DlnaPush,
    /// Recorded offline by a pastoral field kit's page and imported (`src/kit`).
    FieldKit,
}

/// Whether a play counts as a showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewingStatus {
    /// Watched at least `play_min_secs`: a showing for the registers.
    Showing,
    /// Shorter: recorded (nothing is left out) but not counted as a showing.
    Aborted,
}

/// Kind `viewing`: one play session, closed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Viewing {
    pub play_id: String,
    /// Also the entry's `station`; `None` for a player no station is known for.
    pub station_id: Option<String>,
    pub film_id: String,
    pub film_title: String,
    /// Server clock, RFC 3339 UTC.
    pub started_at: String,
    pub ended_at: String,
    /// Distinct seconds of the film delivered or reported (a rewatch does not add).
    pub watched_s: u64,
    pub furthest_position_s: u64,
    /// The film's duration, whole seconds.
    pub duration_s: u64,
    pub source: Source,
    pub inferred: bool,
    /// Sign-ins recorded for the play by the time it ended (later ones are their own entries).
    pub signins: u32,
    pub status: ViewingStatus,
    /// The client's address (socket peer), for inferred plays and the TV UI alike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// The same-day fields of a manual entry about a showing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SameDay {
    /// Local date of the showing (or of the work the entry is about).
    pub showing_date: LocalDate,
    /// Local date the entry was made (the server's clock).
    pub entered_date: LocalDate,
    /// `entered_date` is after `showing_date`: shown as 补记 (late) everywhere.
    pub late: bool,
}

impl SameDay {
    pub fn new(showing_date: LocalDate, entered_date: LocalDate) -> SameDay {
        SameDay {
            late: entered_date > showing_date,
            showing_date,
            entered_date,
        }
    }
}

/// Kind `signin`: a party member signed in for a showing (党员签到册).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signin {
    pub play_id: String,
    pub film_id: String,
    pub film_title: String,
    pub member_id: String,
    pub member_name: String,
    pub member_no: String,
    #[serde(flatten)]
    pub day: SameDay,
}

/// Kind `discussion`: what was discussed after a showing (讨论登记薄).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Discussion {
    pub play_id: String,
    pub film_id: String,
    pub film_title: String,
    pub text: String,
    #[serde(flatten)]
    pub day: SameDay,
}

/// Kind `photo`: a photo of the room at a showing (evidence county inspectors ask for). The
/// image itself is kept under the data folder as `photos/<sha256>.<jpg|png>`; the entry
/// pins it by its SHA-256, so a swapped file no longer matches the ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    pub play_id: String,
    pub film_id: String,
    pub film_title: String,
    /// SHA-256 of the file's bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// `image/jpeg` or `image/png`, from the file's own header.
    pub content_type: String,
    /// Pixels, from the image header.
    pub width: u32,
    pub height: u32,
    #[serde(flatten)]
    pub day: SameDay,
}

/// Kind `feedback`: feedback sent upward (信息反馈薄), optionally about a showing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub film_id: Option<String>,
    #[serde(flatten)]
    pub day: SameDay,
}

/// Kind `info_report`: an 电教信息 item (each village one a month).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InfoReport {
    pub title: String,
    pub text: String,
    pub entered_date: LocalDate,
}

/// One film planned for one month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    /// 1–12, inside the plan's quarter.
    pub month: u8,
    pub film_id: String,
    pub film_title: String,
}

/// Kind `plan`: a station's playback plan for one quarter (usually the next).
/// A later plan for the same station and quarter replaces an earlier one in reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub year: i32,
    /// 1–4.
    pub quarter: u8,
    pub items: Vec<PlanItem>,
}

/// Which of the township's yearly production tasks a film fulfils.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Production {
    /// 党建类新闻.
    PartyNews,
    /// 专题片.
    Feature,
}

/// Kind `production_delivered`: a local production received (station `None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionDelivered {
    pub film_id: String,
    pub film_title: String,
    pub production: Production,
    pub township: String,
    /// The task year it counts for.
    pub year: i32,
}

/// Kind `pastoral_session`: teaching and showing at a herding point (30 h a year).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PastoralSession {
    pub hours: f64,
    pub place: String,
    #[serde(default)]
    pub note: String,
    /// `showing_date` is the day it was held (recorded later from the laptop: then late).
    #[serde(flatten)]
    pub day: SameDay,
}

/// Kind `station_change`: a station made, changed or retired, or its roster, devices,
/// addresses or 六有 checklist changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StationChange {
    /// `created`, `updated`, `retired`, `member_added`, `roster_imported`,
    /// `pairing_code_made`, `device_paired`, `device_revoked`, `address_added`,
    /// `address_removed`, `checklist`.
    pub action: String,
    pub code: String,
    pub name: String,
    /// What changed, per action (e.g. the member, the address, the checklist item).
    #[serde(default)]
    pub detail: serde_json::Value,
}
