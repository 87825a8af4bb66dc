//! SSDP messages: searches (`M-SEARCH`) parsed with `httparse` — SSDP is HTTP over UDP, so
//! the HTTP head parser the web server already uses reads it — and the `NOTIFY` and search
//! answers this server sends.

use std::net::{Ipv4Addr, SocketAddr};

/// The SSDP multicast group and port.
pub const GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// UDP port of SSDP, multicast and unicast alike.
pub const PORT: u16 = 1900;
/// Datagrams longer than this are not read as SSDP (a search is a few hundred bytes).
pub const MAX_PACKET: usize = 8 * 1024;
/// The longest answer delay a multicast search may ask for, in seconds (UDA: MX ≤ 5).
pub const MAX_MX: u64 = 5;

/// The search target of the root device.
pub const ROOT_DEVICE: &str = "upnp:rootdevice";
/// The device and service types this server announces, each at its (highest) version.
pub const TYPES: [&str; 4] = [
    "urn:schemas-upnp-org:device:MediaServer:1",
    "urn:schemas-upnp-org:service:ContentDirectory:1",
    "urn:schemas-upnp-org:service:ConnectionManager:1",
    "urn:microsoft.com:service:X_MS_MediaReceiverRegistrar:1",
];

/// A search request, parsed.
#[derive(Debug, PartialEq, Eq)]
pub struct Search {
    /// `ST`: what is searched for.
    pub target: String,
    /// `MX` in seconds, clamped to [`MAX_MX`]; `None` when absent (a unicast search).
    pub mx: Option<u64>,
}

/// Why a datagram was not a search this server answers. Not shown to anyone: such packets
/// are dropped, and logged at debug level only.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Ignored {
    #[error("longer than 8 KiB")]
    TooLong,
    #[error("not an HTTP-like request head")]
    Malformed,
    #[error("another SSDP message (NOTIFY, an answer)")]
    NotASearch,
    #[error("the request line is not `M-SEARCH * HTTP/1.1`")]
    BadRequestLine,
    #[error("MAN is not \"ssdp:discover\"")]
    BadMan,
    #[error("no ST, or a header given twice")]
    BadTarget,
    #[error("MX is not a whole number of seconds")]
    BadMx,
}

/// Reads one datagram as a search.
pub fn parse_search(packet: &[u8]) -> Result<Search, Ignored> {
    if packet.len() > MAX_PACKET {
        return Err(Ignored::TooLong);
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(packet) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) | Err(_) => {
            // Answers to other devices' searches start `HTTP/1.1 200 OK`.
            return Err(if packet.starts_with(b"HTTP/") {
                Ignored::NotASearch
            } else {
                Ignored::Malformed
            });
        }
    }
    if req.method != Some("M-SEARCH") {
        return Err(Ignored::NotASearch);
    }
    if req.path != Some("*") || req.version != Some(1) {
        return Err(Ignored::BadRequestLine);
    }
    let man = one_header(req.headers, "MAN").ok_or(Ignored::BadMan)?;
    if man.trim() != "\"ssdp:discover\"" {
        return Err(Ignored::BadMan);
    }
    let target = one_header(req.headers, "ST")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Ignored::BadTarget)?;
    let mx = match header_values(req.headers, "MX").as_slice() {
        [] => None,
        [mx] => Some(
            mx.trim()
                .parse::<u64>()
                .map_err(|_| Ignored::BadMx)?
                .min(MAX_MX),
        ),
        _ => return Err(Ignored::BadMx),
    };
    Ok(Search {
        target: target.to_owned(),
        mx,
    })
}

fn header_values<'a>(headers: &[httparse::Header<'a>], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| std::str::from_utf8(h.value).unwrap_or("\u{fffd}"))
        .collect()
}

/// The header's value if it is given exactly once, in UTF-8.
fn one_header<'a>(headers: &[httparse::Header<'a>], name: &str) -> Option<&'a str> {
    match header_values(headers, name).as_slice() {
        [v] if !v.contains('\u{fffd}') => Some(v),
        _ => None,
    }
}

/// What the server is: its UUID (`uuid:…`), description port and `SERVER` string.
#[derive(Clone, Debug)]
pub struct Device {
    pub uuid: String,
    pub http_port: u16,
    pub max_age_secs: u64,
    pub server: String,
}

