//! Which `Host` the server answers: the names in `host_names`, its own addresses (the listen
//! address and every address of the machine's interfaces, re-read now and then since DHCP
//! may change them), the machine's own host name (and its `.local` form), `localhost` and
//! loopback — with or without a port. Anything else gets
//! 421, so a web page elsewhere cannot reach the server through DNS rebinding (its requests
//! carry the page's own host name). A request naming no host at all (HTTP/1.0 without
//! `Host`) is answered: browsers always send `Host`, and old DLNA players may not.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::uri::Authority;
use actix_web::middleware::Next;
use actix_web::web;

use super::client::requested_host;
use crate::app::App;
use crate::config::Settings;
use crate::error::AppError;

/// An address not in the list re-reads the interfaces at most this often.
const REREAD_AT_MOST_EVERY: Duration = Duration::from_secs(10);
/// A listed address is trusted without re-reading for this long.
const TRUST_LISTED_FOR: Duration = Duration::from_secs(300);

/// A `Host` value, parsed.
#[derive(Debug, PartialEq, Eq)]
enum Host {
    Ip(IpAddr),
    /// Lower case, without a trailing dot.
    Name(String),
}

impl Host {
    /// `name`, `name:port`, `1.2.3.4[:port]` or `[v6][:port]`; `None` for anything else
    /// (user info, a bad port, an empty name). Parsed by the `http` crate's authority
    /// grammar rather than by hand.
    fn parse(value: &str) -> Option<Host> {
        if value.contains('@') {
            return None;
        }
        let authority = Authority::from_str(value.trim()).ok()?;
        let host = authority.host();
        let port = authority.as_str().get(host.len()..)?;
        if !port.is_empty() && port.strip_prefix(':')?.parse::<u16>().is_err() {
            return None;
        }
        if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            return v6
                .parse()
                .ok()
                .map(|ip: IpAddr| Host::Ip(ip.to_canonical()));
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Some(Host::Ip(ip.to_canonical()));
        }
        let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        (!name.is_empty()).then_some(Host::Name(name))
    }
}

/// The machine's interface addresses and when they were read.
struct Interfaces {
    read_at: Instant,
    addrs: Vec<IpAddr>,
}

impl Interfaces {
    fn read() -> Interfaces {
        let addrs = match nix::ifaddrs::getifaddrs() {
            Ok(list) => list
                .filter_map(|ifa| ifa.address)
                .filter_map(|a| {
                    a.as_sockaddr_in()
                        .map(|a| IpAddr::V4(a.ip()))
                        .or_else(|| a.as_sockaddr_in6().map(|a| IpAddr::V6(a.ip())))
                })
                .map(|ip| ip.to_canonical())
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot list the network interfaces' addresses");
                Vec::new()
            }
        };
        Interfaces {
            read_at: Instant::now(),
            addrs,
        }
    }
}

/// The names and addresses the server answers to.
pub struct HostAllowList {
    names: Vec<String>,
    addrs: Vec<IpAddr>,
    interfaces: RwLock<Interfaces>,
}

impl HostAllowList {
    /// From `host_names` (names or addresses, a port is ignored) and the listen address.
    pub fn new(settings: &Settings) -> HostAllowList {
        let mut names = Vec::new();
        let mut addrs = Vec::new();
        for entry in &settings.host_names {
            match Host::parse(entry) {
                Some(Host::Name(n)) => names.push(n),
                Some(Host::Ip(ip)) => addrs.push(ip),
                None => tracing::warn!(entry, "host_names: not a host name, ignored"),
            }
        }
        // The clerk may type the machine's own name (`http://dianjiao:8080`, or its mDNS
        // `.local` form): it is the server's, not a name a web page can point elsewhere.
        if let Some(own) = machine_name() {
            names.push(format!("{own}.local"));
            names.push(own);
        }
        if let Ok(listen) = settings.listen.parse::<SocketAddr>() {
            if !listen.ip().is_unspecified() {
                addrs.push(listen.ip().to_canonical());
            }
        }
        HostAllowList {
            names,
            addrs,
            interfaces: RwLock::new(Interfaces::read()),
        }
    }

    /// Whether a `Host` value names this server.
    pub fn allows(&self, host: &str) -> bool {
        match Host::parse(host) {
            None => false,
            Some(Host::Name(name)) => name == "localhost" || self.names.contains(&name),
            Some(Host::Ip(ip)) => {
                ip.is_loopback() || self.addrs.contains(&ip) || self.is_interface_address(ip)
            }
        }
    }

