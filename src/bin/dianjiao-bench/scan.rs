//! `dianjiao bench probe` and `dianjiao bench rescan`: our worker pool against `ffprobe`
//! spawned once per file, and an unchanged rescan against a `find` stat walk.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use dianjiao::app::{pool_config, App};
use dianjiao::cli::CliError;
use dianjiao::library::Quiet;
use dianjiao::media::{Reply, Request, WorkerPool};

use crate::support::{bench_settings, cleanup, exe, make_library, ms_per, tempdir, time};

/// Probe throughput: our worker pool against `ffprobe` spawned once per file.
pub fn probe(files: usize) -> Result<(), CliError> {
    let tmp = tempdir();
    let settings = bench_settings(&tmp.join("data"));
    let pool = WorkerPool::start(pool_config(&settings, exe()))
        .map_err(dianjiao::app::OpenError::Workers)?;
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
