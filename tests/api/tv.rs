//! The broadcaster's TV screen (`/tv/`): its home-screen API, and the UI itself in Debian's
//! Chromium driven by keys alone (`tests/browser/tv.mjs`, playwright-core): pairing, search
//! by pinyin initials, the film page, playback with a prompt cue, Back to stop, sign-in —
//! and an arrow-key walk of every screen at 1280×720 and 1920×1080; the busy-server screen
//! and throttled pairing. Screenshots: `target/test-output/screenshots/tv-*.png`. Needs `make web-deps`
//! and `chromium` (`deploy/bootstrap.sh`); `make test` provides both.

use std::path::{Path, PathBuf};

use dianjiao::accounts::Role;
use dianjiao::ledger::{EntryKind, LedgerClock};
use serde_json::{json, Value};

use crate::prepare::prepare_all;
use crate::support::clock::TestClock;
use crate::support::fixtures::vcd_dat;
use crate::support::node::run_node;
use crate::support::{spawn_app_on_clock, spawn_app_with, TestApp};

const FIRST: &str = "党章电视教材 第一集";
const NOTES: &str = "播前请组织党员学习党章总纲。";
const CUE: &str = "请注意：党的性质和宗旨";
/// Where the cue comes, seconds into the film.
const CUE_AT_S: f64 = 3.0;

/// The demo library's recipe in small: a series with prep notes and a prompt cue on its
/// first episode, a practical-technology film and a local production, all prepared.
async fn app_with_library() -> TestApp {
    app_with_library_on(LedgerClock::default()).await
}

/// [`app_with_library`] on `clock`.
async fn app_with_library_on(clock: LedgerClock) -> TestApp {
    let app = spawn_app_on_clock(clock, |s| s.play_min_secs = 5).await;
    let series = app.library.join("党章电视教材");
    std::fs::create_dir_all(&series).expect("dir");
    let toml = format!(
        "series = \"党章电视教材\"\ncategory = \"中央\"\nthemes = [\"党章\"]\nyear = 2005\n\
         summary = \"中组部音像教材：逐章讲解中国共产党章程。\"\n\n\
         [files.\"{FIRST}.mp4\"]\nprep_notes = \"{NOTES}\"\ncues = [{{ at_s = {CUE_AT_S:.1}, text = \"{CUE}\" }}]\n"
    );
    std::fs::write(series.join("catalog.toml"), toml).expect("catalog.toml");
    let tech = app.library.join("农村实用技术");
    std::fs::create_dir_all(&tech).expect("dir");
    let toml = "category = \"省\"\nthemes = [\"农村实用技术\"]\nyear = 2019\n";
    std::fs::write(tech.join("catalog.toml"), toml).expect("catalog.toml");
    let local = app.library.join("本地制作");
    std::fs::create_dir_all(&local).expect("dir");
    std::fs::write(
        local.join("catalog.toml"),
        "category = \"本地制作\"\nthemes = [\"基层组织建设\"]\nyear = 2026\n",
    )
    .expect("catalog.toml");
    for (rel, secs) in [
        (format!("党章电视教材/{FIRST}.mp4"), 12.0),
        ("党章电视教材/党章电视教材 第二集.mp4".to_owned(), 8.0),
        ("农村实用技术/肉牛养殖技术.mp4".to_owned(), 8.0),
        ("本地制作/2026年党建新闻.mp4".to_owned(), 8.0),
    ] {
        app.synth_clip(&rel, secs).await;
    }
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(&app).await, 4);
    app
}

/// A station with a roster of three; returns its id.
async fn station(app: &TestApp, admin: &reqwest::Client) -> String {
    let body = json!({"code": "QLC", "name": "七里村", "kind": "village"});
    let (status, st) = app.post_json(admin, "/api/v1/stations", body).await;
    assert_eq!(status, 201, "{st}");
    let id = st["id"].as_str().expect("id").to_owned();
    for (name, no) in [("王建国", "001"), ("李秀英", "002"), ("张卫东", "003")] {
        let path = format!("/api/v1/stations/{id}/members");
        let (status, m) = app
            .post_json(admin, &path, json!({"name": name, "member_no": no}))
            .await;
        assert_eq!(status, 201, "{m}");
    }
    id
}

async fn pairing_code(app: &TestApp, admin: &reqwest::Client, station: &str) -> String {
    let path = format!("/api/v1/stations/{station}/pairing-codes");
    let (status, code) = app.post_json(admin, &path, json!({})).await;
    assert_eq!(status, 201, "{code}");
    code["code"].as_str().expect("code").to_owned()
}

fn row<'a>(home: &'a Value, kind: &str) -> &'a Value {
    home["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} row: {home}"))
}

fn titles(row: &Value) -> Vec<&str> {
    let items = row["items"].as_array().expect("items");
    items
        .iter()
        .map(|f| f["title"].as_str().expect("title"))
        .collect()
}

