//! SSDP discovery: `ssdp:alive` on the LAN interfaces and, for routed villages, by unicast to
//! every registered station address; searches answered by unicast, only to on-link or
//! registered sources, within a per-source limit; `ssdp:byebye` on shutdown.

mod limit;
pub mod message;
pub(crate) mod net;

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rand::Rng;
use tokio::sync::{oneshot, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{sleep, sleep_until, Instant};

use crate::config::Settings;
use crate::stations::Stations;
use limit::SearchLimit;
use message::{parse_search, Device, GROUP, PORT};
use net::{Interface, Sockets};

/// Without a usable interface, look again this often.
const RETRY: Duration = Duration::from_secs(10);
/// New registered addresses get an `alive`, and changed interfaces (a new DHCP lease, a
/// cable plugged in) are taken up, within this long.
const REGISTRY_POLL: Duration = Duration::from_secs(5);
/// Answers waiting for their random delay, at most (each source has its own limit too).
const PENDING_ANSWERS: usize = 256;

/// What SSDP needs from the settings.
#[derive(Clone, Debug)]
pub struct SsdpConfig {
    pub device: Device,
    /// Interface names; empty: every non-loopback IPv4 interface that is up.
    pub interfaces: Vec<String>,
    /// The one address the HTTP server listens on, when it is not all of them: only the
    /// interface with this address is used (a `LOCATION` elsewhere would not answer).
    pub only_address: Option<Ipv4Addr>,
}

impl SsdpConfig {
    /// From the settings and the address the HTTP server listens on.
    pub fn new(settings: &Settings, listen: SocketAddr) -> std::io::Result<SsdpConfig> {
        let only_address = match listen.ip() {
            IpAddr::V4(ip) if !ip.is_unspecified() => Some(ip),
            _ => None,
        };
        Ok(SsdpConfig {
            only_address,
            device: Device {
                uuid: crate::dlna::identity::device_uuid(&settings.data)?,
                http_port: listen.port(),
                max_age_secs: settings.dlna_max_age_secs.clamp(60, 86_400),
                server: message::server_string(),
            },
            interfaces: settings.dlna_interfaces.clone(),
        })
    }
}

impl SsdpConfig {
    /// The interfaces to use now.
    pub(crate) fn current_interfaces(&self) -> Vec<Interface> {
        let mut found = net::interfaces(&self.interfaces);
        if let Some(only) = self.only_address {
            found.retain(|i| i.addr == only);
        }
        found
    }
}

/// The running SSDP service.
pub struct Ssdp {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Ssdp {
    /// Starts announcing and answering, on the current tokio runtime.
    pub fn start(config: SsdpConfig, stations: Arc<Stations>) -> Ssdp {
        let (stop, stopped) = oneshot::channel();
        let shared = Arc::new(Shared {
            config,
            stations,
            limit: Mutex::default(),
            pending: Arc::new(Semaphore::new(PENDING_ANSWERS)),
        });
        let task = tokio::spawn(run(shared, stopped));
        Ssdp { stop, task }
    }

    /// Says `ssdp:byebye` and stops.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

struct Shared {
    config: SsdpConfig,
    stations: Arc<Stations>,
    limit: Mutex<SearchLimit>,
    pending: Arc<Semaphore>,
}

enum Outcome {
    Stopped,
    InterfacesChanged,
}

async fn run(shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let mut waiting_said = false;
    loop {
        let ifaces = shared.config.current_interfaces();
        let bound = match ifaces.is_empty() {
            true => Err(std::io::Error::other("no LAN interface is up")),
            false => Sockets::bind(&ifaces),
        };
        let sockets = match bound {
            Ok(s) => Arc::new(s),
            Err(e) => {
                if !std::mem::replace(&mut waiting_said, true) {
                    tracing::warn!(error = %e, "DLNA discovery (SSDP) waits for a usable LAN interface");
                }
                tokio::select! {
                    _ = &mut stop => return,
                    _ = sleep(RETRY) => continue,
                }
            }
        };
        waiting_said = false;
        let names: Vec<String> = sockets.each.iter().map(|(i, _)| i.to_string()).collect();
        tracing::info!(interfaces = ?names, "DLNA discovery (SSDP) on UDP 1900");
        let mut receivers = JoinSet::new();
        receivers.spawn(receive(shared.clone(), sockets.clone(), None));
        for i in 0..sockets.each.len() {
            receivers.spawn(receive(shared.clone(), sockets.clone(), Some(i)));
        }
        let outcome = serve(&shared, &sockets, &ifaces, &mut stop).await;
        receivers.abort_all();
        match outcome {
            Outcome::Stopped => {
                byebye(&shared, &sockets).await;
                return;
            }
            Outcome::InterfacesChanged => tracing::info!("SSDP: the LAN interfaces changed"),
        }
    }
}

/// Announces until stopped or until the interfaces change.
async fn serve(
    shared: &Shared,
    sockets: &Sockets,
    ifaces: &[Interface],
    stop: &mut oneshot::Receiver<()>,
) -> Outcome {
    let mut next_round = Instant::now();
    // Two more rounds soon after the first: datagrams get lost.
    let mut quick_rounds = 2;
    let mut announced: HashSet<Ipv4Addr> = HashSet::new();
    let mut poll = tokio::time::interval(REGISTRY_POLL);
    loop {
        tokio::select! {
            _ = &mut *stop => return Outcome::Stopped,
            _ = sleep_until(next_round) => {
                for (iface, socket) in &sockets.each {
                    let to = SocketAddr::V4(SocketAddrV4::new(GROUP, PORT));
                    for t in shared.config.device.all_targets() {
                        let msg = shared.config.device.alive(&t, iface.addr, to);
                        send(socket, &msg, to).await;
                    }
                }
                announced = registered(&shared.stations);
                for ip in &announced {
                    unicast_alive(shared, sockets, *ip).await;
                }
                next_round = Instant::now() + next_interval(&shared.config.device, &mut quick_rounds);
            }
            _ = poll.tick() => {
                if shared.config.current_interfaces() != ifaces {
                    return Outcome::InterfacesChanged;
                }
                let now = registered(&shared.stations);
                for ip in now.difference(&announced) {
                    unicast_alive(shared, sockets, *ip).await;
                }
                announced = now;
            }
        }
    }
}

/// A third of max-age, less up to a fifth at random (so servers do not announce in step).
fn next_interval(device: &Device, quick_rounds: &mut u32) -> Duration {
    if *quick_rounds > 0 {
        *quick_rounds -= 1;
        return Duration::from_secs(2);
    }
    let third = device.max_age_secs as f64 / 3.0;
    Duration::from_secs_f64(third * rand::thread_rng().gen_range(0.8..=1.0))
}

/// The IPv4 addresses registered to stations that are not retired.
pub(crate) fn registered(stations: &Stations) -> HashSet<Ipv4Addr> {
    let list = match stations.list() {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = %e, "SSDP: cannot read the stations' addresses");
            return HashSet::new();
        }
    };
    list.iter()
        .filter(|s| !s.is_retired())
        .flat_map(|s| stations.addresses(&s.id).unwrap_or_default())
        .filter_map(|a| match a.address.parse::<IpAddr>() {
            Ok(IpAddr::V4(v4)) => Some(v4),
            _ => None,
        })
        .collect()
}

/// The `alive` set by unicast to a TV in a routed village (multicast does not reach it).
async fn unicast_alive(shared: &Shared, sockets: &Sockets, ip: Ipv4Addr) {
    let Some(local) = net::local_toward(ip) else {
        tracing::debug!(%ip, "SSDP: no route to a registered address");
        return;
    };
    let to = SocketAddr::V4(SocketAddrV4::new(ip, PORT));
    for t in shared.config.device.all_targets() {
        let msg = shared.config.device.alive(&t, local, to);
        send(sockets.socket_for(local), &msg, to).await;
    }
}

async fn byebye(shared: &Shared, sockets: &Sockets) {
    let device = &shared.config.device;
    let group = SocketAddr::V4(SocketAddrV4::new(GROUP, PORT));
    for (_, socket) in &sockets.each {
        for t in device.all_targets() {
            send(socket, &device.byebye(&t, group), group).await;
        }
    }
    for ip in registered(&shared.stations) {
        let to = SocketAddr::V4(SocketAddrV4::new(ip, PORT));
        let local = net::local_toward(ip).unwrap_or(Ipv4Addr::UNSPECIFIED);
        for t in device.all_targets() {
            send(sockets.socket_for(local), &device.byebye(&t, to), to).await;
        }
    }
}

async fn send(socket: &tokio::net::UdpSocket, msg: &str, to: SocketAddr) {
    if let Err(e) = socket.send_to(msg.as_bytes(), to).await {
        tracing::debug!(%to, error = %e, "SSDP: send failed");
    }
}

/// Reads searches from one socket: the group's (`None`) or an interface's.
async fn receive(shared: Arc<Shared>, sockets: Arc<Sockets>, which: Option<usize>) {
    let mut buf = vec![0u8; message::MAX_PACKET + 1];
    loop {
        let socket = match which {
            None => &sockets.group,
            Some(i) => &sockets.each[i].1,
        };
        match socket.recv_from(&mut buf).await {
            Ok((n, SocketAddr::V4(src))) => on_packet(&shared, &sockets, which, &buf[..n], src),
            Ok(_) => {}
            Err(e) => {
                tracing::debug!(error = %e, "SSDP: receive failed");
                sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Answers a search when its source may be answered, after a random delay within MX for a
/// multicast search (a unicast one needs no MX and is answered at once, UDA 1.1).
fn on_packet(
    shared: &Arc<Shared>,
    sockets: &Arc<Sockets>,
    which: Option<usize>,
    packet: &[u8],
    src: SocketAddrV4,
) {
    let search = match parse_search(packet) {
        Ok(s) => s,
        Err(why) => {
            tracing::trace!(%src, %why, "SSDP: packet ignored");
            return;
        }
    };
    let ip = *src.ip();
    if !admitted(shared, sockets, ip) {
        return;
    }
    let delay_s = match (which, search.mx) {
        (None, None) => return,
        (None, Some(mx)) => mx,
        (Some(_), _) => 0,
    };
    let answers = shared.config.device.answers(&search.target);
    if answers.is_empty() {
        return;
    }
    let Ok(permit) = shared.pending.clone().try_acquire_owned() else {
        return;
    };
    let local = match which {
        Some(i) => Some(sockets.each[i].0.addr),
        None => sockets
            .on_link(ip)
            .map(|i| i.addr)
            .or_else(|| net::local_toward(ip)),
    };
    let Some(local) = local else { return };
    let delay = Duration::from_millis(rand::thread_rng().gen_range(0..=delay_s * 1000));
    let (shared, sockets) = (shared.clone(), sockets.clone());
    tokio::spawn(async move {
        let _permit = permit;
        sleep(delay).await;
        let date = httpdate::fmt_http_date(SystemTime::now());
        let socket = sockets.socket_for(local);
        for t in answers {
            let msg = shared.config.device.answer(&t, local, &date);
            send(socket, &msg, SocketAddr::V4(src)).await;
        }
    });
}

/// Whether a search from `ip` may be answered: the source is on-link or a registered
/// station address, and within the search limits (counted here).
fn admitted(shared: &Shared, sockets: &Sockets, ip: Ipv4Addr) -> bool {
    let registered = || {
        matches!(
            shared.stations.station_for_address(IpAddr::V4(ip)),
            Ok(Some(_))
        )
    };
    if sockets.on_link(ip).is_none() && !registered() {
        tracing::debug!(%ip, "SSDP: search from an off-link, unregistered address ignored");
        return false;
    }
    let mut limit = shared.limit.lock().unwrap_or_else(|e| e.into_inner());
    limit.allow(IpAddr::V4(ip), std::time::Instant::now())
}
