//! `dianjiao bench load` and the load test: N viewers on loopback fetching a film's HLS at
//! a player's pace, paired TVs reporting plays (start, heartbeats, end), a clerk reading
//! the ledger and a report and uploading a film (tus), all at once; then the figures and what the ledger recorded.
//! `tests/api/load.rs` compiles this folder too (`#[path]`), so it names nothing of the
//! bench program (`crate::…`): only std, tokio, reqwest, base64 and serde_json.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod client;
mod figures;
mod upload;

use client::Http;
pub use figures::Figures;

/// How much load, for how long.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Simulated viewers fetching HLS at real-time pace.
    pub viewers: usize,
    /// Paired TVs, each on its own station, reporting plays.
    pub tvs: usize,
    /// Seconds of load.
    pub seconds: f64,
    /// Seconds between a TV's heartbeats.
    pub heartbeat_s: f64,
}

/// The server under load.
#[derive(Clone, Debug)]
pub struct Target {
    /// `http://host:port`.
    pub base: String,
    /// An admin account (it makes the stations and pairing codes and reads the ledger).
    pub admin: String,
    pub password: String,
    /// Prepared films the viewers and TVs play.
    pub films: Vec<String>,
    /// The process whose RSS and CPU time are reported.
    pub pid: u32,
}

/// Runs `plan` against `target`; waits (at most 30 s) for the plays' viewing entries.
pub async fn drive(target: &Target, plan: &Plan) -> Figures {
    let admin = Http::new(&target.base);
    let signed = admin
        .post(
            "/api/v1/session",
            json!({"name": target.admin, "password": target.password}),
        )
        .await;
    assert!(matches!(signed, Ok((200, _))), "admin sign-in: {signed:?}");
    let tvs = pair_tvs(&admin, &target.base, plan.tvs).await;
    let before = ledger(&admin).await.len();
    let cpu_before = figures::cpu_ticks(target.pid);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(plan.seconds);
    let mut tasks = Vec::new();
    for i in 0..plan.viewers {
        let (base, film) = (target.base.clone(), film_for(target, i));
        // Viewers arrive over the first two seconds, not all in one instant.
        let arrive = started + Duration::from_secs_f64(2.0 * i as f64 / plan.viewers as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(arrive.into()).await;
            viewer(Http::new(&base), &film, deadline).await
        }));
    }
    for (i, tv) in tvs.into_iter().enumerate() {
        let film = film_for(target, i);
        let heartbeat = plan.heartbeat_s;
        tasks.push(tokio::spawn(async move {
            tv_plays(tv, &film, deadline, heartbeat).await
        }));
    }
    let reader = tokio::spawn(reader(admin.clone(), deadline, target.pid));
    let uploader = tokio::spawn(upload::uploader(
        admin.clone(),
        film_for(target, 0),
        deadline,
    ));
    let mut figures = Figures::default();
    for t in tasks {
        figures.add(
            t.await
                .unwrap_or_else(|e| Tally::error(format!("task: {e}"))),
        );
    }
    let (tally, peak_rss_kb) = reader.await.unwrap_or_default();
    figures.add(tally);
    let (tally, uploaded) = uploader.await.unwrap_or_default();
    figures.add(tally);
    figures.uploads = (uploaded.started, uploaded.completed, uploaded.bytes);
    figures.viewers = plan.viewers;
    figures.tvs = plan.tvs;
    figures.seconds = started.elapsed().as_secs_f64();
    figures.cpu_s = (figures::cpu_ticks(target.pid) - cpu_before) as f64 / 100.0;
    figures.peak_rss_kb = peak_rss_kb.max(figures::rss_kb(target.pid));
    let entries = settled_ledger(&admin, &figures.played).await;
    figures.ledger_written = entries.len().saturating_sub(before);
    figures.count_viewings(&entries[before.min(entries.len())..]);
    figures
}

fn film_for(target: &Target, i: usize) -> String {
    target.films[i % target.films.len()].clone()
}

/// What one task saw.
#[derive(Default, Debug)]
pub(crate) struct Tally {
    pub segments: u64,
    pub latencies_ms: Vec<f64>,
    pub errors: Vec<String>,
    pub requests: u64,
    /// Play ids started and ended by a TV.
    pub played: Vec<String>,
    pub reads: u64,
}