#[tokio::test]
async fn the_home_screen_has_catalog_rows_and_a_paired_tv_its_resume_points_and_its_plan() {
    let clock = TestClock::now();
    let app = app_with_library_on(clock.ledger_clock()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let station = station(&app, &admin).await;

    let anonymous = app.get_json("/api/v1/tv/home").await;
    assert_eq!(anonymous["station"], Value::Null);
    for kind in ["continue", "required", "theme", "local"] {
        assert!(
            row(&anonymous, kind)["items"].is_array(),
            "{kind} row present"
        );
    }
    assert!(titles(row(&anonymous, "continue")).is_empty());
    assert_eq!(titles(row(&anonymous, "local")), ["2026年党建新闻"]);
    let series = row(&anonymous, "series");
    assert_eq!(series["name"], "党章电视教材");
    assert_eq!(titles(series), [FIRST, "党章电视教材 第二集"]);
    let first = &series["items"][0];
    assert_eq!(first["prep_notes"], NOTES);
    assert_eq!(first["cues"], json!([{"at_s": CUE_AT_S, "text": CUE}]));
    assert_eq!(first["state"], "ready");

    // A paired TV stops 第一集 at 6 s: its home screen offers to continue from there.
    let tv = app.client();
    let code = pairing_code(&app, &admin, &station).await;
    let (status, paired) = app
        .post_json(&tv, "/api/v1/devices/pair", json!({"code": code}))
        .await;
    assert_eq!(status, 200, "{paired}");
    let film = first["id"].as_str().expect("id");
    let (status, play) = app
        .post_json(&tv, "/api/v1/plays", json!({"film_id": film}))
        .await;
    assert_eq!(status, 201, "{play}");
    let end = format!(
        "/api/v1/plays/{}/end",
        play["play_id"].as_str().expect("id")
    );
    clock.pass(1.2);
    let (status, ended) = app.post_json(&tv, &end, json!({"position_s": 6.0})).await;
    assert_eq!(status, 200, "{ended}");
    let home = app.get_json_as(&tv, "/api/v1/tv/home").await;
    assert_eq!(home["station"]["id"], station);
    assert!(titles(row(&home, "required")).is_empty(), "no plan yet");
    let cont = row(&home, "continue");
    assert_eq!(titles(cont), [FIRST]);
    assert_eq!(cont["items"][0]["resume_s"], 6.0);
    assert_eq!(home["resume"][film], 6.0);
    // A browser that is not a TV has nothing to continue.
    assert!(titles(row(&app.get_json("/api/v1/tv/home").await, "continue")).is_empty());

    // The station's plan for this quarter: its films are "required", this month's theme is
    // the theme of this month's planned film.
    let today = app.app.days.today();
    let other_month = (today.quarter() - 1) * 3 + 1 + today.month() % 3;
    let beef = film_id(&anonymous, "肉牛养殖技术");
    let items = json!([
        {"month": today.month(), "film_id": beef},
        {"month": other_month, "film_id": film},
    ]);
    let plan = json!({"year": today.year(), "quarter": today.quarter(), "items": items});
    let path = format!("/api/v1/stations/{station}/plans");
    let (status, body) = app.post_json(&admin, &path, plan).await;
    assert_eq!(status, 201, "{body}");
    let home = app.get_json_as(&tv, "/api/v1/tv/home").await;
    let mut required = titles(row(&home, "required"));
    required.sort_unstable();
    assert_eq!(required, [FIRST, "肉牛养殖技术"]);
    assert_eq!(home["theme"], "农村实用技术");
    assert_eq!(titles(row(&home, "theme")), ["肉牛养殖技术"]);
}

/// The id of the film titled `title` in a home screen's rows.
fn film_id(home: &Value, title: &str) -> String {
    let rows = home["rows"].as_array().expect("rows");
    let film = rows
        .iter()
        .flat_map(|r| r["items"].as_array().expect("items"))
        .find(|f| f["title"] == title)
        .unwrap_or_else(|| panic!("{title} is on no row: {home}"));
    film["id"].as_str().expect("id").to_owned()
}

/// Runs `tv.mjs` with `job`; returns its JSON result line (panics with its output when the
/// run failed).
async fn run_tv_script(app: &TestApp, job: Value) -> Value {
    // Minutes of waiting on the browser.
    let run = run_node("tv.mjs", &app.base, job.to_string()).await;
    assert!(
        run.success && run.result["ok"] == true,
        "the TV UI run failed ({}): {}\n{}",
        run.status,
        run.result["error"],
        run.stderr
    );
    run.result
}

fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/screenshots")
}

