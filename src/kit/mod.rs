//! The pastoral field kit (牧区放映包): films, posters, prep notes, cue prompts and the
//! station's roster on a USB stick, with one page (`打开电教放映包.html`) that plays them and
//! records showings, sign-ins, discussion and teaching sessions with no server and no
//! network; and the import that brings those records home into the ledger.
//!
//! Decisions (README "Taking films to the herding grounds" says the same for township staff):
//! * **The page runs from `file://`.** Classic `<script src>` files only (ES modules and
//!   `fetch()` are blocked on `file://`), the kit's data in `kit/data.js` as
//!   `window.KIT = …`, films as `<video src="films/<id>.mp4">`, records in `localStorage`
//!   (the page says so in words when the browser will not keep them), hashes by
//!   `crypto.subtle` (available on `file://` in Chromium, which treats files as a
//!   trustworthy origin). ES2017; the source is `web/kit/`, copied into each kit.
//! * **Each kit has an id and its own Ed25519 key**, made when the kit is made. The key
//!   signs the kit's manifest (films, roster, validity); its private half stays in the
//!   server's data folder. The page checks the signature, so a film list or validity
//!   changed on the stick shows as changed; the import never trusts the stick's copy.
//! * **What the chain proves, and what it does not.** The page chains its records with
//!   SHA-256, so an export edited by hand is refused, naming the first changed record. But
//!   whoever carries the stick has everything on it and could write a whole new chain: the
//!   real defences are the import rules ([`rules`]): kit id known, chain intact, films from
//!   the kit's list, times inside the kit's validity and not in the future, showings no
//!   longer than their films, no overlapping showings or sessions, each record imported once.
//! * **Import** appends each new record as its own entry (`viewing` with `source:
//!   field_kit`, `signin`, `discussion`, `pastoral_session` for a teaching session), all with
//!   `origin: field_kit` and their own times and dates (recorded on the day, so not 补记),
//!   then one `field_kit` entry for the import itself. A record already imported is skipped
//!   (keyed by kit id + record hash), so a second import of the same file adds nothing.
//! * **Where kits are written**: the command line takes any `--out`; the office picks one of
//!   the `kit_out_dirs` folders (default `<data>/kits`), never a path from the browser.
//!   The command line opens the data folder itself, so it runs while the server is stopped.

mod chain;
mod import;
mod make;
mod manifest;
pub mod rules;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use media_catalog::{Catalog, CatalogError};
use serde::Serialize;

pub use chain::{link_hash, verify, ChainBreak, Event, FieldRecord, RawRecord, RecordsFile};
pub use import::ImportReport;
pub use make::{FilmChoice, MadeKit, MakeRequest};
pub use manifest::{KitCue, KitFilm, KitMember, Manifest, StoredKit};
pub use rules::Refusal;

use crate::ledger::{Ledger, LedgerError};
use crate::records::Days;
use crate::reports::{Reports, ReportsError};
use crate::stations::{Stations, StationsError};

/// The page's file name in a kit.
pub const PAGE_FILE: &str = "打开电教放映包.html";

