//! `serve --demo` on a fresh data folder (the real binary, its own worker processes): the
//! office account `demo` with the password printed once, and a past year written through
//! the plays and entries APIs on a scripted clock — every entry marked `origin: demo`, the
//! ledger intact, the monthly matrix full but for one station's two missed months, the 季报,
//! the year view and the XLSX exports non-empty. A second start adds nothing.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The real server started with `--demo`, and what it printed on standard output.
struct DemoServer {
    child: Child,
    base: String,
    out: String,
}

impl DemoServer {
    /// Starts it on a free loopback port and reads its start-up message up to the demo
    /// account's line (and the demo year's, on a first start), then waits for `/healthz`.
    fn start(data: &Path) -> DemoServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = std::fs::File::create(data.with_extension("log")).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data")
            .arg(data)
            .env("DIANJIAO_LOG", "warn")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut out = String::new();
        while let Some(Ok(line)) = lines.next() {
            out.push_str(&line);
            out.push('\n');
            if line.starts_with("演示数据：已写入")
                || (line.starts_with("演示账号") && !line.contains("密码:"))
            {
                break;
            }
        }
        // Keep reading (and dropping) whatever else it prints, so the pipe never fills.
        std::thread::spawn(move || lines.for_each(drop));
        let server = DemoServer {
            child,
            base: format!("http://127.0.0.1:{port}"),
            out,
        };
        server.wait_healthy(data);
        server
    }

    fn wait_healthy(&self, data: &Path) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = format!("{}/healthz", self.base);
        while !block(async { reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) }) {
            let log = std::fs::read_to_string(data.with_extension("log")).unwrap_or_default();
            assert!(
                Instant::now() < deadline,
                "not healthy:\n{}\n{log}",
                self.out
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The password printed on this start, if one was.
    fn password(&self) -> Option<String> {
        let after = self.out.split("密码: ").nth(1)?;
        Some(after.split_whitespace().next()?.to_owned())
    }

    /// A client signed in as `demo`; the session's JSON.
    fn sign_in(&self, password: &str) -> (reqwest::Client, u16, Value) {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let url = format!("{}/api/v1/session", self.base);
        let body = json!({"name": "demo", "password": password});
        let (status, json) = block(async {
            let res = client.post(&url).json(&body).send().await.expect("post");
            (
                res.status().as_u16(),
                res.json().await.unwrap_or(Value::Null),
            )
        });
        (client, status, json)
    }

    fn get(&self, client: &reqwest::Client, path: &str) -> Value {
        let url = format!("{}{path}", self.base);
        block(async {
            let res = client.get(&url).send().await.expect("get");
            assert_eq!(res.status(), 200, "{path}");
            res.json().await.expect("json")
        })
    }

    fn bytes(&self, client: &reqwest::Client, path: &str) -> Vec<u8> {
        let url = format!("{}{path}", self.base);
        block(async {
            let res = client.get(&url).send().await.expect("get");
            assert_eq!(res.status(), 200, "{path}");
            res.bytes().await.expect("body").to_vec()
        })
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// The 12 whole months before this one (township time, UTC+8), oldest first.
fn last_twelve_months() -> Vec<(i32, usize)> {
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).expect("offset"))
        .date();
    let this = today.year() * 12 + i32::from(u8::from(today.month())) - 1;
    (this - 12..this)
        .map(|n| (n.div_euclid(12), n.rem_euclid(12) as usize + 1))
        .collect()
}

/// Every entry of the ledger (it holds fewer than 1,000).
fn ledger(server: &DemoServer, client: &reqwest::Client) -> Vec<Value> {
    let page = server.get(client, "/api/v1/ledger?limit=1000");
    page["entries"].as_array().expect("entries").clone()
}

#[test]
fn a_demo_start_writes_a_marked_year_the_reports_show_and_a_second_start_adds_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let server = DemoServer::start(&data);
    let password = server.password().expect("the password is printed");
    assert!(server.out.contains("演示账号: demo"), "{}", server.out);
    assert!(server.out.contains("演示数据：已写入"), "{}", server.out);
    let (client, status, session) = server.sign_in(&password);
    assert_eq!(status, 200, "{session}");
    assert_eq!(
        (session["role"].clone(), session["demo"].clone()),
        (json!("admin"), json!(true))
    );

    let entries = ledger(&server, &client);
    let kinds = |k: &str| entries.iter().filter(|e| e["kind"] == k).count();
    for kind in [
        "viewing",
        "signin",
        "discussion",
        "feedback",
        "plan",
        "info_report",
        "pastoral_session",
        "production_delivered",
        "correction",
    ] {
        assert!(kinds(kind) > 0, "no {kind} entry");
    }
    let unmarked: Vec<&Value> = entries
        .iter()
        .filter(|e| e["payload"]["origin"] != "demo")
        .collect();
    assert!(unmarked.is_empty(), "entries not marked demo: {unmarked:?}");
    for source in ["tv_ui", "dlna", "direct", "dlna_push"] {
        assert!(
            entries.iter().any(|e| e["payload"]["source"] == source),
            "no {source} showing"
        );
    }

    // The monthly matrix: every station shows in each of the 12 whole months before this
    // one, except one station that misses two of them (below the floor, so red).
    let months = last_twelve_months();
    let mut shown: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let years: std::collections::BTreeSet<i32> = months.iter().map(|(y, _)| *y).collect();
    for year in years {
        let m = server.get(&client, &format!("/api/v1/reports/monthly?year={year}"));
        for row in m["rows"].as_array().expect("rows") {
            let name = row["station"]["name"].as_str().expect("name").to_owned();
            for &(y, month) in months.iter().filter(|(y, _)| *y == year) {
                let cell = &row["months"][month - 1];
                let tally = shown.entry(name.clone()).or_default();
                if cell["showings"].as_u64() > Some(0) {
                    tally.0 += 1;
                } else {
                    assert_eq!(cell["below_floor"], true, "{name} {y}-{month}: {cell}");
                    tally.1 += 1;
                }
            }
        }
    }
    let tallies: Vec<(usize, usize)> = shown.values().copied().collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert_eq!(
        tallies.iter().filter(|t| **t == (12, 0)).count(),
        2,
        "{shown:?}"
    );
    assert_eq!(
        tallies.iter().filter(|t| **t == (10, 2)).count(),
        1,
        "{shown:?}"
    );

    // The 季报 of a whole quarter, the year view with both productions, the XLSX exports.
    let stations = server.get(&client, "/api/v1/stations");
    let qlc = stations["items"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["code"] == "QLC"))
        .and_then(|s| s["id"].as_str())
        .expect("七里村")
        .to_owned();
    let (y, m) = months[6];
    let q = server.get(
        &client,
        &format!(
            "/api/v1/reports/quarterly?station={qlc}&year={y}&quarter={}",
            (m - 1) / 3 + 1
        ),
    );
    assert!(q["total_showings"].as_u64() > Some(0), "{q}");
    assert!(q["total_attendances"].as_u64() > Some(0), "{q}");
    assert!(q["plan"].is_object(), "{q}");
    let (y, _) = months[10];
    let v = server.get(&client, &format!("/api/v1/reports/yearly?year={y}"));
    assert!(
        v["stations"]
            .as_array()
            .is_some_and(|s| s.iter().all(|s| s["showings"].as_u64() > Some(0))),
        "{v}"
    );
    assert!(v["productions"][0]["party_news"].is_object(), "{v}");
    for path in [
        format!("/api/v1/reports/monthly?year={y}&format=xlsx"),
        format!("/api/v1/reports/yearly?year={y}&format=xlsx"),
        format!(
            "/api/v1/reports/registers/all?station={qlc}&from={y}-01-01&to={y}-12-31&format=xlsx"
        ),
    ] {
        let book = server.bytes(&client, &path);
        assert!(
            book.starts_with(b"PK") && book.len() > 4000,
            "{path}: {} bytes",
            book.len()
        );
    }
    let written = entries.len();
    server.stop();

    let verified = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args(["ledger", "verify", "--data"])
        .arg(&data)
        .output()
        .expect("verify");
    assert!(verified.status.success(), "{verified:?}");

    // A second start: nothing new, no new password; the first one still signs in.
    let again = DemoServer::start(&data);
    assert_eq!(again.password(), None, "{}", again.out);
    assert!(again.out.contains("演示账号: demo"), "{}", again.out);
    let (client, status, _) = again.sign_in(&password);
    assert_eq!(status, 200);
    assert_eq!(ledger(&again, &client).len(), written);
    let stations = again.get(&client, "/api/v1/stations");
    assert_eq!(stations["total"], 3);
    again.stop();
}
