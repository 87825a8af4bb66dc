//! The log file's layout: an 8-byte header `DJLEDG01`, then frames, each
//! `length (u32 LE) ‖ CRC-32 of the body (u32 LE) ‖ body`, the body being the entry's JSON
//! (`serde_json` of [`Entry`], the same text an export line carries). Reading frames back,
//! and the scan that checks every frame and every link of the chain.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use super::entry::{ChainHash, Entry};
use super::error::{Damage, LedgerError};

/// The first bytes of every ledger log; the digit is the format's version.
pub(crate) const MAGIC: &[u8; 8] = b"DJLEDG01";
/// Bytes of a frame before its body.
pub(crate) const FRAME_HEADER: u64 = 8;
/// No body is longer (a payload is at most 64 KiB); a longer length is damage.
const MAX_BODY: u32 = 1 << 20;
/// One offset is remembered per this many entries, to start an iteration near its seq.
pub(crate) const INDEX_STRIDE: u64 = 1024;

/// Appends the frame of `entry` to `out`.
pub(crate) fn encode(entry: &Entry, out: &mut Vec<u8>) {
    // Plain structs, strings and JSON values: serialising them into memory cannot fail.
    let body = serde_json::to_vec(entry).unwrap_or_default();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
}

/// What the next bytes of the log hold.
pub(crate) enum Next {
    /// A frame whose CRC matches; `body` is the entry's JSON.
    Frame { offset: u64, body: Vec<u8> },
    /// The end of the log, exactly after a frame.
    End,
    /// An unfinished final frame: a short header, a body running past the end, or zeros
    /// to the end (a file extended without its data). Never acknowledged; may be cut.
    Torn,
    /// A complete frame that is wrong: not a crash, damage.
    Bad { offset: u64, damage: Damage },
}

/// Reads frames from `offset` up to `limit` bytes of the file.
pub(crate) struct FrameReader {
    reader: BufReader<File>,
    offset: u64,
    limit: u64,
}

impl FrameReader {
    /// `file` must be positioned at `offset`.
    pub(crate) fn new(file: File, offset: u64, limit: u64) -> FrameReader {
        FrameReader {
            reader: BufReader::with_capacity(256 * 1024, file),
            offset,
            limit,
        }
    }

    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    pub(crate) fn next_frame(&mut self) -> io::Result<Next> {
        let offset = self.offset;
        let remaining = self.limit.saturating_sub(offset);
        if remaining == 0 {
            return Ok(Next::End);
        }
        if remaining < FRAME_HEADER {
            return Ok(Next::Torn);
        }
        let mut header = [0u8; 8];
        self.reader.read_exact(&mut header)?;
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if FRAME_HEADER + u64::from(len) > remaining {
            return self.past_the_end(offset, len, remaining - FRAME_HEADER);
        }
        if len == 0 || len > MAX_BODY {
            if header == [0; 8] && self.rest_is_zero(remaining - FRAME_HEADER)? {
                return Ok(Next::Torn);
            }
            let damage = Damage::BadLength(len);
            return Ok(Next::Bad { offset, damage });
        }
        let mut body = vec![0u8; len as usize];
        self.reader.read_exact(&mut body)?;
        if crc32fast::hash(&body) != crc {
            let damage = Damage::BadCrc;
            return Ok(Next::Bad { offset, damage });
        }
        self.offset = offset + FRAME_HEADER + u64::from(len);
        Ok(Next::Frame { offset, body })
    }

    /// A frame whose length runs past the end: torn, unless the bytes there already hold a
    /// whole entry. A crash leaves only a prefix of the body, never a whole entry, so a whole
    /// one means the frame was finished and its length is damaged — read as torn, one flipped
    /// bit would have the open cut every acknowledged entry from this frame on.
    fn past_the_end(&mut self, offset: u64, len: u32, present: u64) -> io::Result<Next> {
        let mut body = Vec::new();
        let bounded = present.min(u64::from(MAX_BODY));
        (&mut self.reader).take(bounded).read_to_end(&mut body)?;
        let whole = serde_json::Deserializer::from_slice(&body)
            .into_iter::<Entry>()
            .next()
            .is_some_and(|entry| entry.is_ok());
        Ok(if whole {
            let damage = Damage::BadLength(len);
            Next::Bad { offset, damage }
        } else {
            Next::Torn
        })
    }

