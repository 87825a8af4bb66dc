//! Upgrades keep the data: a data folder written by the previous release (the frozen
//! fixture `tests/fixtures/format1/`, made by its recorded recipe `make.py` with the binary
//! of commit 0541e4f) opens in this build with every record, and is marked with this
//! format; a folder from a newer release is refused in words, with exit code 1, and not one
//! byte or permission of it changes.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dianjiao::data_format::{self, FORMAT, FORMAT_FILE};
use dianjiao::doctor::Status;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::spawn_app_with;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format1")
}

fn expected() -> Value {
    let bytes = fs::read(fixture().join("expected.json")).expect("expected.json");
    serde_json::from_slice(&bytes).expect("json")
}

/// A copy of the fixture's data folder in `dir`, as a township's folder would be.
fn copy_of_fixture(dir: &Path) -> PathBuf {
    let from = fixture().join("data");
    let to = dir.join("data");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(&from).expect("inside"));
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("mkdir");
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
    to
}

/// Every entry of a folder: its path, kind, permissions and, for a file, its SHA-256.
fn fingerprint(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| {
            let entry = entry.expect("walk");
            let meta = entry.metadata().expect("meta");
            let hash = if meta.is_file() {
                hex::encode(Sha256::digest(fs::read(entry.path()).expect("read")))
            } else {
                String::new()
            };
            format!(
                "{} {:?} {:o} {hash}",
                entry.path().display(),
                meta.file_type(),
                meta.permissions().mode()
            )
        })
        .collect();
    out.sort();
    out
}

async fn get(client: &reqwest::Client, url: String) -> Value {
    let res = client.get(&url).send().await.expect("get");
    assert_eq!(res.status(), 200, "GET {url}");
    res.json().await.expect("json")
}

#[tokio::test]
async fn a_folder_from_the_previous_release_opens_with_its_records_and_is_marked() {
    let want = expected();
    let dir = tempfile::tempdir().expect("dir");
    let data = copy_of_fixture(dir.path());
    assert!(
        !data.join(FORMAT_FILE).exists(),
        "format 1 had no FORMAT.json"
    );
    assert_eq!(data_format::doctor_check(&data).status, Status::Warn);
    let folder = data.clone();
    let app = spawn_app_with(move |s| s.data = folder).await;

    let marked = data_format::read(&data).expect("read").expect("written");
    assert_eq!(marked.format, FORMAT);
    assert_eq!(data_format::doctor_check(&data).status, Status::Ok);
    let ledger = app.app.ledger.clone();
    let verified = tokio::task::spawn_blocking(move || ledger.verify())
        .await
        .expect("join")
        .expect("the ledger verifies");
    assert_eq!(Some(verified.len), want["ledger"]["len"].as_u64());
    assert_eq!(verified.head.to_string(), want["ledger"]["head"]);

    // The office account of the old release signs in, and so does its clerk.
    let office = app.client();
    for (client, account) in [(&office, &want["account"]), (&app.client(), &want["clerk"])] {
        let res = client
            .post(app.url("/api/v1/session"))
            .json(&json!({"name": account["name"], "password": account["password"]}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status(), 200, "{account}");
    }

    let stations = get(&office, app.url("/api/v1/stations")).await;
    for (id, station) in want["stations"].as_object().expect("stations") {
        let found = stations["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|s| s["id"] == id.as_str())
            .unwrap_or_else(|| panic!("station {id} is gone: {stations}"));
        assert_eq!(found["code"], station["code"]);
        let members = get(&office, app.url(&format!("/api/v1/stations/{id}/members"))).await;
        assert_eq!(members["total"], station["members"], "{members}");
    }

    let page = get(&office, app.url("/api/v1/ledger?limit=1000")).await;
    let entries = page["entries"].as_array().expect("entries");
    let plays: Vec<&Value> = entries
        .iter()
        .filter(|e| e["kind"] == "viewing")
        .map(|e| &e["payload"]["play_id"])
        .collect();
    assert_eq!(
        plays,
        want["viewings"]
            .as_array()
            .expect("viewings")
            .iter()
            .collect::<Vec<_>>()
    );
    let signins = entries.iter().filter(|e| e["kind"] == "signin").count();
    assert!(signins >= 2, "{signins} sign-ins");

    let year = want["year"].as_i64().expect("year");
    let monthly = get(
        &office,
        app.url(&format!("/api/v1/reports/monthly?year={year}")),
    )
    .await;
    for (station, months) in want["monthly"].as_object().expect("monthly") {
        let row = monthly["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["station"]["id"] == station.as_str())
            .unwrap_or_else(|| panic!("no row for {station}: {monthly}"));
        for (month, showings) in months.as_object().expect("months") {
            let cell = row["months"]
                .as_array()
                .expect("months")
                .iter()
                .find(|c| month.parse().ok() == c["month"].as_u64())
                .expect("the month");
            assert_eq!(&cell["showings"], showings, "{station} {month}: {cell}");
        }
    }

    for film in want["films"].as_array().expect("films") {
        let film = film.as_str().expect("id");
        get(&office, app.url(&format!("/api/v1/films/{film}"))).await;
    }
    let found = get(&office, app.url("/api/v1/films?q=dangzhang")).await;
    assert_eq!(found["total"], 1, "the old search index answers: {found}");
    // The upgrade step of format 2: the uploaded film shows the clerk's file name.
    let upload = &want["upload"];
    let film = get(
        &office,
        app.url(&format!(
            "/api/v1/films/{}",
            upload["film_id"].as_str().expect("id")
        )),
    )
    .await;
    assert_eq!(film["source_name"], upload["client_name"]);
}

/// Runs the binary on `data` with `args` (and `stdin`); returns (exit code, stderr).
fn run_on(data: &Path, args: &[&str], stdin: &str) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .env("DIANJIAO_LOG", "warn")
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    std::io::Write::write_all(&mut input, stdin.as_bytes()).expect("write");
    drop(input);
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_folder_from_a_newer_release_is_refused_in_words_and_left_as_it_was() {
    let dir = tempfile::tempdir().expect("dir");
    let data = copy_of_fixture(dir.path());
    let newer = json!({"format": FORMAT + 1, "written_by": "9.0.0"});
    fs::write(data.join(FORMAT_FILE), newer.to_string()).expect("write");
    let before = fingerprint(&data);
    let commands: [&[&str]; 3] = [
        &["serve", "--listen", "127.0.0.1:0"],
        &["user", "add", "--admin", "laowang", "--password-stdin"],
        &["ledger", "reindex"],
    ];
    for args in commands {
        let (code, stderr) = run_on(&data, args, "a long enough password\n");
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        for words in [
            "这个数据文件夹",
            "由较新版本（dianjiao 9.0.0，数据格式",
            "请使用该版本或更新的版本",
            "nothing in the folder was changed",
        ] {
            assert!(
                stderr.contains(words),
                "{args:?} did not say {words:?}: {stderr}"
            );
        }
        assert_eq!(fingerprint(&data), before, "{args:?} changed the folder");
    }
}
