//! Hole 5: seeking started transcoders without bound. A storm of seeks at scattered
//! positions of an unprepared film, from several client addresses at once, never has more
//! than `jit_max` + 1 just-in-time worker processes alive (a replaced producer counts until
//! its process is reaped), and they run below streaming but above preparation in priority.
//! One client's rapid seeks are answered 429; sequential playback is not limited.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dianjiao::app::App;
use media_catalog::FilmId;
use serde_json::Value;

use crate::jit::{dvd_vob, film_id, top_rung, unprepared_dvd};
use crate::support::{spawn_app_with, TestApp};

/// A client whose requests come from `127.0.0.<last>` (loopback answers all of 127/8).
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .expect("client")
}

/// One look at a process in /proc: parent, niceness, state.
struct Proc {
    ppid: u32,
    nice: i32,
}

fn read_stat(pid: u32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // Field 4 of proc(5) is the parent, field 19 the niceness; fields here start at 3.
    Some(Proc {
        ppid: fields.get(1)?.parse().ok()?,
        nice: fields.get(16)?.parse().ok()?,
    })
}

/// True when the process runs `dianjiao-worker …`.
pub(crate) fn is_worker(pid: u32) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let exe = cmdline.split(|b| *b == 0).next().unwrap_or_default();
    exe.ends_with(b"/dianjiao-worker")
}

/// The just-in-time workers alive now (zombies included: not yet reaped) with their
/// niceness: children of this test process running `dianjiao-worker` that are not the
/// pool's long-lived workers, nor the one spare waiting idle for the next producer (read
/// before and after the look: one may be stored meanwhile).
fn jit_workers(app: &App) -> Vec<(u32, i32)> {
    let me = std::process::id();
    let mut pool: HashSet<u32> = app.pool.worker_pids().into_iter().collect();
    pool.extend(app.jit.spare_worker());
    let workers = children_running_the_worker(me);
    pool.extend(app.jit.spare_worker());
    workers
        .into_iter()
        .filter(|(pid, _)| !pool.contains(pid))
        .collect()
}

/// Children of `me` running `dianjiao-worker`, with their niceness.
fn children_running_the_worker(me: u32) -> Vec<(u32, i32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, read_stat(pid)?)))
        .filter(|(pid, p)| p.ppid == me && is_worker(*pid))
        .map(|(pid, p)| (pid, p.nice))
        .collect()
}

/// What the sampler saw: the most JIT workers alive at once, every one seen, their niceness.
#[derive(Default)]
struct Seen {
    max_alive: usize,
    pids: HashSet<u32>,
    nice: HashMap<u32, i32>,
}

