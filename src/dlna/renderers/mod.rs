//! TV renderers (`MediaRenderer:1`) the server can push films to: found by searching the LAN
//! interfaces and the registered station addresses every `dlna_renderer_search_secs`
//! ([`search`]), each described by its own device description ([`describe`]), and remembered
//! by UDN with the station whose registered address it has. Renderers a search cannot find
//! (routed villages) are registered by the office with their description's location
//! ([`known`]) and read again each round. The renderers seen are pushable while in memory;
//! each station's are also kept in the store ([`known`]: name, last seen, last used), so the
//! office still sees them after a restart, until a search round finds them again.

pub mod avt;
pub mod describe;
pub mod known;
pub mod limits;
pub mod push;
pub mod search;
pub mod status;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::dlna::ssdp::{self, SsdpConfig};
use crate::stations::Stations;

/// At most this many renderers are remembered; the longest unseen goes first.
const MAX_RENDERERS: usize = 1024;

/// A renderer as the API shows it, with what pushing to it needs.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Renderer {
    /// Its UDN (`uuid:…`).
    pub id: String,
    /// Its friendly name, as the TV calls itself.
    pub name: String,
    pub address: Ipv4Addr,
    /// When it last answered a search (RFC 3339, UTC).
    pub last_seen: String,
    /// The description's location, for a renderer the office registered by it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// When a film was last pushed to it (RFC 3339, UTC), kept across restarts.
    pub last_used: Option<String>,
    /// Seen by a search since the server started (false: known from before, not seen yet).
    pub present: bool,
    /// The station whose registered address it has, if any.
    #[serde(skip)]
    pub station_id: Option<String>,
    /// AVTransport's control URL.
    #[serde(skip)]
    pub av_transport: String,
    /// RenderingControl's control URL (volume), if it has one.
    #[serde(skip)]
    pub rendering_control: Option<String>,
    #[serde(skip)]
    seen_ms: i64,
}

impl Renderer {
    /// A renderer known from the store and not seen since the start: listed, not pushable.
    fn absent(s: known::Stored) -> Renderer {
        Renderer {
            id: s.id,
            name: s.name,
            address: s.address.parse().unwrap_or(Ipv4Addr::UNSPECIFIED),
            last_seen: s.last_seen,
            location: s.location,
            last_used: s.last_used,
            present: false,
            station_id: Some(s.station_id),
            av_transport: String::new(),
            rendering_control: None,
            seen_ms: 0,
        }
    }
}

/// The renderers seen, by UDN, and (with a store) the locations registered for them.
#[derive(Default)]
pub struct Renderers {
    seen: Mutex<HashMap<String, Renderer>>,
    known: Option<known::Known>,
}

impl Renderers {
    /// Renderers kept in `db` (each station's, and registered locations) as well as in memory.
    pub fn open(db: &sled::Db) -> Result<Renderers, known::KnownError> {
        Ok(Renderers {
            seen: Mutex::default(),
            known: Some(known::Known::open(db)?),
        })
    }

    /// The store (none for renderers kept in memory only).
    pub fn known(&self) -> Option<&known::Known> {
        self.known.as_ref()
    }

    /// The renderers at `station`'s addresses, by name.
    pub fn for_station(&self, station_id: &str) -> Vec<Renderer> {
        let seen = self.lock();
        let mut list: Vec<Renderer> = seen
            .values()
            .filter(|r| r.station_id.as_deref() == Some(station_id))
            .cloned()
            .collect();
        list.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        list
    }

    /// One renderer by UDN.
    pub fn get(&self, id: &str) -> Option<Renderer> {
        self.lock().get(id).cloned()
    }

    /// Remembers what a search round found at `address` (from a registered `location`).
    pub fn remember(
        &self,
        d: describe::Description,
        address: Ipv4Addr,
        station: Option<String>,
        location: Option<String>,
    ) -> Renderer {
        let now = time::OffsetDateTime::now_utc();
        let renderer = Renderer {
            id: d.udn,
            name: d.friendly_name,
            address,
            last_seen: known::now(),
            location,
            last_used: None,
            present: true,
            station_id: station,
            av_transport: d.av_transport,
            rendering_control: d.rendering_control,
            seen_ms: (now.unix_timestamp_nanos() / 1_000_000) as i64,
        };
        let mut seen = self.lock();
        // Found by a search as well as at its registered location: it keeps the location.
        let renderer = match (&renderer.location, seen.get(&renderer.id)) {
            (None, Some(old)) => Renderer {
                location: old.location.clone(),
                ..renderer
            },
            _ => renderer,
        };
        if seen.len() >= MAX_RENDERERS && !seen.contains_key(&renderer.id) {
            let oldest = seen
                .values()
                .min_by_key(|r| r.seen_ms)
                .map(|r| r.id.clone());
            if let Some(oldest) = oldest {
                seen.remove(&oldest);
            }
        }
        seen.insert(renderer.id.clone(), renderer.clone());
        drop(seen);
        self.keep(&renderer);
        renderer
    }

