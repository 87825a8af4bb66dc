//! Checkpoints, keys and exports: every tampering case is found and located.

use std::os::unix::fs::PermissionsExt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use super::*;

fn named(dir: &Path, name: &str, n: u64) -> Ledger {
    let options = LedgerOptions {
        name: Some(name.into()),
        ..LedgerOptions::default()
    };
    let ledger = Ledger::open_with(dir, options).expect("open");
    for i in 0..n {
        ledger.append(viewing(i)).expect("append");
    }
    ledger
}

fn export_lines(ledger: &Ledger, from: u64) -> (Vec<String>, Checkpoint) {
    let mut out = Vec::new();
    let cp = ledger.export(from, &mut out).expect("export");
    let text = String::from_utf8(out).expect("utf-8");
    (text.lines().map(str::to_owned).collect(), cp)
}

fn check(lines: &[String], against: Option<&Checkpoint>) -> Result<ExportReport, ExportError> {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    verify_export(text.as_bytes(), against)
}

fn located(result: Result<ExportReport, ExportError>) -> (u64, u64, Tamper) {
    match result {
        Err(ExportError::Tampered { line, seq, problem }) => (line, seq, problem),
        other => panic!("expected a located tampering, got {other:?}"),
    }
}

#[test]
fn an_untouched_export_verifies_against_its_own_checkpoint() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = ledger_with(dir.path(), 10);
    let (lines, cp) = export_lines(&ledger, 0);
    assert_eq!(lines.len(), 10);
    let entry: Entry = serde_json::from_str(&lines[3]).expect("a line is an entry");
    assert_eq!(entry.seq, 3);
    let report = check(&lines, Some(&cp)).expect("verifies");
    assert_eq!(report.entries, 10);
    assert_eq!(report.first_seq, Some(0));
    assert_eq!(report.extends, Some(10));
    assert_eq!(report.head, Some(cp.root()));
}

#[test]
fn flipping_any_byte_of_a_line_is_located_at_that_line() {
    let dir = tempfile::tempdir().expect("dir");
    let (lines, cp) = export_lines(&ledger_with(dir.path(), 8), 0);
    let target = 4;
    let original = lines[target].clone().into_bytes();
    for i in 0..original.len() {
        for flip in [0x01u8, 0x20, 0x80] {
            let mut bytes = original.clone();
            bytes[i] ^= flip;
            let mut text = lines[..target].join("\n").into_bytes();
            text.push(b'\n');
            text.extend_from_slice(&bytes);
            text.push(b'\n');
            text.extend_from_slice(lines[target + 1..].join("\n").as_bytes());
            text.push(b'\n');
            let (line, seq, problem) = located(verify_export(text.as_slice(), Some(&cp)));
            assert_eq!((line, seq), (5, 4), "byte {i} ^ {flip:#x}: {problem}");
        }
    }
}

#[test]
fn a_removed_line_is_named_by_its_missing_seq() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut lines, cp) = export_lines(&ledger_with(dir.path(), 8), 0);
    lines.remove(5);
    let (line, seq, problem) = located(check(&lines, Some(&cp)));
    assert_eq!((line, seq), (6, 5));
    assert!(matches!(problem, Tamper::Missing { found: 6 }), "{problem}");
}

#[test]
fn two_swapped_lines_are_located_at_the_first() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut lines, cp) = export_lines(&ledger_with(dir.path(), 8), 0);
    lines.swap(2, 3);
    let (line, seq, problem) = located(check(&lines, Some(&cp)));
    assert_eq!((line, seq), (3, 2));
    assert!(matches!(problem, Tamper::Missing { found: 3 }), "{problem}");
}

