//! Play sessions → viewing records. A play is either *reported* by our TV UI (start,
//! position heartbeats, end) or *inferred* from the media requests of a client that reports
//! nothing (a DLNA TV, a player opening a URL), grouped per (paired TV's station or client
//! address, film) and closed after `play_idle_secs` without requests. Either way, closing
//! appends one `viewing` entry ([`Viewing`]) to the ledger. Owns the sled tree `plays`.
//!
//! * **Watched seconds** are distinct film time ([`Spans`]): reported positions are credited
//!   by the server's clock only ([`spans::credit`]); media requests credit what they
//!   delivered. A rewatch adds nothing, a seek forward skips.
//! * **No double counting.** Media requests of a client with a reported play of the same film
//!   (open, or ended less than the idle time ago) belong to that play.
//! * **Durable.** Plays live in the `plays` tree: a restart loads the open ones and the
//!   sweeper closes those idle too long. Media requests are queued by the request and
//!   applied by the sweeper (about once a second), so serving never waits on the store.
//! * **Sign-ins, discussion, feedback** about a play are ledger entries carrying the
//!   same-day fields ([`SameDay`]): late when entered after the showing's local day.

mod close;
mod inferred;
mod limits;
mod manual;
mod model;
mod photo;
mod reported;
mod resume;
pub mod spans;
#[cfg(test)]
mod tests;
mod unregistered;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use media_catalog::{Catalog, CatalogError, FilmId};

pub use model::{
    Actor, Delivered, Ended, Hit, Owner, Play, PlayKind, PlayView, Requester, READ_AHEAD_S,
};
pub use photo::{PhotoAdded, MAX_PHOTOS_PER_PLAY};
pub use resume::ResumePoint;
pub use spans::Spans;
pub use unregistered::UnregisteredViewer;

use crate::ledger::Ledger;
use crate::ledger::{LedgerClock, LedgerError};
use crate::metrics::Metrics;
use crate::records::{Days, SameDay, Viewing};
use crate::stations::{Stations, StationsError};

