//! The county's verification and request signatures on real ledgers in temporary folders.

use serde_json::json;

use super::auth::{message, Signed};
use super::{County, CountyError, Problem, TownshipState};
use crate::ledger::{Draft, EntryKind, Ledger, LedgerClock, LedgerOptions};

/// A ledger in `dir` whose clock stands still: two ledgers written alike are alike.
fn open(dir: &std::path::Path) -> Ledger {
    let clock = LedgerClock::scripted(|| time::macros::datetime!(2026-03-01 08:00 UTC));
    Ledger::open_with(
        dir,
        LedgerOptions {
            clock,
            ..LedgerOptions::default()
        },
    )
    .unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    county: County,
    ledger: Ledger,
    id: String,
}

fn entry(ledger: &Ledger, n: u64) {
    let draft = Draft::new(
        EntryKind::Feedback,
        Some("st_1"),
        json!({ "text": format!("反馈 {n}") }),
    );
    ledger.append(draft).expect("append");
}

/// A county with one confirmed township whose ledger holds `n` entries.
fn fixture(n: u64) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::Config::new().temporary(true).open().unwrap();
    let county = County::open(&db).unwrap();
    let ledger = open(&dir.path().join("ledger"));
    (0..n).for_each(|i| entry(&ledger, i));
    let key = ledger.public_key().unwrap();
    let t = county.register("测试镇", &key.to_string()).unwrap();
    assert_eq!(t.state, TownshipState::Unconfirmed);
    county.confirm(&t.id, &key.fingerprint()).unwrap();
    Fixture {
        id: t.id,
        _dir: dir,
        county,
        ledger,
    }
}

/// Entries `from..to` as JSON Lines, and the checkpoint of `to`.
fn export(ledger: &Ledger, from: u64, to: u64) -> (Vec<u8>, String) {
    let mut lines = Vec::new();
    for e in ledger.iter(from).unwrap().take((to - from) as usize) {
        serde_json::to_writer(&mut lines, &e.unwrap()).unwrap();
        lines.push(b'\n');
    }
    (
        lines,
        ledger.checkpoint_at(to).unwrap().as_note().to_owned(),
    )
}

#[test]
fn an_import_that_extends_is_merged_and_sending_it_again_adds_nothing() {
    let f = fixture(10);
    let (lines, cp) = export(&f.ledger, 0, 6);
    assert_eq!(f.county.import(&f.id, &lines, &cp).unwrap().added, 6);
    let (lines, cp) = export(&f.ledger, 6, 10);
    assert_eq!(
        f.county.import(&f.id, &lines, &cp).unwrap().verified_len,
        10
    );
    let (lines, cp) = export(&f.ledger, 0, 10);
    let again = f.county.import(&f.id, &lines, &cp).unwrap();
    assert_eq!((again.added, again.verified_len), (0, 10));
}

#[test]
fn a_batch_past_the_countys_end_is_a_gap_and_changes_nothing() {
    let f = fixture(10);
    let (lines, cp) = export(&f.ledger, 4, 10);
    let err = f.county.import(&f.id, &lines, &cp).unwrap_err();
    assert!(
        matches!(err, CountyError::Rejected(Problem::Gap { have: 0 })),
        "{err}"
    );
    assert_eq!(
        f.county.get(&f.id).unwrap().unwrap().state,
        TownshipState::Ok
    );
}

#[test]
fn a_history_that_differs_refuses_the_township_naming_the_seq_and_merges_nothing() {
    let f = fixture(8);
    let (lines, cp) = export(&f.ledger, 0, 8);
    f.county.import(&f.id, &lines, &cp).unwrap();
    // The same key, another history: entry 3 differs.
    let other = tempfile::tempdir().unwrap();
    drop(open(other.path()));
    for name in [crate::ledger::KEY_FILE, crate::ledger::PUBLIC_KEY_FILE] {
        let from = f._dir.path().join("ledger").join(name);
        std::fs::copy(from, other.path().join(name)).unwrap();
    }
    let forged = open(other.path());
    (0..12).for_each(|i| entry(&forged, if i == 3 { 99 } else { i }));
    let (lines, cp) = export(&forged, 0, 12);
    let err = f.county.import(&f.id, &lines, &cp).unwrap_err();
    let CountyError::Refused { refusal, .. } = err else {
        panic!("refused, not {err}");
    };
    assert_eq!(refusal.seq, 3);
    let t = f.county.get(&f.id).unwrap().unwrap();
    assert_eq!((t.state, t.verified_len), (TownshipState::Refused, 8));
    // Refused stays refused, even for entries that would extend.
    let (lines, cp) = export(&f.ledger, 8, 8);
    assert!(matches!(
        f.county.import(&f.id, &lines, &cp),
        Err(CountyError::Refused { .. })
    ));
}

#[test]
fn an_export_changed_on_the_way_is_rejected_without_refusing_the_township() {
    let f = fixture(5);
    let (lines, cp) = export(&f.ledger, 0, 5);
    let changed = String::from_utf8(lines)
        .unwrap()
        .replace("反馈 2", "反馈 X");
    let err = f.county.import(&f.id, changed.as_bytes(), &cp).unwrap_err();
    assert!(
        matches!(
            err,
            CountyError::Rejected(Problem::BadImport { seq: Some(2), .. })
        ),
        "{err}"
    );
    assert_eq!(
        f.county.get(&f.id).unwrap().unwrap().state,
        TownshipState::Ok
    );
}

#[test]
fn a_checkpoint_signed_by_another_key_is_not_taken() {
    let f = fixture(3);
    let stranger = tempfile::tempdir().unwrap();
    let other = open(stranger.path());
    (0..3).for_each(|i| entry(&other, i));
    let (lines, cp) = export(&other, 0, 3);
    let err = f.county.import(&f.id, &lines, &cp).unwrap_err();
    assert!(matches!(err, CountyError::Checkpoint(_)), "{err}");
}

#[test]
fn a_signed_request_is_taken_once_fresh_and_only_with_the_registered_key() {
    let f = fixture(1);
    let key = f.ledger.public_key().unwrap().to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let sign = |time: i64, nonce: &str, body: &[u8]| {
        let m = message("POST", "/api/v1/county/push", time, nonce, body);
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            f.ledger.sign_request(&m).unwrap(),
        )
    };
    let check = |time: i64, nonce: &str, sig: &str, body: &[u8]| {
        let t = time.to_string();
        let signed = Signed {
            key: &key,
            time: &t,
            nonce,
            signature: sig,
        };
        f.county
            .authenticate(&signed, ("POST", "/api/v1/county/push", body), 300)
    };
    let nonce = "00112233445566778899aabbccddeeff";
    let sig = sign(now, nonce, b"{}");
    assert_eq!(check(now, nonce, &sig, b"{}").unwrap().id, f.id);
    assert!(matches!(
        check(now, nonce, &sig, b"{}"),
        Err(CountyError::Replay(_))
    ));
    let other = "ffeeddccbbaa99887766554433221100";
    let sig = sign(now, other, b"{}");
    assert!(matches!(
        check(now, other, &sig, b"{\"x\":1}"),
        Err(CountyError::BadSignature(_))
    ));
    let old = now - 3600;
    let sig = sign(old, other, b"{}");
    assert!(matches!(
        check(old, other, &sig, b"{}"),
        Err(CountyError::Replay(_))
    ));
}
