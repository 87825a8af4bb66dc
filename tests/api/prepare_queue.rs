//! The preparation queue through the real server: films of a station's plan for this
//! quarter first, then local productions, then films watched just in time now, then the
//! rest newest first — not catalog order; "先准备这部" puts a film at the front and the
//! runner takes it next; a failed preparation is tried again after each configured wait,
//! its count rising and every reason kept, until the last try; a refused file is never
//! tried again; a changed file starts afresh; and the office's card lists the queue in
//! order (Chromium, `tests/browser/prep-queue.mjs`).

use std::time::Duration;

use dianjiao::accounts::Role;
use media_catalog::FilmId;
use serde_json::{json, Value};

use crate::jit::{dvd_vob, film_id, get, top_rung};
use crate::support::node::run_node;
use crate::support::{spawn_app_with, TestApp, PASSWORD};

const PLANNED: &str = "季度计划片.mp4";
const LOCAL: &str = "党建新闻.mp4";
const OLD: &str = "旧片.mp4";
const NEW: &str = "新片.mp4";
const WATCHED: &str = "点播片.vob";

/// Clips in every group but "watched" (two plain ones), scanned; the local production is
/// described as such by its folder's `catalog.toml`.
async fn library(app: &TestApp) {
    let local = app.library.join("本地制作");
    std::fs::create_dir_all(&local).expect("dir");
    std::fs::write(local.join("catalog.toml"), "category = \"本地制作\"\n").expect("toml");
    app.synth_clip(&format!("本地制作/{LOCAL}"), 2.0).await;
    for name in [PLANNED, OLD, NEW] {
        app.synth_clip(name, 2.0).await;
    }
}

/// Sets when each film was first found (Unix seconds), so that neither catalog order
/// (oldest first) nor plain recency gives the queue's order.
async fn found_at(app: &TestApp, films: &[(&str, i64)]) {
    for (name, at) in films {
        let id = FilmId::parse(&film_id(app, name).await).expect("id");
        let mut film = app.app.catalog.get(&id).expect("get").expect("film");
        film.added_at = *at;
        app.app.catalog.put(&film).expect("put");
    }
    app.app.catalog.commit().expect("commit");
}

/// A station whose plan for this quarter has `film`.
async fn plan(app: &TestApp, film: &str) {
    let admin = app.signed_in("admin", Role::Admin).await;
    let body = json!({"code": "QLC", "name": "七里村", "kind": "village"});
    let (status, st) = app.post_json(&admin, "/api/v1/stations", body).await;
    assert_eq!(status, 201, "{st}");
    let today = app.app.days.today();
    let items = json!([{"month": today.month(), "film_id": film}]);
    let body = json!({"year": today.year(), "quarter": today.quarter(), "items": items});
    let path = format!("/api/v1/stations/{}/plans", st["id"].as_str().expect("id"));
    let (status, entry) = app.post_json(&admin, &path, body).await;
    assert_eq!(status, 201, "{entry}");
}

async fn queue(app: &TestApp, clerk: &reqwest::Client) -> Value {
    let (status, q) = app.get(clerk, "/api/v1/preparation/queue").await;
    assert_eq!(status, 200, "{q}");
    q
}