/// Counts live JIT workers every 2 ms until `stop` is set.
fn sample(app: Arc<App>, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Seen> {
    std::thread::spawn(move || {
        let mut seen = Seen::default();
        while !stop.load(Ordering::Relaxed) {
            let now = jit_workers(&app);
            seen.max_alive = seen.max_alive.max(now.len());
            for (pid, nice) in now {
                seen.pids.insert(pid);
                seen.nice.insert(pid, nice);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        seen
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seek_storm_never_runs_more_than_jit_max_plus_one_workers() {
    let app = spawn_app_with(|s| s.jit_max = 1).await;
    let (id, rung) = unprepared_dvd(&app, "风暴.vob", 180).await;
    let segments = 30;

    let stop = Arc::new(AtomicBool::new(false));
    let sampler = sample(app.app.clone(), stop.clone());
    // 64 seeks at once from 16 addresses, 4 each, at scattered positions.
    let tasks: Vec<_> = (0..64usize)
        .map(|i| {
            let client = client_from(10 + (i % 16) as u8);
            let index = (i * 7 + 3) % segments;
            let url = app.url(&format!("/hls/{id}/{rung}/seg-{index:05}.ts"));
            tokio::spawn(async move {
                let res = client.get(url).send().await.expect("request");
                res.status().as_u16()
            })
        })
        .collect();
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    for t in tasks {
        *statuses.entry(t.await.expect("join")).or_default() += 1;
    }
    // Let replaced producers finish dying before the sampler stops.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let seen = sampler.join().expect("sampler");
    // The last producer is killed, not left to notice the test process has gone.
    app.app.jit.stop(&FilmId::parse(&id).expect("id"));

    assert!(!seen.pids.is_empty(), "the storm started no worker at all");
    let limit = app.app.settings.jit_max + 1;
    assert!(
        seen.max_alive <= limit,
        "{} JIT workers alive at once (at most {limit}); {} started; answers {statuses:?}",
        seen.max_alive,
        seen.pids.len()
    );
    assert!(
        statuses.get(&200).is_some_and(|n| *n > 0),
        "the storm still gets some segments: {statuses:?}"
    );
    assert!(
        statuses.keys().all(|s| [200, 429, 503].contains(s)),
        "a seek gets its segment, or is told to wait (429, 503 + Retry-After): {statuses:?}"
    );
    // Below streaming (the server, nice 0), above preparation (`worker_nice`).
    let (jit_nice, worker_nice) = (app.app.settings.jit_nice, app.app.settings.worker_nice);
    assert!(0 < jit_nice && jit_nice < worker_nice);
    for (pid, nice) in &seen.nice {
        assert_eq!(*nice, jit_nice, "JIT worker {pid} ran at nice {nice}");
    }
}

/// Fetches segment `index` of the film as `client`.
async fn fetch(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    rung: &str,
    index: usize,
) -> reqwest::Response {
    client
        .get(app.url(&format!("/hls/{id}/{rung}/seg-{index:05}.ts")))
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_clients_rapid_seeks_get_429_while_others_and_sequential_playback_do_not() {
    let app = spawn_app_with(|s| {
        s.jit_max = 1;
        s.jit_seeks_per_minute = 1;
        s.jit_seek_burst = 3;
    })
    .await;
    dvd_vob(&app.library, "跳着看.vob", 240);
    dvd_vob(&app.library, "从头看.vob", 60);
    app.scan(&app.library.clone()).await;
    let jumpy = film_id(&app, "跳着看.vob").await;
    let rung = top_rung(&app, &jumpy).await;

    // Far jumps, each to a part of the film nothing has produced yet.
    let seeker = client_from(21);
    let mut answers = Vec::new();
    for index in [35, 3, 30, 8, 25, 13] {
        let res = fetch(&app, &seeker, &jumpy, &rung, index).await;
        let status = res.status().as_u16();
        if status == 429 {
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .expect("text")
                .parse()
                .expect("seconds");
            assert!(retry > 0);
            let body: Value = res.json().await.expect("json");
            assert_eq!(body["error"], "too_many_seeks", "{body}");
            let message = body["message"].as_str().expect("message");
            assert!(
                message.contains("秒后") && message.contains("seek"),
                "{message}"
            );
        }
        answers.push(status);
    }
    assert_eq!(
        &answers[..3],
        [200, 200, 200],
        "the first seeks are served: {answers:?}"
    );
    assert!(
        answers[3..].iter().all(|s| *s == 429),
        "seeks past the burst are refused with 429: {answers:?}"
    );

    // The limit is the seeker's own: another address seeks in the same film at once (so the
    // server tells the 127.0.0.x peers apart).
    let other = client_from(22);
    assert_eq!(
        fetch(&app, &other, &jumpy, &rung, 20).await.status(),
        200,
        "another client seeks"
    );
    app.app.jit.stop(&FilmId::parse(&jumpy).expect("id"));

    // Playing a film in order from one address needs one producer, whatever the length.
    let viewer = client_from(23);
    let steady = film_id(&app, "从头看.vob").await;
    let rung = top_rung(&app, &steady).await;
    for index in 0..10 {
        let status = fetch(&app, &viewer, &steady, &rung, index).await.status();
        assert_eq!(status, 200, "segment {index} in order");
    }
    app.app.jit.stop(&FilmId::parse(&steady).expect("id"));
}
