//! A shaping TCP proxy for the weak-link tests: a **fault injector** placed between a real
//! client (hls.js in Chromium, the ffmpeg CLI) and the real server, standing in for a poor
//! village link where `tc netem` is missing (this kernel has no netem qdisc, see
//! TOOLCHAIN.md). It forwards bytes unchanged and only decides *when* they pass:
//!
//! * bandwidth: one token bucket per direction, shared by every connection (one link, however
//!   many connections a player opens), refilled at the link's rate with a small depth;
//! * latency: each chunk is delivered half the round-trip time after it passed the bucket, in
//!   each direction, so a request and its answer gain the whole round trip;
//! * faults from a script made from a seed: *stalls* (the link passes nothing for a while) and
//!   *loss bursts*. A user-space proxy cannot drop a TCP segment — the kernel's TCP below it is
//!   reliable — so loss shows as what it costs a TCP stream: a chunk "lost" during a burst is
//!   held for a retransmission timeout before it and everything behind it on that direction
//!   passes.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{sleep, sleep_until, Instant};

/// Bytes read from one side before they are shaped as one chunk (16 ms at 2 Mbit/s).
const CHUNK: usize = 4096;
/// How long a lost chunk holds its stream: Linux's minimum retransmission timeout.
const RTO: Duration = Duration::from_millis(200);
/// Chunks in flight on one direction of one connection (the "wire"), at most.
const IN_FLIGHT: usize = 64;

/// What goes wrong on the link for a while.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FaultKind {
    /// Nothing passes, either way.
    Stall,
    /// Each chunk is lost with this probability (and comes through one RTO later).
    Loss(f64),
}

/// One scripted fault, from `at` after the proxy started, for `lasts`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fault {
    pub at: Duration,
    pub lasts: Duration,
    pub kind: FaultKind,
}

impl Fault {
    fn covers(&self, since_start: Duration) -> bool {
        since_start >= self.at && since_start < self.at + self.lasts
    }
}

/// The link a shaper imitates.
#[derive(Clone, Debug)]
pub struct Link {
    /// Server → client, bit/s.
    pub down_bps: u64,
    /// Client → server, bit/s.
    pub up_bps: u64,
    /// Added round-trip time (half each way).
    pub rtt: Duration,
    /// The faults, by start time.
    pub script: Vec<Fault>,
    /// Seeds the loss draws (the script is made from it too, by [`Link::weak`]).
    pub seed: u64,
}

impl Link {
    /// A village link: 2 Mbit/s down, 512 kbit/s up, 80 ms more round trip, and over
    /// `span` a fault every 6–14 s from 4 s on: a stall of 1–3 s or a 3–6 s burst of 20 %
    /// loss, drawn from `seed`.
    pub fn weak(seed: u64, span: Duration) -> Link {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut script = Vec::new();
        let mut at = Duration::from_secs(4);
        while at < span {
            let fault = if rng.gen_bool(0.5) {
                let lasts = Duration::from_millis(rng.gen_range(1_000..=3_000));
                Fault {
                    at,
                    lasts,
                    kind: FaultKind::Stall,
                }
            } else {
                let lasts = Duration::from_millis(rng.gen_range(3_000..=6_000));
                Fault {
                    at,
                    lasts,
                    kind: FaultKind::Loss(0.2),
                }
            };
            at += fault.lasts + Duration::from_millis(rng.gen_range(6_000..=14_000));
            script.push(fault);
        }
        Link {
            down_bps: 2_000_000,
            up_bps: 512_000,
            rtt: Duration::from_millis(80),
            script,
            seed,
        }
    }
}

/// What passed through a shaper.
#[derive(Clone, Copy, Debug, Default)]
pub struct Passed {
    pub connections: u64,
    pub bytes_down: u64,
    pub bytes_up: u64,
    /// Chunks held by a stall.
    pub stalled_chunks: u64,
    /// Chunks "lost" in a loss burst (each held one RTO).
    pub lost_chunks: u64,
}

impl std::fmt::Display for Passed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} connections, {:.1} MB down, {:.1} kB up, {} chunks held by stalls, {} lost",
            self.connections,
            self.bytes_down as f64 / 1e6,
            self.bytes_up as f64 / 1e3,
            self.stalled_chunks,
            self.lost_chunks
        )
    }
}

/// A running shaper: listens on loopback, forwards to `upstream`. Dropping it stops it and
/// cuts every connection through it.
pub struct Shaper {
    pub addr: SocketAddr,
    counters: Arc<Counters>,
    accept: tokio::task::JoinHandle<()>,
}

