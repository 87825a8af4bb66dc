//! The county sees every village (issue 18): three real township servers (`serve --demo`:
//! stations, rosters and a past year of showings written through the plays and entries
//! APIs) and one county server (`serve --county`), all processes on loopback.
//!
//! * Township 甲 pushes through a fault injector that cuts the connection mid-way: the
//!   county keeps the batches it verified and the next push resumes from exactly there.
//! * Township 乙 pushes on its schedule (every 2 s); its ledger is then rewritten (with its
//!   own key, every hash recomputed) and the county refuses it, naming the changed seq.
//! * Township 丙 reaches the county by file only (`ledger export` → `county import`, the
//!   county stopped and started again).
//!
//! Each township's matrix at the county equals its own `GET /api/v1/reports/monthly`.

mod forge;
mod procs;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use procs::{run, CuttingProxy, Proc};

/// The part of a matrix row both sides must agree on, by station id.
fn matrix_of(rows: &Value) -> BTreeMap<String, Value> {
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let id = r["station"]["id"].as_str().expect("station id").to_owned();
            let view = json!({
                "code": r["station"]["code"], "name": r["station"]["name"],
                "retired": r["station"]["retired"], "roster": r["roster"],
                "months": r["months"], "year": r["year"],
                "months_below_floor": r["months_below_floor"],
            });
            (id, view)
        })
        .collect()
}

/// The township `id` of the county's view of `year`.
async fn county_rows(county: &Proc, c: &reqwest::Client, year: i32, id: &str) -> Value {
    let view = county
        .get(c, &format!("/api/v1/county/monthly?year={year}"))
        .await;
    view["townships"]
        .as_array()
        .expect("townships")
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no township {id} in {view}"))
        .clone()
}

/// Asserts the county's matrix of township `id` equals the township's own, for `years`.
async fn assert_same_matrix(county: &Proc, c: &reqwest::Client, town: &Proc, id: &str) {
    let t = town.admin().await;
    let this_year = time::OffsetDateTime::now_utc().year();
    for year in [this_year - 1, this_year] {
        let own = town
            .get(&t, &format!("/api/v1/reports/monthly?year={year}"))
            .await;
        let at_county = county_rows(county, c, year, id).await;
        let (own, theirs) = (matrix_of(&own["rows"]), matrix_of(&at_county["rows"]));
        assert!(!own.is_empty(), "the demo township has stations");
        assert_eq!(
            own, theirs,
            "{year}: the county's matrix of {id} is the township's own"
        );
    }
}

/// The county's record of township `id`.
async fn township(county: &Proc, c: &reqwest::Client, id: &str) -> Value {
    let list = county.get(c, "/api/v1/county/townships").await;
    list["townships"]
        .as_array()
        .expect("townships")
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no township {id} in {list}"))
}

