//! Unit tests of the ledger: appends and reads here; recovery and failures in `recovery.rs`;
//! checkpoints and exports in `export.rs`.

mod export;
mod recovery;

use std::path::Path;

use serde_json::json;

use super::*;

pub(super) fn viewing(n: u64) -> Draft {
    Draft::new(
        EntryKind::Viewing,
        Some("station-七里村"),
        json!({"play_id": format!("p{n}"), "film_id": "f1", "watched_s": 1800 + n, "note": format!("note-{n:05}")}),
    )
}

pub(super) fn ledger_with(dir: &Path, n: u64) -> Ledger {
    let ledger = Ledger::open(dir).expect("open");
    for i in 0..n {
        ledger.append(viewing(i)).expect("append");
    }
    ledger
}

fn log_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join(LOG_FILE)).map_or(0, |m| m.len())
}

#[test]
fn appended_entries_read_back_identical_after_reopening() {
    let dir = tempfile::tempdir().expect("dir");
    let written: Vec<Entry> = {
        let ledger = Ledger::open(dir.path()).expect("open");
        (0..5)
            .map(|i| ledger.append(viewing(i)).expect("append"))
            .collect()
    };
    let ledger = Ledger::open(dir.path()).expect("reopen");
    assert_eq!(ledger.len(), 5);
    let read: Vec<Entry> = ledger
        .iter(0)
        .expect("iter")
        .map(|e| e.expect("entry"))
        .collect();
    assert_eq!(read, written);
    assert_eq!(read[3].payload["note"], "note-00003");
    assert_eq!(read[3].station.as_deref(), Some("station-七里村"));
    assert!(
        read[0].at.ends_with('Z') && read[0].at.len() == 20,
        "{}",
        read[0].at
    );
}

#[test]
fn each_entry_links_to_the_hash_of_the_one_before() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = ledger_with(dir.path(), 4);
    let entries: Vec<Entry> = ledger
        .iter(0)
        .expect("iter")
        .map(|e| e.expect("entry"))
        .collect();
    assert_eq!(entries[0].prev_hash, ChainHash::ZERO);
    for pair in entries.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
        assert_eq!(pair[1].seq, pair[0].seq + 1);
    }
    for e in &entries {
        assert_eq!(e.computed_hash(), e.hash);
    }
    let verified = ledger.verify().expect("verify");
    assert_eq!(
        verified,
        Verified {
            len: 4,
            head: entries[3].hash
        }
    );
}

#[test]
fn the_hash_covers_prev_hash_and_the_documented_canonical_bytes() {
    let mut e = Entry::seal(
        Draft::new(
            EntryKind::Feedback,
            None,
            json!({"b": [1, "二"], "a": {"z": true, "y": null}}),
        ),
        7,
        "2026-05-01T08:30:00Z".into(),
        ChainHash([0xab; 32]),
    );
    let canonical = format!(
        "{{\"seq\":7,\"at\":\"2026-05-01T08:30:00Z\",\"kind\":\"feedback\",\"station\":null,\
         \"payload\":{{\"a\":{{\"y\":null,\"z\":true}},\"b\":[1,\"二\"]}},\"prev_hash\":\"{}\"}}",
        "ab".repeat(32)
    );
    assert_eq!(
        String::from_utf8(e.canonical_bytes()).expect("utf-8"),
        canonical
    );
    let mut h = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut h, [0xab; 32]);
    sha2::Digest::update(&mut h, canonical.as_bytes());
    assert_eq!(e.hash.0, <[u8; 32]>::from(sha2::Digest::finalize(h)));
    e.payload["b"][0] = json!(2);
    assert_ne!(e.computed_hash(), e.hash);
}

#[test]
fn iteration_starts_at_any_seq_including_past_an_index_stride() {
    let dir = tempfile::tempdir().expect("dir");
    let n = frame::INDEX_STRIDE * 2 + 10;
    let ledger = Ledger::open(dir.path()).expect("open");
    std::thread::scope(|s| {
        for t in 0..8 {
            let ledger = &ledger;
            s.spawn(move || {
                for i in 0..n / 8 + 1 {
                    ledger.append(viewing(t * 1000 + i)).expect("append");
                }
            });
        }
    });
    let len = ledger.len();
    assert!(len >= n);
    for from in [
        0,
        1,
        frame::INDEX_STRIDE - 1,
        frame::INDEX_STRIDE,
        frame::INDEX_STRIDE + 3,
        len - 1,
        len,
    ] {
        let seqs: Vec<u64> = ledger
            .iter(from)
            .expect("iter")
            .map(|e| e.expect("entry").seq)
            .collect();
        assert_eq!(seqs, (from..len).collect::<Vec<_>>(), "from {from}");
    }
    assert!(matches!(
        ledger.iter(len + 1),
        Err(LedgerError::NoSuchSeq { .. })
    ));
}

