//! A play session as it is kept in the `plays` tree (versioned JSON), what a media request
//! delivered, and what the admin dashboard is shown.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::spans::Spans;
use crate::accounts::Principal;
use crate::ledger::Entry;
use crate::records::{Source, Viewing};

/// Film time an inferred play may earn beyond the server time between its first and last
/// media request, seconds: what a player fetches ahead of what it shows (an HLS player's
/// first segment or two, a DLNA TV's first megabytes). A player that buffers more loses at
/// most the difference from its watched time; it never gains it.
pub const READ_AHEAD_S: f64 = 6.0;

/// How a play became known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayKind {
    /// Started, reported and ended by our TV UI through the plays API.
    Reported,
    /// Put together from a client's media requests.
    Inferred,
}

/// One play session: open, or ended with its viewing entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Play {
    /// Record version, for readers of an older tree.
    #[serde(default = "one")]
    pub v: u32,
    pub id: String,
    pub kind: PlayKind,
    pub station_id: Option<String>,
    pub film_id: String,
    pub film_title: String,
    /// Whole seconds.
    pub duration_s: f64,
    /// The socket peer (or the trusted proxy's client) that started it.
    pub client: Option<IpAddr>,
    /// Who started it and so who may write to it (reports, end, sign-ins, discussion).
    /// Records from before owners were kept have none: then the client address decides.
    #[serde(default)]
    pub owner: Option<Owner>,
    pub source: Source,
    /// RFC 3339 UTC, server clock.
    pub started_at: String,
    /// Unix milliseconds, server clock.
    pub started_ms: i64,
    /// Last report or media request, unix milliseconds: the idle clock.
    pub last_seen_ms: i64,
    /// Reported plays: the last position and when it came (unix ms).
    #[serde(default)]
    pub last_report: Option<(f64, i64)>,
    pub furthest_s: f64,
    pub watched: Spans,
    /// Sign-ins, one per member, with their entries (a repeat returns the same entry).
    #[serde(default)]
    pub signins: Vec<Entry>,
    /// Photos of the room, with their entries (the same photo again returns its entry).
    #[serde(default)]
    pub photos: Vec<Entry>,
    /// Inferred plays: what their media requests are grouped by (see [`Requester::group`]).
    #[serde(default)]
    pub group: Option<String>,
    /// Set just before the viewing entry is appended: the ledger length then. On start, a
    /// play still open with this set is looked up in the ledger from there, so a crash
    /// between the append and the store's write never makes a second entry.
    #[serde(default)]
    pub closing_from: Option<u64>,
    #[serde(default)]
    pub ended: Option<Ended>,
}

fn one() -> u32 {
    1
}

/// The end of a play: its viewing entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ended {
    /// The viewing entry's ledger position; `None` for a play with no station, which
    /// makes no entry (see [`super::UnregisteredViewer`]).
    pub seq: Option<u64>,
    pub ended_ms: i64,
    pub viewing: Viewing,
}

impl Play {
    /// Open plays take reports and media requests; ended ones only sign-ins and discussion.
    pub fn is_open(&self) -> bool {
        self.ended.is_none()
    }

    /// The film time this play has earned, seconds. A reported play's spans were credited
    /// by the server clock as reports came ([`super::spans::credit`]). An inferred play's
    /// spans are what was *delivered*; it earns no more than the server time between its
    /// first and last request plus [`READ_AHEAD_S`] (a player's buffer): a film fetched in
    /// seconds is a play of seconds.
    pub fn credited_s(&self) -> f64 {
        let delivered = self.watched.total();
        match self.kind {
            PlayKind::Reported => delivered,
            PlayKind::Inferred => {
                let elapsed = (self.last_seen_ms - self.started_ms).max(0) as f64 / 1000.0;
                delivered.min(elapsed + READ_AHEAD_S)
            }
        }
    }

    /// True when `actor` is the caller that started this play.
    pub fn is_owned_by(&self, actor: &Actor<'_>) -> bool {
        match &self.owner {
            Some(owner) => owner.matches(actor),
            None => self.client.is_some() && self.client == actor.client,
        }
    }
}

/// The caller of a play request: who the gate says they are, and their address.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    pub who: &'a Principal,
    pub client: Option<IpAddr>,
}