impl Tally {
    fn error(e: String) -> Tally {
        Tally {
            errors: vec![e],
            ..Tally::default()
        }
    }

    /// GET `path`; an answer other than 200 is an error. Returns the body when 200.
    async fn get(&mut self, http: &Http, path: &str) -> Option<Vec<u8>> {
        self.requests += 1;
        match http.get(path).await {
            Ok((200, body)) => Some(body),
            Ok((status, _)) => self.fail(format!("GET {path}: {status}")),
            Err(e) => self.fail(format!("GET {path}: {e}")),
        }
    }

    async fn post(&mut self, http: &Http, path: &str, body: Value, want: u16) -> Option<Value> {
        self.requests += 1;
        match http.post(path, body).await {
            Ok((status, v)) if status == want => Some(v),
            Ok((status, v)) => self.fail(format!("POST {path}: {status} {v}")),
            Err(e) => self.fail(format!("POST {path}: {e}")),
        }
    }

    fn fail<T>(&mut self, e: String) -> Option<T> {
        self.errors.push(e);
        None
    }
}

/// A TV's heartbeats during a play: one after a segment when `every_s` has passed since
/// the last (players report on their own timers; segment boundaries are near enough).
struct Beats {
    play: String,
    every_s: f64,
}

/// The first rung's playlist of `film`: its path prefix and (segment name, duration).
async fn playlist(
    http: &Http,
    tally: &mut Tally,
    film: &str,
) -> Option<(String, Vec<(String, f64)>)> {
    let master = tally.get(http, &format!("/hls/{film}/master.m3u8")).await?;
    let master = String::from_utf8_lossy(&master).into_owned();
    let Some(variant) = master
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
    else {
        return tally.fail(format!("no variant in {film}'s master playlist"));
    };
    let (rung, _) = variant.rsplit_once('/').unwrap_or(("", variant));
    let base = format!("/hls/{film}/{rung}");
    let text = tally.get(http, &format!("/hls/{film}/{variant}")).await?;
    let mut segments = Vec::new();
    let mut duration = 0.0;
    for line in String::from_utf8_lossy(&text).lines() {
        if let Some(d) = line.strip_prefix("#EXTINF:") {
            duration = d
                .split(',')
                .next()
                .and_then(|d| d.parse().ok())
                .unwrap_or(0.0);
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            segments.push((line.to_owned(), duration));
        }
    }
    if segments.is_empty() {
        return tally.fail(format!("no segments in {film}'s playlist"));
    }
    Some((base, segments))
}

/// Plays the film's segments, each when playback reaches it, until the end or `deadline`,
/// with `beats` when a TV plays. Returns the film position reached.
async fn play_segments(
    http: &Http,
    tally: &mut Tally,
    base: &str,
    segments: &[(String, f64)],
    deadline: Instant,
    beats: Option<Beats>,
) -> f64 {
    let start = Instant::now();
    let mut at = 0.0;
    let mut beat_at = 0.0;
    for (name, duration) in segments {
        let due = start + Duration::from_secs_f64(at);
        if due >= deadline {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        if let Some(b) = beats.as_ref().filter(|b| at - beat_at >= b.every_s) {
            let path = format!("/api/v1/plays/{}/heartbeat", b.play);
            tally
                .post(http, &path, json!({"position_s": at}), 200)
                .await;
            beat_at = at;
        }
        let t = Instant::now();
        if tally.get(http, &format!("{base}/{name}")).await.is_some() {
            tally.segments += 1;
            tally.latencies_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        at += duration;
    }
    // The last segment plays out before the next play (or the deadline).
    let end = (start + Duration::from_secs_f64(at)).min(deadline);
    tokio::time::sleep_until(end.into()).await;
    end.duration_since(start).as_secs_f64().min(at)
}

/// A player that reports nothing: the film over and over until `deadline`.
async fn viewer(http: Http, film: &str, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let Some((base, segments)) = playlist(&http, &mut tally, film).await else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        play_segments(&http, &mut tally, &base, &segments, deadline, None).await;
    }
    tally
}

/// A paired TV: plays the film start to end, with heartbeats, until `deadline`; every
/// play started is ended.
async fn tv_plays(http: Http, film: &str, deadline: Instant, heartbeat_s: f64) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let started = tally
            .post(&http, "/api/v1/plays", json!({"film_id": film}), 201)
            .await;
        let Some(play) = started.and_then(|v| v["play_id"].as_str().map(str::to_owned)) else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let beats = Some(Beats {
            play: play.clone(),
            every_s: heartbeat_s,
        });
        let position = match playlist(&http, &mut tally, film).await {
            Some((base, segments)) => {
                play_segments(&http, &mut tally, &base, &segments, deadline, beats).await
            }
            None => 0.0,
        };
        let end = format!("/api/v1/plays/{play}/end");
        let body = json!({"position_s": position});
        if tally.post(&http, &end, body, 200).await.is_some() {
            tally.played.push(play);
        }
    }
    tally
}

