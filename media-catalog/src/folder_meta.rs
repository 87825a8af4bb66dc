//! `catalog.toml`: what a clerk writes once in a folder to describe the films in it.
//!
//! The nearest `catalog.toml` — in the file's own folder or the closest ancestor up to the
//! library root — applies to a file; ancestors further up are not merged in. Every key is
//! optional; unknown keys are an error, so a misspelt key is reported instead of ignored.
//!
//! ```toml
//! series = "党章电视教材"          # series of every file here (a file entry may override it)
//! category = "中央"                # 中央/省/市县/本地制作, or central/provincial/county/local
//! themes = ["党章", "先进性教育"]  # playback themes of every file here
//! year = 2005
//! producer = "中共中央组织部"
//! summary = "……"                   # the summary of the series (shown with the series)
//!
//! [files."党章电视教材 第一集.mpg"]  # a file name, or a path relative to this folder (a/b.mpg)
//! title = "第一集 党章总纲"
//! episode = 1
//! summary = "……"                   # the summary of this film
//! prep_notes = "……"                # 播前备课: notes for the broadcaster
//! themes = ["党的建设"]            # added to the folder's themes
//! year = 2006
//! cues = [{ at_s = 5.0, text = "请注意……" }]   # 播中有提示: prompts during the showing
//! ```
//! A file entry may also set `series`, `category` and `producer`. The file must be UTF-8
//! (Notepad's "UTF-8" with a byte-order mark is fine). An invalid file is reported with its
//! path and line; the films in that folder are then catalogued from their names alone.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::{fs, io};

use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{Category, Cue};

/// The name of the file this module reads.
pub const FILE_NAME: &str = "catalog.toml";

/// A larger `catalog.toml` is not something a clerk wrote; refusing it bounds memory.
const MAX_BYTES: u64 = 1 << 20;

/// One folder's `catalog.toml`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderMeta {
    /// Series of every file in the folder.
    pub series: Option<String>,
    #[serde(default, deserialize_with = "category")]
    pub category: Option<Category>,
    #[serde(default)]
    pub themes: Vec<String>,
    pub year: Option<i32>,
    pub producer: Option<String>,
    /// The summary of the series.
    pub summary: Option<String>,
    /// Entries for single files, keyed by name or folder-relative path.
    #[serde(default)]
    pub files: BTreeMap<String, FileMeta>,
}

/// A `[files."name"]` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileMeta {
    pub title: Option<String>,
    pub series: Option<String>,
    pub episode: Option<u32>,
    #[serde(default, deserialize_with = "category")]
    pub category: Option<Category>,
    #[serde(default)]
    pub themes: Vec<String>,
    pub year: Option<i32>,
    pub producer: Option<String>,
    pub summary: Option<String>,
    pub prep_notes: Option<String>,
    #[serde(default, deserialize_with = "cues")]
    pub cues: Vec<Cue>,
}

/// What a `catalog.toml` says about one file: the folder's keys with the file's entry on top.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileDescription {
    pub title: Option<String>,
    pub series: Option<String>,
    pub episode: Option<u32>,
    pub category: Option<Category>,
    /// The folder's themes, then the file's, without duplicates.
    pub themes: Vec<String>,
    pub year: Option<i32>,
    pub producer: Option<String>,
    /// The film's own summary (from its file entry).
    pub summary: Option<String>,
    pub prep_notes: Option<String>,
    pub cues: Vec<Cue>,
    /// The folder's summary: the series'.
    pub series_summary: Option<String>,
}

/// A `catalog.toml` that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} is larger than {MAX_BYTES} bytes", path.display())]
    TooLarge { path: PathBuf },
    #[error("{} is not UTF-8 text; save it as UTF-8", path.display())]
    NotUtf8 {
        path: PathBuf,
        #[source]
        source: std::string::FromUtf8Error,
    },
    #[error("{}, line {line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        /// 1-based line of the problem (1 when the parser gave no position).
        line: usize,
        /// The parser's message without its source excerpt.
        message: String,
        /// Boxed: the parser's error is large and this one travels in every `Result`.
        #[source]
        source: Box<toml::de::Error>,
    },
}

impl MetaError {
    /// The `catalog.toml` this error is about.
    pub fn path(&self) -> &Path {
        match self {
            MetaError::Read { path, .. }
            | MetaError::TooLarge { path }
            | MetaError::NotUtf8 { path, .. }
            | MetaError::Invalid { path, .. } => path,
        }
    }
}

