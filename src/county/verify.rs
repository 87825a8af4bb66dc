//! Does an import extend what the county holds of a township? The import (JSON Lines, one
//! entry a line, from any seq) is checked line by line with [`verify_export`] against its own
//! checkpoint (already signature-checked: chain intact, last entry hashing to the signed
//! root), then against the county's copy: every entry it shares with the county must be the
//! very same (same hash), and its first new entry must link to the county's last one.

use crate::ledger::{verify_export, ChainHash, Checkpoint, Entry, ExportError};

/// What an import adds: its entries past the county's length, as (seq, line).
#[derive(Debug, Default)]
pub struct Extension {
    pub new: Vec<(u64, Vec<u8>)>,
    /// The county's length and root once merged.
    pub len: u64,
    pub root: ChainHash,
    /// The first seq of the import (None: it held no entry).
    pub first: Option<u64>,
}

/// Why an import is not merged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// The township's history differs from what the county verified: the township is refused.
    #[error("第 {seq} 条与县里已核验的不一致（entry seq {seq} differs from the one the county verified earlier: {why}）")]
    Differs { seq: u64, why: String },
    /// The import starts past the county's length: send from `have`. Nothing is wrong.
    #[error("县里只有到第 {} 条，请从第 {have} 条开始发送（the county holds {have} entries: send from seq {have}）", .have.saturating_sub(1))]
    Gap { have: u64 },
    /// The file or request is unusable by itself (changed on the way, cut, not ending at
    /// its checkpoint); it says nothing about the township's own history.
    #[error("导出文件本身有问题，未合并（the export itself does not verify, nothing was merged: {why}）")]
    BadImport { seq: Option<u64>, why: String },
}

/// The county's copy of one township: its length, its root, and its entries' hashes.
pub trait Held {
    fn len(&self) -> u64;
    fn root(&self) -> ChainHash;
    /// The hash of the county's entry `seq` (< len).
    fn hash_at(&self, seq: u64) -> Result<Option<ChainHash>, super::CountyError>;
}

/// Checks `lines` (ending at `checkpoint`, whose signature was checked) against `held`.
pub fn check(
    held: &dyn Held,
    lines: &[u8],
    checkpoint: &Checkpoint,
) -> Result<Result<Extension, Problem>, super::CountyError> {
    if let Err(e) = verify_export(lines, Some(checkpoint)) {
        return Ok(Err(bad_import(e)));
    }
    let mut entries = Vec::new();
    for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        // verify_export parsed every line already.
        let entry: Entry = serde_json::from_slice(line)?;
        entries.push((entry, line));
    }
    let end = entries.last().map_or(0, |(e, _)| e.seq + 1);
    if end != checkpoint.size() {
        return Ok(Err(Problem::BadImport {
            seq: Some(checkpoint.size()),
            why: format!(
                "the export runs past its checkpoint ({} entries): what follows is not signed",
                checkpoint.size()
            ),
        }));
    }
    let first = entries.first().map(|(e, _)| e.seq);
    if first.is_some_and(|f| f > held.len()) {
        return Ok(Err(Problem::Gap { have: held.len() }));
    }
    let mut new = Vec::new();
    for (entry, line) in &entries {
        if entry.seq < held.len() {
            if held.hash_at(entry.seq)? != Some(entry.hash) {
                let why = "the township now has another entry under this seq: it, or an earlier one, was rewritten".into();
                return Ok(Err(Problem::Differs {
                    seq: entry.seq,
                    why,
                }));
            }
            continue;
        }
        if entry.seq == held.len() && held.len() > 0 && entry.prev_hash != held.root() {
            let seq = held.len() - 1;
            let why = format!("the township's entry {} no longer links to it: entry {seq} or one before it was rewritten (send from seq 0 to name the first)", held.len());
            return Ok(Err(Problem::Differs { seq, why }));
        }
        new.push((entry.seq, line.to_vec()));
    }
    let grows = end > held.len();
    Ok(Ok(Extension {
        new,
        len: end.max(held.len()),
        root: if grows {
            checkpoint.root()
        } else {
            held.root()
        },
        first,
    }))
}

fn bad_import(e: ExportError) -> Problem {
    let seq = match &e {
        ExportError::Read(_) => None,
        ExportError::Tampered { seq, .. } | ExportError::Diverges { seq } => Some(*seq),
        ExportError::TailCut { last, .. } => Some(last.map_or(0, |l| l + 1)),
        ExportError::StartsAfterCheckpoint { first, .. } => Some(*first),
    };
    Problem::BadImport {
        seq,
        why: e.to_string(),
    }
}
