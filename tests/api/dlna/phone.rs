//! The broadcaster's phone page (`/m/`): served like the TV page; and in Debian's Chromium
//! with a phone's viewport and touch (`tests/browser/phone.mjs`), run inside the server's
//! network namespace against the real `dianjiao serve --demo`, with Debian's `gmediarender`
//! as the TV in its own: pair, find a film by pinyin initials, read its 播前备课, push it, see
//! each cue at its time, pause, stop, sign in two members, write the discussion, attach a
//! generated JPEG, done — and the registers and the ledger show all of it. Screenshots:
//! `target/test-output/screenshots/phone-*.png`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::netns::{Lan, Netns, Renderer, ADMIN, HTTP_PORT};
use super::push::{first_episode, office, push_server, renderers_of, TV_NAME};
use crate::support::node::run_node_with;
use crate::support::spawn_app;

const FILM: &str = "党章电视教材 第一集";
const NOTES: &str = "播前请组织党员学习党章总纲。";
/// The demo film's own cue, and one more given to it by the office for this test.
const CUES: [(f64, &str); 2] = [
    (3.0, "请注意：党的性质和宗旨"),
    (6.0, "请大家想一想：我们村的党员怎样发挥先锋模范作用？"),
];
const DISCUSSION: &str = "大家表示要带头学党章";

#[tokio::test]
async fn the_phone_page_is_served_at_m_with_the_tv_page_s_policy() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let get = |path: &str| client.get(app.url(path)).send();
    let res = get("/m").await.expect("GET /m");
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/m/");
    let tv = get("/tv/").await.expect("GET /tv/");
    let page = get("/m/?code=123456").await.expect("GET /m/");
    assert_eq!(page.status(), 200);
    let csp = "content-security-policy";
    assert_eq!(page.headers()[csp], tv.headers()[csp]);
    assert!(page.headers()[csp]
        .to_str()
        .is_ok_and(|p| p.contains("script-src 'self'") && p.contains("connect-src 'self'")));
    let html = page.text().await.expect("body");
    assert!(html.contains("js/app.js"), "{html}");
    let script = get("/m/js/playing.js").await.expect("GET a script");
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"]
        .to_str()
        .is_ok_and(|t| t.contains("javascript")));
    // Hidden files stay hidden (the path rules are `pages::resolve`'s, unit-tested there).
    let hidden = get("/m/.hidden").await.expect("GET");
    assert_eq!(hidden.status(), 404);
}

/// The office's `method path body` answer, which must have `status`.
fn office_ok(ns: &Netns, status: u64, method: &str, path: &str, body: &Value) -> Value {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let (got, answer) = office(ns, method, path, &body);
    assert_eq!(got, status, "{method} {path}: {answer}");
    answer
}

/// The demo station with `code` (七里村 has five members).
fn demo_station(ns: &Netns, code: &str) -> String {
    let all = office_ok(ns, 200, "GET", "/api/v1/stations", &Value::Null);
    let found = all["items"].as_array().and_then(|items| {
        items
            .iter()
            .find(|s| s["code"] == code)
            .and_then(|s| s["id"].as_str())
    });
    found.expect("the demo station").to_owned()
}

/// A photo of the room: one frame of `testsrc` as a JPEG, by the ffmpeg CLI.
fn room_photo(dir: &Path) -> PathBuf {
    let path = dir.join("room.jpg");
    let out = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc=size=640x480:rate=1", "-frames:v", "1"])
        .arg(&path)
        .output()
        .expect("the ffmpeg CLI is installed (see TOOLCHAIN.md)");
    assert!(out.status.success(), "ffmpeg: {out:?}");
    path
}

/// A photo as a phone camera makes it: 4000×3000 of noise as a PNG, larger than the server
/// takes (`photo_max_bytes`), so the page must redraw it smaller before it is sent.
fn camera_photo(dir: &Path) -> PathBuf {
    let path = dir.join("camera.png");
    let out = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc2=size=4000x3000:rate=1", "-frames:v", "1"])
        .args(["-vf", "noise=alls=60:allf=u"])
        .arg(&path)
        .output()
        .expect("the ffmpeg CLI is installed (see TOOLCHAIN.md)");
    assert!(out.status.success(), "ffmpeg: {out:?}");
    let bytes = std::fs::metadata(&path).expect("camera photo").len();
    let limit = dianjiao::config::Settings::default().photo_max_bytes;
    assert!(
        bytes > limit,
        "the camera photo ({bytes} B) must exceed {limit} B"
    );
    path
}

fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/screenshots")
}

