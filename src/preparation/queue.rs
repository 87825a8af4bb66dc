//! The preparation queue's own records, in the sled tree `prepare.queue`: per film, what
//! the catalog does not say — the failed tries of its current file (the reason of each and
//! when it may be tried again) and a hand-made "先准备这部" mark (who, when). The order
//! itself is computed from the catalog and these records on every look (see `order.rs`),
//! so the queue, its tries and its hand-made order all survive a restart.

use std::collections::HashMap;
use std::time::Duration;

use media_catalog::{Film, FilmId, FilmState};
use serde::{Deserialize, Serialize};

use super::PrepareError;

/// A film's queue record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The file the tries were of (size and content hash): a changed file starts afresh.
    pub file: String,
    /// Failed tries of that file, oldest first.
    pub failures: Vec<Failure>,
    /// Not tried again before this (Unix milliseconds).
    pub retry_at_ms: Option<i64>,
    /// Moved to the front by hand.
    pub first: Option<First>,
}

/// One failed try.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// Unix milliseconds.
    pub at_ms: i64,
    /// Why, in a clerk's words.
    pub reason: String,
    /// The wait before the next try; None when there is none (refused, or the last try).
    pub retry_after_s: Option<f64>,
    /// The file itself is unusable: never tried again on its own.
    pub refused: bool,
}

/// "先准备这部": who moved the film to the front, and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct First {
    /// The office user's name.
    pub by: String,
    /// Unix milliseconds.
    pub at_ms: i64,
    /// Later marks go in front of earlier ones.
    pub seq: u64,
}

#[derive(Serialize, Deserialize)]
enum EntryRecord {
    V1(Entry),
}

impl Entry {
    /// Failed tries so far.
    pub fn tries(&self) -> usize {
        self.failures.len()
    }

    /// Whether the film may be tried now.
    pub fn due(&self, now_ms: i64) -> bool {
        self.retry_at_ms.is_none_or(|at| at <= now_ms)
    }
}

/// How often and how soon a failed preparation is tried again (`prepare_retry_after_secs`).
#[derive(Clone, Debug, PartialEq)]
pub struct Retries {
    /// The wait before each try again: as many tries again as waits.
    pub after: Vec<Duration>,
}

impl Default for Retries {
    /// After 1 minute, 10 minutes, 1 hour.
    fn default() -> Self {
        Retries {
            after: [60, 600, 3600].map(Duration::from_secs).to_vec(),
        }
    }
}

impl Retries {
    /// Tries in all, the first one included.
    pub fn max_tries(&self) -> usize {
        self.after.len() + 1
    }
}

/// What identifies a film's file for its tries: size and content hash (not the time it was
/// touched: a touched but identical file is the same file).
pub fn file_key(film: &Film) -> String {
    let fp = &film.source.fingerprint;
    format!("{}:{}", fp.size, fp.head_tail_sha256)
}

/// Every record, by film id.
pub(super) fn all(tree: &sled::Tree) -> Result<HashMap<String, Entry>, PrepareError> {
    let mut out = HashMap::new();
    for kv in tree.iter() {
        let (k, v) = kv?;
        let EntryRecord::V1(e) = serde_json::from_slice(&v)?;
        out.insert(String::from_utf8_lossy(&k).into_owned(), e);
    }
    Ok(out)
}

/// The film's record for its current file: tries of an earlier file are forgotten (the
/// hand-made mark is kept).
pub(super) fn current(tree: &sled::Tree, film: &Film) -> Result<Entry, PrepareError> {
    let stored = match tree.get(film.id.as_str())? {
        Some(bytes) => {
            let EntryRecord::V1(e) = serde_json::from_slice(&bytes)?;
            Some(e)
        }
        None => None,
    };
    Ok(for_file(stored, film))
}

/// `stored` as it stands for the film's current file.
pub fn for_file(stored: Option<Entry>, film: &Film) -> Entry {
    let file = file_key(film);
    match stored {
        Some(e) if e.file == file => e,
        other => Entry {
            file,
            first: other.and_then(|e| e.first),
            ..Entry::default()
        },
    }
}

pub(super) fn put(tree: &sled::Tree, id: &FilmId, e: &Entry) -> Result<(), PrepareError> {
    tree.insert(
        id.as_str(),
        serde_json::to_vec(&EntryRecord::V1(e.clone()))?,
    )?;
    tree.flush()?;
    Ok(())
}

/// Drops the film's record (it is prepared: nothing is left to say).
pub(super) fn forget(tree: &sled::Tree, id: &FilmId) -> Result<(), PrepareError> {
    if tree.remove(id.as_str())?.is_some() {
        tree.flush()?;
    }
    Ok(())
}

/// Records a failed try of `film` (`refused`: the file itself is unusable) and says the
/// state and the reason the film carries now: `queued` while another try is to come,
/// `failed` when none is.
pub(super) fn record_failure(
    tree: &sled::Tree,
    retries: &Retries,
    film: &Film,
    why: &str,
    refused: bool,
    now_ms: i64,
) -> Result<(FilmState, String), PrepareError> {
    let mut entry = current(tree, film)?;
    let tries = entry.tries() + 1;
    let wait = (!refused)
        .then(|| retries.after.get(tries - 1).copied())
        .flatten();
    entry.failures.push(Failure {
        at_ms: now_ms,
        reason: why.to_owned(),
        retry_after_s: wait.map(|w| w.as_secs_f64()),
        refused,
    });
    entry.retry_at_ms = wait.map(|w| now_ms.saturating_add(w.as_millis() as i64));
    put(tree, &film.id, &entry)?;
    Ok(describe_failure(
        why,
        tries,
        retries.max_tries(),
        refused,
        wait,
    ))
}

/// Puts the film's next try off by the first wait (a minute when none is set) without
/// counting a try: the disk was short, not the file.
pub(super) fn wait_for_room(
    tree: &sled::Tree,
    retries: &Retries,
    film: &Film,
    now_ms: i64,
) -> Result<(), PrepareError> {
    let mut entry = current(tree, film)?;
    let wait = retries
        .after
        .first()
        .copied()
        .unwrap_or(Duration::from_secs(60));
    entry.retry_at_ms = Some(now_ms.saturating_add(wait.as_millis() as i64));
    put(tree, &film.id, &entry)
}

/// The film's state and reason after failed try number `tries` (of `max`).
pub fn describe_failure(
    why: &str,
    tries: usize,
    max: usize,
    refused: bool,
    wait: Option<Duration>,
) -> (FilmState, String) {
    if refused {
        return (
            FilmState::Failed,
            format!("{why}（文件本身有问题，不再自动重试；换好文件后会重新准备）"),
        );
    }
    match wait {
        Some(w) => (
            FilmState::Queued,
            format!(
                "第 {tries} 次准备失败：{why}。{}后自动再试（最多试 {max} 次）",
                wait_words(w)
            ),
        ),
        None => (
            FilmState::Failed,
            format!(
                "第 {tries} 次准备失败：{why}。已试 {tries} 次，不再自动重试；可在“影片准备”中点“先准备这部”再试"
            ),
        ),
    }
}

/// A wait in a clerk's words: 30 秒, 10 分钟, 1 小时, 1 小时 30 分钟.
pub fn wait_words(d: Duration) -> String {
    let s = d.as_secs_f64().ceil() as u64;
    match s {
        0..=59 => format!("{} 秒", s.max(1)),
        60..=3599 => format!("{} 分钟", s.div_ceil(60)),
        _ if s % 3600 < 60 => format!("{} 小时", s / 3600),
        _ => format!("{} 小时 {} 分钟", s / 3600, (s % 3600).div_ceil(60)),
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