#[tokio::test]
async fn with_keys_alone_a_tv_pairs_finds_plays_stops_and_signs_in_and_every_screen_is_walkable() {
    let app = app_with_library().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let station = station(&app, &admin).await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(pairing_code(&app, &admin, &station).await);
    }
    let job = json!({
        "codes": codes, "shots": screenshots(), "film": FIRST, "query": "dzds", "cue": CUE,
    });
    let result = run_tv_script(&app, job).await;
    let flow = &result["flow"];
    println!("{flow}");

    // Each letter narrowed or kept the results; `dzds` found the film.
    let counts = flow["results_per_letter"].as_array().expect("counts");
    assert_eq!(counts.len(), 4, "{flow}");
    assert_eq!(flow["wrong_code"], "配对码不对或已过期，请核对后重新输入。");
    assert_eq!(flow["found"], true);
    assert_eq!(flow["prep_notes"], NOTES);
    assert!(
        flow["played"]["current_time_s"].as_f64().expect("time") > 1.0,
        "{flow}"
    );
    assert_eq!(flow["cue"]["text"], CUE);
    let cue_at = flow["cue"]["at_s"].as_f64().expect("cue time");
    assert!(
        (CUE_AT_S..CUE_AT_S + 1.0).contains(&cue_at),
        "cue shown at {cue_at} s"
    );
    assert!(
        flow["paused_and_seeked"].is_object(),
        "OK paused and played, Left went back"
    );
    assert_eq!(flow["stop_asked"], true);
    assert_eq!(flow["count"], "已签到 2 人 / 名册共 3 人");

    // Every screen, both sizes: all reached, focus always on screen (tv.mjs checks; the
    // walks are listed here so a screen missing from them fails).
    for size in ["1280x720", "1920x1080"] {
        let walked: Vec<&str> = result["walks"][size]
            .as_array()
            .unwrap_or_else(|| panic!("no walk at {size}"))
            .iter()
            .map(|s| s["screen"].as_str().expect("screen"))
            .collect();
        let screens = [
            "pair", "home", "series", "film", "player", "after", "discuss", "search",
        ];
        assert_eq!(walked, screens, "{size}");
    }
    for name in ["home", "search", "film", "player-cue", "signin"] {
        let png = screenshots().join(format!("tv-{name}.png"));
        assert!(png.metadata().is_ok_and(|m| m.len() > 10_000), "{png:?}");
    }

    // The ledger: the showing as a `tv_ui` viewing of this station, and its two sign-ins —
    // although the network was down when it ended (the end report was retried).
    assert_eq!(flow["offline_during_stop"], true);
    let entries: Vec<_> = app
        .app
        .ledger
        .iter(0)
        .expect("iter")
        .map(|e| e.expect("entry"))
        .collect();
    let signins: Vec<_> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Signin)
        .collect();
    assert_eq!(signins.len(), 2, "two sign-ins");
    let play = &signins[0].payload["play_id"];
    assert_eq!(&signins[1].payload["play_id"], play);
    let viewing = entries
        .iter()
        .find(|e| e.kind == EntryKind::Viewing && &e.payload["play_id"] == play)
        .unwrap_or_else(|| panic!("no viewing entry for play {play}"));
    assert_eq!(viewing.payload["source"], "tv_ui");
    assert_eq!(viewing.payload["inferred"], false);
    assert_eq!(viewing.station.as_deref(), Some(station.as_str()));
}

#[tokio::test]
async fn a_busy_server_and_too_many_wrong_pairing_codes_show_when_to_come_back_not_an_error() {
    // No just-in-time transcode slot at all: an unprepared film that needs one is "busy".
    let app = spawn_app_with(|s| s.jit_max = 0).await;
    let vcd = vcd_dat(&app.library);
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films?per_page=10").await;
    let film = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|f| f["source_name"] == vcd.path.file_name().unwrap().to_string_lossy().as_ref())
        .unwrap_or_else(|| panic!("no VCD film in {list}"))["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let master = app
        .client()
        .get(app.url(&format!("/hls/{film}/master.m3u8")));
    assert_eq!(master.send().await.expect("get").status(), 503, "busy");
    let admin = app.signed_in("admin", Role::Admin).await;
    let station = station(&app, &admin).await;
    let code = pairing_code(&app, &admin, &station).await;
    let job = json!({"codes": [code], "shots": screenshots(), "busy_film": film});
    let result = run_tv_script(&app, job).await;
    let heading = result["busy"]["heading"].as_str().expect("heading");
    assert!(
        heading.starts_with("正在准备，约 ") && heading.ends_with(" 分钟"),
        "{heading}"
    );
    // Wrong pairing codes: "wrong" at first, then how long to wait.
    let said: Vec<&str> = result["throttle"]
        .as_array()
        .expect("throttle")
        .iter()
        .map(|t| t.as_str().expect("text"))
        .collect();
    assert_eq!(said[0], "配对码不对或已过期，请核对后重新输入。");
    let last = said.last().expect("said");
    assert!(
        last.starts_with("输错次数太多，请等 ") && last.ends_with(" 分钟后再试。"),
        "{said:?}"
    );
}
