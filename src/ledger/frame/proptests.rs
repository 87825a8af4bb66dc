//! Property tests of the frame decoder: a log of encoded entries scans back to exactly those
//! entries; a log cut at any byte keeps a prefix of them (the torn tail); and a flipped bit
//! anywhere in a frame is refused as damage naming that frame's seq — never read as another
//! entry, and never taken for a torn tail that would cut acknowledged entries.

use std::io::Write;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::ledger::entry::{Draft, EntryKind};

/// A chain of `n` sealed entries with payloads from `notes`.
fn chain(notes: &[String]) -> Vec<Entry> {
    let mut prev = ChainHash::ZERO;
    let mut out = Vec::new();
    for (seq, note) in notes.iter().enumerate() {
        let draft = Draft::new(
            EntryKind::Viewing,
            Some("station-七里村"),
            json!({ "play_id": format!("p{seq}"), "note": note }),
        );
        let entry = Entry::seal(draft, seq as u64, "2026-05-01T08:30:00Z".into(), prev);
        prev = entry.hash;
        out.push(entry);
    }
    out
}

/// The log's bytes and the offset just after each frame.
fn log_of(entries: &[Entry]) -> (Vec<u8>, Vec<u64>) {
    let mut bytes = MAGIC.to_vec();
    let mut ends = Vec::new();
    for entry in entries {
        encode(entry, &mut bytes);
        ends.push(bytes.len() as u64);
    }
    (bytes, ends)
}

fn scan_bytes(bytes: &[u8]) -> Result<Scanned, LedgerError> {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(bytes).expect("write");
    file.flush().expect("flush");
    scan(file.path(), None)
}

/// `scanned` holds the first `scanned.len` of `entries`, exactly.
fn is_prefix(scanned: &Scanned, entries: &[Entry], ends: &[u64]) -> bool {
    let k = scanned.len as usize;
    k <= entries.len()
        && scanned.head == k.checked_sub(1).map_or(ChainHash::ZERO, |i| entries[i].hash)
        // With no entry, the end is after as much of the header as was written.
        && match k.checked_sub(1) {
            Some(i) => scanned.end == ends[i],
            None => scanned.end <= MAGIC.len() as u64,
        }
}

fn notes() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(any::<String>(), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Fewer than the default 256 in `make test` (each case writes a file); `make fuzz`
        // (PROPTEST_CASES) raises it.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(128),
        ..ProptestConfig::default()
    })]

    #[test]
    fn prop_encoded_frames_scan_back_to_the_same_entries(notes in notes()) {
        let entries = chain(&notes);
        let (bytes, ends) = log_of(&entries);
        let scanned = scan_bytes(&bytes).expect("a whole log scans");
        prop_assert_eq!(scanned.len, entries.len() as u64);
        prop_assert!(is_prefix(&scanned, &entries, &ends));
        prop_assert_eq!(scanned.end, bytes.len() as u64);
        // Each frame's body is the entry itself.
        let mut at = MAGIC.len();
        for entry in &entries {
            let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            let body: Entry = serde_json::from_slice(&bytes[at + 8..at + 8 + len]).unwrap();
            prop_assert_eq!(&body, entry);
            at += 8 + len;
        }
    }

    #[test]
    fn prop_a_log_cut_anywhere_keeps_exactly_the_whole_frames_before_the_cut(
        notes in notes(),
        cut in any::<prop::sample::Index>(),
    ) {
        let entries = chain(&notes);
        let (bytes, ends) = log_of(&entries);
        let cut = cut.index(bytes.len() + 1);
        let scanned = scan_bytes(&bytes[..cut]).expect("a cut log is a torn tail");
        let whole = ends.iter().filter(|&&e| e <= cut as u64).count() as u64;
        prop_assert_eq!(scanned.len, whole);
        prop_assert!(is_prefix(&scanned, &entries, &ends));
    }

    #[test]
    fn prop_a_flipped_bit_is_never_read_as_another_entry(
        notes in notes(),
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let entries = chain(&notes);
        let (mut bytes, ends) = log_of(&entries);
        let at = MAGIC.len() + at.index(bytes.len() - MAGIC.len());
        bytes[at] ^= 1 << bit;
        // The frame the flip is in, and where that frame starts.
        let frame = ends.iter().position(|&e| (at as u64) < e).expect("inside a frame");
        let start = if frame == 0 { MAGIC.len() } else { ends[frame - 1] as usize };
        match scan_bytes(&bytes) {
            Err(LedgerError::Damaged { seq, .. }) => prop_assert_eq!(seq, frame as u64),
            other => prop_assert!(false, "a flip at {at} (frame at {start}) gave {other:?}"),
        }
    }
}

/// Found by `prop_a_flipped_bit_is_never_read_as_another_entry`: one flipped bit that made
/// the first frame's length run past the end of the file was read as a torn tail, and the
/// open would have cut every acknowledged entry.
#[test]
fn a_length_grown_past_the_end_in_a_finished_frame_is_damage_not_a_torn_tail() {
    let entries = chain(&["a".into(), "b".into(), "c".into()]);
    for frame in [0, 2] {
        let (mut bytes, ends) = log_of(&entries);
        let start = if frame == 0 {
            MAGIC.len()
        } else {
            ends[frame - 1] as usize
        };
        bytes[start + 2] ^= 1; // the length grows by 64 KiB
        match scan_bytes(&bytes) {
            Err(LedgerError::Damaged {
                seq,
                damage: Damage::BadLength(_),
                ..
            }) => {
                assert_eq!(seq, frame as u64);
            }
            other => panic!("frame {frame}: {other:?}"),
        }
    }
}