    /// Looks the address up among the interfaces', re-reading them when the list is old, or
    /// when the address is missing and the list was not read in the last few seconds (a
    /// new DHCP lease; an attacker sending made-up addresses costs one re-read per interval).
    fn is_interface_address(&self, ip: IpAddr) -> bool {
        {
            let now = self.interfaces.read().unwrap_or_else(|e| e.into_inner());
            let age = now.read_at.elapsed();
            let listed = now.addrs.contains(&ip);
            if (listed && age < TRUST_LISTED_FOR) || (!listed && age < REREAD_AT_MOST_EVERY) {
                return listed;
            }
        }
        // getifaddrs is one netlink round trip (microseconds), fine on the async thread.
        let fresh = Interfaces::read();
        let listed = fresh.addrs.contains(&ip);
        *self.interfaces.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        listed
    }
}

/// The middleware in front of every route: 421 for a `Host` that does not name this server.
pub async fn host_gate(
    allow: Arc<HostAllowList>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let host = match req.app_data::<web::Data<App>>() {
        Some(app) => requested_host(req.request(), &app.settings.trusted_proxies),
        None => requested_host(req.request(), &[]),
    };
    match host {
        Some(host) if !allow.allows(&host) => {
            let host: String = host.chars().take(80).collect();
            Ok(req
                .error_response(AppError::UnknownHost { host })
                .map_into_right_body())
        }
        _ => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// The machine's host name, lower case (Linux keeps it in /proc); `None` when unreadable or
/// not a plain name.
fn machine_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    match Host::parse(name.trim()) {
        Some(Host::Name(n)) if n != "localhost" => Some(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machines_own_name_is_allowed() {
        let Some(own) = machine_name() else {
            eprintln!("SKIPPED: this machine's host name is not a plain name");
            return;
        };
        let allow = list(&[], "0.0.0.0:8080");
        assert!(allow.allows(&format!("{own}:8080")), "{own}");
        assert!(allow.allows(&format!("{own}.local")), "{own}.local");
        assert!(!allow.allows(&format!("{own}.evil.example")));
    }

    fn list(names: &[&str], listen: &str) -> HostAllowList {
        HostAllowList::new(&Settings {
            host_names: names.iter().map(|s| s.to_string()).collect(),
            listen: listen.into(),
            ..Settings::default()
        })
    }

    #[test]
    fn host_values_parse_with_and_without_ports_and_brackets() {
        let ip = |s: &str| Some(Host::Ip(s.parse().unwrap()));
        assert_eq!(Host::parse("192.168.1.5:8080"), ip("192.168.1.5"));
        assert_eq!(Host::parse("[fe80::1]:8080"), ip("fe80::1"));
        assert_eq!(Host::parse("[::ffff:10.0.0.1]"), ip("10.0.0.1"));
        assert_eq!(
            Host::parse("Films.Example.:80"),
            Some(Host::Name("films.example".into()))
        );
        for bad in [
            "",
            ":8080",
            "a@127.0.0.1",
            "127.0.0.1:x",
            "::1",
            "a b",
            "[::1",
        ] {
            assert_eq!(Host::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_configured_names_localhost_and_own_addresses_are_allowed() {
        let allow = list(&["films.example", "203.0.113.7"], "198.51.100.3:8080");
        for ok in [
            "localhost",
            "localhost:8080",
            "127.0.0.1",
            "127.8.9.10:1",
            "[::1]:8080",
            "FILMS.example:8080",
            "203.0.113.7:80",
            "198.51.100.3",
        ] {
            assert!(allow.allows(ok), "{ok}");
        }
        for refused in [
            "evil.example",
            "films.example.evil.example",
            "localhost.evil.example",
            "0.0.0.0:8080",
            "192.0.2.1",
        ] {
            assert!(!allow.allows(refused), "{refused}");
        }
    }

    #[test]
    fn the_machines_interface_addresses_are_allowed() {
        let allow = list(&[], "0.0.0.0:8080");
        let own = Interfaces::read().addrs;
        assert!(!own.is_empty(), "at least loopback");
        for ip in own {
            let host = match ip {
                IpAddr::V4(v4) => format!("{v4}:8080"),
                IpAddr::V6(v6) => format!("[{v6}]:8080"),
            };
            // Link-local v6 addresses with a zone cannot be written in a Host at all.
            if Host::parse(&host).is_some() {
                assert!(allow.allows(&host), "{host}");
            }
        }
    }
}
