//! The data folder's format: one number in `<data>/FORMAT.json` that says how every record
//! in the folder is written, the upgrade steps from each older number, and the refusal of a
//! folder written by a newer release.
//!
//! # How records are versioned
//! * **The folder** carries `FORMAT.json`, `{"format": N, "written_by": "<crate version>"}`,
//!   written atomically (write, sync, rename, sync the folder). It is the one gate: a folder
//!   at [`FORMAT`] opens; an older one is brought up by the registered steps (below), then
//!   marked; a newer one is refused before anything in it is touched (no folder made, no
//!   permission mended, no database opened), since this binary could misread or drop what
//!   it does not know. A folder with a database or a ledger but no `FORMAT.json` was written
//!   before the file existed (the first two releases): it is format 1. An empty or missing
//!   folder is new and is marked at [`FORMAT`] on its first start.
//! * **Records that carry their own version** keep it, so one release can read several
//!   shapes side by side without rewriting them: the catalog's trees (`FilmRecord::V1`, …,
//!   the office's `FilmEditV1`), accounts (`UserRecord::V1`, `SessionRecord::V1`),
//!   preparation outcomes (`OutcomeRecord::V1`), uploads (their `v` field), the ledger log
//!   (its `DJLEDG01` header) and a backup's manifest (`version`).
//! * **Records without a tag of their own** (stations, members, rosters, devices, addresses,
//!   pairing codes, checklists, play sessions) are versioned by the folder's number: their
//!   shape at format N is the struct of the release that wrote N. A field added later is
//!   `#[serde(default)]`, so older records still read.
//! * **The ledger is never rewritten**: its entries are hash-chained and signed, and their
//!   canonical bytes are fixed (`ledger/entry.rs`). A payload may gain fields, never lose or
//!   change one, and readers accept every payload ever written. No upgrade step touches it.
//! * **Derived data is rebuilt, not upgraded**: the search index (`dianjiao reindex`), the
//!   report indexes (`dianjiao ledger reindex`), renditions, thumbnails, segments made just in
//!   time.
//!
//! # When the number goes up
//! When a release writes anything an older release would misread, refuse, or silently drop
//! when it rewrites the record, [`FORMAT`] goes up by one and a step `from` the old number
//! is added to [`STEPS`] (a test checks that the steps run from 1 to [`FORMAT`] without a
//! gap). Format 2 (this release): catalog paths may be raw bytes (`{"unix_hex": …}`, names
//! that are not UTF-8), which format-1 binaries cannot read; its step gives films uploaded
//! under format 1 the client's file name as `source_name`.
//!
//! A step is a small function over the opened stores. It must be idempotent and harmless on
//! records already in the newer shape: a step that stops half way runs again on the next
//! start (the number is written only after every step succeeded), and a folder made by
//! `dianjiao user add` before its first `serve` has no `FORMAT.json` yet. Binaries of the
//! first two releases do not read `FORMAT.json`, so they cannot refuse a newer folder:
//! keep a backup before an upgrade (`dianjiao backup`).

mod steps;
#[cfg(test)]
mod tests;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use media_catalog::{Catalog, CatalogError};
use serde::{Deserialize, Serialize};

use crate::doctor::{Check, Status};

/// The format this release writes.
pub const FORMAT: u32 = 2;
/// The format of a folder written before `FORMAT.json` existed.
pub const UNMARKED: u32 = 1;
/// The file in the data folder that holds the number.
pub const FORMAT_FILE: &str = "FORMAT.json";
/// This binary's version, written beside the number.
pub const WRITTEN_BY: &str = env!("CARGO_PKG_VERSION");

/// `FORMAT.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormatFile {
    pub format: u32,
    /// The release that last wrote the number (informative: the refusal names it).
    #[serde(default)]
    pub written_by: String,
}

/// One upgrade step: brings a folder at format `from` to `from + 1`.
pub struct Step {
    pub from: u32,
    /// What it changes, for the log.
    pub what: &'static str,
    pub run: fn(&Stores<'_>) -> Result<usize, StepError>,
}

/// The steps, oldest first.
pub const STEPS: &[Step] = &[Step {
    from: 1,
    what: "films uploaded under format 1 get the client's file name as source_name",
    run: steps::uploads_keep_client_names,
}];

/// What a step may use: the opened database and the catalog on it.
pub struct Stores<'a> {
    pub db: &'a sled::Db,
    pub catalog: &'a Catalog,
}

/// Why a data folder cannot be opened at this format, or its upgrade failed.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("这个数据文件夹（{folder}）由较新版本（dianjiao {written_by}，数据格式 {found}）写入，本程序（dianjiao {ours}）只能打开数据格式 {FORMAT} 及以前的：请使用该版本或更新的版本；为免损坏，文件夹里的东西一样也没有改动。(this data folder was written by a newer dianjiao ({written_by}, data format {found}); this one ({ours}) reads formats up to {FORMAT} — run that version or a newer one; nothing in the folder was changed)", folder = .data.display(), ours = WRITTEN_BY)]
    Newer {
        data: PathBuf,
        found: u32,
        written_by: String,
    },
    #[error("数据文件夹里的 {FORMAT_FILE} 读不懂，无法判断数据格式；为免损坏，没有打开这个文件夹。请从备份恢复这个文件，或联系技术人员。(cannot read {}: the data format is unknown; nothing was opened)", .path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("无法写入数据格式文件 {}（cannot write the format file）", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("数据升级（格式 {from} → {}）没有完成，下次启动会重做这一步；请联系技术人员。(the upgrade step from format {from} failed: {what})", .from + 1)]
    Step {
        from: u32,
        what: &'static str,
        #[source]
        source: StepError,
    },
}

