//! TV renderers (`MediaRenderer:1`) the server can push films to: found by searching the LAN
//! interfaces and the registered station addresses every `dlna_renderer_search_secs`
//! ([`search`]), each described by its own device description ([`describe`]), and remembered
//! by UDN with the station whose registered address it has. Remembered in memory only: after
//! a restart the first search round (a few seconds) finds them again.

pub mod avt;
pub mod describe;
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
    /// The station whose registered address it has, if any.
    #[serde(skip)]
    pub station_id: Option<String>,
    /// AVTransport's control URL.
    #[serde(skip)]
    pub av_transport: String,
    #[serde(skip)]
    seen_ms: i64,
}

/// The renderers seen, by UDN.
#[derive(Default)]
pub struct Renderers {
    seen: Mutex<HashMap<String, Renderer>>,
}

impl Renderers {
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

    /// Remembers what a search round found at `address`.
    pub fn remember(&self, d: describe::Description, address: Ipv4Addr, station: Option<String>) {
        let now = time::OffsetDateTime::now_utc();
        let renderer = Renderer {
            id: d.udn,
            name: d.friendly_name,
            address,
            last_seen: now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            station_id: station,
            av_transport: d.av_transport,
            seen_ms: (now.unix_timestamp_nanos() / 1_000_000) as i64,
        };
        let mut seen = self.lock();
        if seen.len() >= MAX_RENDERERS && !seen.contains_key(&renderer.id) {
            let oldest = seen
                .values()
                .min_by_key(|r| r.seen_ms)
                .map(|r| r.id.clone());
            if let Some(oldest) = oldest {
                seen.remove(&oldest);
            }
        }
        seen.insert(renderer.id.clone(), renderer);
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
            Ok(d) => renderers.remember(d, ip, station),
            Err(why) => tracing::debug!(%ip, %location, %why, "renderer left out"),
        }
    }
}
