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

#[test]
fn serve_with_piped_output_prints_lan_urls_with_the_port_and_no_colour_codes() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("0.0.0.0:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args(["serve", "--listen", &format!("0.0.0.0:{port}"), "--data"])
        .arg(dir.path())
        .env("DIANJIAO_LOG", "info")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The message ends with the accounts line; read standard output up to it.
    let mut stdout = BufReader::new(server.stdout.take().expect("stdout"));
    let mut out = String::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read") == 0 {
            break;
        }
        out.push_str(&line);
        if line.contains("账号") {
            break;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    let mut err = String::new();
    server
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert!(
        !out.contains('\x1b') && !err.contains('\x1b'),
        "{out}\n{err}"
    );
    assert!(
        err.contains("listening"),
        "the log still goes to stderr: {err}"
    );
    assert!(
        out.contains("还没有乡办公室账号") && out.contains("dianjiao user add --admin"),
        "{out}"
    );
    // Every URL printed names the port and a LAN (not loopback, not 0.0.0.0) address; a
    // machine with no LAN address says so instead.
    let urls: Vec<&str> = out
        .split_whitespace()
        .filter(|w| w.starts_with("http://"))
        .collect();
    if out.contains("没有找到局域网地址") {
        assert!(
            urls.iter().all(|u| u.starts_with("http://127.0.0.1:")),
            "{out}"
        );
    } else {
        assert!(urls.len() >= 2, "{out}");
        for url in &urls {
            let host = url
                .trim_start_matches("http://")
                .split('/')
                .next()
                .expect("host");
            let addr: std::net::SocketAddr = host.parse().expect("an address with a port");
            assert_eq!(addr.port(), port, "{out}");
            assert!(
                !addr.ip().is_loopback() && !addr.ip().is_unspecified(),
                "{out}"
            );
        }
        assert!(out.contains(&format!(":{port}/tv/")) && out.contains(&format!(":{port}/admin/")));
    }
    assert!(
        urls.iter().any(|u| u.ends_with(&format!(":{port}/admin/"))),
        "{out}"
    );
}