    fn rest_is_zero(&mut self, mut left: u64) -> io::Result<bool> {
        let mut buf = [0u8; 8192];
        while left > 0 {
            let n = buf.len().min(left as usize);
            self.reader.read_exact(&mut buf[..n])?;
            if buf[..n].iter().any(|&b| b != 0) {
                return Ok(false);
            }
            left -= n as u64;
        }
        Ok(true)
    }
}

/// What a scan of the whole log found.
#[derive(Debug)]
pub(crate) struct Scanned {
    /// Entries that passed every check.
    pub len: u64,
    /// The hash of the last of them (zero when none).
    pub head: ChainHash,
    /// The byte just after the last good frame.
    pub end: u64,
    /// The file's length; more than `end` when the final frame is torn.
    pub file_len: u64,
    /// Offsets of entries 0, `INDEX_STRIDE`, 2·`INDEX_STRIDE`, …
    pub index: Vec<u64>,
}

/// Checks every frame and every link of the log at `path` up to `limit` bytes (the whole
/// file when `None`). A missing file is an empty ledger. Damage anywhere but a torn final
/// frame is an error naming the first bad seq.
pub(crate) fn scan(path: &Path, limit: Option<u64>) -> Result<Scanned, LedgerError> {
    let io_err = |what, source| LedgerError::Io {
        what,
        path: path.to_owned(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Scanned {
                len: 0,
                head: ChainHash::ZERO,
                end: 0,
                file_len: 0,
                index: Vec::new(),
            })
        }
        Err(e) => return Err(io_err("open", e)),
    };
    let file_len = file.metadata().map_err(|e| io_err("read", e))?.len();
    let limit = limit.map_or(file_len, |l| l.min(file_len));
    let mut magic = [0u8; 8];
    let got = read_up_to(&mut file, &mut magic).map_err(|e| io_err("read", e))?;
    if magic[..got] != MAGIC[..got] {
        return Err(LedgerError::NotALedger(path.to_owned()));
    }
    let mut scanned = Scanned {
        len: 0,
        head: ChainHash::ZERO,
        end: got as u64,
        file_len,
        index: Vec::new(),
    };
    if got < MAGIC.len() {
        // Torn while the file was being created: no entry can follow.
        return Ok(scanned);
    }
    let mut frames = FrameReader::new(file, MAGIC.len() as u64, limit);
    loop {
        let next = frames.next_frame().map_err(|e| io_err("read", e))?;
        let (offset, body) = match next {
            Next::Frame { offset, body } => (offset, body),
            Next::End | Next::Torn => return Ok(scanned),
            Next::Bad { offset, damage } => {
                let seq = scanned.len;
                return Err(LedgerError::Damaged {
                    seq,
                    offset,
                    damage,
                });
            }
        };
        let seq = scanned.len;
        let damaged = |damage| LedgerError::Damaged {
            seq,
            offset,
            damage,
        };
        let entry: Entry =
            serde_json::from_slice(&body).map_err(|e| damaged(Damage::Unreadable(e)))?;
        if let Some(damage) = check_link(&entry, seq, scanned.head) {
            return Err(damaged(damage));
        }
        if seq.is_multiple_of(INDEX_STRIDE) {
            scanned.index.push(offset);
        }
        scanned.len += 1;
        scanned.head = entry.hash;
        scanned.end = frames.offset();
    }
}

/// Whether `entry` is a good entry number `seq` after `head`.
pub(crate) fn check_link(entry: &Entry, seq: u64, head: ChainHash) -> Option<Damage> {
    if entry.seq != seq {
        Some(Damage::WrongSeq { found: entry.seq })
    } else if entry.prev_hash != head {
        Some(Damage::BrokenLink)
    } else if entry.computed_hash() != entry.hash {
        Some(Damage::Altered)
    } else {
        None
    }
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

#[cfg(test)]
mod proptests;
