//! `dianjiao bench dlna`: a TV paging through a 2,000-film folder (全部影片) by Browse, 50
//! at a time, over HTTP on loopback against the in-process server — side by side with the
//! same server's JSON listing of the same films page by page (`GET /api/v1/films?per_page=50`),
//! the reference. Latency per request, p50 and p99; the target is p99 < 20 ms.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use media_catalog::{Film, FilmId, MediaInfo, StreamInfo, StreamKind};

use crate::prepare::load_average;
use crate::support::{bench_settings, cleanup, exe, tempdir, InProcess};
use dianjiao::app::App;
use dianjiao::cli::CliError;
use dianjiao::config::Settings;

/// Films per page, as a TV asks.
const PAGE: usize = 50;
/// Passes over every page, per side (after one warm-up pass).
const PASSES: usize = 5;

/// Browse latency of a `films`-film folder against the JSON listing of the same films.
pub fn dlna(films: usize) -> Result<(), CliError> {
    let tmp = tempdir();
    let settings = Settings {
        dlna: true,
        ..bench_settings(&tmp.join("data"))
    };
    let app = Arc::new(App::open(settings, exe())?);
    fill_catalog(&app, films);
    let server = InProcess::start(app.clone())?;
    let addr = server.addr;
    let mut conn = Conn::open(addr);
    let pages = films.div_ceil(PAGE);
    let first = time(|| conn.browse(0));
    let (mut ours, mut reference) = (Vec::new(), Vec::new());
    for pass in 0..=PASSES {
        for page in 0..pages {
            let b = time(|| conn.browse(page * PAGE));
            let r = time(|| conn.films(page + 1));
            // The first pass warms caches on both sides and is not counted.
            if pass > 0 {
                ours.push(b);
                reference.push(r);
            }
        }
    }
    println!(
        "DLNA browse benchmark: {films} films in one folder, paged by {PAGE} over HTTP/1.1 \
         keep-alive on loopback, {PASSES} passes ({} requests per side), load average {}",
        ours.len(),
        load_average()
    );
    println!(
        "  first Browse after the catalog changed (builds the tree): {:>7.2} ms",
        ms(first)
    );
    let line = |label: &str, v: &mut Vec<Duration>| {
        v.sort();
        let (p50, p99) = (percentile(v, 0.50), percentile(v, 0.99));
        println!(
            "  {label} p50 {:>6.2} ms   p99 {:>6.2} ms",
            ms(p50),
            ms(p99)
        );
        p99
    };
    let reference_p99 = line(
        "reference  GET /api/v1/films?per_page=50&page=N (JSON):     ",
        &mut reference,
    );
    let ours_p99 = line(
        "dianjiao   SOAP Browse all, StartingIndex=N*50, Count=50:   ",
        &mut ours,
    );
    let verdict = if ours_p99 < Duration::from_millis(20) {
        "met"
    } else {
        "NOT met"
    };
    println!(
        "  p99 target < 20 ms: {verdict}; p99 ours / reference = {:.2}",
        ours_p99.as_secs_f64() / reference_p99.as_secs_f64().max(1e-9)
    );
    drop(conn);
    server.stop();
    cleanup(&tmp);
    Ok(())
}

/// `films` H.264/AAC MP4 films (playable by DLNA TVs as they are), straight into the catalog.
fn fill_catalog(app: &App, films: usize) {
    for n in 0..films {
        let mut film = Film::bare(FilmId::new_random(), &format!("党章电视教材 第{}集", n + 1));
        film.series = Some("党章电视教材".into());
        film.episode = Some(n as u32 + 1);
        film.themes = vec!["党章".into()];
        film.year = Some(2005);
        film.added_at = n as i64;
        film.source.name = format!("党章电视教材 第{}集.mp4", n + 1);
        film.source.fingerprint.size = 300 << 20;
        film.media = Some(media());
        app.catalog.put(&film).expect("a catalog write");
    }
    app.catalog.commit().expect("a catalog commit");
}

fn media() -> MediaInfo {
    let stream = |kind, codec: &str| StreamInfo {
        kind: Some(kind),
        codec: codec.into(),
        ..StreamInfo::default()
    };
    MediaInfo {
        container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
        duration_s: 1800.0,
        bit_rate: Some(1_400_000),
        streams: vec![
            StreamInfo {
                width: Some(720),
                height: Some(576),
                profile: Some("Main".into()),
                ..stream(StreamKind::Video, "h264")
            },
            stream(StreamKind::Audio, "aac"),
        ],
        ..MediaInfo::default()
    }
}

/// One keep-alive connection, as a TV holds it.
struct Conn {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect to the bench server");
        stream.set_nodelay(true).expect("nodelay");
        Conn {
            addr,
            reader: BufReader::new(stream),
        }
    }

    fn browse(&mut self, start: usize) {
        let body = format!(
            "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">\
             <s:Body><u:Browse xmlns:u=\"urn:schemas-upnp-org:service:ContentDirectory:1\">\
             <ObjectID>all</ObjectID><BrowseFlag>BrowseDirectChildren</BrowseFlag><Filter>*</Filter>\
             <StartingIndex>{start}</StartingIndex><RequestedCount>{PAGE}</RequestedCount>\
             <SortCriteria></SortCriteria></u:Browse></s:Body></s:Envelope>"
        );
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/xml; charset=\"utf-8\"\r\n\
             SOAPACTION: \"urn:schemas-upnp-org:service:ContentDirectory:1#Browse\"\r\n\
             Content-Length: {}\r\n\r\n",
            dianjiao::dlna::CDS_CONTROL_PATH,
            self.addr,
            body.len()
        );
        self.exchange(&(head + &body));
    }

    fn films(&mut self, page: usize) {
        let req = format!(
            "GET /api/v1/films?per_page={PAGE}&page={page} HTTP/1.1\r\nHost: {}\r\n\r\n",
            self.addr
        );
        self.exchange(&req);
    }

    /// Sends a request and reads the whole answer (its `Content-Length`); panics on anything
    /// but 200, so a failing side cannot look fast.
    fn exchange(&mut self, request: &str) {
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .expect("send");
        let mut status = String::new();
        self.reader.read_line(&mut status).expect("status line");
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    len = value.trim().parse().expect("a length");
                }
            }
        }
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).expect("body");
    }
}

fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `q` quantile of sorted durations (nearest rank).
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
