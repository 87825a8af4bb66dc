//! `dianjiao ledger reindex`: rebuilds the report indexes from the log and checks them;
//! `--check` alone finds a key that went missing (exit 1, naming the tree and the key).

use serde_json::json;

/// Runs `dianjiao ledger reindex --data DIR` (+ `extra`); returns success and the output.
fn reindex(data: &std::path::Path, extra: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args(["ledger", "reindex", "--data"])
        .arg(data)
        .args(extra)
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn ledger_reindex_rebuilds_the_indexes_and_check_finds_a_missing_key() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let ledger = std::sync::Arc::new(
            dianjiao::ledger::Ledger::open(&dir.path().join("ledger")).expect("ledger"),
        );
        let db = sled::open(dir.path().join("db")).expect("db");
        for (i, date) in ["2025-01-03", "2025-02-04", "2025-02-05"]
            .iter()
            .enumerate()
        {
            let payload = json!({"text": format!("反馈{i}"), "showing_date": date, "entered_date": date, "late": false});
            ledger
                .append(dianjiao::ledger::Draft::new(
                    dianjiao::ledger::EntryKind::Feedback,
                    Some("st_a"),
                    payload,
                ))
                .expect("append");
        }
        let index = dianjiao::reports::Index::open(&db).expect("index");
        let days = dianjiao::records::Days::new(480);
        assert_eq!(index.catch_up(&ledger, &days).expect("catch up"), 3);
        let tree = db.open_tree("ledger_by_station").expect("tree");
        let (key, _) = tree.first().expect("read").expect("a key");
        tree.remove(key).expect("remove");
        db.flush().expect("flush");
    }
    let (ok, out) = reindex(dir.path(), &["--check"]);
    assert!(!ok, "a missing key must fail the check: {out}");
    assert!(
        out.contains("ledger_by_station: 缺少键") && out.contains("st_a"),
        "{out}"
    );
    let (ok, out) = reindex(dir.path(), &[]);
    assert!(ok, "{out}");
    assert!(out.contains("3 entries"), "{out}");
    assert!(
        out.contains("ledger_by_station") && out.contains("ledger_by_month"),
        "{out}"
    );
    let (ok, out) = reindex(dir.path(), &["--check"]);
    assert!(ok, "{out}");
}
