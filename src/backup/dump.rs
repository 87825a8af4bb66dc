//! The database snapshot as JSON Lines: every sled tree with its keys and values (base64),
//! closed by an `end` line with the counts, so a cut-off copy is told from a whole one.
//!
//! JSON Lines rather than sled's own files: those cannot be copied consistently while the
//! server writes them, and a text format with a version outlives the storage engine (sled
//! calls itself beta; its on-disk format changes between releases).

use std::io::{BufRead, Write};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::BackupError;

/// The dump format's version; a newer one is refused by [`read_db`].
pub const DUMP_VERSION: u32 = 1;

/// One line of the snapshot stream (the dump, then from the server the ledger's extent).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Line {
    Header {
        format: String,
        version: u32,
    },
    Tree {
        name: String,
    },
    Kv {
        k: String,
        v: String,
    },
    End {
        trees: u64,
        records: u64,
    },
    /// The ledger's durable extent, taken after the database: every entry an index in the
    /// dump points at is inside it.
    Ledger {
        len: u64,
        end: u64,
        checkpoint: String,
    },
    /// The server could not make the snapshot.
    Error {
        message: String,
    },
}

const FORMAT: &str = "dianjiao-db-dump";

/// What a dump held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DumpStats {
    pub trees: u64,
    pub records: u64,
}

pub(super) fn write_line(out: &mut dyn Write, line: &Line) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}

/// Writes every tree of `db`, each read with sled's iterator (a tree at a time; derived
/// indexes catch up from the ledger on open, so trees read moments apart still open).
pub fn write_db(db: &sled::Db, out: &mut dyn Write) -> Result<DumpStats, BackupError> {
    let io = BackupError::DumpWrite;
    let header = Line::Header {
        format: FORMAT.into(),
        version: DUMP_VERSION,
    };
    write_line(out, &header).map_err(io)?;
    let mut names = db.tree_names();
    names.sort();
    let mut stats = DumpStats::default();
    for name in names {
        let tree = db.open_tree(&name)?;
        let line = Line::Tree {
            name: B64.encode(&name),
        };
        write_line(out, &line).map_err(io)?;
        stats.trees += 1;
        for kv in tree.iter() {
            let (k, v) = kv?;
            let line = Line::Kv {
                k: B64.encode(&k),
                v: B64.encode(&v),
            };
            write_line(out, &line).map_err(io)?;
            stats.records += 1;
        }
    }
    let end = Line::End {
        trees: stats.trees,
        records: stats.records,
    };
    write_line(out, &end).map_err(io)?;
    Ok(stats)
}

/// Reads one line of a snapshot stream; `None` at the end of the input.
pub(super) fn read_line(input: &mut dyn BufRead) -> Result<Option<Line>, BackupError> {
    let mut text = String::new();
    let n = input.read_line(&mut text).map_err(BackupError::DumpRead)?;
    if n == 0 {
        return Ok(None);
    }
    let line = serde_json::from_str(&text).map_err(BackupError::DumpFormat)?;
    Ok(Some(line))
}

/// Loads a dump into `db` (a new, empty database). Refuses a dump without its `end` line
/// or whose counts differ from what was read.
pub fn read_db(input: &mut dyn BufRead, db: &sled::Db) -> Result<DumpStats, BackupError> {
    match read_line(input)? {
        Some(Line::Header { format, version }) if format == FORMAT => {
            if version > DUMP_VERSION {
                return Err(BackupError::TooNew(version));
            }
        }
        _ => return Err(BackupError::DumpBroken("no header line")),
    }
    let (mut stats, mut tree, mut batch) = (DumpStats::default(), None, sled::Batch::default());
    loop {
        match read_line(input)? {
            Some(Line::Tree { name }) => {
                flush(tree.as_ref(), &mut batch)?;
                tree = Some(db.open_tree(decode(&name)?)?);
                stats.trees += 1;
            }
            Some(Line::Kv { k, v }) => {
                if tree.is_none() {
                    return Err(BackupError::DumpBroken("a record before any tree"));
                }
                batch.insert(decode(&k)?, decode(&v)?);
                stats.records += 1;
                if stats.records % 4096 == 0 {
                    flush(tree.as_ref(), &mut batch)?;
                }
            }
            Some(Line::End { trees, records }) => {
                flush(tree.as_ref(), &mut batch)?;
                if (trees, records) != (stats.trees, stats.records) {
                    return Err(BackupError::DumpBroken("counts differ from the end line"));
                }
                db.flush()?;
                return Ok(stats);
            }
            Some(_) => return Err(BackupError::DumpBroken("an unexpected line")),
            None => return Err(BackupError::DumpBroken("cut off before its end line")),
        }
    }
}

fn flush(tree: Option<&sled::Tree>, batch: &mut sled::Batch) -> Result<(), BackupError> {
    let batch = std::mem::take(batch);
    match tree {
        Some(tree) => Ok(tree.apply_batch(batch)?),
        None => Ok(()),
    }
}

fn decode(text: &str) -> Result<Vec<u8>, BackupError> {
    B64.decode(text)
        .map_err(|_| BackupError::DumpBroken("a key or value is not base64"))
}