impl Shaper {
    /// Starts a shaper in front of `upstream` imitating `link`; the clock of its script
    /// starts now.
    pub async fn start(upstream: SocketAddr, link: Link) -> Shaper {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind shaper");
        let addr = listener.local_addr().expect("shaper addr");
        let counters = Arc::new(Counters::default());
        let origin = Instant::now();
        let down = Arc::new(Direction::new(&link, link.down_bps, origin, link.seed));
        let up = Arc::new(Direction::new(&link, link.up_bps, origin, !link.seed));
        let half_rtt = link.rtt / 2;
        let c = counters.clone();
        let accept = tokio::spawn(async move {
            // Aborting this task drops the set, which aborts every connection.
            let mut connections = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                c.connections.fetch_add(1, Ordering::Relaxed);
                let (down, up, c) = (down.clone(), up.clone(), c.clone());
                connections.spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = (client.set_nodelay(true), server.set_nodelay(true));
                    let (client_r, client_w) = client.into_split();
                    let (server_r, server_w) = server.into_split();
                    tokio::join!(
                        pipe(server_r, client_w, down, half_rtt, (&c, &c.bytes_down)),
                        pipe(client_r, server_w, up, half_rtt, (&c, &c.bytes_up)),
                    );
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Shaper {
            addr,
            counters,
            accept,
        }
    }

    /// `http://` + the shaper's address.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What has passed so far.
    pub fn passed(&self) -> Passed {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Passed {
            connections: get(&c.connections),
            bytes_down: get(&c.bytes_down),
            bytes_up: get(&c.bytes_up),
            stalled_chunks: get(&c.stalled),
            lost_chunks: get(&c.lost),
        }
    }
}

impl Drop for Shaper {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    bytes_down: AtomicU64,
    bytes_up: AtomicU64,
    stalled: AtomicU64,
    lost: AtomicU64,
}

/// One direction of the link: its bucket, the script and the loss draws.
struct Direction {
    bucket: Mutex<Bucket>,
    script: Vec<Fault>,
    origin: Instant,
    rng: Mutex<StdRng>,
}

/// A token bucket in bytes that may go into debt: a chunk takes its tokens at once and
/// waits until the debt is paid, so concurrent connections queue in turn.
struct Bucket {
    bytes_per_s: f64,
    depth: f64,
    tokens: f64,
    at: Instant,
}

impl Direction {
    fn new(link: &Link, bps: u64, origin: Instant, seed: u64) -> Direction {
        let bytes_per_s = bps.max(8) as f64 / 8.0;
        Direction {
            bucket: Mutex::new(Bucket {
                bytes_per_s,
                // A burst of at most 20 ms at the link's rate.
                depth: (bytes_per_s / 50.0).max(CHUNK as f64),
                tokens: 0.0,
                at: origin,
            }),
            script: link.script.clone(),
            origin,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// Waits until `n` bytes may go onto the wire: through any stall, any loss, then the
    /// bucket.
    async fn pass(&self, n: usize, counters: &Counters) {
        while let Some(end) = self.fault_end(FaultKind::Stall) {
            counters.stalled.fetch_add(1, Ordering::Relaxed);
            sleep_until(end).await;
        }
        if let Some(FaultKind::Loss(p)) = self.fault_now().map(|f| f.kind) {
            let lost = self
                .rng
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .gen_bool(p);
            if lost {
                counters.lost.fetch_add(1, Ordering::Relaxed);
                sleep(RTO).await;
            }
        }
        let wait = {
            let mut b = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let earned = (now - b.at).as_secs_f64() * b.bytes_per_s;
            b.tokens = (b.tokens + earned).min(b.depth) - n as f64;
            b.at = now;
            Duration::from_secs_f64((-b.tokens).max(0.0) / b.bytes_per_s)
        };
        sleep(wait).await;
    }

    fn fault_now(&self) -> Option<Fault> {
        let since = self.origin.elapsed();
        self.script.iter().copied().find(|f| f.covers(since))
    }

    /// When the fault of `kind` in progress ends, if one is.
    fn fault_end(&self, kind: FaultKind) -> Option<Instant> {
        let f = self.fault_now()?;
        let same = std::mem::discriminant(&f.kind) == std::mem::discriminant(&kind);
        same.then(|| self.origin + f.at + f.lasts)
    }
}

/// Forwards `from` to `to` through `link`, each chunk delivered `delay` after it passed the
/// bucket; the end of `from` becomes a shutdown of `to`. `bytes` counts what passed.
async fn pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    link: Arc<Direction>,
    delay: Duration,
    (counters, bytes): (&Counters, &AtomicU64),
) {
    let (tx, mut rx) = mpsc::channel::<(Instant, Vec<u8>)>(IN_FLIGHT);
    let reader = async move {
        let mut buf = vec![0u8; CHUNK];
        while let Ok(n) = from.read(&mut buf).await {
            if n == 0 {
                break;
            }
            link.pass(n, counters).await;
            bytes.fetch_add(n as u64, Ordering::Relaxed);
            if tx
                .send((Instant::now() + delay, buf[..n].to_vec()))
                .await
                .is_err()
            {
                break;
            }
        }
    };
    // Owns the receiving end: when the client is gone, the reader's next send fails.
    let writer = async move {
        while let Some((due, data)) = rx.recv().await {
            sleep_until(due).await;
            if to.write_all(&data).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}