/// The office's side before the broadcaster starts: the TV's address registered to the
/// station, the film's cues, this quarter's plan, a pairing code. Returns the job for
/// `phone.mjs`.
fn prepare(ns: &Netns, station: &str, film: &str, dir: &Path) -> Value {
    let addresses = format!("/api/v1/stations/{station}/addresses");
    office_ok(ns, 201, "POST", &addresses, &json!({"address": Lan::TV_IP}));
    let cues: Vec<Value> = CUES
        .iter()
        .map(|(at, text)| json!({"at_s": at, "text": text}))
        .collect();
    let path = format!("/api/v1/films/{film}");
    office_ok(ns, 200, "PATCH", &path, &json!({ "cues": cues }));
    let days =
        dianjiao::records::Days::new(dianjiao::config::Settings::default().utc_offset_minutes);
    let today = days.today();
    let plan = json!({"year": today.year(), "quarter": today.quarter(),
                      "items": [{"month": today.month(), "film_id": film}]});
    let plans = format!("/api/v1/stations/{station}/plans");
    office_ok(ns, 201, "POST", &plans, &plan);
    let codes = format!("/api/v1/stations/{station}/pairing-codes");
    let code = office_ok(ns, 201, "POST", &codes, &Value::Null)["code"].clone();
    let roster = office_ok(
        ns,
        200,
        "GET",
        &format!("/api/v1/stations/{station}/members"),
        &Value::Null,
    );
    let names: Vec<Value> = roster["items"].as_array().expect("members")[1..3]
        .iter()
        .map(|m| m["name"].clone())
        .collect();
    json!({
        "code": code, "query": "dzdsjc", "film": FILM, "cues": cues, "members": names,
        "discussion": DISCUSSION, "photo": room_photo(dir), "big_photo": camera_photo(dir),
        "shots": screenshots(),
    })
}

/// What the phone did, as `phone.mjs` saw it: every step, each cue at (not before) its time.
fn check_phone(result: &Value, job: &Value, wrong_code: &Value) {
    assert_eq!(result["ok"], true, "steps: {}\n{result}", result["steps"]);
    assert_eq!(
        &result["wrong_code"], wrong_code,
        "the server's sentence, as it said it"
    );
    assert_eq!(
        result["prefilled"], job["code"],
        "the QR code's ?code= fills the field"
    );
    assert!(!result["url_after_pairing"]
        .as_str()
        .unwrap_or("?code=")
        .contains("code="));
    assert_eq!(result["station"], "七里村");
    assert_eq!(
        result["device"]["kind"], "phone",
        "paired as a phone: {}",
        result["device"]
    );
    assert!(
        result["found"]
            .as_array()
            .is_some_and(|f| f.contains(&json!(FILM))),
        "{result}"
    );
    assert_eq!(result["prep_notes"], NOTES);
    assert_eq!(result["tvs"], json!([TV_NAME]));
    let shown = result["cues_shown"].as_array().expect("cues_shown");
    assert_eq!(shown.len(), CUES.len(), "{result}");
    for (i, ((at, text), seen)) in CUES.iter().zip(shown).enumerate() {
        assert_eq!(
            (seen["index"].as_u64(), seen["text"].as_str()),
            (Some(i as u64), Some(*text))
        );
        let when = seen["shown_at_s"].as_f64().expect("shown_at_s");
        assert!(when >= *at, "cue {i} (at {at} s) shown at {when} s: {seen}");
        assert_eq!(seen["visible"], true);
    }
    assert_eq!(result["pause_label"], "继续", "paused, the button resumes");
    let why = result["after_why"].as_str().unwrap_or_default();
    assert!(
        why.starts_with("放映已停止") && why.contains("本次放映记入台账 0:"),
        "the server's sentence for a stop, and the time credited: {why}"
    );
    assert_eq!(result["signed"], job["members"]);
    assert_eq!(result["count"], "已选 2 人 / 名册共 5 人");
    assert_eq!(result["photo_status"], "照片已保存（共 1 张）。");
    assert_eq!(result["big_photo_status"], "照片已保存（共 2 张）。");
    let saved = result["saved"].as_str().expect("saved");
    for part in ["签到 2 人", "讨论 1 条", "照片 2 张"] {
        assert!(saved.contains(part), "{saved}");
    }
    assert_eq!(result["page_errors"], json!([]), "{result}");
}

