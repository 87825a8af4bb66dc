//! The township admin UI end to end in a real browser (`tests/browser/admin.mjs`, Chromium
//! driven by playwright-core) against the real server: sign in, upload a film through the
//! page and see it reach `ready`, describe it (the session expiring on the way), add a
//! station, import a roster, make a pairing code, plan a quarter, add and reset an account,
//! open the monthly matrix and a register, see the doctor's checks (系统自检) with the detail
//! on demand; and the hostile name test across the admin pages, the printable register and
//! its XLSX. Screenshots go to
//! `target/test-output/screenshots/admin-*.png`. Needs `make web-deps` and `chromium`.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Reader, Xlsx};
use dianjiao::accounts::Role;
use dianjiao::http::routes::table;
use dianjiao::stations::{NewMember, NewStation, StationKind};
use serde_json::{json, Value};

use crate::support::node::run_node;
use crate::support::{spawn_app, TestApp, PASSWORD};

/// A name that is markup: it must show as these characters everywhere.
const HOSTILE: &str = "<img src=x onerror=alert(1)>";

fn has_route(path: &str) -> bool {
    table().iter().any(|r| r.path == path)
}

/// A prepared film, a station, its member and its TV, all named [`HOSTILE`], and a plain
/// prepared film to edit when the page cannot upload one: (hostile film, station, plain film).
async fn hostile_things(app: &TestApp) -> (String, String, String) {
    app.synth_clip("hostile.mp4", 2.0).await;
    app.synth_clip("plain.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    assert_eq!(crate::prepare::prepare_all(app).await, 2);
    let films = app.app.catalog.films().expect("films");
    let by_name = |name: &str| {
        films
            .iter()
            .find(|f| f.source.name == name)
            .expect("film")
            .clone()
    };
    let (film, plain) = (by_name("hostile.mp4"), by_name("plain.mp4"));
    let edit = media_catalog::FilmEdit {
        title: Some(HOSTILE.into()),
        ..Default::default()
    };
    app.app.catalog.edit_film(&film.id, edit).expect("edit");
    let stations = app.app.stations.clone();
    let (station, member, token) = tokio::task::spawn_blocking(move || {
        let new = NewStation {
            code: "XSS-1".into(),
            name: HOSTILE.into(),
            kind: StationKind::Village,
            township: None,
            broadcaster: Some(HOSTILE.into()),
        };
        let station = stations.create(new).expect("station");
        let member = NewMember {
            name: HOSTILE.into(),
            member_no: "x-1".into(),
            branch: Some(HOSTILE.into()),
        };
        let member = stations.add_member(&station.id, member).expect("member");
        let code = stations.make_pairing_code(&station.id).expect("code").code;
        let tv = stations.pair(&code, None, Some(HOSTILE)).expect("pair");
        (station.id, member.id, tv.token)
    })
    .await
    .expect("join");
    show_with_hostile_words(app, &token, film.id.as_str(), &member).await;
    (film.id.to_string(), station, plain.id.to_string())
}

/// The paired TV shows the hostile film; the hostile member signs in and the discussion
/// is the hostile text: the registers now carry the name in every column they can.
async fn show_with_hostile_words(app: &TestApp, token: &str, film: &str, member: &str) {
    let jar = reqwest::cookie::Jar::default();
    let url = app.base.parse::<reqwest::Url>().expect("url");
    jar.add_cookie_str(&format!("dj_device={token}"), &url);
    let tv = reqwest::Client::builder()
        .cookie_provider(std::sync::Arc::new(jar))
        .build()
        .expect("client");
    let (status, play) = app
        .post_json(&tv, "/api/v1/plays", json!({"film_id": film}))
        .await;
    assert_eq!(status, 201);
    let id = play["play_id"].as_str().expect("play id");
    for (path, body) in [
        ("signins", json!({"member_id": member})),
        ("discussion", json!({"text": HOSTILE})),
        ("end", json!({"position_s": 2.0})),
    ] {
        let path = format!("/api/v1/plays/{id}/{path}");
        let (status, _) = app.post_json(&tv, &path, body).await;
        assert!((200..300).contains(&status), "{path}: {status}");
    }
}

/// An anonymous viewer at an address no station registered plays a film: no record, but
/// the dashboard lists the address. Returns it.
async fn watch_unregistered(app: &TestApp, film: &str) -> String {
    let anon = app.client();
    let (status, play) = app
        .post_json(&anon, "/api/v1/plays", json!({"film_id": film}))
        .await;
    assert_eq!(status, 201);
    let id = play["play_id"].as_str().expect("play id");
    let end = format!("/api/v1/plays/{id}/end");
    let (_, ended) = app.post_json(&anon, &end, json!({})).await;
    assert_eq!(ended["recorded"], false, "{ended}");
    "127.0.0.1".into()
}

/// A short clip outside the library, for the page to upload.
async fn clip_to_upload(app: &TestApp) -> PathBuf {
    let made = app.synth_clip("to-upload/本乡党建新闻.mp4", 3.0).await;
    // Beside the library, in the test's temporary folder, so a scan never finds it.
    let dir = app
        .library
        .parent()
        .expect("library parent")
        .join("upload-source");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("本乡党建新闻.mp4");
    std::fs::rename(&made, &path).expect("move the clip out of the library");
    path
}

async fn run_script(app: &TestApp, config: Value) -> Value {
    run_node("admin.mjs", &app.base, config.to_string())
        .await
        .result
}

/// Every cell of every sheet of an XLSX file, as text.
fn xlsx_cells(bytes: Vec<u8>) -> Vec<String> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX file");
    let mut cells = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        cells.extend(range.cells().map(|(_, _, c)| c.to_string()));
    }
    cells
}

