//! Ledger entries: their kinds, the draft a caller asks to append, the sealed entry, and the
//! canonical bytes its hash is computed over.
//!
//! **Canonical bytes** of an entry are the compact JSON object (no whitespace)
//! `{"seq":…,"at":…,"kind":…,"station":…,"payload":…,"prev_hash":…}` with exactly these
//! six fields in exactly this order; `station` is a string or `null`; `prev_hash` is 64
//! lowercase hex digits; inside `payload` every object's keys are sorted by their UTF-8 bytes,
//! arrays keep their order, and strings and numbers are written as `serde_json` writes them
//! (non-ASCII text as raw UTF-8, only `"`, `\` and control characters escaped).
//! `hash = SHA-256(prev_hash ‖ canonical bytes)` with `prev_hash` as its 32 raw bytes; the
//! first entry (seq 0) has an all-zero `prev_hash`.

use std::fmt;
use std::io::Write;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The largest payload accepted, in canonical bytes.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// The longest station id accepted, in characters.
const MAX_STATION_CHARS: usize = 64;
/// The longest correction reason accepted, in characters.
const MAX_REASON_CHARS: usize = 2000;

/// A SHA-256 link of the chain; written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ChainHash(pub [u8; 32]);

impl ChainHash {
    /// The `prev_hash` of entry 0, and the root of an empty ledger.
    pub const ZERO: ChainHash = ChainHash([0; 32]);

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<ChainHash> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(ChainHash(out))
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({self})")
    }
}

impl Serialize for ChainHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ChainHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // Only the lowercase form is canonical: an uppercase digit is a changed byte.
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(serde::de::Error::custom("hash not in lowercase hex"));
        }
        ChainHash::from_hex(&s).ok_or_else(|| serde::de::Error::custom("not a 64-digit hex hash"))
    }
}

/// What an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A showing (收看), reported by the TV UI or inferred from media requests.
    Viewing,
    /// A party member's sign-in for a showing (签到).
    Signin,
    /// Discussion after a showing (讨论).
    Discussion,
    /// Feedback from viewers (信息反馈).
    Feedback,
    /// 电教信息: a piece of news about the station's work.
    InfoReport,
    /// The next quarter's playback plan.
    Plan,
    /// A local production received by the township.
    ProductionDelivered,
    /// Hours of showing at a herding point.
    PastoralSession,
    /// A station made, changed or retired.
    StationChange,
    /// Points at an earlier entry with a reason; nothing is ever edited in place.
    Correction,
    /// A photo of the room at a showing (its SHA-256; the file is kept beside the ledger).
    Photo,
    /// A pastoral field kit made (`action: made`) or its records imported (`imported`).
    FieldKit,
}

impl EntryKind {
    /// Every kind, in declaration order.
    pub const ALL: [EntryKind; 12] = [
        EntryKind::Viewing,
        EntryKind::Signin,
        EntryKind::Discussion,
        EntryKind::Feedback,
        EntryKind::InfoReport,
        EntryKind::Plan,
        EntryKind::ProductionDelivered,
        EntryKind::PastoralSession,
        EntryKind::StationChange,
        EntryKind::Correction,
        EntryKind::Photo,
        EntryKind::FieldKit,
    ];

    /// The name used on the wire and on disk.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Viewing => "viewing",
            EntryKind::Signin => "signin",
            EntryKind::Discussion => "discussion",
            EntryKind::Feedback => "feedback",
            EntryKind::InfoReport => "info_report",
            EntryKind::Plan => "plan",
            EntryKind::ProductionDelivered => "production_delivered",
            EntryKind::PastoralSession => "pastoral_session",
            EntryKind::StationChange => "station_change",
            EntryKind::Correction => "correction",
            EntryKind::Photo => "photo",
            EntryKind::FieldKit => "field_kit",
        }
    }
}

/// What a caller asks to append; the ledger adds `seq`, `at` and the hashes.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub kind: EntryKind,
    /// The station the entry is about, if any (a township-wide entry has none).
    pub station: Option<String>,
    /// A JSON object; its shape belongs to the layer that makes this kind.
    pub payload: Value,
}

impl Draft {
    /// A draft of any kind.
    pub fn new(kind: EntryKind, station: Option<&str>, payload: Value) -> Draft {
        Draft {
            kind,
            station: station.map(str::to_owned),
            payload,
        }
    }

    /// A correction of entry `corrects`, with the reason a clerk gave.
    pub fn correction(corrects: u64, reason: &str, station: Option<&str>) -> Draft {
        let payload = serde_json::json!({ "corrects": corrects, "reason": reason });
        Draft::new(EntryKind::Correction, station, payload)
    }

