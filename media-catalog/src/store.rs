//! The catalog's records in sled: films, the path → film index (with what a rescan needs),
//! keyframe indexes and series descriptions, each as a versioned on-disk record.
//!
//! Films are never deleted (a film may have showings in the ledger); a film whose file has
//! gone is marked `missing`. The store is the catalog's truth: the search index is rebuilt
//! from it, and the store itself can be rebuilt by a rescan of the library.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use crate::model::{Category, Film, FilmId, FilmState, Fingerprint, KeyframeIndex};

const FILMS_TREE: &str = "catalog.films";
const PATHS_TREE: &str = "catalog.paths";
const KEYFRAMES_TREE: &str = "catalog.keyframes";
const SERIES_TREE: &str = "catalog.series";
const METAS_TREE: &str = "catalog.metas";

/// A film as written to disk. New versions are added as variants; old ones stay readable.
#[derive(Serialize, Deserialize)]
enum FilmRecord {
    V1(Film),
}

/// A path index entry as written to disk.
#[derive(Serialize, Deserialize)]
enum PathRecord {
    V1(ScanEntry),
}

/// A keyframe index as written to disk.
#[derive(Serialize, Deserialize)]
enum KeyframeRecord {
    V1(KeyframeIndex),
}

/// A series description as written to disk.
#[derive(Serialize, Deserialize)]
enum SeriesRecord {
    V1(SeriesInfo),
}

/// What a rescan needs to know of a film, kept in the path index so that a rescan reads
/// these small entries and not whole films.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanEntry {
    pub id: FilmId,
    #[serde(with = "crate::os_path::serde_path")]
    pub path: PathBuf,
    pub fingerprint: Fingerprint,
    pub missing: bool,
    /// The last probe failed for a reason outside the file (timeout, worker crash): probe
    /// it again on the next scan even though the file is unchanged.
    #[serde(default)]
    pub retry: bool,
}

impl ScanEntry {
    fn of(film: &Film) -> ScanEntry {
        ScanEntry {
            id: film.id.clone(),
            path: film.source.path.clone(),
            fingerprint: film.source.fingerprint.clone(),
            missing: film.missing,
            // A failed probe (no media yet) is retried; a failed preparation is not re-probed.
            retry: film.state == FilmState::Failed && film.media.is_none(),
        }
    }
}

/// What a `catalog.toml` says about a series as a whole.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesInfo {
    pub category: Option<Category>,
    pub summary: Option<String>,
}

/// A failure of the catalog store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("catalog database error")]
    Db(#[from] sled::Error),
    #[error("catalog record {key:?} cannot be read")]
    Decode {
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("catalog record {key:?} cannot be written")]
    Encode {
        key: String,
        #[source]
        source: serde_json::Error,
    },
}

/// The catalog's trees in a sled database the caller opened.
#[derive(Clone, Debug)]
pub struct Store {
    db: sled::Db,
    films: sled::Tree,
    paths: sled::Tree,
    keyframes: sled::Tree,
    series: sled::Tree,
    metas: sled::Tree,
    /// Counts writes of films and series descriptions since the store was opened: readers
    /// that keep a view of the catalog (DLNA's tree) know from it when to build it again.
    generation: Arc<AtomicU64>,
}

impl Store {
    /// Opens (creating if needed) the catalog's trees in `db`.
    pub fn open(db: &sled::Db) -> Result<Store, StoreError> {
        Ok(Store {
            db: db.clone(),
            films: db.open_tree(FILMS_TREE)?,
            paths: db.open_tree(PATHS_TREE)?,
            keyframes: db.open_tree(KEYFRAMES_TREE)?,
            series: db.open_tree(SERIES_TREE)?,
            metas: db.open_tree(METAS_TREE)?,
            generation: Arc::new(AtomicU64::new(0)),
        })
    }

    /// One film.
    pub fn get(&self, id: &FilmId) -> Result<Option<Film>, StoreError> {
        self.films
            .get(id.as_str())?
            .map(|bytes| decode_film(id.as_str(), &bytes))
            .transpose()
    }

