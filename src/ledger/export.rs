//! Checking an export: JSON Lines, one entry per line exactly as the log stores it, oldest
//! first, from any seq. The chain is recomputed line by line and the first problem is
//! located by line and seq. Against a checkpoint (signed, from an earlier or the same
//! export) it proves the export extends it: the export's entry `size - 1` hashes to the
//! checkpoint's root, so nothing up to there was changed, inserted or removed.
//!
//! What no check can see without a checkpoint: a cut tail (the export just looks shorter),
//! and a rewrite of the tail with every later hash recomputed.

use std::io::BufRead;

use super::checkpoint::Checkpoint;
use super::entry::{ChainHash, Entry};

/// What a good export holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportReport {
    /// Entries in the file.
    pub entries: u64,
    /// The seq of the first line (0 for a whole-ledger export); `None` when empty.
    pub first_seq: Option<u64>,
    /// The hash of the last line (the root a checkpoint of this export would carry).
    pub head: Option<ChainHash>,
    /// The checkpoint size proven, when checked against one.
    pub extends: Option<u64>,
}

/// What is wrong with one line.
#[derive(Debug, thiserror::Error)]
pub enum Tamper {
    #[error("这一行无法解读（the line is not a ledger entry）")]
    Unreadable(#[source] serde_json::Error),
    #[error("这里缺了一条：本行是第 {found} 条（seq {found} is here instead: a line was removed, or lines were reordered）")]
    Missing { found: u64 },
    #[error("本行重复了第 {found} 条（the line holds seq {found}, which came before: a line was inserted, copied or moved）")]
    Repeated { found: u64 },
    #[error("第 {seq} 条出现了两次（seq {seq} appears twice, both after the same entry: a line was inserted）", seq = .0)]
    Forked(u64),
    #[error("与上一行的链接断了（its prev_hash is not the previous line's hash: a line before it was changed, removed or inserted）")]
    BrokenLink,
    #[error("本行的哈希与内容不符（its hash does not match its contents: the line was changed）")]
    Altered,
    #[error("第一条的 prev_hash 应为全零（seq 0 must have an all-zero prev_hash）")]
    BadGenesis,
}

/// Why an export does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("导出文件无法读取（cannot read the export）")]
    Read(#[source] std::io::Error),
    #[error(
        "导出文件第 {line} 行（第 {seq} 条）被改动（line {line}, seq {seq}, was tampered with）"
    )]
    Tampered {
        line: u64,
        seq: u64,
        #[source]
        problem: Tamper,
    },
    #[error("{}", tail_cut_message(*.last, *.size))]
    TailCut { last: Option<u64>, size: u64 },
    #[error("导出与检查点不符：第 {seq} 条不是检查点签过的那一条（entry seq {seq} is not the one the checkpoint signed: something at or before seq {seq} was changed, inserted or removed）")]
    Diverges { seq: u64 },
    #[error("检查点比导出的起点还早（the checkpoint covers {size} entries but the export starts at seq {first}: export from seq {size} or earlier to check it）")]
    StartsAfterCheckpoint { size: u64, first: u64 },
}

fn tail_cut_message(last: Option<u64>, size: u64) -> String {
    let (zh, en) = match last {
        Some(l) => (
            format!("导出文件到第 {l} 条就结束了"),
            format!("the export ends at seq {l}"),
        ),
        None => (
            "导出文件没有条目".to_owned(),
            "the export holds no entry".to_owned(),
        ),
    };
    format!(
        "{zh}，但检查点有 {size} 条：末尾被截掉了（{en}, but the checkpoint covers {size} entries, \
         seq 0 to {}: the tail was cut — a cut tail can only be seen against a longer checkpoint）",
        size - 1
    )
}

/// Recomputes the chain of an export and locates the first problem; with `against`, also
/// proves the export extends that (already signature-checked) checkpoint.
pub fn verify_export(
    reader: impl BufRead,
    against: Option<&Checkpoint>,
) -> Result<ExportReport, ExportError> {
    let mut walk = Walk::default();
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.map_err(ExportError::Read)?;
        walk.line(i as u64 + 1, &line, against)?;
    }
    let report = ExportReport {
        entries: walk.entries,
        first_seq: walk.first_seq,
        head: walk.last.as_ref().map(|l| l.hash),
        extends: None,
    };
    let Some(cp) = against else {
        return Ok(report);
    };
    if cp.size() == 0 {
        return Ok(ExportReport {
            extends: Some(0),
            ..report
        });
    }
    match (report.first_seq, walk.matched) {
        (_, Some(true)) => Ok(ExportReport {
            extends: Some(cp.size()),
            ..report
        }),
        (_, Some(false)) => Err(ExportError::Diverges { seq: cp.size() - 1 }),
        (Some(first), None) if first > cp.size() => Err(ExportError::StartsAfterCheckpoint {
            size: cp.size(),
            first,
        }),
        _ => Err(ExportError::TailCut {
            last: walk.last.map(|l| l.seq),
            size: cp.size(),
        }),
    }
}

/// The seq an unreadable first line claims, if it still has one; else 0 (a whole export).
fn first_seq_guess(bytes: &[u8]) -> u64 {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| v.get("seq").and_then(serde_json::Value::as_u64))
        .unwrap_or(0)
}

/// The state of a line-by-line walk.
#[derive(Default)]
struct Walk {
    entries: u64,
    first_seq: Option<u64>,
    last: Option<Entry>,
    /// Whether the checkpoint's entry `size - 1` was seen, and matched its root.
    matched: Option<bool>,
}

impl Walk {
    fn line(
        &mut self,
        line: u64,
        bytes: &[u8],
        cp: Option<&Checkpoint>,
    ) -> Result<(), ExportError> {
        let expected = self.last.as_ref().map(|l| l.seq + 1);
        let at = |seq, problem| ExportError::Tampered { line, seq, problem };
        let entry: Entry = match serde_json::from_slice(bytes) {
            Ok(e) => e,
            Err(e) => {
                let seq = expected.unwrap_or_else(|| first_seq_guess(bytes));
                return Err(at(seq, Tamper::Unreadable(e)));
            }
        };
        if let (Some(prev), Some(want)) = (&self.last, expected) {
            if entry.seq > want {
                return Err(at(want, Tamper::Missing { found: entry.seq }));
            }
            if entry.seq < want {
                if entry.seq == prev.seq && entry.prev_hash == prev.prev_hash {
                    return Err(at(entry.seq, Tamper::Forked(entry.seq)));
                }
                return Err(at(want, Tamper::Repeated { found: entry.seq }));
            }
            if entry.prev_hash != prev.hash {
                return Err(at(want, Tamper::BrokenLink));
            }
        } else if entry.seq == 0 && entry.prev_hash != ChainHash::ZERO {
            return Err(at(0, Tamper::BadGenesis));
        }
        if entry.computed_hash() != entry.hash {
            return Err(at(entry.seq, Tamper::Altered));
        }
        if let Some(cp) = cp.filter(|cp| cp.size() > 0) {
            if self.last.is_none() && entry.seq == cp.size() {
                self.matched = Some(entry.prev_hash == cp.root());
            }
            if entry.seq + 1 == cp.size() {
                self.matched = Some(entry.hash == cp.root());
            }
        }
        self.first_seq.get_or_insert(entry.seq);
        self.entries += 1;
        self.last = Some(entry);
        Ok(())
    }
}