fn column(q: &Value, key: &str) -> Vec<String> {
    q["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The runner takes the film at the front (one film): its id.
async fn prepare_next(app: &TestApp) -> Option<String> {
    let a = app.app.clone();
    tokio::task::spawn_blocking(move || a.preparation.prepare_next(&|_, _| {}))
        .await
        .expect("join")
        .expect("preparation runs")
        .map(|id| id.to_string())
}

#[tokio::test]
async fn the_queue_puts_planned_local_then_watched_films_before_the_newest_and_先准备这部_goes_first(
) {
    let app = spawn_app_with(|s| s.jit_idle_secs = 600).await;
    library(&app).await;
    // Long enough that its just-in-time producer is still at work when the queue is read.
    dvd_vob(&app.library, WATCHED, 120);
    app.scan(&app.library.clone()).await;
    let ids: Vec<String> = {
        let mut ids = Vec::new();
        for name in [PLANNED, LOCAL, WATCHED, NEW, OLD] {
            ids.push(film_id(&app, name).await);
        }
        ids
    };
    let (planned, local, watched, new, old) = (&ids[0], &ids[1], &ids[2], &ids[3], &ids[4]);
    let times = [
        (PLANNED, 1500),
        (LOCAL, 1000),
        (WATCHED, 500),
        (NEW, 4000),
        (OLD, 2000),
    ];
    found_at(&app, &times).await;
    plan(&app, planned).await;
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    // Nobody watches yet: the vob is the oldest of the rest, so it is last.
    let before = queue(&app, &clerk).await;
    assert_eq!(
        column(&before, "film_id"),
        [planned, local, new, old, watched].map(String::as_str),
        "{before}"
    );

    let rung = top_rung(&app, watched).await;
    let seg = get(&app, &format!("/hls/{watched}/{rung}/seg-00000.ts")).await;
    assert_eq!(seg.status(), 200);
    let q = queue(&app, &clerk).await;
    assert_eq!(column(&q, "film_id"), ids, "{q}");
    assert_eq!(
        column(&q, "why"),
        ["plan", "local", "watching", "recent", "recent"]
    );
    assert_eq!(
        column(&q, "why_label"),
        ["本季度计划", "本地制作", "正在点播", "最近添加", "最近添加"]
    );
    assert_eq!(q["total"], 5);
    // The runner follows that order.
    assert_eq!(prepare_next(&app).await.as_ref(), Some(planned));
    assert_eq!(prepare_next(&app).await.as_ref(), Some(local));

    let path = format!("/api/v1/preparation/queue/{old}/first");
    let (status, moved) = app.post_json(&clerk, &path, Value::Null).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["position"], 1, "{moved}");
    assert_eq!(moved["first"]["by"], "clerk");
    let q = queue(&app, &clerk).await;
    assert_eq!(column(&q, "film_id")[0], *old, "{q}");
    assert_eq!(
        q["items"][0]["why"], "recent",
        "it keeps its own group: {q}"
    );
    assert_eq!(q["total"], 3);
    assert_eq!(prepare_next(&app).await.as_ref(), Some(old));
    let f = app.get_json(&format!("/api/v1/films/{old}")).await;
    assert_eq!(f["state"], "ready", "{f}");
    let (status, again) = app.post_json(&clerk, &path, Value::Null).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (409, Some("already_prepared"))
    );

    let jit = app.app.clone();
    let id = FilmId::parse(watched).expect("id");
    tokio::task::spawn_blocking(move || jit.jit.stop(&id))
        .await
        .expect("join");
}

/// Cuts the file at `path` to `keep` of its length (the same file: its inode is kept).
fn truncate(path: &std::path::Path, keep: f64) {
    let len = std::fs::metadata(path).expect("meta").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open");
    file.set_len((len as f64 * keep) as u64).expect("truncate");
}

/// An H.264/AAC MP4 with its index at the front (so it still opens when its end is cut).
fn faststart_mp4(path: &std::path::Path) {
    crate::support::fixtures::ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x90:rate=25:duration=4",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=4",
        "-pix_fmt",
        "yuv420p",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        "-movflags",
        "+faststart",
        path.to_str().expect("utf-8 path"),
    ]);
}

const WAITS: [f64; 3] = [0.05, 0.1, 0.15];