/// The office's registers and ledger hold the showing: one `dlna_push` viewing of the play,
/// the two sign-ins, the discussion and the photo's SHA-256.
fn check_registers(ns: &Netns, station: &str, result: &Value, photo: &Path) {
    let play = result["play_id"].as_str().expect("play_id");
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let viewings = ns.peer(&["admin-viewings", &base, ADMIN.0, ADMIN.1]);
    let viewings = viewings[0].as_array().expect("viewings");
    assert_eq!(viewings.len(), 1, "{viewings:?}");
    let v = &viewings[0];
    assert_eq!(
        (
            v["payload"]["play_id"].as_str(),
            v["payload"]["source"].as_str(),
            v["station"].as_str()
        ),
        (Some(play), Some("dlna_push"), Some(station)),
        "{v}"
    );
    let today =
        dianjiao::records::Days::new(dianjiao::config::Settings::default().utc_offset_minutes)
            .today();
    let path = format!("/api/v1/reports/registers/all?station={station}&from={today}&to={today}");
    let registers = office_ok(ns, 200, "GET", &path, &Value::Null);
    let rows = |kind: &str| -> Vec<Value> {
        let all = registers["registers"].as_array().expect("registers");
        let r = all
            .iter()
            .find(|r| r["register"] == kind)
            .expect("register");
        r["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| row["values"].clone())
            .collect()
    };
    let digest = hex(&Sha256::digest(std::fs::read(photo).expect("photo")));
    let viewing = rows("viewing");
    assert_eq!(viewing.len(), 1, "{viewing:?}");
    let v = &viewing[0];
    assert_eq!(
        (&v["film_title"], &v["attendees"]),
        (&json!(FILM), &json!(2)),
        "{v}"
    );
    assert_eq!(v["photo"], "有照片（2 张）", "{v}");
    assert_eq!(v["photos"][0], json!(digest), "{v}");
    assert_eq!(v["photos"].as_array().map(Vec::len), Some(2), "{v}");
    let names: Vec<Value> = rows("signin")
        .iter()
        .map(|r| r["member_name"].clone())
        .collect();
    assert_eq!(json!(names), result["signed"], "{registers}");
    let discussion = rows("discussion");
    assert_eq!(discussion.len(), 1, "{discussion:?}");
    assert_eq!(discussion[0]["text"], result["discussion"]);
    // The photo: its SHA-256 in a ledger entry of this play.
    let ledger = office_ok(ns, 200, "GET", "/api/v1/ledger?limit=1000", &Value::Null);
    let with_photo = ledger["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| {
            let text = e.to_string();
            text.contains(play) && text.contains(&digest)
        });
    assert!(
        with_photo.is_some(),
        "no ledger entry of {play} holds the photo's {digest}: {ledger}"
    );
    // The camera photo arrived redrawn: a JPEG of at most 1920 px on its long side, 4:3.
    let camera = ledger["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["payload"])
        .find(|p| p["play_id"] == play && p["sha256"].is_string() && p["sha256"] != digest.as_str())
        .unwrap_or_else(|| panic!("no second photo entry of {play}: {ledger}"));
    assert_eq!(camera["content_type"], "image/jpeg", "{camera}");
    assert_eq!(
        (camera["width"].as_u64(), camera["height"].as_u64()),
        (Some(1920), Some(1440)),
        "{camera}"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn on_a_phone_the_broadcaster_pairs_pushes_a_film_reads_its_cues_and_records_the_showing() {
    let test = "phone-page";
    let Some(lan) = Lan::new(test) else { return };
    let Some(tv) = Renderer::start(&lan.tv, "lan0", TV_NAME, test) else {
        return;
    };
    let server = push_server(&lan.server);
    let station = demo_station(&lan.server, "QLC");
    let film = first_episode(&lan.server);
    let dir = tempfile::tempdir().expect("temp dir");
    let job = prepare(&lan.server, &station, &film, dir.path());
    renderers_of(&lan.server, &station, &server, &tv);
    let wrong = office(
        &lan.server,
        "POST",
        "/api/v1/devices/pair",
        r#"{"code":"000000"}"#,
    )
    .1;

    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    let run = run_node_with(
        lan.server.command("node"),
        "phone.mjs",
        &base,
        job.to_string(),
    );
    let logs = format!("server:\n{}\ngmediarender:\n{}", server.log(), tv.log());
    if !run.success || run.result["ok"] != true {
        panic!(
            "the phone's steps ({}): {}\n{}\n{}\n{logs}",
            run.status, run.result["steps"], run.result, run.stderr
        );
    }
    check_phone(&run.result, &job, &wrong["message"]);
    let volume = lan
        .tv
        .peer(&["get-volume", &Renderer::location(Lan::TV_IP)]);
    assert_eq!(
        volume[0], 35,
        "the TV's own volume after the phone's slider"
    );
    let photo = PathBuf::from(job["photo"].as_str().expect("photo"));
    check_registers(&lan.server, &station, &run.result, &photo);
}