#[tokio::test]
async fn the_office_works_through_the_admin_pages_and_names_stay_text() {
    let app = spawn_app().await;
    app.add_user("office", Role::Admin).await;
    let (hostile_film, hostile_station, plain_film) = hostile_things(&app).await;
    let unregistered = watch_unregistered(&app, &plain_film).await;
    let uploads = has_route("/api/v1/uploads");
    let reports = has_route("/api/v1/reports/monthly");
    let upload_file = if uploads {
        // As `serve` does: prepare what arrives, in the background.
        app.app.preparation.start(1);
        Some(clip_to_upload(&app).await)
    } else {
        None
    };
    // 20 MiB that is not a film: two chunks for the page, then refused after probing.
    let junk_file = uploads.then(|| {
        let path = app.library.parent().expect("parent").join("不是影片.mp4");
        let bytes: Vec<u8> = (0..20u32 << 20)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        std::fs::write(&path, bytes).expect("junk");
        path
    });
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/screenshots");
    let config = json!({
        "user": "office", "password": PASSWORD, "film_id": plain_film,
        "upload_file": upload_file, "junk_file": junk_file, "reports": reports, "shots": shots,
        "hostile": {"text": HOSTILE, "station": hostile_station, "film": hostile_film},
        "unregistered": unregistered,
    });
    let result = run_script(&app, config).await;
    eprintln!("admin.mjs: {result}");
    assert_eq!(result["ok"], true, "{result}");
    for step in [
        "sign_in",
        "catalog_edit",
        "station",
        "plan",
        "accounts",
        "unregistered",
        "doctor",
        "xss",
    ] {
        assert_eq!(result["steps"][step], "ok", "{step}: {result}");
    }
    for (step, ran) in [
        ("upload", uploads),
        ("upload_resume", uploads),
        ("matrix", reports),
    ] {
        let outcome = result["steps"][step].as_str().unwrap_or_default();
        assert_eq!(outcome == "ok", ran, "{step}: {outcome}");
    }
    // The pairing code the page showed is a working one.
    let code = result["pairing_code"].as_str().expect("code");
    let paired = app
        .client()
        .post(app.url("/api/v1/devices/pair"))
        .json(&json!({"code": code}))
        .send()
        .await
        .expect("pair");
    assert_eq!(paired.status(), 200);
    if reports {
        let admin = app.signed_in("xlsx-reader", Role::Admin).await;
        let url = format!(
            "/api/v1/reports/registers/all?station={hostile_station}&from={y}-01-01&to={y}-12-31&format=xlsx",
            y = time::OffsetDateTime::now_utc().year()
        );
        let res = admin.get(app.url(&url)).send().await.expect("xlsx");
        assert_eq!(res.status(), 200);
        let cells = xlsx_cells(res.bytes().await.expect("bytes").to_vec());
        assert!(
            cells.iter().any(|c| c.contains(HOSTILE)),
            "the station's name is not in the XLSX as text: {cells:?}"
        );
    }
}
