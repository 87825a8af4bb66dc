//! `dianjiao bench serve`: requests per second for one HLS segment from `dianjiao serve`
//! against nginx (sendfile) serving the same bytes, both loaded by wrk on this machine, and
//! the CPU time each request cost the server and wrk — steadier than requests/s when other
//! work shares the cores. The same nginx also serves the file with sendfile off (read +
//! write, a copy through user space as every actix-web body makes) as a control: it shows
//! how much of the gap is sendfile alone. nginx and wrk come from `deploy/bench-deps.sh`
//! (benchmarks only).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dianjiao::app::App;
use dianjiao::library::Quiet;
use dianjiao::media::{ClipSpec, Reply, Request};

use crate::prepare::load_average;
use crate::support::{bench_settings, children_of, cleanup, exe, server_exe, tempdir, ChildServer};
use dianjiao::cli::CliError;

const OURS_ADDR: &str = "127.0.0.1:18090";
const NGINX_ADDR: &str = "127.0.0.1:18091";
/// The same nginx with `sendfile off`.
const NGINX_COPY_ADDR: &str = "127.0.0.1:18092";
/// The segment size aimed at, bytes (a 6 s segment of a modest 480p film); the segment
/// nearest it is served.
const SEGMENT_BYTES: u64 = 440_000;
/// Rounds of (nginx, nginx without sendfile, ours); each side's best round is reported.
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
    let mut ours = ChildServer(
        Command::new(server_exe())
            .args(["serve", "--listen", OURS_ADDR, "--data"])
            .arg(&data)
            .env("DIANJIAO_LOG", "warn")
            .spawn()
            .map_err(CliError::Serve)?,
    );
    let mut nginx = ChildServer(start_nginx(&tmp, &static_root).map_err(CliError::Serve)?);
    let [ours_url, nginx_url, copy_url] =
        [OURS_ADDR, NGINX_ADDR, NGINX_COPY_ADDR].map(|addr| format!("http://{addr}{url_path}"));
    wait_until_served(&ours_url, &mut ours.0, size);
    wait_until_served(&nginx_url, &mut nginx.0, size);
    wait_until_served(&copy_url, &mut nginx.0, size);
    // nginx's workers have started by now; its master only watches them.
    let nginx_workers = children_of(nginx.0.id());
    let mut sides = [
        Side::new(nginx_url, nginx_workers.clone()),
        Side::new(copy_url, nginx_workers),
        Side::new(ours_url, vec![ours.0.id()]),
    ];
    for _ in 0..ROUNDS {
        for side in &mut sides {
            side.load(connections, seconds);
        }
    }
    drop((ours, nginx));
    println!(
        "serving benchmark: GET {url_path} ({size} bytes), wrk -t2 -c{connections} -d{seconds}s, \
         best of {ROUNDS}, same machine, load average {}",
        load_average()
    );
    report(&sides, size);
    cleanup(&tmp);
    Ok(())
}

/// What each line of the report is about, in the order of [`serve`]'s sides.
const LABELS: [&str; 3] = [
    "reference  nginx, sendfile on, 2 workers, access log off:",
    "control    the same nginx, sendfile off (read + write):  ",
    "dianjiao   dianjiao serve (/hls/… route):                ",
];