/// Why a kit could not be made or its records imported; nothing was appended.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// A request field is missing or unusable; the sentence says which.
    #[error("{0}")]
    Invalid(String),
    #[error("找不到该站点（unknown station {0}）")]
    UnknownStation(String),
    #[error("站点 {0} 不是牧业点，放映包只为牧业点制作（kits are for pastoral stations）")]
    NotPastoral(String),
    #[error("找不到该影片（unknown film {0}）")]
    UnknownFilm(String),
    #[error(
        "影片《{0}》还没有准备好电视版本，不能放入放映包（the film has no prepared tv.mp4 yet）"
    )]
    FilmNotReady(String),
    #[error("该站点 {year} 年第 {quarter} 季度没有播放计划（no plan for that quarter）")]
    NoPlan { year: i32, quarter: u8 },
    #[error("不能写入这个文件夹，请从设置 kit_out_dirs 列出的文件夹中选择（not an allowed output folder）")]
    OutDirRefused,
    #[error("输出文件夹 {0} 不存在，请插好 U 盘后再试（the output folder does not exist）")]
    OutDirMissing(PathBuf),
    #[error("写放映包失败：{what}（cannot write the kit）")]
    Write {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("这个文件不是电教放映包导出的记录（not a field-records file）")]
    NotRecords,
    #[error("不认识这个放映包 {0}：它不是本服务器制作的（unknown kit）")]
    UnknownKit(String),
    /// The chain does not hold: the first bad record.
    #[error("记录被改动过，全部未导入：{0}（the records were changed; nothing imported）")]
    ChainBroken(ChainBreak),
    /// A record breaks an import rule.
    #[error("记录未通过核对，全部未导入：{0}（a record was refused; nothing imported）")]
    Refused(Refusal),
    #[error("另一个放映包正在制作，请等它完成后再制作（another kit is being made）")]
    Busy,
    #[error("导入次数太多，请稍后再试（too many imports; try again later）")]
    TooMany { retry_after_secs: u64 },
    #[error("读取站点失败（cannot read the stations）")]
    Stations(#[source] StationsError),
    #[error("读取片库失败（cannot read the catalog）")]
    Catalog(#[from] CatalogError),
    #[error("读取播放计划失败（cannot read the plans）")]
    Reports(#[from] ReportsError),
    #[error("账本拒绝了该条目（the ledger refused the entry）")]
    Ledger(#[from] LedgerError),
    #[error("放映包登记表读写失败（kit store failed）")]
    Store(#[from] sled::Error),
    #[error("内容无法编码（cannot encode）")]
    Encode(#[from] serde_json::Error),
}

impl From<StationsError> for KitError {
    fn from(e: StationsError) -> KitError {
        match e {
            StationsError::UnknownStation(id) => KitError::UnknownStation(id),
            other => KitError::Stations(other),
        }
    }
}

/// What the kit service needs from the settings.
#[derive(Clone, Debug)]
pub struct KitSettings {
    /// Folders the office may write kits into (`Settings::kit_dirs`).
    pub out_dirs: Vec<PathBuf>,
    /// `<data>/kits`: made on demand (the other folders must exist: a USB stick mounted).
    pub default_dir: PathBuf,
    /// The page's source (`<web_dir>/kit`).
    pub page_dir: PathBuf,
    pub renditions_dir: PathBuf,
    pub thumbs_dir: PathBuf,
    pub valid_days: u32,
    /// A field showing shorter than this is recorded as not completed (like any play).
    pub play_min_secs: u64,
    pub imports_per_hour: u32,
}

impl KitSettings {
    /// From the one `Settings`.
    pub fn from_settings(s: &crate::config::Settings) -> KitSettings {
        KitSettings {
            out_dirs: s.kit_dirs(),
            default_dir: s.data.join("kits"),
            page_dir: s.web_dir.join("kit"),
            renditions_dir: s.renditions_dir(),
            thumbs_dir: s.thumbs_dir(),
            valid_days: s.kit_valid_days.max(1),
            play_min_secs: s.play_min_secs,
            imports_per_hour: s.kit_imports_per_hour,
        }
    }
}

/// How far making a kit has got (the office's progress bar).
#[derive(Clone, Debug, Serialize)]
pub struct Progress {
    pub kit_id: String,
    /// `making`, `done` or `failed`.
    pub state: &'static str,
    pub copied_bytes: u64,
    pub total_bytes: u64,
    /// The kit's folder, once done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The kit service: making kits, their register, importing their records.
pub struct Kits {
    kits: sled::Tree,
    imported: sled::Tree,
    ledger: Arc<Ledger>,
    stations: Arc<Stations>,
    catalog: Arc<Catalog>,
    reports: Arc<Reports>,
    days: Days,
    settings: KitSettings,
    jobs: Mutex<HashMap<String, Progress>>,
    /// Held through an import (two imports of one file must not both append); the times of
    /// recent imports, for the hourly limit.
    imports: Mutex<VecDeque<Instant>>,
}

impl Kits {
    /// Opens the kit register (`kits`, `kit_records` trees).
    pub fn open(
        db: &sled::Db,
        deps: (Arc<Ledger>, Arc<Stations>, Arc<Catalog>, Arc<Reports>),
        days: Days,
        settings: KitSettings,
    ) -> Result<Kits, KitError> {
        let (ledger, stations, catalog, reports) = deps;
        Ok(Kits {
            kits: db.open_tree("kits")?,
            imported: db.open_tree("kit_records")?,
            ledger,
            stations,
            catalog,
            reports,
            days,
            settings,
            jobs: Mutex::new(HashMap::new()),
            imports: Mutex::new(VecDeque::new()),
        })
    }

    /// The folders the office may choose from.
    pub fn out_dirs(&self) -> &[PathBuf] {
        &self.settings.out_dirs
    }

    /// A kit the server made.
    pub fn get(&self, kit_id: &str) -> Result<Option<StoredKit>, KitError> {
        Ok(match self.kits.get(kit_id.as_bytes())? {
            Some(v) => Some(serde_json::from_slice(&v)?),
            None => None,
        })
    }

    /// Every kit made, newest first, as manifests with their folders.
    pub fn list(&self) -> Result<Vec<(Manifest, String)>, KitError> {
        let mut out = Vec::new();
        for item in self.kits.iter() {
            let (_, v) = item?;
            let stored: StoredKit = serde_json::from_slice(&v)?;
            if let Some(m) = stored.manifest() {
                out.push((m, stored.folder));
            }
        }
        out.sort_by(|a, b| b.0.made_at.cmp(&a.0.made_at));
        Ok(out)
    }

    /// The progress of a kit being made in the background (by the office).
    pub fn progress(&self, kit_id: &str) -> Option<Progress> {
        self.lock_jobs().get(kit_id).cloned()
    }

    fn lock_jobs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Progress>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}