impl Actor<'_> {
    /// The owner a play started by this caller gets; `None`: nobody to tie it to.
    pub fn owner(&self) -> Option<Owner> {
        match self.who {
            Principal::Device { device, .. } => Some(Owner::Device {
                device_id: device.clone(),
            }),
            Principal::User { name, .. } => Some(Owner::User { name: name.clone() }),
            Principal::Anonymous => self.client.map(|ip| Owner::Address { ip }),
        }
    }
}

/// Who started a play. A paired TV is known by its device (revoking it ends its plays), an
/// office user by name, anyone else only by address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Owner {
    Device { device_id: String },
    User { name: String },
    Address { ip: IpAddr },
}

impl Owner {
    /// True when `actor` is this owner. An address owner is any caller at that address that
    /// is not a paired TV or a signed-in user (those are known by who they are instead).
    pub fn matches(&self, actor: &Actor<'_>) -> bool {
        match (self, actor.who) {
            (Owner::Device { device_id }, Principal::Device { device, .. }) => device_id == device,
            (Owner::User { name }, Principal::User { name: n, .. }) => name == n,
            (Owner::Address { ip }, Principal::Anonymous) => actor.client == Some(*ip),
            _ => false,
        }
    }

    /// The key per-client limits are counted by.
    pub fn key(&self) -> String {
        match self {
            Owner::Device { device_id } => format!("device:{device_id}"),
            Owner::User { name } => format!("user:{name}"),
            Owner::Address { ip } => format!("addr:{ip}"),
        }
    }
}

/// What the dashboard shows of a play ("live now").
#[derive(Clone, Debug, Serialize)]
pub struct PlayView {
    pub play_id: String,
    pub station_id: Option<String>,
    pub film_id: String,
    pub film_title: String,
    pub source: Source,
    pub inferred: bool,
    pub client: Option<String>,
    pub started_at: String,
    /// The last reported (or furthest delivered) position, seconds.
    pub position_s: f64,
    pub furthest_position_s: f64,
    pub watched_s: f64,
    pub duration_s: f64,
    pub signins: usize,
    pub active: bool,
    /// The viewing entry, once ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewing: Option<Viewing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

impl From<&Play> for PlayView {
    fn from(p: &Play) -> PlayView {
        PlayView {
            play_id: p.id.clone(),
            station_id: p.station_id.clone(),
            film_id: p.film_id.clone(),
            film_title: p.film_title.clone(),
            source: p.source,
            inferred: p.kind == PlayKind::Inferred,
            client: p.client.map(|c| c.to_string()),
            started_at: p.started_at.clone(),
            position_s: p.last_report.map_or(p.watched.end(), |(pos, _)| pos),
            furthest_position_s: p.furthest_s,
            watched_s: p.credited_s(),
            duration_s: p.duration_s,
            signins: p.signins.len(),
            active: p.is_open(),
            viewing: p.ended.as_ref().map(|e| e.viewing.clone()),
            seq: p.ended.as_ref().and_then(|e| e.seq),
        }
    }
}

/// Who is asking for media: a paired TV's station, or else the client's address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requester {
    pub station: Option<String>,
    pub client: Option<IpAddr>,
}

impl Requester {
    /// The grouping key: a paired TV's station, else the client's address.
    pub fn group(&self) -> Option<String> {
        match (&self.station, self.client) {
            (Some(station), _) => Some(format!("station:{station}")),
            (None, Some(ip)) => Some(format!("addr:{ip}")),
            (None, None) => None,
        }
    }
}

/// What one media request delivered, in the terms its handler knows.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivered {
    /// Prepared HLS segment `index` of rendition `rung` (its span is read from the
    /// rendition's `index.m3u8`).
    Segment { rung: String, index: usize },
    /// A span of film time already known (a just-in-time segment from its plan).
    Span { start_s: f64, end_s: f64 },
    /// Bytes `[from, to)` of a file of `len` bytes that plays the whole film (tv.mp4,
    /// the original): mapped to film time in proportion.
    Bytes { from: u64, to: u64, len: u64 },
}

/// One observed media request, queued for the sweeper.
#[derive(Clone, Debug)]
pub struct Hit {
    pub at_ms: i64,
    pub who: Requester,
    pub film_id: String,
    pub what: Delivered,
}