/// Why one upgrade step failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("database failure")]
    Store(#[from] sled::Error),
    #[error("catalog failure")]
    Catalog(#[from] CatalogError),
}

/// What [`check`] found: the folder's format, before anything was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opening {
    data: PathBuf,
    /// `None`: a new folder.
    found: Option<u32>,
}

impl Opening {
    /// The folder's format (a new folder is at [`FORMAT`]).
    pub fn found(&self) -> u32 {
        self.found.unwrap_or(FORMAT)
    }

    /// Runs the steps from the folder's format to [`FORMAT`], then writes `FORMAT.json`
    /// (also for a new folder, and for one already at [`FORMAT`] whose file is missing).
    pub fn upgrade(&self, stores: &Stores<'_>) -> Result<(), FormatError> {
        self.upgrade_with(STEPS, FORMAT, stores)
    }

    fn upgrade_with(
        &self,
        steps: &[Step],
        to: u32,
        stores: &Stores<'_>,
    ) -> Result<(), FormatError> {
        let from = self.found();
        for step in steps.iter().filter(|s| s.from >= from && s.from < to) {
            let changed = (step.run)(stores).map_err(|source| FormatError::Step {
                from: step.from,
                what: step.what,
                source,
            })?;
            tracing::info!(
                from = step.from,
                to = step.from + 1,
                changed,
                "data folder upgraded: {}",
                step.what
            );
        }
        if self.found != Some(to) || !self.data.join(FORMAT_FILE).is_file() {
            write(&self.data, to)?;
        }
        Ok(())
    }
}

/// Reads the folder's format without changing anything; refuses a newer or unreadable one.
pub fn check(data: &Path) -> Result<Opening, FormatError> {
    let found = read(data)?;
    match found {
        Some(f) if f.format > FORMAT => Err(FormatError::Newer {
            data: data.to_owned(),
            found: f.format,
            written_by: f.written_by,
        }),
        Some(f) => Ok(Opening {
            data: data.to_owned(),
            found: Some(f.format),
        }),
        None if holds_data(data) => Ok(Opening {
            data: data.to_owned(),
            found: Some(UNMARKED),
        }),
        None => Ok(Opening {
            data: data.to_owned(),
            found: None,
        }),
    }
}

/// `FORMAT.json`, if the folder has one.
pub fn read(data: &Path) -> Result<Option<FormatFile>, FormatError> {
    let path = data.join(FORMAT_FILE);
    let unreadable = |source: Box<dyn std::error::Error + Send + Sync>| FormatError::Unreadable {
        path: path.clone(),
        source,
    };
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| unreadable(e.into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(unreadable(e.into())),
    }
}

/// A folder holds data when it has a database or a ledger.
fn holds_data(data: &Path) -> bool {
    ["db", "ledger"].iter().any(|d| data.join(d).exists())
}

/// Writes `FORMAT.json` atomically: a crash leaves the old file or the new one, never half.
fn write(data: &Path, format: u32) -> Result<(), FormatError> {
    let path = data.join(FORMAT_FILE);
    let part = data.join(format!("{FORMAT_FILE}.part"));
    let file = FormatFile {
        format,
        written_by: WRITTEN_BY.to_owned(),
    };
    let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
    bytes.push(b'\n');
    let io = |source| FormatError::Write {
        path: path.clone(),
        source,
    };
    let mut f = fs::File::create(&part).map_err(io)?;
    f.write_all(&bytes)
        .and_then(|()| f.sync_all())
        .map_err(io)?;
    fs::rename(&part, &path).map_err(io)?;
    fs::File::open(data).and_then(|d| d.sync_all()).map_err(io)
}

/// The doctor's check of the folder's format (`dianjiao doctor`, the office dashboard).
pub fn doctor_check(data: &Path) -> Check {
    let detail = |found: &str| {
        format!(
            "{} — {found}; this binary writes format {FORMAT} (dianjiao {WRITTEN_BY})",
            data.join(FORMAT_FILE).display()
        )
    };
    match check(data) {
        Ok(o) if o.found() == FORMAT => Check::new(
            "data_format",
            Status::Ok,
            format!("数据文件夹的格式（{FORMAT}）与本程序一致。"),
            detail(&format!("format {FORMAT}")),
        ),
        Ok(o) => Check::new(
            "data_format",
            Status::Warn,
            format!("数据文件夹是旧版本的格式（{}），服务器下次启动时会自动升级到格式 {FORMAT}；升级前最好先做一次备份。", o.found()),
            detail(&format!("format {}", o.found())),
        ),
        Err(e) => Check::new("data_format", Status::Action, e.to_string(), detail("refused")),
    }
}
