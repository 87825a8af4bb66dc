//! A photo of the room at a showing (evidence for county inspectors), sent by the
//! broadcaster's phone after the film: a real JPEG made by the ffmpeg CLI is kept under the
//! data folder by its SHA-256, a `photo` ledger entry names that hash, the office reads it
//! back, and the registers (JSON, printable page, XLSX) say 有照片 with a link. Anything
//! that is not a JPEG or PNG, too large, or from another station's device is refused and
//! leaves no entry.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use dianjiao::accounts::Role;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::clock::TestClock;
use crate::support::fixtures::ffmpeg;
use crate::support::plays::{app_with_films, entries_of, station_with_roster};
use crate::support::{spawn_app_on_clock, TestApp};

/// A phone paired to `station` (`"kind": "phone"`): its own cookie jar.
async fn paired_phone(app: &TestApp, admin: &reqwest::Client, station: &str) -> reqwest::Client {
    let path = format!("/api/v1/stations/{station}/pairing-codes");
    let (status, code) = app.post_json(admin, &path, json!({})).await;
    assert_eq!(status, 201, "{code}");
    let phone = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let body = json!({"code": code["code"], "kind": "phone", "name": "播放员手机"});
    let (status, paired) = app.post_json(&phone, "/api/v1/devices/pair", body).await;
    assert_eq!(
        (status, paired["kind"].as_str()),
        (200, Some("phone")),
        "{paired}"
    );
    phone
}

/// A 320 × 240 JPEG of ffmpeg's test picture: a real camera-like file.
fn room_jpeg(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("room.jpg");
    let arg = out.to_str().expect("utf-8 path");
    ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240",
        "-frames:v",
        "1",
        arg,
    ]);
    std::fs::read(&out).expect("jpeg")
}