/// Pairs `n` TVs, each to a new station of its own; their HTTP clients.
async fn pair_tvs(admin: &Http, base: &str, n: usize) -> Vec<Http> {
    let mut tvs = Vec::new();
    let tag = std::process::id() % 1000;
    for i in 0..n {
        let code = format!("LD{tag:03}{i:03}");
        let body = json!({"code": code, "name": format!("压测{i}村"), "kind": "village"});
        let station = admin.post("/api/v1/stations", body).await;
        let Ok((201, station)) = station else {
            panic!("station {code}: {station:?}");
        };
        let id = station["id"].as_str().unwrap_or_default();
        let path = format!("/api/v1/stations/{id}/pairing-codes");
        let pairing = admin.post(&path, json!({})).await;
        let Ok((201, pairing)) = pairing else {
            panic!("pairing code: {pairing:?}");
        };
        let tv = Http::new(base);
        let paired = tv
            .post("/api/v1/devices/pair", json!({"code": pairing["code"]}))
            .await;
        assert!(matches!(paired, Ok((200, _))), "pairing: {paired:?}");
        tvs.push(tv);
    }
    tvs
}

/// A clerk's background reads: a ledger page and the year's monthly report, once a
/// second, sampling the server's RSS too. Returns the tally and the highest RSS seen.
async fn reader(admin: Http, deadline: Instant, pid: u32) -> (Tally, u64) {
    let mut tally = Tally::default();
    let mut peak = 0;
    let year = time::OffsetDateTime::now_utc().year();
    let mut from = 0u64;
    while Instant::now() < deadline {
        peak = peak.max(figures::rss_kb(pid));
        let page = tally
            .get(&admin, &format!("/api/v1/ledger?from_seq={from}&limit=100"))
            .await;
        if let Some(v) = page.and_then(|b| serde_json::from_slice::<Value>(&b).ok()) {
            from = v["next_seq"].as_u64().unwrap_or(from);
            tally.reads += 1;
        }
        let path = format!("/api/v1/reports/monthly?year={year}");
        if tally.get(&admin, &path).await.is_some() {
            tally.reads += 1;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    (tally, peak)
}

/// Every ledger entry, read in pages of 1,000.
async fn ledger(admin: &Http) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut from = 0;
    loop {
        let page = admin
            .get(&format!("/api/v1/ledger?from_seq={from}&limit=1000"))
            .await;
        let Ok((200, body)) = page else {
            panic!("ledger read: {page:?}");
        };
        let v: Value = serde_json::from_slice(&body).unwrap_or_default();
        entries.extend(v["entries"].as_array().into_iter().flatten().cloned());
        match v["next_seq"].as_u64() {
            Some(next) if next > from => from = next,
            _ => return entries,
        }
    }
}

/// The ledger once every play in `played` has its viewing entry (or 30 s have passed).
async fn settled_ledger(admin: &Http, played: &[String]) -> Vec<Value> {
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        let entries = ledger(admin).await;
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for e in entries.iter().filter(|e| e["kind"] == "viewing") {
            if let Some(p) = e["payload"]["play_id"].as_str() {
                *seen.entry(p).or_default() += 1;
            }
        }
        let done = played.iter().all(|p| seen.contains_key(p.as_str()));
        if done || Instant::now() > give_up {
            return entries;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
