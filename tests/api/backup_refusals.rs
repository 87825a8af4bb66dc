//! What `backup` and `restore` refuse: a ledger that does not extend the last backup's
//! (started over, or rewritten) is not backed up over the last good copy, and a backup
//! whose copy of the log was changed is not restored.

use std::path::Path;

use dianjiao::ledger::Ledger;
use serde_json::json;

use crate::backup::{manifest, os, run};

/// A ledger of `texts.len()` discussion entries in `data`, made in this process.
fn ledger_of(data: &Path, texts: &[&str]) {
    let ledger = Ledger::open(&data.join("ledger")).expect("ledger");
    for text in texts {
        let draft = dianjiao::ledger::Draft::new(
            dianjiao::ledger::EntryKind::Discussion,
            Some("ST01"),
            json!({ "text": text }),
        );
        ledger.append(draft).expect("appended");
    }
}

#[tokio::test]
async fn a_ledger_that_does_not_extend_the_last_backup_or_a_changed_backup_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let (data, backup) = (dir.path().join("data"), dir.path().join("backup"));
    ledger_of(&data, &["一", "二", "三"]);
    let out = run(os(&[&"backup", &"--data", &data, &"--to", &backup])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(manifest(&backup)["ledger_len"], 3);

    // A ledger started over (another history, even a longer one) is not backed up over
    // the last good copy.
    std::fs::remove_dir_all(data.join("ledger")).expect("rm");
    ledger_of(&data, &["甲", "乙", "丙", "丁", "戊"]);
    let out = run(os(&[&"backup", &"--data", &data, &"--to", &backup])).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("没有接续上次备份") && stderr.contains("seq 2"),
        "{stderr}"
    );
    assert_eq!(
        manifest(&backup)["ledger_len"],
        3,
        "the last backup is kept"
    );

    // One changed byte in the backup's copy of the log: restore refuses it.
    let snap = manifest(&backup)["snapshot"]
        .as_str()
        .expect("snap")
        .to_owned();
    let log = backup.join(snap).join("ledger").join("ledger.log");
    let bytes = std::fs::read(&log).expect("log");
    let needle = "二".as_bytes();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("entry 1's text");
    let mut changed = bytes.clone();
    changed[at + 2] ^= 1;
    std::fs::write(&log, changed).expect("write");
    let restored = dir.path().join("restored");
    let out = run(os(&[&"restore", &"--from", &backup, &"--data", &restored])).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("账本第 1 条损坏"), "{stderr}");
}