async fn send_photo(
    client: &reqwest::Client,
    app: &TestApp,
    play: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let res = client
        .post(app.url(&format!("/api/v1/plays/{play}/photo")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("photo");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A showing of 12 s reported by `phone` and ended; returns its play id.
async fn showing(app: &TestApp, clock: &TestClock, phone: &reqwest::Client, film: &str) -> String {
    let (status, started) = app
        .post_json(phone, "/api/v1/plays", json!({"film_id": film}))
        .await;
    assert_eq!(status, 201, "{started}");
    let play = started["play_id"].as_str().expect("play").to_owned();
    for pos in [4.0, 8.0, 12.0] {
        clock.pass(1.5);
        let path = format!("/api/v1/plays/{play}/heartbeat");
        let (status, body) = app
            .post_json(phone, &path, json!({"position_s": pos}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let end = format!("/api/v1/plays/{play}/end");
    let (status, record) = app
        .post_json(phone, &end, json!({"position_s": 12.0}))
        .await;
    assert_eq!(
        (status, record["status"].as_str()),
        (200, Some("showing")),
        "{record}"
    );
    play
}

#[tokio::test]
async fn a_phone_photo_of_the_room_is_kept_by_its_hash_and_shown_in_the_registers() {
    let clock = TestClock::now();
    let (app, films) = app_with_films(&clock, 2, &["党课.mp4"]).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station, _) = station_with_roster(&app, &admin, "QLC").await;
    let (other_station, _) = station_with_roster(&app, &admin, "DFC").await;
    let phone = paired_phone(&app, &admin, &station).await;
    let stranger = paired_phone(&app, &admin, &other_station).await;
    let play = showing(&app, &clock, &phone, &films[0]).await;
    let jpeg = room_jpeg(app.data.path());
    let sha = hex::encode(Sha256::digest(&jpeg));

    // Refused, with a sentence, and nothing recorded: not an image, another station's
    // phone, too large.
    let text = "这不是照片".as_bytes().to_vec();
    for (ct, body) in [("image/jpeg", text.clone()), ("text/plain", jpeg.clone())] {
        let (status, err) = send_photo(&phone, &app, &play, ct, body).await;
        assert_eq!(
            (status, err["error"].as_str()),
            (422, Some("not_a_photo")),
            "{ct}: {err}"
        );
        assert!(
            err["message"].as_str().unwrap().contains("JPEG 或 PNG"),
            "{err}"
        );
    }
    let (status, err) = send_photo(&stranger, &app, &play, "image/jpeg", jpeg.clone()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (403, Some("not_your_play")),
        "{err}"
    );
    let mut huge = jpeg.clone();
    huge.resize(9 << 20, 0);
    let (status, err) = send_photo(&phone, &app, &play, "image/jpeg", huge).await;
    assert_eq!(status, 413, "{err}");
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    assert!(
        entries_of(&app, &clerk, "photo").await.is_empty(),
        "nothing recorded"
    );

    // The broadcaster's phone sends the real photo: one entry pinning its hash.
    let (status, entry) = send_photo(&phone, &app, &play, "image/jpeg", jpeg.clone()).await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(entry["kind"], "photo");
    assert_eq!(entry["station"], station.as_str());
    let p = &entry["payload"];
    assert_eq!(
        p["sha256"],
        sha.as_str(),
        "the ledger's hash is the file's SHA-256"
    );
    assert_eq!(p["bytes"], jpeg.len());
    assert_eq!(p["content_type"], "image/jpeg");
    assert_eq!(
        (p["width"].as_u64(), p["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert_eq!(p["play_id"], play.as_str());
    let (status, again) = send_photo(&phone, &app, &play, "image/jpeg", jpeg.clone()).await;
    assert_eq!(
        (status, &again["seq"]),
        (200, &entry["seq"]),
        "the same photo is one entry"
    );
    let stored = app.app.settings.photos_dir().join(format!("{sha}.jpg"));
    assert_eq!(std::fs::read(&stored).expect("stored by its hash"), jpeg);
    assert_eq!(entries_of(&app, &clerk, "photo").await.len(), 1);

    // The office reads it back, as exactly the JPEG it was.
    let url = format!("/api/v1/plays/{play}/photos/{sha}");
    let res = clerk.get(app.url(&url)).send().await.expect("photo");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.expect("body").to_vec(), jpeg);
    let other = format!("/api/v1/plays/{play}/photos/{}", "0".repeat(64));
    assert_eq!(
        clerk
            .get(app.url(&other))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
    let status = phone.get(app.url(&url)).send().await.expect("get").status();
    assert_eq!(status, 403, "the office's, not the phone's");

    registers_show_the_photo(&app, &clerk, &station, &play, &url, p).await;
}

/// The viewing register of the photo's day: JSON (有照片 and its link), the printable page
/// (a link) and the XLSX (有照片).
async fn registers_show_the_photo(
    app: &TestApp,
    clerk: &reqwest::Client,
    station: &str,
    play: &str,
    url: &str,
    photo: &Value,
) {
    let day = photo["showing_date"].as_str().expect("showing_date");
    let path = |format: &str| {
        app.url(&format!(
            "/api/v1/reports/registers/viewing?station={station}&from={day}&to={day}&format={format}"
        ))
    };
    let get = |format: &'static str| {
        let req = clerk.get(path(format));
        async move {
            let res = req.send().await.expect("register");
            assert_eq!(res.status(), 200, "{format}");
            res.bytes().await.expect("body").to_vec()
        }
    };
    let json: Value = serde_json::from_slice(&get("json").await).expect("json");
    let rows = json["registers"][0]["rows"].as_array().expect("rows");
    let row = rows
        .iter()
        .find(|r| r["values"]["play_id"] == play)
        .unwrap_or_else(|| panic!("the showing in {json}"));
    assert_eq!(row["values"]["photo"], "有照片", "{row}");
    assert_eq!(row["values"]["photo_urls"], json!([url]));

    let html = String::from_utf8(get("html").await).expect("utf-8");
    assert!(
        html.contains(&format!("<a href=\"{url}\">有照片</a>")),
        "{html}"
    );

    let bytes = get("xlsx").await;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook");
    let (_, sheet) = book.worksheets().remove(0);
    let header: Vec<String> = sheet
        .rows()
        .nth(2)
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = header
        .iter()
        .position(|h| h == "照片")
        .expect("a 照片 column");
    let cells: Vec<&Data> = sheet.rows().skip(3).filter_map(|r| r.get(col)).collect();
    assert!(
        cells.iter().any(|c| **c == Data::String("有照片".into())),
        "{cells:?}"
    );
}

#[tokio::test]
async fn after_the_grace_time_a_photo_is_refused_like_a_sign_in() {
    let clock = TestClock::now();
    let app = spawn_app_on_clock(clock.ledger_clock(), |s| s.play_entry_grace_mins = 0).await;
    app.synth_clip("党课.mp4", 12.0).await;
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films").await;
    let film = list["items"][0]["id"].as_str().expect("film").to_owned();
    let admin = app.signed_in("admin", Role::Admin).await;
    let (station, _) = station_with_roster(&app, &admin, "QLC").await;
    let phone = paired_phone(&app, &admin, &station).await;
    let (_, started) = app
        .post_json(&phone, "/api/v1/plays", json!({"film_id": film}))
        .await;
    let play = started["play_id"].as_str().expect("play").to_owned();
    let (status, _) = app
        .post_json(&phone, &format!("/api/v1/plays/{play}/end"), json!({}))
        .await;
    assert_eq!(status, 200);
    clock.pass(1.1);
    let jpeg = room_jpeg(app.data.path());
    let (status, err) = send_photo(&phone, &app, &play, "image/jpeg", jpeg).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (409, Some("entries_closed")),
        "{err}"
    );
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    assert!(entries_of(&app, &clerk, "photo").await.is_empty());
    let dir = app.app.settings.photos_dir();
    assert!(
        !dir.exists() || std::fs::read_dir(&dir).expect("dir").next().is_none(),
        "no file kept"
    );
}
