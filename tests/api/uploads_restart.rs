//! An acknowledged upload offset survives a killed server (SIGKILL): the real binary,
//! restarted on the same data folder, answers `HEAD` with it and takes the rest.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

/// The `dianjiao` binary serving `data` on a free port, with an admin account `admin`.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    fn start(data: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(data)
            .env("DIANJIAO_LOG", "warn")
            .env("DIANJIAO_DLNA", "off")
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("server starts");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Signs `admin` in (waiting for the server to listen); returns the cookie.
    async fn sign_in(&self) -> String {
        for _ in 0..300 {
            let res = reqwest::Client::new()
                .post(format!("{}/api/v1/session", self.base))
                .json(&json!({"name": "admin", "password": crate::support::PASSWORD}))
                .send()
                .await;
            if let Ok(res) = res {
                assert_eq!(res.status(), 200);
                let set = res.headers()["set-cookie"].to_str().unwrap();
                return set.split(';').next().unwrap().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server never answered");
    }

    fn request(&self, cookie: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, format!("{}{path}", self.base))
            .header("cookie", cookie)
            .header("Tus-Resumable", "1.0.0")
    }

    fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }
}

fn add_admin(data: &Path) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args(["user", "add", "--admin", "--password-stdin", "--data"])
        .arg(data)
        .arg("admin")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("user add");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", crate::support::PASSWORD).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[tokio::test]
async fn an_acknowledged_offset_survives_a_killed_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_admin(&data);
    let server = Server::start(&data);
    let admin = server.sign_in().await;
    let res = server
        .request(&admin, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", "5000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let at = res.headers()["location"].to_str().unwrap().to_owned();
    let res = server
        .request(&admin, Method::PATCH, &at)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body(vec![b'x'; 1000])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    server.kill();

    let server = Server::start(&data);
    let admin = server.sign_in().await;
    let head = server
        .request(&admin, Method::HEAD, &at)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["upload-offset"], "1000");
    assert_eq!(head.headers()["upload-length"], "5000");
    let res = server
        .request(&admin, Method::PATCH, &at)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "1000")
        .body(vec![b'y'; 4000])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["upload-offset"], "5000");
    server.kill();
}
