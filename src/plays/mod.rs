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
mod manual;
mod model;
pub mod spans;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use media_catalog::{Catalog, CatalogError, FilmId};

pub use model::{Delivered, Ended, Hit, Play, PlayKind, PlayView, Requester};
pub use spans::Spans;

use crate::accounts::Principal;
use crate::ledger::Ledger;
use crate::ledger::{LedgerClock, LedgerError};
use crate::metrics::Metrics;
use crate::records::{Days, SameDay, Source, Viewing};
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
}

/// Queued media requests beyond this are dropped (a sweeper that stopped must not grow
/// memory without bound).
const MAX_QUEUED_HITS: usize = 100_000;

/// Longest discussion or feedback text, characters.
pub const MAX_TEXT_CHARS: usize = 2000;

impl Plays {
    /// Opens the `plays` tree and loads the plays still open (closed ones the ledger
    /// already has are recognised, see [`Play::closing_from`]).
    pub fn open(deps: Deps, cfg: PlaysConfig) -> Result<Plays, PlaysError> {
        let tree = deps.db.open_tree("plays")?;
        let plays = Plays {
            deps,
            tree,
            cfg,
            state: Mutex::default(),
            hits: Mutex::default(),
            playlists: inferred::PlaylistCache::default(),
            sweeping: AtomicBool::new(false),
        };
        let state = plays.load()?;
        *plays.lock() = state;
        plays.count_active();
        Ok(plays)
    }

    /// Starts a reported play of `film_id` and returns it. The station: a paired TV's own; a
    /// signed-in user may name one; else the one the client's address is registered to (or
    /// none). `position_s`: where playback starts.
    pub fn start(
        &self,
        film_id: &str,
        who: &Principal,
        asked_station: Option<&str>,
        client: Option<IpAddr>,
        position_s: f64,
    ) -> Result<Play, PlaysError> {
        let (title, duration_s) = self.film(film_id)?;
        let position_s = self.position(position_s, duration_s)?;
        let station_id = self.station_for(who, asked_station, client)?;
        let now = self.now_ms();
        let play = Play {
            v: 1,
            id: new_id(),
            kind: PlayKind::Reported,
            station_id,
            film_id: film_id.to_owned(),
            film_title: title,
            duration_s,
            client,
            source: Source::TvUi,
            started_at: stamp(now),
            started_ms: now,
            last_seen_ms: now,
            last_report: Some((position_s, now)),
            furthest_s: position_s,
            watched: Spans::default(),
            signins: Vec::new(),
            group: None,
            closing_from: None,
            ended: None,
        };
        let mut st = self.lock();
        self.absorb_inferred(&mut st, &play)?;
        self.put(&play, true)?;
        st.open.insert(play.id.clone(), play.clone());
        drop(st);
        self.count_active();
        Ok(play)
    }

    /// A position report of an open reported play.
    pub fn heartbeat(&self, id: &str, position_s: f64) -> Result<PlayView, PlaysError> {
        let mut st = self.lock();
        let play = self.open_reported(&mut st, id)?;
        let position_s = self.position(position_s, play.duration_s)?;
        let now = self.now_ms();
        report(play, position_s, now);
        let view = PlayView::from(&*play);
        st.dirty.insert(id.to_owned());
        Ok(view)
    }

    /// Ends a reported play (with a last position, if given) and returns its viewing entry; a play that
    /// already ended returns the entry it made (nothing is appended twice).
    pub fn end(&self, id: &str, position_s: Option<f64>) -> Result<Ended, PlaysError> {
        let mut st = self.lock();
        if !st.open.contains_key(id) {
            drop(st);
            return match self.stored(id)? {
                Some(Play {
                    ended: Some(ended), ..
                }) => Ok(ended),
                _ => Err(PlaysError::UnknownPlay(id.to_owned())),
            };
        }
        let play = self.open_reported(&mut st, id)?;
        let now = self.now_ms();
        if let Some(p) = position_s {
            let p = self.position(p, play.duration_s)?;
            report(play, p, now);
        }
        let ended = self.close(&mut st, id, now)?;
        drop(st);
        self.count_active();
        Ok(ended)
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

    /// The reported play `id`, open; 404/409 otherwise.
    fn open_reported<'s>(&self, st: &'s mut State, id: &str) -> Result<&'s mut Play, PlaysError> {
        if !st.open.contains_key(id) {
            return Err(match self.stored(id)? {
                Some(_) => PlaysError::Ended(id.to_owned()),
                None => PlaysError::UnknownPlay(id.to_owned()),
            });
        }
        let play = st
            .open
            .get_mut(id)
            .ok_or_else(|| PlaysError::UnknownPlay(id.to_owned()))?;
        if play.kind != PlayKind::Reported {
            return Err(PlaysError::NotReported(id.to_owned()));
        }
        Ok(play)
    }

    /// The station of a new reported play, checked to exist and not be retired.
    fn station_for(
        &self,
        who: &Principal,
        asked: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<Option<String>, PlaysError> {
        let station = match (who, asked) {
            (Principal::Device { station }, Some(asked)) if asked != station => {
                return Err(PlaysError::StationNotYours)
            }
            (Principal::Device { station }, _) => Some(station.clone()),
            (Principal::User { .. }, Some(asked)) => Some(asked.to_owned()),
            (Principal::Anonymous, Some(_)) => return Err(PlaysError::StationNotYours),
            (Principal::User { .. } | Principal::Anonymous, None) => match client {
                Some(ip) => self.deps.stations.station_for_address(ip)?,
                None => None,
            },
        };
        if let Some(id) = &station {
            let s = self.deps.stations.require(id)?;
            if s.is_retired() {
                return Err(StationsError::Retired(s.code).into());
            }
        }
        Ok(station)
    }

    /// A film's title and duration (seconds; 0 when unknown).
    fn film(&self, film_id: &str) -> Result<(String, f64), PlaysError> {
        let unknown = || PlaysError::UnknownFilm(film_id.to_owned());
        let id = FilmId::parse(film_id).map_err(|_| unknown())?;
        let film = self.deps.catalog.get(&id)?.ok_or_else(unknown)?;
        let duration = film
            .media
            .as_ref()
            .map(|m| m.duration_s)
            .filter(|d| d.is_finite() && *d > 0.0)
            .unwrap_or(0.0);
        Ok((film.title, duration))
    }

    /// A reported position: finite, not negative; past the film's end counts as its end.
    fn position(&self, p: f64, duration_s: f64) -> Result<f64, PlaysError> {
        if !p.is_finite() || p < 0.0 {
            return Err(PlaysError::Invalid(
                "播放位置 (position_s) 必须是不小于 0 的秒数".into(),
            ));
        }
        Ok(if duration_s > 0.0 {
            p.min(duration_s)
        } else {
            p
        })
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

/// Applies a position report: credits the film time the server clock allows.
fn report(play: &mut Play, position_s: f64, now_ms: i64) {
    if let Some((p1, t1)) = play.last_report {
        let elapsed = (now_ms - t1) as f64 / 1000.0;
        if let Some((a, b)) = spans::credit(p1, position_s, elapsed) {
            play.watched.add(a, b);
        }
    }
    play.last_report = Some((position_s, now_ms));
    play.furthest_s = play.furthest_s.max(position_s);
    play.last_seen_ms = play.last_seen_ms.max(now_ms);
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
    let watched_s = play.watched.total().round() as u64;
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