#[test]
fn an_inserted_line_is_located_where_it_was_put() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = ledger_with(dir.path(), 8);
    let (lines, cp) = export_lines(&ledger, 0);
    // A copy of an earlier line.
    let mut copied = lines.clone();
    copied.insert(6, lines[1].clone());
    let (line, seq, problem) = located(check(&copied, Some(&cp)));
    assert_eq!((line, seq), (7, 6));
    assert!(
        matches!(problem, Tamper::Repeated { found: 1 }),
        "{problem}"
    );
    // A made-up line, correctly hashed and linked, claiming seq 6.
    let prev: Entry = serde_json::from_str(&lines[5]).expect("entry");
    let forged = Entry::seal(viewing(600), 6, prev.at.clone(), prev.hash);
    let mut forged_lines = lines.clone();
    forged_lines.insert(6, serde_json::to_string(&forged).expect("json"));
    let (line, seq, problem) = located(check(&forged_lines, None));
    assert_eq!((line, seq), (8, 6));
    assert!(matches!(problem, Tamper::Forked(6)), "{problem}");
    // Text that is no entry at all, or an empty line.
    for junk in ["{\"note\":\"补记\"}", ""] {
        let mut junked = lines.clone();
        junked.insert(3, junk.to_owned());
        let (line, seq, problem) = located(check(&junked, None));
        assert_eq!((line, seq), (4, 3));
        assert!(matches!(problem, Tamper::Unreadable(_)), "{problem}");
    }
}

#[test]
fn a_cut_tail_is_seen_only_against_a_longer_checkpoint() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut lines, cp) = export_lines(&ledger_with(dir.path(), 8), 0);
    lines.truncate(5);
    let report = check(&lines, None).expect("without a checkpoint it looks whole");
    assert_eq!(report.entries, 5);
    let err = check(&lines, Some(&cp)).expect_err("against the checkpoint");
    assert!(
        matches!(
            err,
            ExportError::TailCut {
                last: Some(4),
                size: 8
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("seq 4") && message.contains("tail was cut"),
        "{message}"
    );
    assert!(message.contains("longer checkpoint"), "{message}");
}

#[test]
fn a_consistently_rewritten_tail_is_caught_only_by_the_checkpoint() {
    let dir = tempfile::tempdir().expect("dir");
    let (lines, cp) = export_lines(&ledger_with(dir.path(), 8), 0);
    let mut entries: Vec<Entry> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    entries[3].payload["watched_s"] = json!(60);
    for i in 3..entries.len() {
        entries[i].prev_hash = entries[i - 1].hash;
        entries[i].hash = entries[i].computed_hash();
    }
    let rewritten: Vec<String> = entries
        .iter()
        .map(|e| serde_json::to_string(e).expect("json"))
        .collect();
    check(&rewritten, None).expect("a consistent chain");
    let err = check(&rewritten, Some(&cp)).expect_err("diverges");
    assert!(matches!(err, ExportError::Diverges { seq: 7 }), "{err:?}");
}

#[test]
fn a_later_export_proves_it_extends_an_earlier_checkpoint() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = ledger_with(dir.path(), 5);
    let early = ledger.checkpoint().expect("checkpoint");
    for i in 5..12 {
        ledger.append(viewing(i)).expect("append");
    }
    let (all, late) = export_lines(&ledger, 0);
    assert_eq!(late.size(), 12);
    assert_eq!(check(&all, Some(&early)).expect("extends").extends, Some(5));
    let (tail, _) = export_lines(&ledger, 5);
    let report = check(&tail, Some(&early)).expect("the part after the checkpoint extends it");
    assert_eq!((report.first_seq, report.extends), (Some(5), Some(5)));
    let (after, _) = export_lines(&ledger, 7);
    let err = check(&after, Some(&early)).expect_err("starts too late");
    assert!(
        matches!(
            err,
            ExportError::StartsAfterCheckpoint { size: 5, first: 7 }
        ),
        "{err:?}"
    );
    // The early part changed and everything after re-hashed: the early checkpoint sees it.
    let mut entries: Vec<Entry> = all
        .iter()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    entries[1].station = Some("station-别处".into());
    for i in 1..entries.len() {
        entries[i].prev_hash = entries[i - 1].hash;
        entries[i].hash = entries[i].computed_hash();
    }
    let forged: Vec<String> = entries
        .iter()
        .map(|e| serde_json::to_string(e).expect("json"))
        .collect();
    assert!(matches!(
        check(&forged, Some(&early)),
        Err(ExportError::Diverges { seq: 4 })
    ));
}

