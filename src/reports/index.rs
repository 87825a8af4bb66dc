//! The derived indexes: sled trees mapping keys to ledger seqs, caught up from the log
//! whenever a report is asked for, and rebuilt and checked by `dianjiao ledger reindex`.
//!
//! | tree | key | for |
//! | --- | --- | --- |
//! | `ledger_by_station` | station `\0` `YYYY-MM` seq | a station's entries of a period |
//! | `ledger_by_month` | `YYYY-MM` seq | every station's entries of a month |
//! | `ledger_by_film` | film id `\0` seq | a film's entries (plans: one per planned film) |
//! | `ledger_by_kind` | kind `\0` station-or-empty `\0` seq | plans, productions |
//! | `ledger_corrected` | corrected seq, correction seq | 已更正 marks |
//! | `reports_meta` | `indexed_to` | the next seq to index |
//!
//! Every value is the entry's seq (8 bytes, big-endian). The month is the local month of
//! the work the entry is about: a viewing's `started_at`, a same-day entry's
//! `showing_date`, otherwise the entry's `at`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use serde_json::Value;

use super::ReportsError;
use crate::ledger::{Entry, EntryKind, Ledger};
use crate::records::{Days, LocalDate};

/// The index trees, in the order `reindex` reports them.
pub const TREES: [&str; 5] = [
    "ledger_by_station",
    "ledger_by_month",
    "ledger_by_film",
    "ledger_by_kind",
    "ledger_corrected",
];
const META: &str = "reports_meta";
const INDEXED_TO: &[u8] = b"indexed_to";
/// Entries indexed per sled batch (and per `indexed_to` update).
const BATCH: usize = 4096;

/// The keys one entry is indexed under, one list per tree of [`TREES`].
pub type EntryKeys = [Vec<Vec<u8>>; 5];

/// The index trees of one database.
pub struct Index {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    meta: sled::Tree,
    /// Serialises catching up (two reports at once index each entry once).
    lock: Mutex<()>,
}

/// What [`Index::check`] counted: keys per tree, all of them as the log says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub entries: u64,
    pub keys: Vec<(&'static str, usize)>,
}

