//! The ledger from the command line: a writer killed with `kill -9` at a random moment loses
//! no acknowledged entry, `ledger verify` names a tampered seq, and exports verify against
//! checkpoints (and fail, located, when changed).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use dianjiao::ledger::{Draft, EntryKind, Ledger};
use rand::Rng;
use serde_json::json;

fn dianjiao() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dianjiao"));
    c.env("DIANJIAO_LOG", "warn");
    c
}

fn ledger_cli(data: &Path, args: &[&str]) -> Output {
    dianjiao()
        .arg("ledger")
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("run dianjiao ledger")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn append_notes(data: &Path, from: u64, to: u64) {
    let ledger = Ledger::open(&data.join("ledger")).expect("open");
    for n in from..to {
        let payload = json!({"play_id": format!("p{n}"), "note": format!("note-{n:05}")});
        let draft = Draft::new(EntryKind::Viewing, Some("station-七里村"), payload);
        assert_eq!(ledger.append(draft).expect("append").seq, n);
    }
}

#[test]
fn a_writer_killed_at_random_twenty_times_loses_no_acknowledged_entry() {
    let data = tempfile::tempdir().expect("dir");
    let mut rng = rand::thread_rng();
    for round in 0..20 {
        let mut child = dianjiao()
            .args(["ledger", "stress", "--threads", "8", "--data"])
            .arg(data.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the writer");
        // Kill while it is appending: wait for its first acknowledgement, then a random time.
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut printed = String::new();
        stdout.read_line(&mut printed).expect("first line");
        assert!(
            printed.ends_with('\n'),
            "round {round}: the writer printed nothing"
        );
        let reader = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest);
            rest
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(50..=400)));
        child.kill().expect("kill -9");
        child.wait().expect("reap");
        printed.push_str(&reader.join().expect("reader"));
        // Only whole lines were acknowledged; a line cut by the kill is not counted.
        let complete = &printed[..printed.rfind('\n').map_or(0, |i| i + 1)];
        let acked: Vec<u64> = complete
            .lines()
            .map(|l| l.parse().expect("a seq per line"))
            .collect();
        let ledger = Ledger::open(&data.path().join("ledger")).expect("restart after kill -9");
        let len = ledger.len();
        for seq in &acked {
            assert!(
                *seq < len,
                "round {round}: acknowledged seq {seq} lost (ledger has {len})"
            );
        }
        // The open checked every frame and link; the last entry reads back.
        if len > 0 {
            let last = ledger.iter(len - 1).expect("iter").next().expect("last");
            assert_eq!(last.expect("entry").seq, len - 1, "round {round}");
        }
        drop(ledger);
        let verify = ledger_cli(data.path(), &["verify"]);
        assert!(
            verify.status.success(),
            "round {round}: {}",
            text(&verify.stderr)
        );
    }
}

#[test]
fn ledger_verify_exits_0_when_intact_and_1_naming_the_first_tampered_seq() {
    let data = tempfile::tempdir().expect("dir");
    append_notes(data.path(), 0, 10);
    let ok = ledger_cli(data.path(), &["verify"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("10 entries"),
        "{}",
        text(&ok.stdout)
    );
    let log = data.path().join("ledger").join("ledger.log");
    let mut bytes = std::fs::read(&log).expect("log");
    let at = bytes
        .windows(10)
        .position(|w| w == b"note-00004")
        .expect("entry 4 in the log");
    bytes[at + 9] = b'7';
    std::fs::write(&log, bytes).expect("tamper");
    let bad = ledger_cli(data.path(), &["verify"]);
    assert_eq!(bad.status.code(), Some(1));
    let message = text(&bad.stderr);
    assert!(message.contains("seq 4"), "{message}");
    assert!(message.contains("CRC"), "{message}");
}

#[test]
fn an_export_extends_an_earlier_checkpoint_and_a_changed_export_is_located() {
    let data = tempfile::tempdir().expect("dir");
    let dir = tempfile::tempdir().expect("dir");
    append_notes(data.path(), 0, 6);
    let early = ledger_cli(data.path(), &["checkpoint"]);
    assert!(early.status.success(), "{}", text(&early.stderr));
    let early_path = dir.path().join("early.checkpoint");
    std::fs::write(&early_path, &early.stdout).expect("write");
    assert!(text(&early.stdout).lines().nth(1) == Some("6"));
    append_notes(data.path(), 6, 10);
    let late_path = dir.path().join("late.checkpoint");
    let export = dianjiao()
        .args(["ledger", "export", "--checkpoint"])
        .arg(&late_path)
        .arg("--data")
        .arg(data.path())
        .output()
        .expect("export");
    assert!(export.status.success(), "{}", text(&export.stderr));
    let lines: Vec<String> = text(&export.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 10);
    let verify = |lines: &[String], against: &Path| {
        let file = dir.path().join("export.jsonl");
        let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&file, body).expect("write export");
        let file = file.to_str().expect("utf-8 path").to_owned();
        let against = against.to_str().expect("utf-8 path").to_owned();
        ledger_cli(
            data.path(),
            &["verify", "--file", &file, "--against", &against],
        )
    };
    for against in [&early_path, &late_path] {
        let ok = verify(&lines, against);
        assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
        assert!(text(&ok.stdout).contains("extends"), "{}", text(&ok.stdout));
    }
    let mut removed = lines.clone();
    removed.remove(2);
    let bad = verify(&removed, &early_path);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("seq 2"), "{}", text(&bad.stderr));
    let cut = &lines[..8];
    let bad = verify(cut, &late_path);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("tail was cut"),
        "{}",
        text(&bad.stderr)
    );
    let still = verify(cut, &early_path);
    assert_eq!(
        still.status.code(),
        Some(0),
        "a shorter export still extends the early checkpoint"
    );
}

#[test]
fn export_and_checkpoint_read_a_ledger_another_process_holds() {
    let data = tempfile::tempdir().expect("dir");
    append_notes(data.path(), 0, 3);
    let held = Ledger::open(&data.path().join("ledger")).expect("hold it, as the server does");
    let export = ledger_cli(data.path(), &["export", "--from", "1"]);
    assert!(export.status.success(), "{}", text(&export.stderr));
    assert_eq!(text(&export.stdout).lines().count(), 2);
    let checkpoint = text(&export.stderr);
    assert_eq!(checkpoint, held.checkpoint().expect("checkpoint").as_note());
    let verify = ledger_cli(data.path(), &["verify"]);
    assert!(verify.status.success(), "{}", text(&verify.stderr));
}