#[test]
fn eight_concurrent_writers_get_distinct_gapless_seqs_and_share_syncs() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = Ledger::open(dir.path()).expect("open");
    let mut seqs: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let ledger = &ledger;
                s.spawn(move || {
                    (0..50)
                        .map(|i| ledger.append(viewing(t * 100 + i)).expect("append").seq)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("writer"))
            .collect()
    });
    seqs.sort_unstable();
    assert_eq!(seqs, (0..400).collect::<Vec<_>>());
    let stats = ledger.stats();
    assert_eq!(stats.len, 400);
    assert!(stats.syncs >= 1 && stats.syncs <= 400);
    ledger.verify().expect("verify");
}

#[test]
fn a_correction_must_point_at_an_earlier_entry_and_give_a_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = ledger_with(dir.path(), 3);
    let before = log_len(dir.path());
    let refused = [
        (
            Draft::correction(3, "wrong film", None),
            DraftError::CorrectionOfUnknown {
                corrects: 3,
                len: 3,
            },
        ),
        (
            Draft::correction(99, "wrong film", None),
            DraftError::CorrectionOfUnknown {
                corrects: 99,
                len: 3,
            },
        ),
        (
            Draft::correction(1, "   ", None),
            DraftError::CorrectionWithoutReason,
        ),
        (
            Draft::new(EntryKind::Correction, None, json!({"reason": "x"})),
            DraftError::CorrectionWithoutSeq,
        ),
        (
            Draft::new(
                EntryKind::Correction,
                None,
                json!({"corrects": -1, "reason": "x"}),
            ),
            DraftError::CorrectionWithoutSeq,
        ),
    ];
    for (draft, want) in refused {
        match ledger.append(draft) {
            Err(LedgerError::Draft(got)) => assert_eq!(got, want),
            other => panic!("expected {want:?}, got {other:?}"),
        }
    }
    assert_eq!(log_len(dir.path()), before, "a refused draft wrote nothing");
    assert_eq!(ledger.len(), 3);
    let c = ledger
        .append(Draft::correction(
            1,
            "放错了片子（wrong film）",
            Some("station-七里村"),
        ))
        .expect("correction");
    assert_eq!((c.seq, c.kind), (3, EntryKind::Correction));
    assert_eq!(c.payload["corrects"], 1);
}

#[test]
fn invalid_drafts_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = ledger_with(dir.path(), 1);
    let before = log_len(dir.path());
    let big = "电".repeat(MAX_PAYLOAD_BYTES / 3 + 1);
    let refused = [
        Draft::new(EntryKind::Discussion, None, json!("just text")),
        Draft::new(EntryKind::Discussion, None, json!({"text": big})),
        Draft::new(EntryKind::Signin, Some(""), json!({})),
        Draft::new(EntryKind::Signin, Some("a\nb"), json!({})),
    ];
    for draft in refused {
        assert!(matches!(ledger.append(draft), Err(LedgerError::Draft(_))));
    }
    assert_eq!(log_len(dir.path()), before);
    assert_eq!(ledger.len(), 1);
}

#[test]
fn every_kind_is_accepted_and_named_in_snake_case() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = ledger_with(dir.path(), 1);
    for kind in EntryKind::ALL {
        let draft = match kind {
            EntryKind::Correction => Draft::correction(0, "typo", None),
            _ => Draft::new(kind, Some("s1"), json!({})),
        };
        let e = ledger.append(draft).expect("append");
        assert_eq!(
            serde_json::to_value(e.kind).expect("json"),
            json!(kind.as_str())
        );
    }
    let names: Vec<&str> = EntryKind::ALL.iter().map(|k| k.as_str()).collect();
    assert!(names.contains(&"info_report") && names.contains(&"production_delivered"));
    assert!(names.contains(&"photo"));
}

#[test]
fn a_second_process_cannot_open_the_ledger_for_appending_but_can_read_it() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = ledger_with(dir.path(), 2);
    assert!(matches!(
        Ledger::open(dir.path()),
        Err(LedgerError::InUse(_))
    ));
    let reader = Ledger::open_read_only(dir.path()).expect("read-only");
    assert_eq!(reader.len(), 2);
    assert!(matches!(
        reader.append(viewing(9)),
        Err(LedgerError::ReadOnly)
    ));
    assert_eq!(
        reader.checkpoint().expect("checkpoint"),
        ledger.checkpoint().expect("checkpoint")
    );
    drop(ledger);
    Ledger::open(dir.path()).expect("open after the first closed");
}

#[test]
fn a_read_only_open_of_an_empty_folder_is_an_empty_ledger_without_a_key() {
    let dir = tempfile::tempdir().expect("dir");
    let reader = Ledger::open_read_only(dir.path()).expect("read-only");
    assert!(reader.is_empty());
    assert!(reader.public_key().is_none());
    assert!(matches!(
        reader.checkpoint(),
        Err(LedgerError::Key(KeyError::Missing(_)))
    ));
}