    /// Keeps a station's renderer in the store (a small sled write: no flush).
    fn keep(&self, r: &Renderer) {
        let (Some(known), Some(station)) = (&self.known, &r.station_id) else {
            return;
        };
        let stored = known::Stored {
            v: 1,
            station_id: station.clone(),
            id: r.id.clone(),
            name: r.name.clone(),
            address: r.address.to_string(),
            last_seen: r.last_seen.clone(),
            last_used: None,
            location: r.location.clone(),
        };
        if let Err(e) = known.seen(stored) {
            tracing::warn!(error = %e, "a renderer could not be kept in the store");
        }
    }

    /// Notes in the store that a film was pushed to `r` (blocking: a sled flush).
    pub fn used(&self, r: &Renderer) {
        if let (Some(known), Some(station)) = (&self.known, &r.station_id) {
            if let Err(e) = known.used(station, &r.id) {
                tracing::warn!(error = %e, "a renderer's last use could not be kept");
            }
        }
    }

    /// The station's renderers for the list: those seen since the start, with their last
    /// use; with `absent`, also those known from before and not seen since (blocking: reads
    /// the store).
    pub fn listing(
        &self,
        station_id: &str,
        absent: bool,
    ) -> Result<Vec<Renderer>, known::KnownError> {
        let mut list = self.for_station(station_id);
        let stored = match &self.known {
            Some(k) => k.of_station(station_id)?,
            None => Vec::new(),
        };
        for s in stored {
            match list.iter_mut().find(|r| r.id == s.id) {
                Some(r) => r.last_used = s.last_used,
                None if absent => list.push(Renderer::absent(s)),
                None => {}
            }
        }
        list.sort_by(|a, b| (!a.present, &a.name, &a.id).cmp(&(!b.present, &b.name, &b.id)));
        Ok(list)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Renderer>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The HTTP client for renderers: no redirects (nothing is fetched from anywhere but the
/// renderer's own address), no proxy, and a new connection for every call (TVs' small HTTP
/// servers close kept-alive connections without saying so).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap_or_default()
}

/// The running search.
pub struct Discovery {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Discovery {
    /// Searches every `every` on the current tokio runtime until stopped.
    pub fn start(
        config: SsdpConfig,
        stations: Arc<Stations>,
        renderers: Arc<Renderers>,
        every: Duration,
    ) -> Discovery {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let client = client();
            loop {
                let round = search_round(&config, &stations, &renderers, &client);
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = round => {}
                }
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = tokio::time::sleep(every) => {}
                }
            }
        });
        Discovery { stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// One search, and the descriptions of those that answered from an on-link or registered
/// address.
async fn search_round(
    config: &SsdpConfig,
    stations: &Stations,
    renderers: &Renderers,
    client: &reqwest::Client,
) {
    let interfaces = config.current_interfaces();
    let registered: Vec<Ipv4Addr> = ssdp::registered(stations).into_iter().collect();
    let found = search::round(&interfaces, &registered).await;
    for (ip, location) in found {
        let station = stations.station_for_address(IpAddr::V4(ip)).ok().flatten();
        let on_link = interfaces.iter().any(|i| i.contains(ip));
        if station.is_none() && !on_link {
            tracing::debug!(%ip, "renderer search: answer from an off-link, unregistered address ignored");
            continue;
        }
        let described = match describe::location_at(&location, ip) {
            Ok(url) => describe::fetch(client, &url).await,
            Err(e) => Err(e),
        };
        match described {
            Ok(d) => {
                renderers.remember(d, ip, station, None);
            }
            Err(why) => tracing::debug!(%ip, %location, %why, "renderer left out"),
        }
    }
    read_registered(stations, renderers, client).await;
}

/// Reads the registered locations' descriptions again; each is kept for the station its
/// address is registered to now (none: left out).
async fn read_registered(stations: &Stations, renderers: &Renderers, client: &reqwest::Client) {
    let Some(known) = renderers.known() else {
        return;
    };
    let registered = match known.locations() {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = %e, "renderer search: cannot read the registered locations");
            return;
        }
    };
    for r in registered {
        let Ok((url, ip)) = describe::registrable(&r.location) else {
            continue;
        };
        let station = stations.station_for_address(IpAddr::V4(ip)).ok().flatten();
        if station.is_none() {
            tracing::debug!(location = %r.location, "a registered TV location whose address is no station's any more is left out");
            continue;
        }
        match describe::fetch(client, &url).await {
            Ok(d) => {
                renderers.remember(d, ip, station, Some(r.location));
            }
            Err(why) => {
                tracing::info!(location = %r.location, %why, "a registered TV did not give its description")
            }
        }
    }
}
