//! A folder of films becomes a searchable Chinese catalog: scanning, incremental rescans,
//! search by words, pinyin and initials, episode order, missing files.

use serde_json::Value;

use crate::support::{spawn_app, spawn_app_with};

fn titles(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["title"].as_str().expect("title").to_owned())
        .collect()
}

#[tokio::test]
async fn a_series_is_found_by_chinese_words_full_pinyin_and_initials() {
    let app = spawn_app().await;
    app.synth_clip("党章电视教材 第一集.mp4", 1.0).await;
    app.synth_clip("肉牛养殖技术.mp4", 1.0).await;
    app.scan(&app.library.clone()).await;
    for q in ["党章", "dangzhang", "dzdsjc", "dzds"] {
        let found = app.get_json(&format!("/api/v1/films?q={q}")).await;
        assert_eq!(titles(&found), vec!["党章电视教材 第一集"], "query {q}");
        assert_eq!(found["total"], 1, "query {q}");
    }
    let none = app.get_json("/api/v1/films?q=xyzxyz").await;
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn episodes_sort_by_their_number_whatever_the_numeral() {
    let app = spawn_app().await;
    for name in [
        "党章电视教材 第十集.mp4",
        "党章电视教材 第3集.mp4",
        "党章电视教材 第一集.mp4",
    ] {
        app.synth_clip(&format!("党章/{name}"), 1.0).await;
    }
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films?series=党章电视教材").await;
    let episodes: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["episode"].as_i64().expect("episode"))
        .collect();
    assert_eq!(episodes, vec![1, 3, 10]);
    let series = app.get_json("/api/v1/series").await;
    assert_eq!(series["items"][0]["name"], "党章电视教材");
    assert_eq!(series["items"][0]["film_count"], 3);
}

