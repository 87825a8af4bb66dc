//! Plays helpers shared by the play tests: a server with prepared films on a settable clock,
//! reading the ledger's entries, and fetching HLS like a plain player.

use serde_json::{json, Value};

use super::clock::TestClock;
use super::{spawn_app_on_clock, TestApp};
use crate::prepare::prepare_all;

/// A server on `clock` (which the test moves to let time pass) closing idle plays after
/// `idle` seconds, with `films` prepared clips of 12 s; returns the films' ids in the order
/// given.
pub(crate) async fn app_with_films(
    clock: &TestClock,
    idle: u64,
    films: &[&str],
) -> (TestApp, Vec<String>) {
    let app = spawn_app_on_clock(clock.ledger_clock(), |s| {
        s.play_idle_secs = idle;
        s.play_min_secs = 5;
    })
    .await;
    for name in films {
        app.synth_clip(name, 12.0).await;
    }
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(&app).await, films.len());
    let list = app.get_json("/api/v1/films?per_page=100").await;
    let ids = films
        .iter()
        .map(|name| {
            list["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|f| f["source_name"] == *name)
                .and_then(|f| f["id"].as_str())
                .unwrap_or_else(|| panic!("no film {name} in {list}"))
                .to_owned()
        })
        .collect();
    (app, ids)
}

/// The `viewing` entries in the ledger, read by a clerk through the API.
pub(crate) async fn viewings(app: &TestApp, clerk: &reqwest::Client) -> Vec<Value> {
    entries_of(app, clerk, "viewing").await
}

/// The ledger's entries of one kind (the first 1,000 entries), read by a clerk.
pub(crate) async fn entries_of(app: &TestApp, clerk: &reqwest::Client, kind: &str) -> Vec<Value> {
    let page = app.get_json_as(clerk, "/api/v1/ledger?limit=1000").await;
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

/// Lets `secs` pass on `clock` (past the idle time), closes the plays idle by then and
/// returns the `viewing` entries.
pub(crate) async fn viewings_after(
    app: &TestApp,
    clock: &TestClock,
    clerk: &reqwest::Client,
    secs: f64,
) -> Vec<Value> {
    clock.pass(secs);
    app.close_idle_plays().await;
    viewings(app, clerk).await
}

/// Fetches a film's master and first media playlist; returns the media playlist's URL
/// prefix and its segments as (file name, duration).
pub(crate) async fn media_playlist(
    app: &TestApp,
    client: &reqwest::Client,
    film: &str,
) -> (String, Vec<(String, f64)>) {
    let get = |path: String| {
        let req = client.get(app.url(&path));
        async move {
            let res = req.send().await.expect("get");
            assert_eq!(res.status(), 200, "GET {path}");
            res.text().await.expect("text")
        }
    };
    let master = get(format!("/hls/{film}/master.m3u8")).await;
    let variant = master
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .expect("a variant")
        .to_owned();
    let rung = variant.split('/').next().expect("rung").to_owned();
    let base = format!("/hls/{film}/{rung}");
    let text = get(format!("{base}/index.m3u8")).await;
    let mut segments = Vec::new();
    let mut pending = None;
    for line in text.lines() {
        if let Some(d) = line.strip_prefix("#EXTINF:") {
            pending = d.split(',').next().and_then(|d| d.parse::<f64>().ok());
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            segments.push((line.to_owned(), pending.take().expect("EXTINF first")));
        }
    }
    (base, segments)
}

pub(crate) async fn fetch_segments(
    app: &TestApp,
    client: &reqwest::Client,
    base: &str,
    names: &[(String, f64)],
) {
    for (name, _) in names {
        let res = client
            .get(app.url(&format!("{base}/{name}")))
            .send()
            .await
            .expect("segment");
        assert_eq!(res.status(), 200);
        res.bytes().await.expect("body");
    }
}

/// Makes a station with a roster of two; returns its id and the members' ids.
pub(crate) async fn station_with_roster(
    app: &TestApp,
    admin: &reqwest::Client,
    code: &str,
) -> (String, Vec<String>) {
    let (status, station) = app
        .post_json(
            admin,
            "/api/v1/stations",
            json!({"code": code, "name": format!("{code}村"), "kind": "village"}),
        )
        .await;
    assert_eq!(status, 201, "{station}");
    let id = station["id"].as_str().expect("id").to_owned();
    let mut members = Vec::new();
    for (name, no) in [("王建国", "001"), ("李秀英", "002")] {
        let path = format!("/api/v1/stations/{id}/members");
        let (status, m) = app
            .post_json(admin, &path, json!({"name": name, "member_no": no}))
            .await;
        assert_eq!(status, 201, "{m}");
        members.push(m["id"].as_str().expect("member id").to_owned());
    }
    (id, members)
}

/// A TV paired to `station` with a code the admin made: its own cookie jar.
pub(crate) async fn paired_tv(
    app: &TestApp,
    admin: &reqwest::Client,
    station: &str,
) -> reqwest::Client {
    let path = format!("/api/v1/stations/{station}/pairing-codes");
    let (status, code) = app.post_json(admin, &path, json!({})).await;
    assert_eq!(status, 201, "{code}");
    let tv = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let (status, paired) = app
        .post_json(&tv, "/api/v1/devices/pair", json!({"code": code["code"]}))
        .await;
    assert_eq!(status, 200, "{paired}");
    assert_eq!(paired["station_id"], station);
    tv
}

/// Registers the test client's address (loopback) to `station`: players there are its TV.
pub(crate) async fn register_loopback(app: &TestApp, admin: &reqwest::Client, station: &str) {
    let path = format!("/api/v1/stations/{station}/addresses");
    let (status, body) = app
        .post_json(admin, &path, json!({"address": "127.0.0.1"}))
        .await;
    assert_eq!(status, 201, "{body}");
}

/// Fetches segments the way a player does: each when playback reaches it on `clock` (the
/// first at once, the next after the previous one's duration), so the film time they
/// deliver is earned at the pace of the clock.
pub(crate) async fn fetch_segments_paced(
    app: &TestApp,
    clock: &TestClock,
    client: &reqwest::Client,
    base: &str,
    names: &[(String, f64)],
) {
    for (k, segment) in names.iter().enumerate() {
        if k > 0 {
            app.let_pass(clock, names[k - 1].1).await;
        }
        fetch_segments(app, client, base, std::slice::from_ref(segment)).await;
    }
}

/// Reads `url` (a whole-film file of `seconds` of film) from byte 0 to `share` of it in
/// ranges, one a second of film, each when playback reaches it on `clock`: a plain player.
pub(crate) async fn read_paced(
    app: &TestApp,
    clock: &TestClock,
    client: &reqwest::Client,
    url: &str,
    seconds: f64,
    share: f64,
) {
    let head = client.head(url).send().await.expect("head");
    let len: u64 = head.headers()["content-length"]
        .to_str()
        .expect("len")
        .parse()
        .expect("number");
    let upto = ((len as f64) * share) as u64;
    let steps = (seconds * share).ceil().max(1.0) as u64;
    for k in 0..steps {
        let (from, to) = (upto * k / steps, upto * (k + 1) / steps);
        if k > 0 {
            app.let_pass(clock, 1.0).await;
        }
        let res = client
            .get(url)
            .header("range", format!("bytes={from}-{}", to - 1))
            .send()
            .await
            .expect("range");
        assert_eq!(res.status(), 206);
        res.bytes().await.expect("body");
    }
}
