//! Searching for renderers: an `M-SEARCH` for `MediaRenderer:1` sent to the SSDP group on
//! each LAN interface and by unicast to each registered station address (routed villages),
//! from an ephemeral port; the answers (HTTP-like heads, read with `httparse`) give each
//! renderer's `LOCATION`.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::{timeout_at, Instant};

use crate::dlna::ssdp::message::{GROUP, MAX_PACKET, PORT};
use crate::dlna::ssdp::net::{self, Interface};

/// What is searched for.
pub const RENDERER: &str = "urn:schemas-upnp-org:device:MediaRenderer:1";
/// `MX` of the multicast search: renderers answer within this many seconds.
const MX: u64 = 2;
/// At most this many answers are read from one round (a village LAN has a few TVs).
const MAX_ANSWERS: usize = 256;

/// The search request; `multicast` adds `MX` (a unicast search has none, UDA 1.1).
pub fn request(to: SocketAddrV4, multicast: bool) -> String {
    let mx = match multicast {
        true => format!("MX: {MX}\r\n"),
        false => String::new(),
    };
    format!(
        "M-SEARCH * HTTP/1.1\r\nHOST: {to}\r\nMAN: \"ssdp:discover\"\r\n{mx}ST: {RENDERER}\r\nUSER-AGENT: {}\r\n\r\n",
        crate::dlna::ssdp::message::server_string()
    )
}

/// The `LOCATION` of an answer for a renderer, if `packet` is one.
pub fn parse_answer(packet: &[u8]) -> Option<String> {
    if packet.len() > MAX_PACKET {
        return None;
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(packet) {
        Ok(httparse::Status::Complete(_)) if resp.code == Some(200) => {}
        _ => return None,
    }
    let header = |name: &str| {
        resp.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(|v| v.trim().to_owned())
    };
    let st = header("ST")?;
    if !st.starts_with("urn:schemas-upnp-org:device:MediaRenderer:") {
        return None;
    }
    header("LOCATION").filter(|l| !l.is_empty())
}

/// One round: searches on `interfaces` and at `unicast`, then listens `MX` + 1 s. Returns
/// each answering address with the `LOCATION` it gave (the first, when it gave several).
pub async fn round(interfaces: &[Interface], unicast: &[Ipv4Addr]) -> HashMap<Ipv4Addr, String> {
    let mut sockets = Vec::new();
    for iface in interfaces {
        match net::searcher(iface.addr) {
            Ok(s) => sockets.push(s),
            Err(e) => tracing::debug!(interface = %iface, error = %e, "renderer search: no socket"),
        }
    }
    if let Ok(s) = net::searcher(Ipv4Addr::UNSPECIFIED) {
        sockets.push(s);
    }
    let group = SocketAddrV4::new(GROUP, PORT);
    for s in sockets.iter().take(interfaces.len()) {
        let _ = s.send_to(request(group, true).as_bytes(), group).await;
    }
    if let Some(any) = sockets.last() {
        for ip in unicast {
            let to = SocketAddrV4::new(*ip, PORT);
            let _ = any.send_to(request(to, false).as_bytes(), to).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(MX + 1);
    let mut found = HashMap::new();
    let mut reads = tokio::task::JoinSet::new();
    for s in sockets {
        reads.spawn(async move { collect(&s, deadline).await });
    }
    while let Some(Ok(answers)) = reads.join_next().await {
        for (ip, location) in answers {
            found.entry(ip).or_insert(location);
        }
    }
    found
}

async fn collect(socket: &UdpSocket, deadline: Instant) -> Vec<(Ipv4Addr, String)> {
    let mut buf = vec![0u8; MAX_PACKET + 1];
    let mut out = Vec::new();
    while out.len() < MAX_ANSWERS {
        match timeout_at(deadline, socket.recv_from(&mut buf)).await {
            Ok(Ok((n, SocketAddr::V4(src)))) => {
                if let Some(location) = parse_answer(&buf[..n]) {
                    out.push((*src.ip(), location));
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_for_a_renderer_gives_its_location() {
        let answer = b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://10.77.0.2:49494/description.xml\r\nSERVER: Linux UPnP/1.0 GMediaRender/0.0.6\r\nST: urn:schemas-upnp-org:device:MediaRenderer:1\r\nUSN: uuid:x::urn:schemas-upnp-org:device:MediaRenderer:1\r\n\r\n";
        assert_eq!(
            parse_answer(answer).as_deref(),
            Some("http://10.77.0.2:49494/description.xml")
        );
        let server = String::from_utf8_lossy(answer).replace("MediaRenderer", "MediaServer");
        assert_eq!(parse_answer(server.as_bytes()), None);
        assert_eq!(parse_answer(b"M-SEARCH * HTTP/1.1\r\n\r\n"), None);
    }

    #[test]
    fn a_multicast_search_carries_mx_and_a_unicast_one_none() {
        let group = SocketAddrV4::new(GROUP, PORT);
        let m = request(group, true);
        assert!(m.starts_with("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"));
        assert!(m.contains("MX: 2\r\n") && m.contains(&format!("ST: {RENDERER}\r\n")));
        let u = request(SocketAddrV4::new(Ipv4Addr::new(10, 2, 0, 2), PORT), false);
        assert!(!u.contains("MX:"));
    }
}
