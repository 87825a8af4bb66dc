//! A play session as it is kept in the `plays` tree (versioned JSON), what a media request
//! delivered, and what the admin dashboard is shown.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::spans::Spans;
use crate::ledger::Entry;
use crate::records::{Source, Viewing};

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
    pub seq: u64,
    pub ended_ms: i64,
    pub viewing: Viewing,
}

impl Play {
    /// Open plays take reports and media requests; ended ones only sign-ins and discussion.
    pub fn is_open(&self) -> bool {
        self.ended.is_none()
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
            watched_s: p.watched.total(),
            duration_s: p.duration_s,
            signins: p.signins.len(),
            active: p.is_open(),
            viewing: p.ended.as_ref().map(|e| e.viewing.clone()),
            seq: p.ended.as_ref().map(|e| e.seq),
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
