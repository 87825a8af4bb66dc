//! The command line: accounts from stdin (never argv) and `scan` with its summary.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

fn dianjiao() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dianjiao"));
    c.env("DIANJIAO_LOG", "warn");
    c
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_a_short_one() {
    let data = tempfile::tempdir().expect("dir");
    let add = |name: &str, password: &str| {
        let mut child = dianjiao()
            .args(["user", "add", "--admin", name, "--password-stdin", "--data"])
            .arg(data.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        writeln!(child.stdin.take().expect("stdin"), "{password}").expect("write");
        child.wait_with_output().expect("wait")
    };
    let ok = add("laowang", "a long enough password");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("laowang"));
    let short = add("laoli", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("too short"));
    let again = add("laowang", "a long enough password");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[tokio::test]
async fn an_account_made_on_the_command_line_can_sign_in() {
    let data = tempfile::tempdir().expect("dir");
    let mut child = dianjiao()
        .args([
            "user",
            "add",
            "--admin",
            "zhangsan",
            "--password-stdin",
            "--data",
        ])
        .arg(data.path())
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn");
    writeln!(child.stdin.take().expect("stdin"), "村村通电教 2026").expect("write");
    assert!(child.wait().expect("wait").success());
    let app = crate::support::spawn_app_with(|s| s.data = data.path().to_owned()).await;
    let res = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&json!({"name": "zhangsan", "password": "村村通电教 2026"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
}

#[test]
fn scan_prints_a_summary_and_a_second_scan_probes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let lib = dir.path().join("lib");
    std::fs::create_dir_all(&lib).expect("lib");
    std::fs::write(lib.join("空文件.mp4"), b"").expect("write");
    std::fs::write(lib.join("说明.avi"), "这不是视频".as_bytes()).expect("write");
    let scan = || {
        let out = dianjiao()
            .args(["scan", "--library"])
            .arg(&lib)
            .arg("--data")
            .arg(dir.path().join("data"))
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = scan();
    assert!(
        first.contains("2 files") && first.contains("2 rejected"),
        "{first}"
    );
    let second = scan();
    assert!(
        second.contains("0 probed") && second.contains("2 unchanged"),
        "{second}"
    );
}

#[test]
fn a_second_process_on_the_same_data_folder_is_told_clearly() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server = dianjiao()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = dianjiao()
        .args(["scan", "--library"])
        .arg(dir.path())
        .arg("--data")
        .arg(dir.path())
        .output()
        .expect("run");
    let _ = server.kill();
    let _ = server.wait();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in use by another dianjiao process"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