#[test]
fn the_checkpoint_is_a_c2sp_signed_note_over_size_and_last_hash() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = named(dir.path(), "七里 township+1", 3);
    let cp = ledger.checkpoint().expect("checkpoint");
    let last = ledger
        .iter(2)
        .expect("iter")
        .next()
        .expect("one")
        .expect("entry");
    let origin = "dianjiao-ledger/七里-township-1";
    let body = format!("{origin}\n3\n{}\n", B64.encode(last.hash.0));
    let note = cp.as_note();
    assert!(
        note.starts_with(&format!("{body}\n\u{2014} {origin} ")),
        "{note}"
    );
    assert!(note.ends_with('\n') && note.lines().count() == 5, "{note}");
    let sig = B64
        .decode(
            note.lines()
                .last()
                .expect("line")
                .rsplit(' ')
                .next()
                .expect("sig"),
        )
        .expect("b64");
    assert_eq!(sig.len(), 4 + 64);
    // Key id and signature, recomputed from the spec with the public key file.
    let vkey: VerifierKey = std::fs::read_to_string(dir.path().join(PUBLIC_KEY_FILE))
        .expect("pub file")
        .parse()
        .expect("verifier key");
    assert_eq!(Some(&vkey), ledger.public_key().as_ref());
    assert_eq!(vkey.name(), origin);
    let raw = B64
        .decode(vkey.to_string().splitn(3, '+').nth(2).expect("key"))
        .expect("b64");
    assert_eq!(raw[0], 0x01);
    let mut id_input = format!("{origin}\n").into_bytes();
    id_input.extend_from_slice(&raw);
    let id = <sha2::Sha256 as sha2::Digest>::digest(&id_input);
    assert_eq!(sig[..4], id[..4]);
    let pk =
        ed25519_dalek::VerifyingKey::from_bytes(&raw[1..].try_into().expect("32")).expect("pk");
    let signature = ed25519_dalek::Signature::from_bytes(&sig[4..].try_into().expect("64"));
    pk.verify_strict(body.as_bytes(), &signature)
        .expect("signature over the body");
    // Parsed back: the same checkpoint.
    let opened = Checkpoint::open(note, &vkey).expect("opens");
    assert_eq!(
        (opened.size(), opened.root(), opened.origin()),
        (3, last.hash, origin)
    );
}

#[test]
fn a_changed_or_foreign_checkpoint_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let other = tempfile::tempdir().expect("dir");
    let ledger = named(dir.path(), "a", 3);
    let stranger = named(other.path(), "b", 3);
    let key = ledger.public_key().expect("key");
    let note = ledger
        .checkpoint()
        .expect("checkpoint")
        .as_note()
        .to_owned();
    let bigger = note.replacen("\n3\n", "\n4\n", 1);
    assert!(matches!(
        Checkpoint::open(&bigger, &key),
        Err(CheckpointError::BadSignature { .. })
    ));
    let foreign = stranger.checkpoint().expect("checkpoint");
    assert!(matches!(
        Checkpoint::open(foreign.as_note(), &key),
        Err(CheckpointError::NotSignedBy { .. })
    ));
    assert!(matches!(
        Checkpoint::open("just text", &key),
        Err(CheckpointError::Malformed(_))
    ));
    let unsigned = note.split("\n\n").next().expect("body").to_owned() + "\n\n";
    assert!(Checkpoint::open(&unsigned, &key).is_err());
}

#[test]
fn the_private_key_file_is_mode_0600_and_survives_reopening() {
    let dir = tempfile::tempdir().expect("dir");
    let first = named(dir.path(), "first", 1);
    let key = first.public_key().expect("key");
    let mode = std::fs::metadata(dir.path().join(KEY_FILE))
        .expect("key file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(dir.path().join(KEY_FILE)).expect("key");
    assert!(
        text.starts_with("PRIVATE+KEY+dianjiao-ledger/first+"),
        "{text}"
    );
    drop(first);
    let again = named(dir.path(), "renamed", 0);
    assert_eq!(
        again.public_key(),
        Some(key),
        "the key and its name are kept"
    );
}

#[test]
fn an_empty_ledger_signs_size_zero_with_a_zero_root() {
    let dir = tempfile::tempdir().expect("dir");
    let ledger = named(dir.path(), "empty", 0);
    let (lines, cp) = export_lines(&ledger, 0);
    assert!(lines.is_empty());
    assert_eq!((cp.size(), cp.root()), (0, ChainHash::ZERO));
    assert_eq!(check(&[], Some(&cp)).expect("empty").extends, Some(0));
}
