//! `dianjiao backup` while the real server runs under load, `dianjiao restore` into a fresh
//! folder, and a server started on the restored folder: every entry acknowledged before the
//! backup began is there, the chain verifies, stations, accounts and films (an uploaded one
//! and a library one) are there and play, and a second backup copies no unchanged file.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dianjiao::ledger::Ledger;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{fixtures, PASSWORD};

/// The `dianjiao` binary serving a data folder on a free loopback port.
pub(crate) struct Server {
    child: std::process::Child,
    pub base: String,
}

impl Server {
    pub fn start(data: &Path, library: Option<&Path>) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let mut cmd = dianjiao();
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(data)
            .env("DIANJIAO_DLNA", "off")
            .stderr(Stdio::null());
        if let Some(lib) = library {
            cmd.arg("--library").arg(lib);
        }
        Server {
            child: cmd.spawn().expect("server starts"),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A client signed in as `admin`, once the server answers.
    pub async fn admin(&self) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        for _ in 0..600 {
            let res = client
                .post(format!("{}/api/v1/session", self.base))
                .json(&json!({"name": "admin", "password": PASSWORD}))
                .send()
                .await;
            if let Ok(res) = res {
                assert_eq!(res.status(), 200, "admin signs in");
                return client;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server never answered");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Server {
    /// Killed also when an assertion fails, so no server outlives its test.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn dianjiao() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dianjiao"));
    c.env_remove("DIANJIAO_DATA").env("DIANJIAO_LOG", "warn");
    c
}

/// Runs the binary off the async threads.
pub(crate) async fn run(args: Vec<std::ffi::OsString>) -> Output {
    tokio::task::spawn_blocking(move || dianjiao().args(args).output().expect("runs"))
        .await
        .expect("join")
}

pub(crate) fn add_admin(data: &Path) {
    use std::io::Write;
    let mut child = dianjiao()
        .args(["user", "add", "--admin", "--password-stdin", "--data"])
        .arg(data)
        .arg("admin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{PASSWORD}").expect("write");
    drop(stdin);
    assert!(child.wait().expect("wait").success());
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
    let res = client.post(url).json(&body).send().await.expect("post");
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json().await.expect("json")
}

/// Uploads `file` through tus as a local production; returns the film's bytes.
async fn upload(server: &Server, admin: &reqwest::Client, file: &Path) -> Vec<u8> {
    let bytes = std::fs::read(file).expect("clip");
    let meta = crate::uploads::meta(&[("filename", "党建新闻.mp4"), ("title", "红旗镇党建新闻")]);
    let res = admin
        .post(server.url("/api/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", meta)
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    let at = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let res = admin
        .request(Method::PATCH, server.url(&at))
        .header("Tus-Resumable", "1.0.0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body(bytes.clone())
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), 204);
    bytes
}

/// Waits (at most 2 minutes) until the catalog lists `n` films; returns the list.
async fn films(server: &Server, admin: &reqwest::Client, n: u64) -> Vec<Value> {
    for _ in 0..1200 {
        let res = admin
            .get(server.url("/api/v1/films"))
            .send()
            .await
            .expect("films");
        let list: Value = res.json().await.expect("json");
        if list["total"] == n {
            let items = list["items"].as_array().expect("items").clone();
            // A scan records a film before it makes its poster, a file of the data folder.
            if posters_made(server, admin, &items).await {
                return items;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the catalog never reached {n} films with their posters");
}

/// Whether every film in `items` has its poster.
async fn posters_made(server: &Server, admin: &reqwest::Client, items: &[Value]) -> bool {
    for film in items {
        let id = film["id"].as_str().expect("id");
        let res = admin
            .get(server.url(&format!("/media/{id}/thumb.jpg")))
            .send()
            .await
            .expect("poster");
        if res.status() != 200 {
            return false;
        }
    }
    true
}

/// Feedback entries appended through HTTP: (seq, hash) of each acknowledged one.
async fn feedback(client: &reqwest::Client, url: &str, text: String) -> (u64, String) {
    let e = post(client, url.to_owned(), json!({ "text": text })).await;
    (
        e["seq"].as_u64().expect("seq"),
        e["hash"].as_str().expect("hash").to_owned(),
    )
}

fn entries(ledger_dir: &Path) -> Vec<(u64, String)> {
    let ledger = Ledger::open_read_only(ledger_dir).expect("ledger opens");
    ledger
        .iter(0)
        .expect("iter")
        .map(|e| e.expect("entry"))
        .map(|e| (e.seq, e.hash.to_string()))
        .collect()
}

pub(crate) fn manifest(backup: &Path) -> Value {
    let text = std::fs::read_to_string(backup.join("manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("json")
}

pub(crate) fn os(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<std::ffi::OsString> {
    args.iter().map(|a| a.as_ref().to_owned()).collect()
}

#[tokio::test]
async fn a_backup_under_load_restores_into_a_folder_that_verifies_and_serves() {
    let dir = tempfile::tempdir().expect("dir");
    let (data, library, backup, restored) = (
        dir.path().join("data"),
        dir.path().join("library"),
        dir.path().join("backup"),
        dir.path().join("restored"),
    );
    std::fs::create_dir_all(&library).expect("library");
    fixtures::clip(&library, "vcd-era.mpg");
    let clips = tempfile::tempdir().expect("clips");
    let clip = fixtures::clip(clips.path(), fixtures::CAMERA_MP4).path;
    add_admin(&data);
    let inside = run(os(&[
        &"backup",
        &"--data",
        &data,
        &"--to",
        &data.join("backup"),
    ]))
    .await;
    assert!(
        !inside.status.success(),
        "a backup inside the data folder is refused"
    );
    assert!(String::from_utf8_lossy(&inside.stderr).contains("不能互相包含"));
    let server = Server::start(&data, Some(&library));
    let admin = server.admin().await;
    let station = post(
        &admin,
        server.url("/api/v1/stations"),
        json!({"code": "ST01", "name": "红旗村", "kind": "village"}),
    )
    .await;
    let uploaded = upload(&server, &admin, &clip).await;
    films(&server, &admin, 2).await;
    let url = server.url(&format!(
        "/api/v1/stations/{}/feedback",
        station["id"].as_str().unwrap()
    ));
    let mut before = Vec::new();
    for i in 0..5 {
        before.push(feedback(&admin, &url, format!("放映前反馈{i}")).await);
    }

    // Four clients append while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(before));
    let load: Vec<_> = (0..4)
        .map(|c| {
            let (admin, url, stop, acked) =
                (admin.clone(), url.clone(), stop.clone(), acked.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let entry = feedback(&admin, &url, format!("客户{c}的反馈")).await;
                    acked.lock().expect("lock").push(entry);
                }
            })
        })
        .collect();
    while acked.lock().expect("lock").len() < 5 + 8 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Everything acknowledged up to here must be in the backup.
    let before = acked.lock().expect("lock").clone();
    let first = run(os(&[&"backup", &"--data", &data, &"--to", &backup])).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.expect("load task");
    }
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("snapshot from the running server"),
        "{stdout}"
    );
    let made = manifest(&backup);
    assert_eq!(made["from_server"], true);
    assert!(made["files"]["copied"].as_u64().unwrap() >= 1, "{made}");

    // A second run while the server still runs: the ledger grew, no file changed.
    let second = run(os(&[&"backup", &"--data", &data, &"--to", &backup])).await;
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let again = manifest(&backup);
    assert_eq!(again["files"]["copied"], 0, "{again}");
    assert_eq!(
        again["files"]["unchanged"], made["files"]["copied"],
        "{again}"
    );
    assert!(
        again["ledger_len"].as_u64() >= made["ledger_len"].as_u64(),
        "{again}"
    );
    server.stop();
    // With the server stopped, the backup opens the folder itself; nothing new to copy.
    let third = run(os(&[&"backup", &"--data", &data, &"--to", &backup])).await;
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    let again = manifest(&backup);
    assert_eq!(
        (
            again["from_server"].as_bool(),
            again["files"]["copied"].as_u64()
        ),
        (Some(false), Some(0)),
        "{again}"
    );

    let out = run(os(&[&"restore", &"--from", &backup, &"--data", &restored])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(os(&[&"ledger", &"verify", &"--data", &restored])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let live = entries(&data.join("ledger"));
    let back = entries(&restored.join("ledger"));
    assert_eq!(back.len() as u64, again["ledger_len"].as_u64().unwrap());
    assert_eq!(
        back[..],
        live[..back.len()],
        "the restored ledger is the live one's prefix"
    );
    for acked in &before {
        assert!(
            back.contains(acked),
            "entry {} acknowledged before the backup is missing",
            acked.0
        );
    }
    let out = run(os(&[&"restore", &"--from", &backup, &"--data", &restored])).await;
    assert!(!out.status.success(), "a non-empty folder is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是空文件夹"));

    let server = Server::start(&restored, None);
    let admin = server.admin().await;
    let res = admin
        .get(server.url("/api/v1/stations"))
        .send()
        .await
        .expect("stations");
    let stations: Value = res.json().await.expect("json");
    assert!(stations.to_string().contains("红旗村"), "{stations}");
    let films = films(&server, &admin, 2).await;
    let film = films
        .iter()
        .find(|f| f["title"] == "红旗镇党建新闻")
        .expect("the upload");
    let id = film["id"].as_str().expect("id");
    let res = admin
        .get(server.url(&format!("/media/{id}/original")))
        .send()
        .await
        .expect("original");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.bytes().await.expect("bytes").as_ref(),
        uploaded.as_slice()
    );
    let url = server.url(&format!(
        "/api/v1/stations/{}/feedback",
        station["id"].as_str().unwrap()
    ));
    let (seq, _) = feedback(&admin, &url, "恢复后的反馈".into()).await;
    assert_eq!(
        seq,
        back.len() as u64,
        "the restored ledger takes the next entry"
    );
    server.stop();
}