/// Why a plays operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PlaysError {
    #[error("play storage failed")]
    Store(#[from] sled::Error),
    #[error("a play record is unreadable")]
    Record(#[from] serde_json::Error),
    #[error("the ledger refused the entry")]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Stations(#[from] StationsError),
    #[error("catalog failure")]
    Catalog(#[from] CatalogError),
    #[error("找不到该影片（unknown film {0}）")]
    UnknownFilm(String),
    #[error("找不到该次播放（unknown play {0}）")]
    UnknownPlay(String),
    #[error("本次播放已结束，不能再报告进度（the play has ended）")]
    Ended(String),
    #[error("本次播放是根据媒体请求推断的，不能报告进度（an inferred play takes no reports）")]
    NotReported(String),
    #[error("本次播放没有所属站点，无法签到（the play has no station）")]
    NoStation(String),
    #[error("党员 {member} 不在本站点的名册上（the member is on another station's roster）")]
    OtherStation { member: String },
    #[error("只有登录的工作人员可以指定站点（only signed-in staff may choose a station）")]
    StationNotYours,
    /// A field is not acceptable; the sentence says which and why.
    #[error("{0}")]
    Invalid(String),
    #[error("只有开始本次播放的电视或账号可以操作它（the play belongs to another caller）")]
    NotYours(String),
    #[error("本次播放结束已超过 {grace_mins} 分钟或已不是当天，签到和讨论请到乡电教站补记（too late for this play: the office can add a late entry）")]
    EntriesClosed { grace_mins: u64 },
    #[error("本次播放正在结束，请稍后再试（the play is being closed, try again）")]
    Closing(String),
    /// A photo was not taken (not a JPEG or PNG, too large) or could not be stored.
    #[error(transparent)]
    Photo(crate::photos::PhotoError),
    /// A per-client limit was reached; the sentence says which.
    #[error("{message}")]
    TooMany {
        message: String,
        retry_after_secs: u64,
    },
}

/// How plays are closed and counted.
#[derive(Clone, Debug)]
pub struct PlaysConfig {
    /// Close a play after this long without a report or a media request.
    pub idle_secs: u64,
    /// Plays with less watched time are `aborted`.
    pub min_secs: u64,
    /// The server's clock (scripted in tests).
    pub clock: LedgerClock,
    /// Per-client limits and the window for entries after the end.
    pub limits: PlayLimits,
}

/// What one client may do with plays (a paired TV, an office user, an address).
#[derive(Clone, Debug)]
pub struct PlayLimits {
    /// Sign-ins and discussion are taken this long after a play ended, the same local day.
    pub entry_grace_secs: u64,
    /// Plays one client may have open at once.
    pub open_per_client: usize,
    /// Plays one client may start in an hour.
    pub starts_per_hour: u32,
    /// Discussion and feedback entries one client may make in an hour.
    pub entries_per_hour: u32,
    /// Days the statistics of an address with no station are kept.
    pub unregistered_keep_days: u64,
}

impl Default for PlayLimits {
    fn default() -> Self {
        PlayLimits {
            entry_grace_secs: 2 * 3600,
            open_per_client: 4,
            starts_per_hour: 60,
            entries_per_hour: 60,
            unregistered_keep_days: 90,
        }
    }
}

/// What plays need from the rest of the application.
pub struct Deps {
    pub db: sled::Db,
    pub ledger: Arc<Ledger>,
    pub stations: Arc<Stations>,
    pub catalog: Arc<Catalog>,
    pub metrics: Arc<Metrics>,
    pub days: Days,
    /// A ready film's renditions folder (its `{rung}/index.m3u8` maps segments to time).
    pub film_dir: Box<dyn Fn(&FilmId) -> PathBuf + Send + Sync>,
    /// The segments (start, end) planned for an unprepared film played just in time.
    pub planned_segments: Box<PlannedSegments>,
}

/// Each segment's (start, end) in film time, seconds, in segment order.
pub type SegmentSpans = Vec<(f64, f64)>;

/// Looks up the just-in-time plan's segments of a film.
pub type PlannedSegments = dyn Fn(&FilmId) -> Option<SegmentSpans> + Send + Sync;

/// The play sessions. Share it (`Arc`); every method takes `&self`.
pub struct Plays {
    deps: Deps,
    tree: sled::Tree,
    cfg: PlaysConfig,
    state: Mutex<State>,
    /// Media requests not applied yet (the sweeper drains it).
    hits: Mutex<Vec<Hit>>,
    playlists: inferred::PlaylistCache,
    sweeping: AtomicBool,
    /// Statistics of viewers with no station (see [`UnregisteredViewer`]).
    unregistered: sled::Tree,
    /// Plays started per client this hour.
    starts: limits::HourlyCounter,
    /// Discussion and feedback entries per client this hour.
    entries: limits::HourlyCounter,
    /// When the sweeper last pruned old statistics (unix ms).
    pruned_ms: std::sync::atomic::AtomicI64,
}

/// Open plays and what finding their owner needs. Guarded by one lock, held across the
/// ledger append that closes a play so a play never ends twice.
#[derive(Default)]
struct State {
    open: HashMap<String, Play>,
    /// Open inferred plays by (requester's group, film id).
    inferred: HashMap<(String, String), String>,
    /// Reported plays ended less than the idle time ago (their media requests still
    /// belong to them): (play, ended at unix ms).
    recent: Vec<(Play, i64)>,
    /// Plays changed since the store last saw them.
    dirty: HashSet<String>,
    /// Open plays the sweeper is closing outside the lock: they take no more reports.
    closing: HashSet<String>,
    /// Inferred plays a newer one of the same client replaced: the next sweep closes them.
    superseded: HashSet<String>,
}

/// Queued media requests beyond this are dropped (a sweeper that stopped must not grow
/// memory without bound).
const MAX_QUEUED_HITS: usize = 100_000;

/// Plays open at once on the whole server, at most: new ones past it are refused (reported)
/// or not made (inferred), so memory stays bounded whatever the LAN sends.
pub const MAX_OPEN_PLAYS: usize = 5000;

/// Open inferred plays one client (a station's TVs, an address) has at most: a TV shows one
/// film at a time, so a request for another film supersedes the oldest.
const MAX_INFERRED_PER_CLIENT: usize = 2;

/// Longest discussion or feedback text, characters.
pub const MAX_TEXT_CHARS: usize = 2000;

impl Plays {
    /// Opens the `plays` tree and loads the plays still open (closed ones the ledger
    /// already has are recognised, see [`Play::closing_from`]).
    pub fn open(deps: Deps, cfg: PlaysConfig) -> Result<Plays, PlaysError> {
        let tree = deps.db.open_tree("plays")?;
        let unregistered = deps.db.open_tree("unregistered_viewers")?;
        let plays = Plays {
            deps,
            tree,
            cfg,
            state: Mutex::default(),
            hits: Mutex::default(),
            playlists: inferred::PlaylistCache::default(),
            sweeping: AtomicBool::new(false),
            unregistered,
            starts: limits::HourlyCounter::default(),
            entries: limits::HourlyCounter::default(),
            pruned_ms: std::sync::atomic::AtomicI64::new(0),
        };
        let state = plays.load()?;
        *plays.lock() = state;
        plays.count_active();
        Ok(plays)
    }

    /// One play, open or ended.
    pub fn get(&self, id: &str) -> Result<PlayView, PlaysError> {
        if let Some(p) = self.lock().open.get(id) {
            return Ok(PlayView::from(p));
        }
        self.stored(id)?
            .map(|p| PlayView::from(&p))
            .ok_or_else(|| PlaysError::UnknownPlay(id.to_owned()))
    }

    /// The plays open now ("live now"), oldest first.
    pub fn active(&self) -> Vec<PlayView> {
        let st = self.lock();
        let mut all: Vec<PlayView> = st.open.values().map(PlayView::from).collect();
        drop(st);
        all.sort_by(|a, b| a.started_at.cmp(&b.started_at));
        all
    }

    /// Notes a media request; applied by the next sweep. Cheap: one short lock.
    pub fn observe(&self, who: Requester, film_id: &str, what: Delivered) {
        let hit = Hit {
            at_ms: self.now_ms(),
            who,
            film_id: film_id.to_owned(),
            what,
        };
        let mut q = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if q.len() < MAX_QUEUED_HITS {
            q.push(hit);
        }
    }

    /// A play as the store has it.
    fn stored(&self, id: &str) -> Result<Option<Play>, PlaysError> {
        match self.tree.get(id.as_bytes())? {
            Some(v) => Ok(Some(serde_json::from_slice(&v)?)),
            None => Ok(None),
        }
    }

    /// Writes a play; `durable`: flush the store before returning.
    fn put(&self, play: &Play, durable: bool) -> Result<(), PlaysError> {
        self.tree
            .insert(play.id.as_bytes(), serde_json::to_vec(play)?)?;
        if durable {
            self.deps.db.flush()?;
        }
        Ok(())
    }

    /// The same-day fields for an entry about `play` made now.
    fn same_day(&self, play: &Play) -> SameDay {
        let days = &self.deps.days;
        let showing = days
            .date_of_stamp(&play.started_at)
            .unwrap_or_else(|| days.date_of(self.cfg.clock.now()));
        SameDay::new(showing, days.date_of(self.cfg.clock.now()))
    }

    fn now_ms(&self) -> i64 {
        unix_ms(self.cfg.clock.now())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plays as they were between steps; go on.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count_active(&self) {
        let n = self.lock().open.len() as u64;
        self.deps.metrics.active_plays.store(n, Ordering::Relaxed);
    }
}

/// A new play id: `pl_` + 12 hex digits.
fn new_id() -> String {
    format!("pl_{}", hex::encode(rand::random::<[u8; 6]>()))
}

fn unix_ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Unix milliseconds as RFC 3339 UTC to the second.
fn stamp(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The viewing a closed play records.
fn viewing(play: &Play, ended_ms: i64, min_secs: u64) -> Viewing {
    let watched_s = play.credited_s().round() as u64;
    Viewing {
        play_id: play.id.clone(),
        station_id: play.station_id.clone(),
        film_id: play.film_id.clone(),
        film_title: play.film_title.clone(),
        started_at: play.started_at.clone(),
        ended_at: stamp(ended_ms.max(play.started_ms)),
        watched_s,
        furthest_position_s: play.furthest_s.round() as u64,
        duration_s: play.duration_s.round() as u64,
        source: play.source,
        inferred: play.kind == PlayKind::Inferred,
        signins: play.signins.len() as u32,
        status: if watched_s >= min_secs {
            crate::records::ViewingStatus::Showing
        } else {
            crate::records::ViewingStatus::Aborted
        },
        client: play.client.map(|c| c.to_string()),
    }
}
