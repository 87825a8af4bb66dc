//! The records file a kit's page exports, and the check of its hash chain.
//!
//! The page keeps every record as `{"seq", "prev", "body", "hash"}` where `body` is the
//! record's JSON exactly as the page wrote it (a string, so no canonical form has to agree
//! between JavaScript and Rust) and `hash = SHA-256(prev ‖ "\n" ‖ body)` in lowercase hex
//! over the UTF-8 bytes; `prev` is the previous record's hash (64 zeros for the first). The
//! body carries its own `seq` and the kit's id, so records cannot be reordered or moved
//! between kits without breaking the chain.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The `format` of a records file.
pub const RECORDS_FORMAT: &str = "dianjiao-field-records/1";
/// The `prev` of the first record.
pub const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A records file as exported by the page (`记录-<kit>-<date>.json`).
#[derive(Clone, Debug, Deserialize)]
pub struct RecordsFile {
    pub format: String,
    pub kit_id: String,
    #[serde(default)]
    pub exported_at: Option<String>,
    pub records: Vec<RawRecord>,
}

/// One link of the page's chain.
#[derive(Clone, Debug, Deserialize)]
pub struct RawRecord {
    pub seq: u64,
    pub prev: String,
    pub body: String,
    pub hash: String,
}

/// What a record says, after its link checked out.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// A film shown: `id` names the showing for its sign-ins and discussion.
    Showing {
        id: String,
        film_id: String,
        started_at: String,
        ended_at: String,
        watched_s: u64,
        furthest_s: u64,
    },
    /// A party member signed in for a showing.
    Signin {
        showing: String,
        member_id: String,
        at: String,
    },
    /// Discussion notes after a showing.
    Discussion {
        showing: String,
        text: String,
        at: String,
    },
    /// A teaching session without a film (授课).
    Session {
        started_at: String,
        ended_at: String,
        #[serde(default)]
        topic: String,
    },
}

/// A record whose link, seq and kit checked out.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRecord {
    pub seq: u64,
    /// Its hash: the key an import is deduplicated by.
    pub hash: String,
    pub event: Event,
}

/// Why a chain was refused: the first bad record and what is wrong with it. Said as
/// 第 N 条 with N = seq + 1, the number the page shows beside each record.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("第 {} 条记录{why}", .seq + 1)]
pub struct ChainBreak {
    /// The seq of the first bad record (its position in the file when the seq itself is wrong).
    pub seq: u64,
    /// A sentence, in Chinese with an English gloss.
    pub why: String,
}

/// The hash of a link: SHA-256 of `prev`, a line break and `body`, in lowercase hex.
pub fn link_hash(prev: &str, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    hex::encode(h.finalize())
}

/// Checks every link of `file` in order and decodes the bodies; the first record that does
/// not follow from the one before is named.
pub fn verify(kit_id: &str, records: &[RawRecord]) -> Result<Vec<FieldRecord>, ChainBreak> {
    let mut prev = ZERO_HASH.to_owned();
    let mut out = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let at = i as u64;
        let bad = |why: &str| ChainBreak {
            seq: at,
            why: why.to_owned(),
        };
        if r.seq != at {
            return Err(bad(
                "的序号不对，记录被删除或调换过（records were removed or reordered）",
            ));
        }
        if r.prev != prev {
            return Err(bad(
                "与前一条记录接不上，记录被删除或改动过（the chain is broken here）",
            ));
        }
        if link_hash(&r.prev, &r.body) != r.hash {
            return Err(bad(
                "的内容与它的校验值不符，记录被改动过（the record was changed）",
            ));
        }
        let unreadable = || bad("的内容无法识别（the record cannot be read）");
        let mut body: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&r.body).map_err(|_| unreadable())?;
        let seq = body.remove("seq").and_then(|v| v.as_u64());
        let kit = body.remove("kit");
        if seq != Some(at) || kit.as_ref().and_then(|k| k.as_str()) != Some(kit_id) {
            return Err(bad(
                "不属于这个放映包或序号不对（the record is from another kit）",
            ));
        }
        let event: Event =
            serde_json::from_value(serde_json::Value::Object(body)).map_err(|_| unreadable())?;
        out.push(FieldRecord {
            seq: at,
            hash: r.hash.clone(),
            event,
        });
        prev = r.hash.clone();
    }
    Ok(out)
}