    /// Writes a film and keeps the path index pointing at it: when its path changed (a
    /// relinked film), the old path is released.
    pub fn put(&self, film: &Film) -> Result<(), StoreError> {
        let key = film.id.as_str();
        let record = serde_json::to_vec(&FilmRecord::V1(film.clone())).map_err(|source| {
            StoreError::Encode {
                key: key.to_owned(),
                source,
            }
        })?;
        let entry = encode(key, &PathRecord::V1(ScanEntry::of(film)))?;
        let new_path = path_key(&film.source.path);
        let result = (&self.films, &self.paths).transaction(|(films, paths)| {
            let abort = ConflictableTransactionError::Abort;
            if let Some(old) = films.get(key)? {
                let old_path = path_key(&decode_film(key, &old).map_err(abort)?.source.path);
                let old_owner = match paths.get(&old_path)? {
                    Some(bytes) => Some(decode_entry(&old_path, &bytes).map_err(abort)?.id),
                    None => None,
                };
                if old_path != new_path && old_owner.as_ref() == Some(&film.id) {
                    paths.remove(old_path)?;
                }
            }
            paths.insert(new_path.as_slice(), entry.as_slice())?;
            films.insert(key.as_bytes(), record.as_slice())?;
            Ok(())
        });
        self.generation.fetch_add(1, Ordering::Release);
        result.map_err(|e| match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => StoreError::Db(e),
        })
    }

    /// How many writes of films and series descriptions this store has seen since it was
    /// opened; it changes whenever what the catalog shows may have changed.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The id of the film found at `path`, missing or not.
    pub fn id_by_path(&self, path: &Path) -> Result<Option<FilmId>, StoreError> {
        let key = path_key(path);
        match self.paths.get(&key)? {
            Some(bytes) => Ok(Some(decode_entry(&key, &bytes)?.id)),
            None => Ok(None),
        }
    }

    /// What a rescan needs of every film, without reading whole films. A damaged entry is
    /// logged and left out (its film is then seen as new and probed again).
    pub fn scan_entries(&self) -> Result<Vec<ScanEntry>, StoreError> {
        let mut entries = Vec::new();
        for item in self.paths.iter() {
            let (key, bytes) = item?;
            match decode_entry(&key, &bytes) {
                Ok(entry) => entries.push(entry),
                Err(e) => tracing::warn!(error = %e, "path index entry skipped"),
            }
        }
        Ok(entries)
    }

    /// The film found at `path`, missing or not.
    pub fn film_by_path(&self, path: &Path) -> Result<Option<Film>, StoreError> {
        match self.id_by_path(path)? {
            Some(id) => self.get(&id),
            None => Ok(None),
        }
    }

    /// Every film, in id order. A record that cannot be read is logged and left out, so one
    /// damaged record does not hide the library (a rescan writes it again).
    pub fn films(&self) -> Result<Vec<Film>, StoreError> {
        let mut films = Vec::new();
        for entry in self.films.iter() {
            let (key, bytes) = entry?;
            let key = String::from_utf8_lossy(&key);
            match decode_film(&key, &bytes) {
                Ok(film) => films.push(film),
                Err(e) => tracing::warn!(error = %e, "film record skipped"),
            }
        }
        Ok(films)
    }

    /// How many films the store holds (sled counts them one by one: not for hot paths).
    pub fn len(&self) -> usize {
        self.films.len()
    }

    /// True when the store holds no film.
    pub fn is_empty(&self) -> bool {
        self.films.is_empty()
    }

    /// A film's keyframe index, stored apart so film reads stay small.
    pub fn keyframes(&self, id: &FilmId) -> Result<Option<KeyframeIndex>, StoreError> {
        let Some(bytes) = self.keyframes.get(id.as_str())? else {
            return Ok(None);
        };
        let record = decode::<KeyframeRecord>(id.as_str(), &bytes)?;
        match record {
            KeyframeRecord::V1(index) => Ok(Some(index)),
        }
    }

    /// Writes a film's keyframe index.
    pub fn put_keyframes(&self, id: &FilmId, index: &KeyframeIndex) -> Result<(), StoreError> {
        let bytes = encode(id.as_str(), &KeyframeRecord::V1(index.clone()))?;
        self.keyframes.insert(id.as_str(), bytes)?;
        Ok(())
    }

    /// Every series description, by series name.
    pub fn series_infos(&self) -> Result<Vec<(String, SeriesInfo)>, StoreError> {
        let mut out = Vec::new();
        for entry in self.series.iter() {
            let (key, bytes) = entry?;
            let name = String::from_utf8_lossy(&key).into_owned();
            match decode::<SeriesRecord>(&name, &bytes) {
                Ok(SeriesRecord::V1(info)) => out.push((name, info)),
                Err(e) => tracing::warn!(error = %e, "series record skipped"),
            }
        }
        Ok(out)
    }

    /// Writes a series description (from a `catalog.toml`) unless it is already stored.
    pub fn put_series_info(&self, name: &str, info: &SeriesInfo) -> Result<(), StoreError> {
        let bytes = encode(name, &SeriesRecord::V1(info.clone()))?;
        if self.series.get(name)?.as_deref() != Some(bytes.as_slice()) {
            self.series.insert(name, bytes)?;
            self.generation.fetch_add(1, Ordering::Release);
        }
        Ok(())
    }

    /// The digest of the `catalog.toml` last applied to the films of folder `dir`.
    pub fn applied_meta(&self, dir: &Path) -> Result<Option<String>, StoreError> {
        let digest = self.metas.get(path_key(dir))?;
        Ok(digest.map(|d| String::from_utf8_lossy(&d).into_owned()))
    }

    /// Remembers the digest of the `catalog.toml` just applied to the films of `dir`.
    pub fn set_applied_meta(&self, dir: &Path, digest: &str) -> Result<(), StoreError> {
        self.metas.insert(path_key(dir), digest.as_bytes())?;
        Ok(())
    }

    /// Asks sled to write its buffers out. This is `sync_file_range`, not a full fsync: a
    /// power cut may lose the last records, which a rescan of the library restores.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}

/// The path index key: the path's UTF-8 bytes (the scanner only passes UTF-8 paths).
fn path_key(path: &Path) -> Vec<u8> {
    crate::os_path::path_bytes(path).to_vec()
}

fn decode_film(key: &str, bytes: &[u8]) -> Result<Film, StoreError> {
    match decode::<FilmRecord>(key, bytes)? {
        FilmRecord::V1(film) => Ok(film),
    }
}

fn decode_entry(path_key: &[u8], bytes: &[u8]) -> Result<ScanEntry, StoreError> {
    match decode::<PathRecord>(&String::from_utf8_lossy(path_key), bytes)? {
        PathRecord::V1(entry) => Ok(entry),
    }
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Decode {
        key: key.to_owned(),
        source,
    })
}

fn encode<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|source| StoreError::Encode {
        key: key.to_owned(),
        source,
    })
}