    /// Checks everything that does not depend on the ledger's contents.
    pub(crate) fn check(&self) -> Result<(), DraftError> {
        let Value::Object(fields) = &self.payload else {
            return Err(DraftError::PayloadNotObject);
        };
        if let Some(station) = &self.station {
            let chars = station.chars().count();
            if chars == 0 || chars > MAX_STATION_CHARS || station.chars().any(char::is_control) {
                return Err(DraftError::BadStation(station.clone()));
            }
        }
        let bytes = canonical_value(&self.payload).len();
        if bytes > MAX_PAYLOAD_BYTES {
            return Err(DraftError::PayloadTooLarge { bytes });
        }
        if self.kind == EntryKind::Correction {
            if !fields.get("corrects").is_some_and(Value::is_u64) {
                return Err(DraftError::CorrectionWithoutSeq);
            }
            let reason = fields.get("reason").and_then(Value::as_str).unwrap_or("");
            if reason.trim().is_empty() || reason.chars().count() > MAX_REASON_CHARS {
                return Err(DraftError::CorrectionWithoutReason);
            }
        }
        Ok(())
    }

    /// Checks what depends on the ledger: a correction must point at an existing entry.
    pub(crate) fn check_against(&self, len: u64) -> Result<(), DraftError> {
        if self.kind != EntryKind::Correction {
            return Ok(());
        }
        let corrects = self.payload["corrects"].as_u64().unwrap_or(u64::MAX);
        if corrects >= len {
            return Err(DraftError::CorrectionOfUnknown { corrects, len });
        }
        Ok(())
    }
}

/// Why a draft was refused; nothing was written.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DraftError {
    #[error("内容必须是 JSON 对象（the payload must be a JSON object）")]
    PayloadNotObject,
    #[error("内容太大（the payload is {bytes} bytes, at most {MAX_PAYLOAD_BYTES} are allowed）")]
    PayloadTooLarge { bytes: usize },
    #[error("站点编号无效（bad station id {0:?}: 1 to 64 characters, no control characters）")]
    BadStation(String),
    #[error("更正必须指明被更正条目的序号（a correction needs `corrects`: the seq it corrects）")]
    CorrectionWithoutSeq,
    #[error("更正必须写明原因（a correction needs a `reason`, at most 2000 characters）")]
    CorrectionWithoutReason,
    #[error("被更正的条目 {corrects} 不存在（a correction must point at an earlier entry; the ledger has {len}）")]
    CorrectionOfUnknown { corrects: u64, len: u64 },
}

/// One sealed entry, as stored in the log and written to exports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Position in the ledger, from 0, without gaps.
    pub seq: u64,
    /// When the server sealed it: RFC 3339 in UTC to the second (`2026-05-01T08:30:00Z`),
    /// from the server's clock only, never earlier than the entry before; while that clock
    /// is suspect the time is estimated and the payload says so (`clock_suspect`, see
    /// `clock.rs`).
    pub at: String,
    pub kind: EntryKind,
    pub station: Option<String>,
    pub payload: Value,
    /// The previous entry's `hash` (all zeros for seq 0).
    pub prev_hash: ChainHash,
    /// `SHA-256(prev_hash ‖ canonical bytes)`; see the module docs.
    pub hash: ChainHash,
}

impl Entry {
    /// Seals a draft as entry `seq` after `prev_hash`, stamped `at`.
    pub(crate) fn seal(draft: Draft, seq: u64, at: String, prev_hash: ChainHash) -> Entry {
        let mut entry = Entry {
            seq,
            at,
            kind: draft.kind,
            station: draft.station,
            payload: draft.payload,
            prev_hash,
            hash: ChainHash::ZERO,
        };
        entry.hash = entry.computed_hash();
        entry
    }

    /// The canonical bytes (everything but `hash`); see the module docs.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        let _ = write!(out, "{{\"seq\":{},\"at\":", self.seq);
        write_json(&mut out, &Value::from(self.at.as_str()));
        let _ = write!(out, ",\"kind\":\"{}\",\"station\":", self.kind.as_str());
        match &self.station {
            Some(s) => write_json(&mut out, &Value::from(s.as_str())),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"payload\":");
        write_canonical(&mut out, &self.payload);
        let _ = write!(out, ",\"prev_hash\":\"{}\"}}", self.prev_hash);
        out
    }

    /// The hash this entry's contents call for (compare with `hash`).
    pub fn computed_hash(&self) -> ChainHash {
        let mut h = Sha256::new();
        h.update(self.prev_hash.0);
        h.update(self.canonical_bytes());
        ChainHash(h.finalize().into())
    }
}

/// The current time as `at` is written: RFC 3339, UTC, whole seconds.
/// `now` as an entry's `at`: RFC 3339 in UTC to the second.
pub(crate) fn rfc3339(now: time::OffsetDateTime) -> String {
    let now = now.to_offset(time::UtcOffset::UTC);
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

fn canonical_value(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(&mut out, v);
    out
}

/// Compact JSON with every object's keys sorted, whatever map type serde_json was built with.
fn write_canonical(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, &Value::from(k.as_str()));
                out.push(b':');
                write_canonical(out, &map[k]);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(out, item);
            }
            out.push(b']');
        }
        scalar => write_json(out, scalar),
    }
}

fn write_json(out: &mut Vec<u8>, scalar: &Value) {
    // Writing a JSON scalar into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, scalar);
}