#[tokio::test]
async fn a_failing_preparation_is_tried_after_each_wait_then_given_up_keeping_every_reason() {
    let app = spawn_app_with(|s| s.prepare_retry_after_secs = WAITS.to_vec()).await;
    let (cut, headless) = (app.library.join("断片.mp4"), app.library.join("坏头.mp4"));
    // A good file whose output cannot be written: a file squats on its rendition folder's
    // name, so making the folder fails as on a broken disk — not the file's fault, so tried
    // again. (A file cut part way used to stand in here; it is now rightly refused at once
    // as damaged, see hostile_media.rs.)
    faststart_mp4(&cut);
    faststart_mp4(&headless);
    app.scan(&app.library.clone()).await;
    let cut_id = film_id(&app, "断片.mp4").await;
    let headless_id = film_id(&app, "坏头.mp4").await;
    let squatter = app.app.preparation.dir().join(format!("{cut_id}.partial"));
    std::fs::write(&squatter, b"not a folder").expect("squatter");
    // Damaged after the scan inside its header: its preparation refuses it.
    truncate(&headless, 0.02);
    let clerk = app.signed_in("clerk", Role::Clerk).await;
    let item = |q: &Value, id: &str| {
        q["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["film_id"] == id)
            .cloned()
    };
    let (mut seen, mut refused_tries) = (Vec::new(), 0);
    for _ in 0..1200 {
        if seen.len() > WAITS.len() && refused_tries > 0 {
            break;
        }
        let Some(tried) = prepare_next(&app).await else {
            // Nothing due: the next try waits for its time.
            tokio::time::sleep(Duration::from_millis(25)).await;
            continue;
        };
        let f = app.get_json(&format!("/api/v1/films/{tried}")).await;
        if tried == headless_id {
            assert_eq!(f["state"], "failed", "{f}");
            assert!(
                f["reason"]
                    .as_str()
                    .expect("reason")
                    .contains("不再自动重试"),
                "{f}"
            );
            refused_tries += 1;
            continue;
        }
        assert_eq!(tried, cut_id);
        seen.push(f.clone());
        let n = seen.len();
        let reason = f["reason"].as_str().expect("a reason").to_owned();
        assert!(reason.contains(&format!("第 {n} 次准备失败")), "{reason}");
        if n <= WAITS.len() {
            assert_eq!(f["state"], "queued", "waiting for try {}: {f}", n + 1);
            let q = queue(&app, &clerk).await;
            let it = item(&q, &cut_id).expect("still in the queue");
            assert_eq!(
                (it["tries"].as_u64(), it["max_tries"].as_u64()),
                (Some(n as u64), Some(4))
            );
            assert_eq!(it["reason"], reason.as_str());
            let wait = it["failures"][n - 1]["retry_after_s"]
                .as_f64()
                .expect("a wait");
            assert!(
                (wait - WAITS[n - 1]).abs() < 1e-6,
                "try {n} waits {wait}: {it}"
            );
        } else {
            assert_eq!(f["state"], "failed", "{f}");
            assert!(reason.contains("不再自动重试"), "{reason}");
        }
    }
    assert_eq!(
        seen.len(),
        WAITS.len() + 1,
        "tried once and again after each wait"
    );
    assert_eq!(refused_tries, 1, "a refused file is tried once");
    // Given up: nothing is due any more, and the queue is empty.
    assert_eq!(prepare_next(&app).await, None);
    let q = queue(&app, &clerk).await;
    assert_eq!(q["total"], 0, "{q}");
    let refused = app.get_json(&format!("/api/v1/films/{headless_id}")).await;
    assert_eq!(refused["state"], "failed", "tried once only: {refused}");

    // The disk is mended and the file replaced (the same pictures, remuxed with a note): a
    // rescan queues it, its count starts afresh.
    std::fs::remove_file(&squatter).expect("remove the squatter");
    let mended = cut.with_extension("mended");
    let (from, to) = (
        cut.to_str().expect("utf-8"),
        mended.to_str().expect("utf-8"),
    );
    crate::support::fixtures::ffmpeg([
        "-i",
        from,
        "-c",
        "copy",
        "-metadata",
        "comment=mended",
        "-f",
        "mp4",
        to,
    ]);
    std::fs::rename(&mended, &cut).expect("replace");
    app.scan(&app.library.clone()).await;
    let q = queue(&app, &clerk).await;
    let it = item(&q, &cut_id).expect("queued again");
    assert_eq!(it["tries"], 0, "{it}");
    assert_eq!(prepare_next(&app).await, Some(cut_id.clone()));
    let f = app.get_json(&format!("/api/v1/films/{cut_id}")).await;
    assert_eq!(f["state"], "ready", "{f}");
}

#[tokio::test]
async fn the_office_card_lists_the_queue_in_order_and_先准备这部_moves_a_film_first() {
    let app = spawn_app_with(|_| {}).await;
    library(&app).await;
    app.scan(&app.library.clone()).await;
    let times = [(PLANNED, 1500), (LOCAL, 1000), (NEW, 4000), (OLD, 2000)];
    found_at(&app, &times).await;
    let planned = film_id(&app, PLANNED).await;
    plan(&app, &planned).await;
    let mut expected = Vec::new();
    for name in [PLANNED, LOCAL, NEW, OLD] {
        expected.push(film_id(&app, name).await);
    }
    app.add_user("clerk", Role::Clerk).await;
    let config = json!({"user": "clerk", "password": PASSWORD});
    let run = run_node("prep-queue.mjs", &app.base, config.to_string()).await;
    assert!(run.success, "{} {}", run.result, run.stderr);
    let ids = |rows: &Value| -> Vec<String> {
        rows.as_array()
            .expect("rows")
            .iter()
            .map(|r| r["film_id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let before = &run.result["before"];
    assert_eq!(ids(before), expected, "{before}");
    let whys: Vec<&str> = before
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["why"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(whys, ["本季度计划", "本地制作", "最近添加", "最近添加"]);
    let after = &run.result["after"];
    let mut moved = expected.clone();
    moved.rotate_right(1);
    assert_eq!(ids(after), moved, "{after}");
    let top = after[0]["why"].as_str().unwrap_or_default();
    assert!(top.contains("先准备这部（clerk 提前）"), "{top}");
}
