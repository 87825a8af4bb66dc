//! `dianjiao bench …`: the benchmarks whose numbers README reports, each run side by side
//! with a named reference (ffprobe per file, a `find` stat walk, the ffmpeg command line,
//! nginx). Speed is measured here, never asserted in tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::app::{pool_config, App};
use crate::config::Settings;
use crate::library::Quiet;
use crate::media::{ClipSpec, Reply, Request, WorkerPool};

use super::CliError;

mod copy;
mod county;
mod dlna;
mod jit;
mod ledger;
pub mod load;
mod prepare;
mod serve;
mod xlsx;

pub use copy::copy;
pub use county::{county, Shape as CountyShape};
pub use dlna::dlna;
pub use jit::jit;
pub use ledger::ledger;
pub use prepare::prepare;
pub use serve::serve;
pub use xlsx::xlsx;

/// Makes `distinct` short clips with our own encoder, then `files` copies spread over
/// folders of 100 (hard links when `link`, real copies otherwise).
fn make_library(
    pool: &WorkerPool,
    dir: &Path,
    files: usize,
    distinct: usize,
    link: bool,
) -> Vec<PathBuf> {
    let seeds: Vec<PathBuf> = (0..distinct)
        .map(|i| {
            let out = dir.join(format!("seed-{i}.mp4"));
            let spec = ClipSpec {
                width: 160,
                height: 90,
                fps: 25,
                duration_s: 2.0 + i as f64 * 0.1,
                video: true,
                audio: true,
                container: "mp4".into(),
                title: Some(format!("基准片 {i}")),
                seed: i as u32,
            };
            let reply = pool.call(&Request::Synth {
                spec,
                out: out.clone(),
            });
            assert!(matches!(reply, Reply::Done), "synth failed: {reply:?}");
            out
        })
        .collect();
    let lib = dir.join("library");
    (0..files)
        .map(|i| {
            let sub = lib.join(format!("盘{:03}", i / 100));
            std::fs::create_dir_all(&sub).expect("bench dir");
            let path = sub.join(format!("党章电视教材 第{}集.mp4", i + 1));
            let seed = &seeds[i % seeds.len()];
            if link {
                std::fs::hard_link(seed, &path).expect("link");
            } else {
                std::fs::copy(seed, &path).expect("copy");
            }
            path
        })
        .collect()
}

fn bench_settings(data: &Path) -> Settings {
    Settings {
        data: data.to_owned(),
        log: "warn".into(),
        ..Settings::default()
    }
}

fn exe() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("dianjiao"))
}

/// Probe throughput: our worker pool against `ffprobe` spawned once per file.
pub fn probe(files: usize) -> Result<(), CliError> {
    let tmp = tempdir();
    let settings = bench_settings(&tmp.join("data"));
    let pool =
        WorkerPool::start(pool_config(&settings, exe())).map_err(crate::app::OpenError::Workers)?;
    let paths = make_library(&pool, &tmp, files, 10, false);
    let reference = time(|| {
        for p in &paths {
            let ok = Command::new("ffprobe")
                .args([
                    "-v",
                    "error",
                    "-show_format",
                    "-show_streams",
                    "-of",
                    "json",
                ])
                .arg(p)
                .stdout(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "ffprobe failed on {}", p.display());
        }
    });
    let ours = time(|| probe_all(&pool, &paths));
    println!("probe benchmark: {files} files (H.264/AAC MP4, 2 s, 160x90), page cache warm");
    println!("  reference  ffprobe -show_format -show_streams, one process per file: {:>8.3} s  ({:.2} ms/file)", reference.as_secs_f64(), ms_per(reference, files));
    println!("  dianjiao   worker pool ({} workers), incl. keyframe index:        {:>8.3} s  ({:.2} ms/file)", pool.size(), ours.as_secs_f64(), ms_per(ours, files));
    println!(
        "  ratio      {:.1}x",
        reference.as_secs_f64() / ours.as_secs_f64()
    );
    cleanup(&tmp);
    Ok(())
}

