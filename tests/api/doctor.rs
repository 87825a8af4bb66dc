//! `dianjiao doctor` on real data folders: a healthy one exits 0; a ledger entry changed on
//! disk, or a library folder the server cannot read, exits 1 naming it in plain words.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

use dianjiao::ledger::{Draft, EntryKind, Ledger};
use serde_json::json;

/// A private data folder whose ledger holds `n` discussion entries `第{i}次讨论`.
fn data_with_ledger(data: &Path, n: usize) {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data)
        .expect("data");
    let ledger = Ledger::open(&data.join("ledger")).expect("ledger");
    for i in 0..n {
        let draft = Draft::new(
            EntryKind::Discussion,
            Some("ST01"),
            json!({ "text": format!("第{i}次讨论") }),
        );
        ledger.append(draft).expect("appended");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

/// `dianjiao doctor --data DATA --library LIB…`, listening address on a free port.
fn doctor(wrapper: &[&str], data: &Path, libraries: &[&Path]) -> (Output, String) {
    let exe = env!("CARGO_BIN_EXE_dianjiao");
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.arg("doctor").arg("--data").arg(data);
    for lib in libraries {
        cmd.arg("--library").arg(lib);
    }
    let out = cmd
        .env("DIANJIAO_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env_remove("DIANJIAO_LIBRARY")
        .output()
        .expect("doctor runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, stdout)
}

#[test]
fn a_healthy_data_folder_passes_every_check() {
    let dir = tempfile::tempdir().expect("dir");
    let (data, lib) = (dir.path().join("data"), dir.path().join("films"));
    data_with_ledger(&data, 3);
    std::fs::create_dir_all(&lib).expect("lib");
    let (out, text) = doctor(&[], &data, &[&lib]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("[正常] 账本完好：3 条记录"), "{text}");
    assert!(text.contains("[正常] FFmpeg"), "{text}");
    assert!(text.contains("[正常] 系统时钟正常"), "{text}");
    assert!(text.contains("全部正常"), "{text}");
    assert!(!text.contains("[需处理]"), "{text}");
}

#[test]
fn a_changed_ledger_entry_needs_action_and_is_named() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    data_with_ledger(&data, 5);
    let log = data.join("ledger").join("ledger.log");
    let mut bytes = std::fs::read(&log).expect("log");
    let needle = "第2次讨论".as_bytes();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("entry 2's text");
    // 第2次 → 第7次: one character of entry 2 rewritten in place.
    bytes[at + "第".len()] = b'7';
    std::fs::write(&log, bytes).expect("write");
    let (out, text) = doctor(&[], &data, &[]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("[需处理] 账本第 2 条记录被改动或损坏"),
        "{text}"
    );
}

#[test]
fn an_unreadable_library_folder_needs_action_and_is_named() {
    let dir = tempfile::tempdir().expect("dir");
    let (data, lib) = (dir.path().join("data"), dir.path().join("村里的片子"));
    data_with_ledger(&data, 1);
    std::fs::create_dir_all(&lib).expect("lib");
    std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // Root reads any folder; without the two capabilities that allow it, the mode counts.
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let wrapper: &[&str] = if root {
        &[
            "setpriv",
            "--inh-caps=-dac_override,-dac_read_search",
            "--bounding-set=-dac_override,-dac_read_search",
            "--",
        ]
    } else {
        &[]
    };
    if root && Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!(
            "skipped: running as root without setpriv (util-linux), the folder stays readable"
        );
        return;
    }
    let (out, text) = doctor(wrapper, &data, &[&lib]);
    std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o700)).expect("chmod back");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let named = format!("[需处理] 片库文件夹无法读取：{}", lib.display());
    assert!(text.contains(&named), "{text}");
    assert!(text.contains("Permission denied"), "{text}");
}

#[tokio::test]
async fn the_office_dashboard_gets_the_same_checks_as_json() {
    let app = crate::support::spawn_app().await;
    let ledger = app.app.ledger.clone();
    tokio::task::spawn_blocking(move || {
        let draft = Draft::new(
            EntryKind::Discussion,
            Some("ST01"),
            json!({ "text": "讨论" }),
        );
        ledger.append(draft).expect("appended")
    })
    .await
    .expect("join");
    let admin = app
        .signed_in("admin", dianjiao::accounts::Role::Admin)
        .await;
    let res = admin
        .get(app.url("/api/v1/doctor"))
        .send()
        .await
        .expect("doctor");
    assert_eq!(res.status(), 200);
    let report: serde_json::Value = res.json().await.expect("json");
    let check = |id: &str| {
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id} check in {report}"))
            .clone()
    };
    assert_eq!(check("ledger")["status"], "ok", "{report}");
    assert!(check("ledger")["summary"]
        .as_str()
        .unwrap()
        .contains("1 条记录"));
    assert_eq!(check("ffmpeg_worker")["status"], "ok", "{report}");
    assert_eq!(check("listen")["status"], "ok", "{report}");
    assert_eq!(report["needs_action"], 0, "{report}");
}
