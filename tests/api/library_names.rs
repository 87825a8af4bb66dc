//! Real library names: files and folders named in GBK (Windows discs, old zip files, USB
//! sticks) are catalogued under their Chinese names and play; a film named in pinyin takes
//! the Chinese title its container carries.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use serde_json::Value;

use crate::prepare::prepare_all;
use crate::support::{fixtures, spawn_app};

/// `text` encoded as GBK, as Chinese Windows writes file names.
fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "{text} is GBK");
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    bytes.into_owned()
}

fn film_named<'a>(list: &'a Value, title: &str) -> &'a Value {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|f| f["title"] == title)
        .unwrap_or_else(|| panic!("no film titled {title}: {list}"))
}

#[tokio::test]
async fn files_named_in_gbk_are_catalogued_under_their_chinese_names_and_play() {
    let app = spawn_app().await;
    // Two files as a Windows disc copies them: one at the top, one in a GBK-named folder.
    let top = app.synth_clip("a.mp4", 2.0).await;
    let nested = app.synth_clip("b.mp4", 2.0).await;
    let gbk_top = app.library.join(OsStr::from_bytes(&gbk("党课.mp4")));
    let gbk_dir = app.library.join(OsStr::from_bytes(&gbk("学习资料")));
    std::fs::create_dir(&gbk_dir).expect("gbk folder");
    let gbk_nested: PathBuf = gbk_dir.join(OsStr::from_bytes(&gbk("党章第一集.mp4")));
    std::fs::rename(&top, &gbk_top).expect("rename");
    std::fs::rename(&nested, &gbk_nested).expect("rename");

    let summary = app.scan(&app.library.clone()).await;
    assert_eq!((summary.found, summary.probed), (2, 2), "{summary:?}");

    let list = app.get_json("/api/v1/films").await;
    assert_eq!(list["total"], 2, "{list}");
    let dangke = film_named(&list, "党课");
    assert_eq!(dangke["source_name"], "党课.mp4");
    let nested_film = film_named(&list, "党章第一集");
    assert_eq!(nested_film["source_name"], "党章第一集.mp4");
    let found = app.get_json("/api/v1/films?q=党课").await;
    assert_eq!(found["items"][0]["id"], dangke["id"], "{found}");

    // The original is served from the GBK-named file, byte for byte.
    let id = dangke["id"].as_str().expect("id");
    let res = reqwest::get(app.url(&format!("/media/{id}/original")))
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let body = res.bytes().await.expect("body");
    assert!(body.as_ref() == std::fs::read(&gbk_top).expect("read").as_slice());

    // Preparation reads it too (the path reaches the worker with its bytes) ...
    assert_eq!(prepare_all(&app).await, 2);
    let list = app.get_json("/api/v1/films").await;
    for f in list["items"].as_array().expect("items") {
        assert_eq!(f["state"], "ready", "{f}");
    }
    // ... and a second scan finds the same files unchanged (stored under the same paths).
    let again = app.scan(&app.library.clone()).await;
    assert_eq!((again.probed, again.unchanged), (0, 2), "{again:?}");
    assert_eq!(app.get_json("/api/v1/films").await["total"], 2);
}

#[tokio::test]
async fn a_chinese_title_tag_names_a_film_whose_file_name_has_no_chinese() {
    let app = spawn_app().await;
    let lib = app.library.clone();
    fixtures::titled_wmv(&lib, "rongruguan.wmv", "社会主义荣辱观教育");
    // A file name with Chinese in it keeps it, whatever the tag says.
    fixtures::titled_wmv(&lib, "焦裕禄精神.wmv", "社会主义荣辱观教育 母带");
    // A tag without Chinese does not replace a pinyin name.
    fixtures::titled_wmv(&lib, "jiaoyulu02.wmv", "Title 1");
    app.scan(&lib).await;

    let found = app.get_json("/api/v1/films?q=荣辱观").await;
    let titles: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["title"].as_str().expect("title"))
        .collect();
    assert!(titles.contains(&"社会主义荣辱观教育"), "{found}");
    let list = app.get_json("/api/v1/films").await;
    let tagged = film_named(&list, "社会主义荣辱观教育");
    assert_eq!(tagged["source_name"], "rongruguan.wmv");
    assert_eq!(
        film_named(&list, "焦裕禄精神")["source_name"],
        "焦裕禄精神.wmv"
    );
    film_named(&list, "jiaoyulu02");
}