/// Requests per second, then the CPU time each request cost, and the ratios of both.
fn report(sides: &[Side; 3], size: u64) {
    for (label, side) in LABELS.iter().zip(sides) {
        let rps = side.requests_per_s;
        let mb_s = rps * size as f64 / 1e6;
        println!("  {label} {rps:>9.0} requests/s ({mb_s:.0} MB/s)");
    }
    let [reference, control, ours] = sides;
    let ratio = ours.requests_per_s / reference.requests_per_s;
    let verdict = if ratio >= 0.8 { "met" } else { "NOT met" };
    println!(
        "  ratio      ours / reference = {ratio:.2} (target >= 0.8: {verdict}); ours / control = {:.2}",
        ours.requests_per_s / control.requests_per_s
    );
    println!(
        "CPU time per request, least of {ROUNDS} (wrk and the server share the cores, so the sum \
         sets the requests/s of an otherwise idle machine):"
    );
    for (label, side) in LABELS.iter().zip(sides) {
        let (server, wrk) = side.cpu_us;
        let name = label.split(':').next().unwrap_or(label);
        println!(
            "  {name:<56} server {server:>5.1} µs + wrk {wrk:>5.1} µs = {:>5.1} µs",
            server + wrk
        );
    }
    println!(
        "  ratio      reference / ours = {:.2} (requests/s ours / reference, with the cores to themselves)",
        reference.cpu_total_us() / ours.cpu_total_us()
    );
}

/// One server under load: its URL, the processes whose CPU time is its, and its best round.
struct Side {
    url: String,
    pids: Vec<u32>,
    requests_per_s: f64,
    /// CPU µs per request of (the server, wrk) in the round where their sum was least.
    cpu_us: (f64, f64),
}

impl Side {
    fn new(url: String, pids: Vec<u32>) -> Side {
        Side {
            url,
            pids,
            requests_per_s: 0.0,
            cpu_us: (f64::INFINITY, f64::INFINITY),
        }
    }

    /// One wrk run; keeps the best requests/s and the least CPU time per request.
    fn load(&mut self, connections: u32, seconds: u32) {
        let server_before = cpu_ticks(&self.pids);
        let wrk_before = waited_children_ticks();
        let (rps, requests) = wrk(&self.url, connections, seconds);
        let per_request = |ticks: u64| ticks as f64 / TICKS_PER_S * 1e6 / requests.max(1) as f64;
        let cpu_us = (
            per_request(cpu_ticks(&self.pids) - server_before),
            per_request(waited_children_ticks() - wrk_before),
        );
        self.requests_per_s = self.requests_per_s.max(rps);
        if cpu_us.0 + cpu_us.1 < self.cpu_total_us() {
            self.cpu_us = cpu_us;
        }
    }

    fn cpu_total_us(&self) -> f64 {
        self.cpu_us.0 + self.cpu_us.1
    }
}

/// Clock ticks per second in `/proc` (USER_HZ, 100 on every Linux this runs on).
pub(super) const TICKS_PER_S: f64 = 100.0;

/// User + system CPU ticks of `pids`, all their threads included.
pub(super) fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .map(|pid| stat_fields(&format!("/proc/{pid}/stat"), [11, 12]))
        .sum()
}

/// User + system CPU ticks of this process's children that have been waited for: wrk.
pub(super) fn waited_children_ticks() -> u64 {
    stat_fields("/proc/self/stat", [13, 14])
}

/// The sum of two numeric fields of a `/proc/…/stat` file, counted from the state field
/// after the command name (which may hold spaces); 0 when unreadable.
fn stat_fields(path: &str, at: [usize; 2]) -> u64 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let after_name = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    at.iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum()
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

/// nginx in the foreground serving `root` on [`NGINX_ADDR`] with sendfile and on
/// [`NGINX_COPY_ADDR`] without, with its files under `tmp`.
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
             server {{ listen {NGINX_ADDR}; location /hls/ {{ alias {root}/; }} }}\n\
             server {{ listen {NGINX_COPY_ADDR}; sendfile off; output_buffers 1 256k;\n\
             location /hls/ {{ alias {root}/; }} }}\n}}\n",
            root = root.display()
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

/// Requests per second and requests in all that wrk measured; panics on errors or
/// non-2xx answers.
fn wrk(url: &str, connections: u32, seconds: u32) -> (f64, u64) {
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
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok());
    // "  123456 requests in 10.00s, 26.10GB read"
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next()?.parse().ok());
    match (rps, requests) {
        (Some(rps), Some(requests)) => (rps, requests),
        _ => panic!("no Requests/sec or request count in wrk's output:\n{text}"),
    }
}