/// Registers a township's key at the county and confirms its fingerprint: its id.
async fn register(county: &Proc, c: &reqwest::Client, name: &str, key: &Value) -> String {
    let (status, t) = county
        .post(
            c,
            "/api/v1/county/townships",
            json!({"name": name, "key": key["key"]}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["state"], "unconfirmed");
    assert_eq!(
        t["fingerprint"], key["fingerprint"],
        "the county computes the same fingerprint"
    );
    let id = t["id"].as_str().unwrap().to_owned();
    let wrong = county
        .post(
            c,
            &format!("/api/v1/county/townships/{id}/confirm"),
            json!({"fingerprint": "SHA256:0000"}),
        )
        .await;
    assert_eq!(wrong.0, 422, "a wrong fingerprint is not confirmed");
    let path = format!("/api/v1/county/townships/{id}/confirm");
    let (status, t) = county
        .post(c, &path, json!({"fingerprint": key["fingerprint"]}))
        .await;
    assert_eq!((status, t["state"].as_str()), (200, Some("ok")), "{t}");
    id
}

/// Waits until `check` holds of township `id` at the county (the schedule's push).
async fn wait_for(
    county: &Proc,
    c: &reqwest::Client,
    id: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let t = township(county, c, id).await;
        if check(&t) {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "township {id} never got there: {t}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Ledger length of a township, through its own API.
async fn ledger_len(town: &Proc) -> u64 {
    let t = town.admin().await;
    town.get(&t, "/api/v1/ledger?limit=1").await["len"]
        .as_u64()
        .expect("len")
}

/// An 电教信息 item at the first station of a township: a new entry after a push.
async fn info_report(town: &Proc, text: &str) {
    let t = town.admin().await;
    let stations = town.get(&t, "/api/v1/stations").await;
    let list = stations
        .as_array()
        .or_else(|| stations["items"].as_array())
        .expect("stations");
    let id = list[0]["id"].as_str().expect("station id");
    let body = json!({"title": "电教信息", "text": text});
    let (status, answer) = town
        .post(&t, &format!("/api/v1/stations/{id}/info-reports"), body)
        .await;
    assert!((200..300).contains(&status), "{answer}");
}

/// The three townships' data folders and servers, and the county's.
struct County {
    dir: tempfile::TempDir,
    county: Proc,
    admin: reqwest::Client,
    proxy: CuttingProxy,
}

impl County {
    fn data(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_townships_reach_the_county_by_push_and_by_file_and_a_rewritten_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let county = Proc::start(&dir.path().join("county"), &["--county"], &[]).await;
    let admin = county.admin().await;
    let proxy = CuttingProxy::start(county.port, 40_000).await;
    let mut k = County {
        dir,
        county,
        admin,
        proxy,
    };
    let via_proxy = format!("http://127.0.0.1:{}", k.proxy.port);
    let small = ("DIANJIAO_COUNTY_PUSH_BATCH", "20".to_owned());
    let a = Proc::start(
        &k.data("a"),
        &["--demo"],
        &[("DIANJIAO_COUNTY_URL", via_proxy), small.clone()],
    )
    .await;
    let direct = k.county.base.clone();
    let schedule = ("DIANJIAO_COUNTY_PUSH_SECS", "2".to_owned());
    let mut b = Proc::start(
        &k.data("b"),
        &["--demo"],
        &[("DIANJIAO_COUNTY_URL", direct), small, schedule],
    )
    .await;
    let c = Proc::start(&k.data("c"), &["--demo"], &[]).await;
    let (ta, tb) = (a.admin().await, b.admin().await);
    // Registration: the key from the office API (甲, 乙) and from `ledger key` (丙).
    let key_a = a.get(&ta, "/api/v1/ledger/key").await;
    let key_b = b.get(&tb, "/api/v1/ledger/key").await;
    let (ok, out, err) = run(&["ledger", "key", "--data", k.data("c").to_str().unwrap()]);
    assert!(ok, "{err}");
    let mut lines = out.lines();
    let key_c = json!({"key": lines.next().unwrap(), "fingerprint": lines.next().unwrap().rsplit(' ').next().unwrap()});
    let before = a.post(&ta, "/api/v1/county/send", json!({})).await.1;
    assert_eq!(
        before["ok"], false,
        "nothing is taken from an unregistered township: {before}"
    );
    let id_a = register(&k.county, &k.admin, "甲镇", &key_a).await;
    let id_b = register(&k.county, &k.admin, "乙镇", &key_b).await;
    let id_c = register(&k.county, &k.admin, "丙镇", &key_c).await;
    push_cut_and_resumed(&k, &a, &id_a).await;
    let changed = scheduled_then_rewritten(&k, &mut b, &id_b).await;
    by_file(&mut k, &c, &id_c).await;
    dashboard(&k, &id_b, changed).await;
}

/// 甲: a push cut mid-way keeps what was verified; the next one resumes from there.
async fn push_cut_and_resumed(k: &County, a: &Proc, id: &str) {
    let (county, c, ta) = (&k.county, &k.admin, a.admin().await);
    let len_a = ledger_len(a).await;
    let broken = a.post(&ta, "/api/v1/county/send", json!({})).await.1;
    assert_eq!(broken["ok"], false, "the cut push fails: {broken}");
    assert!(
        k.proxy.cuts.load(Ordering::SeqCst) > 0,
        "the proxy cut the line"
    );
    let held = township(county, c, id).await["verified_len"]
        .as_u64()
        .unwrap();
    assert!(
        held > 0 && held < len_a,
        "some batches were verified before the cut: {held} of {len_a}"
    );
    k.proxy.armed.store(false, Ordering::SeqCst);
    let resumed = a.post(&ta, "/api/v1/county/send", json!({})).await.1;
    assert_eq!(resumed["ok"], true, "{resumed}");
    assert_eq!(
        resumed["from_seq"], held,
        "the push resumed where the county stopped"
    );
    assert_eq!(resumed["county_len"], len_a);
    info_report(a, "甲镇新的一条").await;
    let more = a.post(&ta, "/api/v1/county/send", json!({})).await.1;
    assert_eq!(
        (more["from_seq"].as_u64(), more["added"].as_u64()),
        (Some(len_a), Some(1)),
        "{more}"
    );
    assert_same_matrix(county, c, a, id).await;
}

/// 乙: on its schedule, then rewritten and refused with the seq named; returns that seq.
async fn scheduled_then_rewritten(k: &County, b: &mut Proc, id: &str) -> u64 {
    let (county, c) = (&k.county, &k.admin);
    let len_b = ledger_len(b).await;
    wait_for(county, c, id, |t| t["verified_len"] == len_b).await;
    assert_same_matrix(county, c, b, id).await;
    b.kill();
    let changed = len_b / 2;
    forge::rewrite(&k.data("b").join("ledger"), changed);
    b.restart().await;
    info_report(b, "改账以后的一条").await;
    let refused = wait_for(county, c, id, |t| t["state"] == "refused").await;
    assert_eq!(
        refused["refused_seq"], changed,
        "the first differing seq is named: {refused}"
    );
    assert!(refused["reason"]
        .as_str()
        .unwrap()
        .contains(&changed.to_string()));
    assert_eq!(
        refused["verified_len"], len_b,
        "nothing of the rewritten ledger was merged"
    );
    let tb = b.admin().await;
    let report = b.post(&tb, "/api/v1/county/send", json!({})).await.1;
    assert_eq!(
        (report["ok"].as_bool(), report["state"].as_str()),
        (Some(false), Some("refused"))
    );
    changed
}

/// `dianjiao ledger export --from FROM` of 丙 to `NAME.jsonl` (+ `.checkpoint`).
fn export(k: &County, from: u64, name: &str) -> std::path::PathBuf {
    let file = k.data(&format!("{name}.jsonl"));
    let cp = k.data(&format!("{name}.jsonl.checkpoint"));
    let data = k.data("c");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args([
            "ledger",
            "export",
            "--from",
            &from.to_string(),
            "--data",
            data.to_str().unwrap(),
            "--checkpoint",
        ])
        .arg(&cp)
        .output()
        .expect("export");
    assert!(out.status.success());
    std::fs::write(&file, out.stdout).unwrap();
    file
}

/// 丙: by file, the county stopped for the imports and started again; the second file from
/// where the first ended.
async fn by_file(k: &mut County, c_town: &Proc, id: &str) {
    let dc = k.data("county");
    let first = export(k, 0, "c1");
    k.county.kill();
    let (ok, out, err) = run(&[
        "county",
        "import",
        "--data",
        dc.to_str().unwrap(),
        first.to_str().unwrap(),
    ]);
    assert!(ok, "import: {out}{err}");
    let len_c = ledger_len(c_town).await;
    info_report(c_town, "丙镇第二份文件").await;
    let second = export(k, len_c, "c2");
    let (ok, out, err) = run(&[
        "county",
        "import",
        "--data",
        dc.to_str().unwrap(),
        second.to_str().unwrap(),
    ]);
    assert!(ok, "second import: {out}{err}");
    k.county.restart().await;
    k.admin = k.county.admin().await;
    let held = township(&k.county, &k.admin, id).await;
    assert_eq!(
        (held["verified_len"].as_u64(), held["state"].as_str()),
        (Some(len_c + 1), Some("ok")),
        "{held}"
    );
    assert_same_matrix(&k.county, &k.admin, c_town, id).await;
}

/// The county's dashboard: 乙 refused with its seq, the XLSX and the printable page.
async fn dashboard(k: &County, id_b: &str, changed: u64) {
    let (county, c) = (&k.county, &k.admin);
    let year = time::OffsetDateTime::now_utc().year() - 1;
    assert_eq!(county_rows(county, c, year, id_b).await["state"], "refused");
    let url = |fmt: &str| {
        format!(
            "{}/api/v1/county/monthly?year={year}&format={fmt}",
            county.base
        )
    };
    let res = c.get(url("xlsx")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.bytes().await.unwrap().starts_with(b"PK"),
        "an XLSX workbook"
    );
    let page = c
        .get(url("html"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("甲镇") && page.contains(&format!("第 {changed} 条")),
        "the printable page"
    );
}