fn probe_all(pool: &WorkerPool, paths: &[PathBuf]) {
    let next = Mutex::new(paths.iter());
    std::thread::scope(|s| {
        for _ in 0..pool.size() {
            s.spawn(|| loop {
                let Some(p) = next.lock().unwrap_or_else(|e| e.into_inner()).next() else {
                    break;
                };
                let reply = pool.call(&Request::Probe { path: p.clone() });
                assert!(
                    matches!(reply, Reply::Probed { .. }),
                    "probe failed: {reply:?}"
                );
            });
        }
    });
}

/// Rescan of an unchanged library against a bare `find` stat walk of the same tree.
pub fn rescan(files: usize) -> Result<(), CliError> {
    let tmp = tempdir();
    let app = App::open(bench_settings(&tmp.join("data")), exe())?;
    make_library(&app.pool, &tmp, files, 1, true);
    let lib = tmp.join("library");
    let first = time(|| {
        app.library.scan(&lib, &Quiet).expect("first scan");
    });
    let mut runs: Vec<Duration> = (0..3)
        .map(|_| {
            time(|| {
                let s = app.library.scan(&lib, &Quiet).expect("rescan");
                assert_eq!((s.unchanged, s.probed), (files, 0), "rescan probed files");
            })
        })
        .collect();
    runs.sort();
    let find = time(|| {
        let ok = Command::new("find")
            .arg(&lib)
            .args(["-type", "f", "-printf", "%s %T@ %p\\n"])
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "find failed");
    });
    println!("rescan benchmark: {files} files in folders of 100");
    println!(
        "  first scan (probe + poster + index every file):  {:>8.3} s",
        first.as_secs_f64()
    );
    println!(
        "  unchanged rescan, best/median of 3:              {:>8.3} s / {:.3} s",
        runs[0].as_secs_f64(),
        runs[1].as_secs_f64()
    );
    println!(
        "  reference  find -type f -printf '%s %T@ %p' (stat walk only): {:>8.3} s",
        find.as_secs_f64()
    );
    app.flush();
    drop(app);
    cleanup(&tmp);
    Ok(())
}

/// Resident memory of an idle `dianjiao serve` holding `films` films.
pub fn rss(films: usize) -> Result<(), CliError> {
    let tmp = tempdir();
    let data = tmp.join("data");
    {
        let app = App::open(bench_settings(&data), exe())?;
        make_library(&app.pool, &tmp, films, 10, true);
        app.library.scan(&tmp.join("library"), &Quiet)?;
        // Idle means nothing left to prepare: the server would otherwise be busy with it.
        app.preparation.drain(&|_, _| {})?;
        app.flush();
    }
    let mut child = Command::new(exe())
        .args(["serve", "--listen", "127.0.0.1:18089", "--data"])
        .arg(&data)
        .env("DIANJIAO_LOG", "warn")
        .spawn()
        .map_err(CliError::Serve)?;
    std::thread::sleep(Duration::from_secs(3));
    // 党章, percent-encoded as a browser sends it.
    for q in ["dzds", "%E5%85%9A%E7%AB%A0", "dangzhang"] {
        let _ = Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                &format!("http://127.0.0.1:18089/api/v1/films?q={q}"),
            ])
            .status();
    }
    std::thread::sleep(Duration::from_secs(2));
    let server = memory_kb(child.id());
    let workers: Vec<[u64; 3]> = children_of(child.id()).into_iter().map(memory_kb).collect();
    let _ = child.kill();
    let _ = child.wait();
    println!("idle memory benchmark: dianjiao serve with {films} films, after 3 searches");
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!(
        "  server process: VmRSS {:.1} MB = anonymous {:.1} MB + file-backed {:.1} MB (its own binary and libc; no FFmpeg library)",
        mb(server[0]), mb(server[1]), mb(server[2])
    );
    for (i, w) in workers.iter().enumerate() {
        println!(
            "  media worker {i}: VmRSS {:.1} MB = anonymous {:.1} MB + file-backed {:.1} MB",
            mb(w[0]),
            mb(w[1]),
            mb(w[2])
        );
    }
    cleanup(&tmp);
    Ok(())
}

/// VmRSS, RssAnon and RssFile of a process, in KiB.
fn memory_kb(pid: u32) -> [u64; 3] {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    [field("VmRSS:"), field("RssAnon:"), field("RssFile:")]
}

/// Child processes of `pid`, whichever of its threads started them.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn ms_per(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1000.0 / n.max(1) as f64
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dianjiao-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench temp dir");
    dir
}

fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
