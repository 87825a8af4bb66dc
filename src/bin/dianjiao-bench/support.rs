//! What every benchmark uses: a temp folder, settings, a generated library, timing and
//! `/proc` readings.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dianjiao::app::App;
use dianjiao::cli::CliError;
use dianjiao::config::Settings;
use dianjiao::media::{ClipSpec, Reply, Request, WorkerPool};

/// Makes `distinct` short clips with our own encoder, then `files` copies spread over
/// folders of 100 (hard links when `link`, real copies otherwise).
pub fn make_library(
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

/// Settings for a benchmark's data folder, quiet logs.
pub fn bench_settings(data: &Path) -> Settings {
    Settings {
        data: data.to_owned(),
        log: "warn".into(),
        ..Settings::default()
    }
}

/// This program; the worker pool finds `dianjiao-worker` beside it.
pub fn exe() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("dianjiao-bench"))
}

/// The `dianjiao` server program beside this one (benchmarks that start `dianjiao serve`).
pub fn server_exe() -> PathBuf {
    exe().with_file_name("dianjiao")
}

/// VmRSS, RssAnon and RssFile of a process, in KiB.
pub fn memory_kb(pid: u32) -> [u64; 3] {
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
pub fn children_of(pid: u32) -> Vec<u32> {
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

pub fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

pub fn ms_per(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1000.0 / n.max(1) as f64
}

pub fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dianjiao-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench temp dir");
    dir
}

pub fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

/// `app` served over HTTP on a loopback port by this process, on a thread of its own.
pub struct InProcess {
    /// Where it listens.
    pub addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    runtime: JoinHandle<()>,
}

impl InProcess {
    /// Starts serving `app` on `127.0.0.1:0`.
    pub fn start(app: Arc<App>) -> Result<InProcess, CliError> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(CliError::Serve)?;
        let addr = listener.local_addr().map_err(CliError::Serve)?;
        let server = dianjiao::http::server(app, listener).map_err(CliError::Serve)?;
        let handle = server.handle();
        let runtime = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
            let _ = rt.block_on(server);
        });
        Ok(InProcess {
            addr,
            handle,
            runtime,
        })
    }

    /// Stops the server (from outside its runtime) and waits for its thread.
    pub fn stop(self) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(self.handle.stop(false));
        let _ = self.runtime.join();
    }
}

/// A server started as a process of its own, stopped when dropped: SIGTERM, so that
/// `dianjiao serve` shuts down cleanly and nginx's master stops its workers too.
pub struct ChildServer(pub Child);

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}