impl Index {
    /// Opens (or creates) the trees in `db`.
    pub fn open(db: &sled::Db) -> Result<Index, ReportsError> {
        let trees = TREES
            .iter()
            .map(|name| db.open_tree(name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Index {
            db: db.clone(),
            trees,
            meta: db.open_tree(META)?,
            lock: Mutex::new(()),
        })
    }

    /// The next seq to index: every entry before it is indexed.
    pub fn indexed_to(&self) -> Result<u64, ReportsError> {
        Ok(self
            .meta
            .get(INDEXED_TO)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// Indexes the entries appended since the last call; returns how many.
    pub fn catch_up(&self, ledger: &Ledger, days: &Days) -> Result<u64, ReportsError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let from = self.indexed_to()?;
        if from >= ledger.len() {
            return Ok(0);
        }
        let mut batches: Vec<sled::Batch> = TREES.iter().map(|_| sled::Batch::default()).collect();
        let (mut pending, mut done, mut next) = (0usize, 0u64, from);
        for entry in ledger.iter(from)? {
            let entry = entry?;
            for (batch, keys) in batches.iter_mut().zip(keys_of(&entry, days)) {
                for key in keys {
                    batch.insert(key, &entry.seq.to_be_bytes());
                }
            }
            (pending, done, next) = (pending + 1, done + 1, entry.seq + 1);
            if pending == BATCH {
                self.flush(&mut batches, next)?;
                pending = 0;
            }
        }
        self.flush(&mut batches, next)?;
        Ok(done)
    }

    fn flush(&self, batches: &mut [sled::Batch], next: u64) -> Result<(), ReportsError> {
        for (tree, batch) in self.trees.iter().zip(batches.iter_mut()) {
            tree.apply_batch(std::mem::take(batch))?;
        }
        self.meta.insert(INDEXED_TO, &next.to_be_bytes())?;
        Ok(())
    }

    /// Drops every index tree and indexes the whole log again; returns the entries indexed.
    pub fn rebuild(&mut self, ledger: &Ledger, days: &Days) -> Result<u64, ReportsError> {
        for name in TREES.iter().chain([&META]) {
            self.db.drop_tree(name)?;
        }
        *self = Index::open(&self.db)?;
        self.catch_up(ledger, days)
    }

    /// Checks the trees against the log: every entry under exactly its keys, nothing else.
    pub fn check(&self, ledger: &Ledger, days: &Days) -> Result<Checked, ReportsError> {
        let mut expected: Vec<BTreeSet<Vec<u8>>> = TREES.iter().map(|_| BTreeSet::new()).collect();
        let mut entries = 0;
        for entry in ledger.iter(0)? {
            let entry = entry?;
            entries += 1;
            for (set, keys) in expected.iter_mut().zip(keys_of(&entry, days)) {
                set.extend(keys);
            }
        }
        let mut problems = Vec::new();
        let mut keys = Vec::new();
        for ((name, tree), want) in TREES.iter().zip(&self.trees).zip(&expected) {
            let mut found = 0;
            for kv in tree.iter() {
                let (k, v) = kv?;
                found += 1;
                let stored = <[u8; 8]>::try_from(v.as_ref()).ok().map(u64::from_be_bytes);
                if !want.contains(k.as_ref()) {
                    problems.push(format!("{name}: 多余的键 {} (extra key)", show(&k)));
                } else if stored != Some(seq_of(&k)) {
                    problems.push(format!("{name}: 键 {} 的序号不对 (wrong seq)", show(&k)));
                }
            }
            for k in want {
                if !tree.contains_key(k)? {
                    problems.push(format!("{name}: 缺少键 {} (missing key)", show(k)));
                }
            }
            keys.push((*name, found));
        }
        if self.indexed_to()? != entries {
            problems.push(format!(
                "reports_meta: indexed_to = {}, the log has {entries} entries",
                self.indexed_to()?
            ));
        }
        if problems.is_empty() {
            Ok(Checked { entries, keys })
        } else {
            Err(ReportsError::IndexMismatch(problems))
        }
    }

    /// Seqs of `station`'s entries in the months `from..=to` (`YYYY-MM`).
    pub fn station_months(
        &self,
        station: &str,
        from: &str,
        to: &str,
    ) -> Result<BTreeSet<u64>, ReportsError> {
        let lo = [station.as_bytes(), b"\0", from.as_bytes()].concat();
        let hi = [station.as_bytes(), b"\0", to.as_bytes(), &[0xff; 9]].concat();
        Self::values(self.trees[0].range(lo..hi))
    }

    /// Seqs of every entry in the months `from..=to` (`YYYY-MM`).
    pub fn months(&self, from: &str, to: &str) -> Result<BTreeSet<u64>, ReportsError> {
        let hi = [to.as_bytes(), &[0xff; 9]].concat();
        let tree = &self.trees[1];
        Self::values(tree.range(from.as_bytes().to_vec()..hi))
    }

    /// Seqs of the entries of one kind (and station; `None`: township-wide ones).
    pub fn kind(
        &self,
        kind: EntryKind,
        station: Option<&str>,
    ) -> Result<BTreeSet<u64>, ReportsError> {
        let prefix = kind_prefix(kind, station);
        let tree = &self.trees[3];
        Self::values(tree.scan_prefix(prefix))
    }

    /// The latest correction of each entry in `first..=last` that has one: corrected seq →
    /// correction seq.
    pub fn corrections_in(
        &self,
        first: u64,
        last: u64,
    ) -> Result<BTreeMap<u64, u64>, ReportsError> {
        let tree = &self.trees[4];
        let hi = [last.to_be_bytes(), [0xff; 8]].concat();
        let mut out = BTreeMap::new();
        for kv in tree.range(first.to_be_bytes().to_vec()..hi) {
            let (k, _) = kv?;
            let corrected = <[u8; 8]>::try_from(&k[..8.min(k.len())]).map(u64::from_be_bytes);
            if let Ok(corrected) = corrected {
                out.insert(corrected, seq_of(&k));
            }
        }
        Ok(out)
    }

    fn values(iter: sled::Iter) -> Result<BTreeSet<u64>, ReportsError> {
        let mut out = BTreeSet::new();
        for kv in iter {
            let (_, v) = kv?;
            if let Ok(b) = <[u8; 8]>::try_from(v.as_ref()) {
                out.insert(u64::from_be_bytes(b));
            }
        }
        Ok(out)
    }
}

/// `YYYY-MM` of a local date.
pub fn month_key(d: LocalDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The local date an entry is reported under (see the module docs).
pub fn report_date(entry: &Entry, days: &Days) -> Option<LocalDate> {
    let p = &entry.payload;
    let own = match entry.kind {
        EntryKind::Viewing => p["started_at"].as_str().and_then(|s| days.date_of_stamp(s)),
        EntryKind::Signin
        | EntryKind::Discussion
        | EntryKind::Feedback
        | EntryKind::Photo
        | EntryKind::PastoralSession => p["showing_date"].as_str().and_then(LocalDate::parse),
        _ => None,
    };
    own.or_else(|| days.date_of_stamp(&entry.at))
}

/// Every key `entry` belongs under, per tree.
pub fn keys_of(entry: &Entry, days: &Days) -> EntryKeys {
    let seq = entry.seq.to_be_bytes();
    let month = report_date(entry, days).map(month_key);
    let mut keys: EntryKeys = Default::default();
    if let (Some(station), Some(month)) = (&entry.station, &month) {
        keys[0].push([station.as_bytes(), b"\0", month.as_bytes(), &seq].concat());
    }
    if let Some(month) = &month {
        keys[1].push([month.as_bytes(), &seq].concat());
    }
    let films: BTreeSet<&str> = films_of(entry).into_iter().collect();
    for film in films {
        keys[2].push([film.as_bytes(), b"\0", &seq].concat());
    }
    keys[3].push(
        [
            kind_prefix(entry.kind, entry.station.as_deref()),
            seq.to_vec(),
        ]
        .concat(),
    );
    if entry.kind == EntryKind::Correction {
        if let Some(corrected) = entry.payload["corrects"].as_u64() {
            keys[4].push([corrected.to_be_bytes(), seq].concat());
        }
    }
    keys
}

fn films_of(entry: &Entry) -> Vec<&str> {
    let p = &entry.payload;
    match entry.kind {
        EntryKind::Plan => p["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|i| i["film_id"].as_str()).collect())
            .unwrap_or_default(),
        _ => p
            .get("film_id")
            .and_then(Value::as_str)
            .into_iter()
            .collect(),
    }
}

fn kind_prefix(kind: EntryKind, station: Option<&str>) -> Vec<u8> {
    let station = station.unwrap_or("");
    [kind.as_str().as_bytes(), b"\0", station.as_bytes(), b"\0"].concat()
}

fn seq_of(key: &[u8]) -> u64 {
    key.len()
        .checked_sub(8)
        .and_then(|at| <[u8; 8]>::try_from(&key[at..]).ok())
        .map(u64::from_be_bytes)
        .unwrap_or(u64::MAX)
}

fn show(key: &[u8]) -> String {
    let (text, _) = key.split_at(key.len().saturating_sub(8));
    format!("{:?} seq {}", String::from_utf8_lossy(text), seq_of(key))
}
