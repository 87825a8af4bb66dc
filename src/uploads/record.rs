//! What the uploads tree stores for one upload, and the parsing of the client's
//! `Upload-Metadata` (base64 pairs) into it. The file name is metadata only, never a path.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::records::Production;

/// The record format written by this version.
pub const RECORD_VERSION: u32 = 1;

/// Longest title or file name kept, in characters.
const MAX_TEXT_CHARS: usize = 200;

/// An upload's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// Bytes are still expected.
    Uploading,
    /// Every byte arrived; the file is in the media folder and goes to the catalog.
    Complete,
}

/// What the client said about the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadMeta {
    /// The name the file had on the client's computer (shown, never used as a path).
    pub filename: Option<String>,
    /// 党建类新闻 or 专题片: counts toward the township's production task.
    pub production: Option<Production>,
    /// The film's title; the file name's stem when not given.
    pub title: Option<String>,
    /// The header as the client sent it, answered back on `HEAD`.
    pub raw: String,
}

/// One upload, as stored (versioned by `v`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Upload {
    pub v: u32,
    /// Server-made: `u_` and 16 hex digits.
    pub id: String,
    /// Bytes the client declared.
    pub length: u64,
    /// Bytes received, synced to disk and acknowledged.
    pub offset: u64,
    pub meta: UploadMeta,
    /// The account that started it.
    pub owner: String,
    /// Unix milliseconds.
    pub created_ms: u64,
    /// An unfinished upload is removed after this (Unix milliseconds).
    pub expires_ms: u64,
    pub state: UploadState,
    /// Server-made file name with a safe extension (`u_….mp4`).
    pub file_name: String,
    /// The film catalogued from it, once probed.
    pub film_id: Option<String>,
    /// The `production_delivered` ledger entry has been written.
    #[serde(default)]
    pub delivered: bool,
}

impl Upload {
    /// When it expires, for the `Upload-Expires` header.
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.expires_ms)
    }

    /// The film title to catalogue: the given title, else the file name's stem.
    pub fn title(&self) -> String {
        if let Some(t) = &self.meta.title {
            return t.clone();
        }
        let name = self.meta.filename.as_deref().unwrap_or_default();
        let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem).trim();
        if stem.is_empty() {
            "本地制作".to_owned()
        } else {
            stem.to_owned()
        }
    }
}

/// Why `Upload-Metadata` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    #[error("Upload-Metadata 中 {key} 的值不是 base64（not base64）")]
    NotBase64 { key: String },
    #[error("Upload-Metadata 中 {key} 的值不是 UTF-8 文字（not UTF-8）")]
    NotText { key: String },
    #[error("Upload-Metadata 中的 production 只能是 party_news（党建新闻）或 feature（专题片），收到 {0:?}")]
    Production(String),
    #[error("Upload-Metadata 中 {0} 出现了两次（duplicate key）")]
    Duplicate(String),
}

/// Parses `key base64,key base64,…`; unknown keys are ignored, a key may have no value.
pub fn parse_meta(header: Option<&str>) -> Result<UploadMeta, MetaError> {
    let raw = header.unwrap_or_default().trim();
    let mut meta = UploadMeta {
        raw: raw.to_owned(),
        ..UploadMeta::default()
    };
    let mut seen = Vec::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        if seen.contains(&key) {
            return Err(MetaError::Duplicate(key.to_owned()));
        }
        seen.push(key);
        let text = || decode(key, value.trim());
        match key {
            "filename" => meta.filename = clean(text()?),
            "title" => meta.title = clean(text()?),
            "production" => meta.production = production(&text()?)?,
            _ => {}
        }
    }
    Ok(meta)
}

fn decode(key: &str, value: &str) -> Result<String, MetaError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| MetaError::NotBase64 { key: key.into() })?;
    String::from_utf8(bytes).map_err(|_| MetaError::NotText { key: key.into() })
}

fn production(value: &str) -> Result<Option<Production>, MetaError> {
    match value.trim() {
        "" => Ok(None),
        "party_news" => Ok(Some(Production::PartyNews)),
        "feature" => Ok(Some(Production::Feature)),
        other => Err(MetaError::Production(other.to_owned())),
    }
}

/// An `Upload-Length` or `Upload-Offset` value: ASCII digits only, as tus 1.0 writes a
/// non-negative integer (Rust's `u64::from_str` would also take `+5`); `None` for anything
/// else, including a number past `u64::MAX`.
pub fn parse_tus_number(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// Text without control characters, trimmed and bounded; `None` when nothing is left.
fn clean(text: String) -> Option<String> {
    let text: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT_CHARS)
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A server-made file name for upload `id`, keeping the client's extension only when it is
/// one of the media extensions the library knows (else `.bin`).
pub fn safe_file_name(id: &str, client_name: Option<&str>) -> String {
    let ext = client_name
        .filter(|n| media_catalog::scan::is_media_name(n))
        .and_then(|n| n.rsplit_once('.'))
        .map_or_else(|| "bin".to_owned(), |(_, ext)| ext.to_ascii_lowercase());
    format!("{id}.{ext}")
}

/// A fresh upload id.
pub fn new_id() -> String {
    format!("u_{}", hex::encode(rand::random::<[u8; 8]>()))
}

/// Whether `id` has the shape of a server-made upload id (so it is safe in a path).
pub fn is_upload_id(id: &str) -> bool {
    id.strip_prefix("u_")
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_pairs_are_decoded_and_unknown_keys_ignored() {
        let b = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let header = format!(
            "filename {},production {},title {},filetype {},is_confidential",
            b("新闻.MP4"),
            b("party_news"),
            b("  党建 新闻 "),
            b("video/mp4")
        );
        let meta = parse_meta(Some(&header)).unwrap();
        assert_eq!(meta.filename.as_deref(), Some("新闻.MP4"));
        assert_eq!(meta.production, Some(Production::PartyNews));
        assert_eq!(meta.title.as_deref(), Some("党建 新闻"));
    }

    #[test]
    fn bad_metadata_is_refused() {
        assert!(matches!(
            parse_meta(Some("filename ***")),
            Err(MetaError::NotBase64 { .. })
        ));
        assert!(matches!(
            parse_meta(Some("production eA==")),
            Err(MetaError::Production(_))
        ));
    }

    #[test]
    fn the_stored_name_is_server_made_with_a_known_extension_only() {
        assert_eq!(safe_file_name("u_1", Some("../../etc/a.MP4")), "u_1.mp4");
        assert_eq!(safe_file_name("u_1", Some("page.html")), "u_1.bin");
        assert_eq!(safe_file_name("u_1", None), "u_1.bin");
        assert!(is_upload_id("u_0123456789abcdef"));
        assert!(!is_upload_id("u_../../etc/passwd"));
    }
}