#[tokio::test]
async fn a_film_carries_its_media_description_and_a_poster() {
    let app = spawn_app().await;
    app.synth_clip("大棚蔬菜种植.mp4", 3.0).await;
    app.synth_clip("讲座/荣辱观讲座.mp3", 3.0).await;
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films").await;
    assert_eq!(list["total"], 2);
    for film in list["items"].as_array().expect("items") {
        let media = &film["media"];
        let duration = media["duration_s"].as_f64().expect("duration");
        assert!((duration - 3.0).abs() < 0.3, "{film}");
        assert_eq!(film["state"], "queued");
        let audio_only = film["source_name"] == "荣辱观讲座.mp3";
        assert_eq!(media["audio_only"], audio_only, "{film}");
        assert_eq!(
            media["video_codec"].as_str(),
            (!audio_only).then_some("h264")
        );
        let thumb = app
            .client()
            .get(app.url(film["thumb_url"].as_str().expect("thumb")))
            .send()
            .await
            .expect("thumb");
        assert_eq!(thumb.status(), 200, "poster of {}", film["title"]);
        assert_eq!(thumb.headers()["content-type"], "image/jpeg");
        let bytes = thumb.bytes().await.expect("bytes");
        assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
    }
    let one = app
        .get_json(&format!(
            "/api/v1/films/{}",
            list["items"][0]["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(one["id"], list["items"][0]["id"]);
}

#[tokio::test]
async fn an_unchanged_library_is_not_probed_again_and_a_removed_file_is_kept_as_missing() {
    let app = spawn_app().await;
    let a = app.synth_clip("a 第1集.mp4", 1.0).await;
    app.synth_clip("a 第2集.mp4", 1.0).await;
    let first = app.scan(&app.library.clone()).await;
    assert_eq!((first.found, first.probed), (2, 2));
    let again = app.scan(&app.library.clone()).await;
    assert_eq!((again.probed, again.unchanged), (0, 2));
    let id = app
        .app
        .catalog
        .films()
        .expect("films")
        .into_iter()
        .find(|f| f.source.path == a)
        .expect("film")
        .id;
    std::fs::remove_file(&a).expect("remove");
    let after = app.scan(&app.library.clone()).await;
    assert_eq!((after.probed, after.newly_missing), (0, 1));
    let film = app.get_json(&format!("/api/v1/films/{id}")).await;
    assert_eq!(film["missing"], true);
    let list = app.get_json("/api/v1/films").await;
    assert_eq!(
        list["total"], 1,
        "a missing film is not offered for playing"
    );
}

#[tokio::test]
async fn unknown_or_malformed_film_ids_get_404_json() {
    let app = spawn_app().await;
    for id in ["0123456789abcdef", "../../etc/passwd", "x"] {
        let res = app
            .client()
            .get(app.url(&format!("/api/v1/films/{id}")))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 404, "{id}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], "not_found");
    }
}

#[tokio::test]
async fn a_symlink_leading_out_of_the_library_is_not_followed() {
    let app = spawn_app().await;
    let outside = app.data.path().join("outside");
    std::fs::create_dir_all(&outside).expect("dir");
    let clip = app.synth_clip("inside.mp4", 1.0).await;
    std::fs::rename(&clip, outside.join("secret.mp4")).expect("move out");
    std::os::unix::fs::symlink(outside.join("secret.mp4"), app.library.join("link.mp4"))
        .expect("link");
    std::os::unix::fs::symlink(&outside, app.library.join("linkdir")).expect("link dir");
    let s = app.scan(&app.library.clone()).await;
    assert_eq!(s.found, 0);
    assert_eq!(s.skipped_symlinks, 2);
}

#[tokio::test]
async fn a_worker_killed_mid_probe_fails_that_file_and_the_scan_completes() {
    let app = spawn_app_with(|s| {
        s.workers = 1;
        s.worker_debug_delay_ms = 1500;
    })
    .await;
    for n in 1..=3 {
        app.synth_clip(&format!("片子 第{n}集.mp4"), 1.0).await;
    }
    let pids_before = app.app.pool.worker_pids();
    let killer = tokio::spawn(async move {
        // The first probe sleeps 1.5 s in the worker before touching the file: kill it then.
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        for pid in pids_before {
            // SAFETY: sending SIGKILL to our own child process by pid.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
    });
    let summary = app.scan(&app.library.clone()).await;
    killer.await.expect("killer");
    assert_eq!(summary.found, 3);
    assert_eq!((summary.probed, summary.failed), (2, 1), "{summary:?}");
    let failed = app.get_json("/api/v1/films?state=failed").await;
    assert_eq!(failed["total"], 1);
    assert!(failed["items"][0]["reason"]
        .as_str()
        .expect("reason")
        .contains("出错"));
    // The file itself is fine: the next scan probes it again and catalogues it.
    let retry = app.scan(&app.library.clone()).await;
    assert_eq!(
        (retry.probed, retry.failed, retry.unchanged),
        (1, 0, 2),
        "{retry:?}"
    );
    let failed = app.get_json("/api/v1/films?state=failed").await;
    assert_eq!(failed["total"], 0);
}

#[tokio::test]
async fn every_old_and_new_format_is_catalogued_with_its_duration_and_codecs() {
    let app = spawn_app().await;
    let made = tempfile::tempdir().expect("dir");
    let clips = crate::support::fixtures::all_clips(made.path());
    for clip in &clips {
        let name = clip.path.file_name().expect("name");
        std::fs::copy(&clip.path, app.library.join(name)).expect("copy");
    }
    let summary = app.scan(&app.library.clone()).await;
    assert_eq!(summary.probed, clips.len(), "{summary:?}");
    let list = app.get_json("/api/v1/films?per_page=200").await;
    let items = list["items"].as_array().expect("items");
    for clip in &clips {
        let name = clip.path.file_name().expect("name").to_string_lossy();
        let film = items
            .iter()
            .find(|f| f["source_name"] == *name)
            .unwrap_or_else(|| panic!("{name} not in the catalog"));
        let media = &film["media"];
        assert_eq!(media["video_codec"].as_str(), clip.video, "{name}");
        assert_eq!(media["audio_codec"].as_str(), clip.audio, "{name}");
        let duration = media["duration_s"].as_f64().expect("duration");
        let expected = crate::support::fixtures::CLIP_SECONDS;
        assert!((duration - expected).abs() <= 0.3, "{name}: {duration}");
    }
}
