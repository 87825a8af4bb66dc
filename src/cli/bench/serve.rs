//! `dianjiao bench serve`: requests per second for one HLS segment from `dianjiao serve`
//! against nginx (sendfile) serving the same bytes, both loaded by wrk on this machine.
//! nginx and wrk come from `deploy/bench-deps.sh` (benchmarks only).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::app::App;
use crate::library::Quiet;
use crate::media::{ClipSpec, Reply, Request};

use super::prepare::load_average;
use super::{bench_settings, cleanup, exe, tempdir};
use crate::cli::CliError;

const OURS_ADDR: &str = "127.0.0.1:18090";
const NGINX_ADDR: &str = "127.0.0.1:18091";
/// The segment size aimed at, bytes (a 6 s segment of a modest 480p film); the segment
/// nearest it is served.
const SEGMENT_BYTES: u64 = 440_000;
/// Rounds of (nginx, ours); each side's best round is reported.
const ROUNDS: usize = 2;

/// Serving throughput: wrk with `connections` connections for `seconds` against each server.
pub fn serve(connections: u32, seconds: u32) -> Result<(), CliError> {
    let tmp = tempdir();
    let data = tmp.join("data");
    let (id, segment) = prepared_film(&tmp, &data)?;
    let rel = segment
        .strip_prefix(data.join("renditions").join(&id))
        .expect("segment inside the film's folder")
        .to_owned();
    let size = std::fs::metadata(&segment).map_or(0, |m| m.len());
    let static_root = tmp.join("static");
    let copy = static_root.join(&id).join(&rel);
    std::fs::create_dir_all(copy.parent().expect("segment folder")).expect("nginx root");
    std::fs::copy(&segment, &copy).expect("copy the segment for nginx");
    let url_path = format!("/hls/{id}/{}", rel.display());
    let mut ours = Server(
        Command::new(exe())
            .args(["serve", "--listen", OURS_ADDR, "--data"])
            .arg(&data)
            .env("DIANJIAO_LOG", "warn")
            .spawn()
            .map_err(CliError::Serve)?,
    );
    let mut nginx = Server(start_nginx(&tmp, &static_root).map_err(CliError::Serve)?);
    let ours_url = format!("http://{OURS_ADDR}{url_path}");
    let nginx_url = format!("http://{NGINX_ADDR}{url_path}");
    wait_until_served(&ours_url, &mut ours.0, size);
    wait_until_served(&nginx_url, &mut nginx.0, size);
    let mut best = (0.0f64, 0.0f64);
    for _ in 0..ROUNDS {
        best.0 = best.0.max(wrk(&nginx_url, connections, seconds));
        best.1 = best.1.max(wrk(&ours_url, connections, seconds));
    }
    drop((ours, nginx));
    let ratio = best.1 / best.0;
    println!(
        "serving benchmark: GET {url_path} ({size} bytes), wrk -t2 -c{connections} -d{seconds}s, \
         best of {ROUNDS}, same machine, load average {}",
        load_average()
    );
    println!(
        "  reference  nginx, sendfile on, 2 workers, access log off: {:>9.0} requests/s ({:.0} MB/s)",
        best.0,
        best.0 * size as f64 / 1e6
    );
    println!(
        "  dianjiao   dianjiao serve (/hls/… route):    {:>9.0} requests/s ({:.0} MB/s)",
        best.1,
        best.1 * size as f64 / 1e6
    );
    let verdict = if ratio >= 0.8 { "met" } else { "NOT met" };
    println!("  ratio      ours / reference = {ratio:.2} (target >= 0.8: {verdict})");
    cleanup(&tmp);
    Ok(())
}

/// Stops its server when dropped: SIGTERM, so that nginx's master stops its workers too.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// One film, scanned and prepared (remuxed) in `data`; its id and the segment whose size
/// is nearest [`SEGMENT_BYTES`].
fn prepared_film(tmp: &Path, data: &Path) -> Result<(String, PathBuf), CliError> {
    let app = App::open(bench_settings(data), exe())?;
    let lib = tmp.join("library");
    std::fs::create_dir_all(&lib).expect("bench library");
    let spec = ClipSpec {
        // Our encoder's simple pattern compresses well: at 1080p its segments are about
        // 200 KB, the nearest it gets to a real 480p film's.
        width: 1920,
        height: 1080,
        fps: 25,
        duration_s: 20.0,
        video: true,
        audio: true,
        container: "mp4".into(),
        title: Some("基准片 播放".into()),
        seed: 3,
    };
    let reply = app.pool.call(&Request::Synth {
        spec,
        out: lib.join("播放.mp4"),
    });
    assert!(matches!(reply, Reply::Done), "synth failed: {reply:?}");
    app.library.scan(&lib, &Quiet)?;
    app.preparation.drain(&|_, _| {})?;
    let film = app.catalog.films()?.pop().expect("the scanned film");
    let dir = app.preparation.film_dir(&film.id);
    app.flush();
    drop(app);
    let mut segments: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|rung| {
            std::fs::read_dir(rung.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts"))
        .map(|p| (std::fs::metadata(&p).map_or(0, |m| m.len()), p))
        .collect();
    segments.sort_by_key(|(len, _)| len.abs_diff(SEGMENT_BYTES));
    let (_, segment) = segments.into_iter().next().expect("a prepared segment");
    Ok((film.id.to_string(), segment))
}

/// nginx in the foreground on [`NGINX_ADDR`], serving `root`, with its files under `tmp`.
fn start_nginx(tmp: &Path, root: &Path) -> std::io::Result<Child> {
    let prefix = tmp.join("nginx");
    std::fs::create_dir_all(prefix.join("logs"))?;
    let conf = prefix.join("nginx.conf");
    let p = prefix.display();
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nworker_processes 2;\npid {p}/nginx.pid;\nerror_log {p}/logs/error.log;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 1000000;\n\
             client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n  fastcgi_temp_path {p}/fastcgi;\n\
             uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n\
             types {{ video/mp2t ts; }}\n\
             server {{ listen {NGINX_ADDR}; location /hls/ {{ alias {}/; }} }}\n}}\n",
            root.display()
        ),
    )?;
    Command::new("/usr/sbin/nginx")
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(&conf)
        .stderr(Stdio::null())
        .spawn()
}

/// Waits (up to 20 s) until `url` answers with `size` bytes; panics otherwise.
fn wait_until_served(url: &str, server: &mut Child, size: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("the server for {url} exited: {status}");
        }
        let out = Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{size_download}",
                url,
            ])
            .output();
        if out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout) == format!("200 {size}")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{url} never answered with the segment");
}

/// Requests per second wrk measured; panics on errors or non-2xx answers.
fn wrk(url: &str, connections: u32, seconds: u32) -> f64 {
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            url,
        ])
        .output()
        .expect("wrk (deploy/bench-deps.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !text.contains("Non-2xx"),
        "wrk against {url}:\n{text}"
    );
    if let Some(errors) = text.lines().find(|l| l.contains("Socket errors")) {
        eprintln!("  wrk against {url}: {}", errors.trim());
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"))
}
