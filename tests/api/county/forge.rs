//! A township's ledger rewritten after a push, as someone holding its signing key would do
//! it: every entry as before but one, every hash after it recomputed, each entry stamped
//! with its old time — a ledger that verifies on its own and signs good checkpoints.

use std::path::Path;
use std::sync::{Arc, Mutex};

use dianjiao::ledger::{
    Draft, Entry, Ledger, LedgerClock, LedgerOptions, KEY_FILE, PUBLIC_KEY_FILE,
};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Rewrites the ledger in `dir` (its server stopped), changing entry `seq`'s payload.
pub fn rewrite(dir: &Path, seq: u64) {
    let old: Vec<Entry> = Ledger::open_read_only(dir)
        .expect("the ledger opens")
        .iter(0)
        .expect("iter")
        .collect::<Result<_, _>>()
        .expect("entries");
    assert!(seq < old.len() as u64);
    let forged = dir.with_extension("forged");
    std::fs::create_dir_all(&forged).unwrap();
    drop(Ledger::open(&forged).expect("an empty ledger"));
    for name in [KEY_FILE, PUBLIC_KEY_FILE] {
        std::fs::copy(dir.join(name), forged.join(name)).expect("the township's key");
    }
    let at = Arc::new(Mutex::new(OffsetDateTime::now_utc()));
    let clock = at.clone();
    let options = LedgerOptions {
        clock: LedgerClock::scripted(move || *clock.lock().unwrap()),
        ..LedgerOptions::default()
    };
    let ledger = Ledger::open_with(&forged, options).expect("the forged ledger opens");
    for e in old {
        *at.lock().unwrap() = OffsetDateTime::parse(&e.at, &Rfc3339).expect("at");
        let mut payload = e.payload;
        if e.seq == seq {
            payload["note"] = "事后改过（rewritten after the push）".into();
        }
        let sealed = ledger
            .append(Draft::new(e.kind, e.station.as_deref(), payload))
            .expect("append");
        assert_eq!(sealed.at, e.at);
    }
    drop(ledger);
    std::fs::rename(dir, dir.with_extension("before")).unwrap();
    std::fs::rename(&forged, dir).unwrap();
}
