//! The LAN interfaces SSDP runs on and its sockets, made with `socket2`: one bound to the
//! group address (it hears multicast searches only), and one per interface address (it
//! sends that interface's multicast announcements with TTL 2 and no loopback, hears unicast
//! searches sent to the server, and sends the answers).

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket as StdSocket};

use nix::net::if_::InterfaceFlags;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

use super::message::{GROUP, PORT};

/// Hops a multicast announcement may make (UDA recommends a small TTL; 2 reaches a LAN
/// behind one bridge or access point that counts as a hop).
const MULTICAST_TTL: u32 = 2;

/// A LAN interface with an IPv4 address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub addr: Ipv4Addr,
    pub netmask: Ipv4Addr,
}

impl Interface {
    /// Whether `ip` is on this interface's subnet (on-link).
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = u32::from(self.netmask);
        u32::from(ip) & mask == u32::from(self.addr) & mask
    }
}

impl std::fmt::Display for Interface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.name, self.addr)
    }
}

/// The interfaces that are up, not loopback, with an IPv4 address: those named in `wanted`,
/// or all of them when it is empty. Read afresh each time (DHCP may change them).
pub fn interfaces(wanted: &[String]) -> Vec<Interface> {
    let list = match nix::ifaddrs::getifaddrs() {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = %e, "SSDP: cannot list the network interfaces");
            return Vec::new();
        }
    };
    let mut found: Vec<Interface> = list
        .filter(|ifa| {
            ifa.flags.contains(InterfaceFlags::IFF_UP)
                && !ifa.flags.contains(InterfaceFlags::IFF_LOOPBACK)
                && (wanted.is_empty() || wanted.contains(&ifa.interface_name))
        })
        .filter_map(|ifa| {
            let addr = ifa.address?.as_sockaddr_in()?.ip();
            let netmask = ifa.netmask?.as_sockaddr_in()?.ip();
            Some(Interface {
                name: ifa.interface_name,
                addr,
                netmask,
            })
        })
        .collect();
    found.sort_by_key(|i| (i.name.clone(), i.addr));
    found.dedup();
    found
}

/// The sockets of one set of interfaces.
pub struct Sockets {
    /// Bound to 239.255.255.250:1900, joined on every interface.
    pub group: UdpSocket,
    /// One per interface, bound to its address and port 1900, in `interfaces` order.
    pub each: Vec<(Interface, UdpSocket)>,
}

impl Sockets {
    /// Binds the sockets; an interface whose socket cannot be made is left out with a warning.
    pub fn bind(interfaces: &[Interface]) -> io::Result<Sockets> {
        let group = reusable(SocketAddrV4::new(GROUP, PORT))?;
        let mut each = Vec::new();
        for iface in interfaces {
            if let Err(e) = group.join_multicast_v4(&GROUP, &iface.addr) {
                tracing::warn!(interface = %iface.name, error = %e, "SSDP: cannot join the multicast group");
                continue;
            }
            match sender(iface.addr) {
                Ok(s) => each.push((iface.clone(), s)),
                Err(e) => {
                    tracing::warn!(interface = %iface.name, error = %e, "SSDP: cannot bind port 1900")
                }
            }
        }
        if each.is_empty() {
            return Err(io::Error::other("no interface could be used"));
        }
        Ok(Sockets {
            group: tokio_socket(group)?,
            each,
        })
    }

    /// The socket to send from when the local end is `local` (the first one otherwise).
    pub fn socket_for(&self, local: Ipv4Addr) -> &UdpSocket {
        let found = self.each.iter().find(|(i, _)| i.addr == local);
        &found.unwrap_or(&self.each[0]).1
    }

    /// The interface whose subnet holds `ip`, if any.
    pub fn on_link(&self, ip: Ipv4Addr) -> Option<&Interface> {
        self.each.iter().map(|(i, _)| i).find(|i| i.contains(ip))
    }
}

fn reusable(addr: SocketAddrV4) -> io::Result<Socket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    // Other SSDP software on the machine (a media renderer, minidlna) may hold port 1900 too.
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddr::V4(addr).into())?;
    Ok(socket)
}

fn sender(addr: Ipv4Addr) -> io::Result<UdpSocket> {
    let socket = reusable(SocketAddrV4::new(addr, PORT))?;
    socket.set_multicast_if_v4(&addr)?;
    socket.set_multicast_ttl_v4(MULTICAST_TTL)?;
    socket.set_multicast_loop_v4(false)?;
    tokio_socket(socket)
}

/// A socket on an ephemeral port of `addr` for searching (answers come back to it by
/// unicast): multicast leaves by `addr`'s interface with the same small TTL.
pub fn searcher(addr: Ipv4Addr) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    socket.bind(&SocketAddr::V4(SocketAddrV4::new(addr, 0)).into())?;
    if !addr.is_unspecified() {
        socket.set_multicast_if_v4(&addr)?;
    }
    socket.set_multicast_ttl_v4(MULTICAST_TTL)?;
    socket.set_multicast_loop_v4(false)?;
    tokio_socket(socket)
}

fn tokio_socket(socket: Socket) -> io::Result<UdpSocket> {
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(StdSocket::from(socket))
}

/// The server's own address on the way to `ip`, as the routing table chooses it (a UDP
/// `connect` sends nothing).
pub fn local_toward(ip: Ipv4Addr) -> Option<Ipv4Addr> {
    let probe = StdSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    probe.connect((ip, PORT)).ok()?;
    match probe.local_addr().ok()? {
        SocketAddr::V4(a) => Some(*a.ip()),
        SocketAddr::V6(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_link_means_inside_the_interface_subnet() {
        let lan = Interface {
            name: "eth0".into(),
            addr: Ipv4Addr::new(192, 168, 1, 2),
            netmask: Ipv4Addr::new(255, 255, 255, 0),
        };
        assert!(lan.contains(Ipv4Addr::new(192, 168, 1, 200)));
        assert!(!lan.contains(Ipv4Addr::new(192, 168, 2, 200)));
        assert!(!lan.contains(Ipv4Addr::new(10, 0, 0, 1)));
    }
}