/// One announcement or answer: its `NT`/`ST` and `USN`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub nt: String,
    pub usn: String,
}

/// `SERVER` header: OS/version UPnP/1.0 product/version (UDA 1.0), plus the DLNA version.
pub fn server_string() -> String {
    format!(
        "Linux/1.0 UPnP/1.0 DLNADOC/1.50 dianjiao/{}",
        env!("CARGO_PKG_VERSION")
    )
}

impl Device {
    /// Everything announced: the root device, the UUID, the device type and each service.
    pub fn all_targets(&self) -> Vec<Target> {
        let mut all = vec![
            Target {
                nt: ROOT_DEVICE.into(),
                usn: format!("{}::{ROOT_DEVICE}", self.uuid),
            },
            Target {
                nt: self.uuid.clone(),
                usn: self.uuid.clone(),
            },
        ];
        all.extend(TYPES.iter().map(|t| Target {
            nt: (*t).into(),
            usn: format!("{}::{t}", self.uuid),
        }));
        all
    }

    /// The answers to a search for `st`: all for `ssdp:all`, none for what we are not. A
    /// type asked at a lower version than ours is answered with the version asked (UDA).
    pub fn answers(&self, st: &str) -> Vec<Target> {
        if st == "ssdp:all" {
            return self.all_targets();
        }
        if st == ROOT_DEVICE || st.eq_ignore_ascii_case(&self.uuid) {
            return self
                .all_targets()
                .into_iter()
                .filter(|t| t.nt.eq_ignore_ascii_case(st))
                .collect();
        }
        let Some((kind, version)) = split_version(st) else {
            return Vec::new();
        };
        TYPES
            .iter()
            .filter_map(|ours| split_version(ours))
            .filter(|(our_kind, ours)| *our_kind == kind && (1..=*ours).contains(&version))
            .map(|_| Target {
                nt: st.to_owned(),
                usn: format!("{}::{st}", self.uuid),
            })
            .collect()
    }

    fn location(&self, local: Ipv4Addr) -> String {
        format!(
            "http://{local}:{}{}",
            self.http_port,
            crate::dlna::DESCRIPTION_PATH
        )
    }

    /// `NOTIFY * HTTP/1.1` with `ssdp:alive`, sent to `to` (the group, or a station's TV).
    pub fn alive(&self, target: &Target, local: Ipv4Addr, to: SocketAddr) -> String {
        format!(
            "NOTIFY * HTTP/1.1\r\nHOST: {to}\r\nCACHE-CONTROL: max-age={}\r\nLOCATION: {}\r\n\
             NT: {}\r\nNTS: ssdp:alive\r\nSERVER: {}\r\nUSN: {}\r\n\r\n",
            self.max_age_secs,
            self.location(local),
            target.nt,
            self.server,
            target.usn
        )
    }

    /// `NOTIFY * HTTP/1.1` with `ssdp:byebye`.
    pub fn byebye(&self, target: &Target, to: SocketAddr) -> String {
        format!(
            "NOTIFY * HTTP/1.1\r\nHOST: {to}\r\nNT: {}\r\nNTS: ssdp:byebye\r\nUSN: {}\r\n\r\n",
            target.nt, target.usn
        )
    }

    /// The unicast answer to a search; `date` is an HTTP date.
    pub fn answer(&self, target: &Target, local: Ipv4Addr, date: &str) -> String {
        format!(
            "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age={}\r\nDATE: {date}\r\nEXT:\r\n\
             LOCATION: {}\r\nSERVER: {}\r\nST: {}\r\nUSN: {}\r\nContent-Length: 0\r\n\r\n",
            self.max_age_secs,
            self.location(local),
            self.server,
            target.nt,
            target.usn
        )
    }
}

/// `urn:…:Type:3` → (`urn:…:Type`, 3).
fn split_version(urn: &str) -> Option<(&str, u32)> {
    if !urn.starts_with("urn:") {
        return None;
    }
    let (kind, version) = urn.rsplit_once(':')?;
    let version = version.parse().ok()?;
    Some((kind, version))
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
