//! What the client is and what it asked for: its address and the host name it used. The
//! socket and the `Host` header are the truth; `X-Forwarded-*` and `Forwarded` are read only
//! when the socket peer is a configured trusted proxy. Nothing else reads those headers.

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::HttpRequest;

/// Whether the socket peer is one of the configured reverse proxies (an IPv4 proxy seen on
/// a dual-stack socket as `::ffff:a.b.c.d` included).
pub fn from_trusted_proxy(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> bool {
    req.peer_addr().is_some_and(|peer| {
        let peer = peer.ip().to_canonical();
        trusted_proxies.iter().any(|p| p.to_canonical() == peer)
    })
}

/// The client's address: the socket peer, or the last `X-Forwarded-For` hop when the peer is
/// a trusted proxy.
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !from_trusted_proxy(req, trusted_proxies) {
        return Some(peer);
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|ip| ip.trim().parse().ok())
        .or(Some(peer))
}

/// The `host[:port]` the client asked for: from a trusted proxy, what it forwards
/// (`Forwarded: host=`, then `X-Forwarded-Host`, then `Host`); from anyone else, the
/// request target's authority (absolute form) or else the `Host` header. `None` when the
/// request names no host at all (HTTP/1.0 without `Host`).
pub fn requested_host(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<String> {
    if from_trusted_proxy(req, trusted_proxies) {
        return Some(req.connection_info().host().to_owned());
    }
    if let Some(authority) = req.uri().authority() {
        return Some(authority.as_str().to_owned());
    }
    req.headers()
        .get(header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn peer(ip: &str) -> std::net::SocketAddr {
        std::net::SocketAddr::new(ip.parse().unwrap(), 40000)
    }

    #[test]
    fn forwarded_host_is_read_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let req = |from: &str| {
            TestRequest::default()
                .peer_addr(peer(from))
                .insert_header(("host", "10.0.0.2:8080"))
                .insert_header(("x-forwarded-host", "films.example"))
                .to_http_request()
        };
        assert_eq!(
            requested_host(&req("10.0.0.9"), &[proxy]).as_deref(),
            Some("10.0.0.2:8080")
        );
        assert_eq!(
            requested_host(&req("10.0.0.1"), &[proxy]).as_deref(),
            Some("films.example")
        );
        assert_eq!(
            requested_host(&req("::ffff:10.0.0.1"), &[proxy]).as_deref(),
            Some("films.example")
        );
    }

    #[test]
    fn a_request_without_host_names_none() {
        let req = TestRequest::default()
            .peer_addr(peer("10.0.0.9"))
            .to_http_request();
        assert_eq!(requested_host(&req, &[]), None);
    }
}
