//! The order of the preparation queue: films moved to the front by hand ("先准备这部", the
//! latest first), then films of any station's plan for this quarter, then local
//! productions, then films somebody is watching just in time, then the rest, newest first
//! (each group newest first). Pure: the catalog, the queue records and what is planned and
//! watched go in, the order comes out — the runners and the office panel use the same one.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

use media_catalog::{Category, Film, FilmState};
use serde::Serialize;

use super::queue::{self, Entry};

/// Why a film is where it is in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// 本季度计划: in a station's plan for this quarter.
    Plan,
    /// 本地制作: one of the township's own productions.
    Local,
    /// 正在点播: somebody is watching it just in time now.
    Watching,
    /// 最近添加: the rest, newest first.
    Recent,
}

impl Why {
    /// The label the office sees.
    pub fn label(self) -> &'static str {
        match self {
            Why::Plan => "本季度计划",
            Why::Local => "本地制作",
            Why::Watching => "正在点播",
            Why::Recent => "最近添加",
        }
    }
}

/// What the order needs besides the catalog: films in any station's plan for this quarter,
/// and films being watched just in time now (ids).
#[derive(Clone, Debug, Default)]
pub struct Signals {
    pub planned: HashSet<String>,
    pub watching: HashSet<String>,
}

/// Gathers the [`Signals`] (set once by the application, see `Preparation::set_signals`).
pub type SignalsHook = Box<dyn Fn() -> Signals + Send + Sync>;

/// One film of the queue.
#[derive(Clone, Debug)]
pub struct Place {
    pub film: Film,
    pub why: Why,
    /// Its record for the current file (tries, next try, hand-made mark).
    pub entry: Entry,
}

impl Place {
    /// Waiting for its next try (not taken before then).
    pub fn waiting(&self, now_ms: i64) -> bool {
        !self.entry.due(now_ms)
    }
}

/// Why `film` is where it is (its first matching group).
pub fn why(film: &Film, signals: &Signals) -> Why {
    let id = film.id.as_str();
    if signals.planned.contains(id) {
        Why::Plan
    } else if film.category == Some(Category::Local) {
        Why::Local
    } else if signals.watching.contains(id) {
        Why::Watching
    } else {
        Why::Recent
    }
}

/// The queue: films being prepared first, then the queued ones in order. A film is in it
/// when it is `queued` or `preparing`, its file is there and it was probed.
pub fn order(films: Vec<Film>, entries: &HashMap<String, Entry>, signals: &Signals) -> Vec<Place> {
    let mut places: Vec<Place> = films
        .into_iter()
        .filter(|f| matches!(f.state, FilmState::Queued | FilmState::Preparing))
        .filter(|f| !f.missing && f.media.is_some())
        .map(|film| {
            let entry = queue::for_file(entries.get(film.id.as_str()).cloned(), &film);
            Place {
                why: why(&film, signals),
                film,
                entry,
            }
        })
        .collect();
    places.sort_by_key(|p| {
        (
            p.film.state != FilmState::Preparing,
            p.entry.first.is_none(),
            Reverse(p.entry.first.as_ref().map(|f| f.seq)),
            p.why,
            Reverse(p.film.added_at),
            p.film.id.clone(),
        )
    });
    places
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