impl FolderMeta {
    /// Parses the text of a `catalog.toml`; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<FolderMeta, MetaError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut meta: FolderMeta = toml::from_str(text).map_err(|source| MetaError::Invalid {
            path: path.to_owned(),
            line: source.span().map_or(1, |span| line_of(text, span.start)),
            message: clerk_message(&source),
            source: Box::new(source),
        })?;
        meta.themes = tidy_themes(std::mem::take(&mut meta.themes));
        Ok(meta)
    }

    /// Reads `dir/catalog.toml`; `Ok(None)` when the folder has none.
    pub fn load(dir: &Path) -> Result<Option<FolderMeta>, MetaError> {
        let path = dir.join(FILE_NAME);
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(MetaError::Read { path, source }),
        };
        let mut bytes = Vec::new();
        let read = file.take(MAX_BYTES + 1).read_to_end(&mut bytes);
        if let Err(source) = read {
            return Err(MetaError::Read { path, source });
        }
        if bytes.len() as u64 > MAX_BYTES {
            return Err(MetaError::TooLarge { path });
        }
        let text = String::from_utf8(bytes).map_err(|source| MetaError::NotUtf8 {
            path: path.clone(),
            source,
        })?;
        FolderMeta::parse(&text, &path).map(Some)
    }

    /// A digest of what this `catalog.toml` says (not of its text: an edit to a comment or
    /// the layout does not change it), to tell when it was edited since it was applied.
    pub fn digest(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(canonical))
    }

    /// What this folder says about the file at `relative` (its path from this folder).
    pub fn describe(&self, relative: &Path) -> FileDescription {
        let entry = self
            .files
            .get(&entry_key(relative))
            .cloned()
            .unwrap_or_default();
        let mut themes = self.themes.clone();
        themes.extend(entry.themes);
        FileDescription {
            title: entry.title.filter(|t| !t.trim().is_empty()),
            series: entry.series.or_else(|| self.series.clone()),
            episode: entry.episode,
            category: entry.category.or(self.category),
            themes: tidy_themes(themes),
            year: entry.year.or(self.year),
            producer: entry.producer.or_else(|| self.producer.clone()),
            summary: entry.summary,
            prep_notes: entry.prep_notes,
            cues: entry.cues,
            series_summary: self.summary.clone(),
        }
    }
}

/// The `[files]` key for a relative path: its components joined with `/`.
fn entry_key(relative: &Path) -> String {
    relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(crate::os_path::display_name(part)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Trimmed, non-empty, first occurrence kept.
fn tidy_themes(themes: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(themes.len());
    for theme in themes {
        let theme = theme.trim();
        if !theme.is_empty() && !out.iter().any(|t| t == theme) {
            out.push(theme.to_owned());
        }
    }
    out
}

/// The parser's message, or a sentence when it has none: `toml` gives an empty message for
/// some syntax errors (`cues=` with no value, a control character in a comment), and the
/// scan report must still say what to fix.
fn clerk_message(error: &toml::de::Error) -> String {
    match error.message().trim() {
        "" => "this line is not valid TOML; check its quotes and brackets, and that every key \
               has `= value`"
            .to_owned(),
        message => message.to_owned(),
    }
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A category given as its machine name or its Chinese label.
fn category<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Category>, D::Error> {
    let Some(text) = Option::<String>::deserialize(de)? else {
        return Ok(None);
    };
    Category::parse(&text).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "unknown category {text:?}; use 中央, 省, 市县 or 本地制作 \
             (or central, provincial, county, local)"
        ))
    })
}

/// Cues with a time that exists in a film and some text to show.
fn cues<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<Cue>, D::Error> {
    let mut cues = Vec::<Cue>::deserialize(de)?;
    if let Some(bad) = cues.iter().find(|c| !c.at_s.is_finite() || c.at_s < 0.0) {
        return Err(serde::de::Error::custom(format!(
            "cue time at_s = {} must be zero or more seconds",
            bad.at_s
        )));
    }
    cues.retain(|c| !c.text.trim().is_empty());
    cues.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    Ok(cues)
}

/// What is known about one folder's `catalog.toml`.
#[derive(Clone, Debug)]
enum Slot {
    Absent,
    Present(Arc<FolderMeta>),
    Invalid,
}

/// Folder metas loaded during one scan, so each `catalog.toml` is read once; problems are
/// kept for the scan's report, each once.
#[derive(Debug, Default)]
pub struct MetaCache {
    folders: HashMap<PathBuf, Slot>,
    errors: Vec<MetaError>,
}

impl MetaCache {
    /// An empty cache.
    pub fn new() -> Self {
        MetaCache::default()
    }

    /// What the nearest `catalog.toml` (the file's folder, then its ancestors up to `root`)
    /// says about `file`. `None` when there is none, or when the nearest one is invalid.
    pub fn describe(&mut self, root: &Path, file: &Path) -> Option<FileDescription> {
        let (dir, meta) = self.nearest(root, file)?;
        Some(meta.describe(file.strip_prefix(&dir).unwrap_or(file)))
    }

    /// The nearest valid `catalog.toml` for `file` (see [`MetaCache::describe`]) and the
    /// folder it is in.
    pub fn nearest(&mut self, root: &Path, file: &Path) -> Option<(PathBuf, Arc<FolderMeta>)> {
        for dir in file.ancestors().skip(1) {
            match self.folder(dir) {
                Slot::Present(meta) => return Some((dir.to_owned(), meta)),
                Slot::Invalid => return None,
                Slot::Absent => {}
            }
            if dir == root || !dir.starts_with(root) {
                break;
            }
        }
        None
    }

    /// Problems met since the last call, each `catalog.toml` once.
    pub fn take_errors(&mut self) -> Vec<MetaError> {
        std::mem::take(&mut self.errors)
    }

    /// Drops what is cached for folders under `root`, so a new scan reads them again.
    pub fn forget_under(&mut self, root: &Path) {
        self.folders.retain(|dir, _| !dir.starts_with(root));
    }

    fn folder(&mut self, dir: &Path) -> Slot {
        if let Some(slot) = self.folders.get(dir) {
            return slot.clone();
        }
        let slot = match FolderMeta::load(dir) {
            Ok(None) => Slot::Absent,
            Ok(Some(meta)) => Slot::Present(Arc::new(meta)),
            Err(e) => {
                tracing::warn!(error = %e, "catalog.toml ignored");
                self.errors.push(e);
                Slot::Invalid
            }
        };
        self.folders.insert(dir.to_owned(), slot.clone());
        slot
    }
}

#[cfg(test)]
mod proptests;
