//! The server process maps no FFmpeg library: probes, posters and preparations run in
//! `dianjiao-worker` processes started from beside the server, and `dianjiao` itself never
//! links libav*. Checked on the real binary run as a process (this test binary links FFmpeg
//! itself, so an in-process server could not show it) through `/proc/PID/maps`, once its
//! films are ready and it is idle; its workers map the libraries, so the check reads what
//! it should.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::prepare_crash::{free_port, get, wait_for};

/// FFmpeg's libraries (file-name prefixes as they appear in a memory map).
const FFMPEG_LIBS: [&str; 6] = [
    "libavcodec",
    "libavformat",
    "libavfilter",
    "libavutil",
    "libswscale",
    "libswresample",
];

/// The FFmpeg libraries mapped by process `pid`, one line each.
fn ffmpeg_mappings(pid: u32) -> Vec<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("maps readable");
    maps.lines()
        .filter(|line| {
            let file = line.rsplit('/').next().unwrap_or_default();
            FFMPEG_LIBS.iter().any(|lib| file.starts_with(lib))
        })
        .map(str::to_owned)
        .collect()
}

/// Child processes of `pid`, whichever of its threads started them.
fn children_of(pid: u32) -> Vec<u32> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks");
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

/// The film list once every film in it is ready (two are expected).
async fn all_ready(port: u16) -> Option<Value> {
    let (_, body) = get(port, "/api/v1/films").await?;
    let list: Value = serde_json::from_str(&body).ok()?;
    let items = list["items"].as_array()?;
    (items.len() == 2 && items.iter().all(|f| f["state"] == "ready")).then_some(list)
}

fn library_with_two_films(dir: &Path) -> std::path::PathBuf {
    let library = dir.join("library");
    std::fs::create_dir_all(&library).expect("library");
    for (recipe, name) in [
        ("camera.mp4", "党章电视教材 第一集.mp4"),
        ("xvid.avi", "乡村振兴 第二集.avi"),
    ] {
        let clip = crate::support::fixtures::clip(dir, recipe);
        std::fs::copy(&clip.path, library.join(name)).expect("copy");
    }
    library
}

#[tokio::test]
async fn the_idle_server_process_maps_no_ffmpeg_library_while_its_workers_do() {
    let dir = tempfile::tempdir().expect("dir");
    let library = library_with_two_films(dir.path());
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(dir.path().join("data"))
        .arg("--library")
        .arg(&library)
        .env("DIANJIAO_LOG", "warn")
        .env("DIANJIAO_DLNA", "off")
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let pid = server.id();
    // Probed, postered and prepared by the workers: the server itself did none of it.
    let list = wait_for(async || all_ready(port).await).await;

    let server_maps = ffmpeg_mappings(pid);
    let workers = children_of(pid);
    let worker_maps: Vec<Vec<String>> = workers.iter().map(|w| ffmpeg_mappings(*w)).collect();
    let _ = server.kill();
    let _ = server.wait();

    assert!(
        server_maps.is_empty(),
        "the server process maps FFmpeg:\n{}",
        server_maps.join("\n")
    );
    assert!(!workers.is_empty(), "the pool's workers are alive: {list}");
    for maps in &worker_maps {
        assert!(
            maps.iter().any(|l| l.contains("libavcodec")),
            "a worker maps libavcodec: {maps:?}"
        );
    }
}

#[test]
fn a_server_without_its_worker_program_beside_it_says_which_file_is_missing() {
    let dir = tempfile::tempdir().expect("dir");
    let settings = dianjiao::config::Settings::default();
    let cfg = dianjiao::app::pool_config(&settings, dir.path().join("dianjiao"));
    assert_eq!(cfg.exe, dir.path().join("dianjiao-worker"));
    let error = dianjiao::media::WorkerPool::start(cfg).expect_err("no worker program");
    let text = error.to_string();
    assert!(
        text.contains("找不到媒体工作程序")
            && text.contains(&dir.path().join("dianjiao-worker").display().to_string()),
        "{text}"
    );
}

/// `dianjiao bench …`, the documented benchmark command, runs the `dianjiao-bench` program
/// from beside the server, which carries no benchmark code of its own.
#[test]
fn dianjiao_bench_hands_the_command_to_the_bench_program_beside_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args(["bench", "rss", "--help"])
        .output()
        .expect("dianjiao runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Usage: dianjiao-bench rss") && text.contains("--films <FILMS>"),
        "{text}"
    );
}
