//! The start-up message: the addresses a village TV and the township office can open (one per
//! LAN interface, not `0.0.0.0`), and whether an office account exists yet.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// One address the server can be reached at, with the interface that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanAddress {
    /// Interface name (`eth0`), or empty when the listen address was given.
    pub interface: String,
    /// The address with the listening port.
    pub addr: SocketAddr,
}

/// The addresses to print for a server listening on `listen`: every non-loopback,
/// non-link-local IPv4 interface address when it listens on all of them, else the listen
/// address itself. Empty when it listens everywhere but the machine has no LAN address.
pub fn lan_addresses(listen: SocketAddr) -> Vec<LanAddress> {
    if !listen.ip().is_unspecified() {
        return vec![LanAddress {
            interface: String::new(),
            addr: listen,
        }];
    }
    let list = match nix::ifaddrs::getifaddrs() {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list the network interfaces' addresses");
            return Vec::new();
        }
    };
    let mut out: Vec<LanAddress> = list
        .filter_map(|ifa| {
            let ip = ifa.address.as_ref()?.as_sockaddr_in()?.ip();
            usable(ip).then(|| LanAddress {
                interface: ifa.interface_name.clone(),
                addr: SocketAddr::new(IpAddr::V4(ip), listen.port()),
            })
        })
        .collect();
    out.dedup();
    out
}

/// An address a TV elsewhere on the LAN could use.
fn usable(ip: Ipv4Addr) -> bool {
    !(ip.is_loopback() || ip.is_link_local() || ip.is_unspecified() || ip.is_broadcast())
}

/// The lines of the start-up message (plain text, no colour codes).
pub fn message(listen: SocketAddr, lan: &[LanAddress], accounts: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for a in lan {
        let on = if a.interface.is_empty() {
            String::new()
        } else {
            format!("   ({})", a.interface)
        };
        lines.push(format!(
            "电视: http://{0}/tv/   乡办公室: http://{0}/admin/{on}",
            a.addr
        ));
    }
    if listen.ip().is_loopback() {
        lines.push(
            "只有本机能打开这些地址，电视连不上（only this machine can open it: listen on \
             0.0.0.0:PORT for the TVs）"
                .into(),
        );
    } else if lan.is_empty() {
        let local = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), listen.port());
        lines.push(format!(
            "没有找到局域网地址，请检查网线或网络设置；本机可打开 http://{local}/admin/ （no LAN \
             address found: check the network）"
        ));
    }
    lines.push(if accounts == 0 {
        "还没有乡办公室账号：运行 `dianjiao user add --admin 名字` 建一个（no office account yet: \
         create one with `dianjiao user add --admin NAME`）"
            .into()
    } else {
        format!("乡办公室账号: {accounts} 个（office accounts: {accounts}）")
    });
    lines
}

/// Prints the start-up message on standard output (the log goes to standard error).
pub fn announce(listen: SocketAddr, accounts: usize) {
    for line in message(listen, &lan_addresses(listen), accounts) {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_listen_address_is_printed_as_it_is() {
        let listen: SocketAddr = "192.168.1.5:8080".parse().expect("addr");
        let lan = lan_addresses(listen);
        assert_eq!(lan.len(), 1);
        let lines = message(listen, &lan, 1);
        assert_eq!(
            lines[0],
            "电视: http://192.168.1.5:8080/tv/   乡办公室: http://192.168.1.5:8080/admin/"
        );
        assert!(lines[1].contains("1 个"));
    }

    #[test]
    fn listening_everywhere_lists_lan_addresses_but_never_loopback() {
        let listen: SocketAddr = "0.0.0.0:8080".parse().expect("addr");
        for a in lan_addresses(listen) {
            assert!(!a.addr.ip().is_loopback() && !a.addr.ip().is_unspecified());
            assert_eq!(a.addr.port(), 8080);
        }
    }

    #[test]
    fn no_account_and_no_lan_address_say_what_to_do() {
        let listen: SocketAddr = "0.0.0.0:8080".parse().expect("addr");
        let lines = message(listen, &[], 0).join("\n");
        assert!(lines.contains("没有找到局域网地址"), "{lines}");
        assert!(lines.contains("dianjiao user add --admin"), "{lines}");
        let lines = message("127.0.0.1:9".parse().expect("addr"), &[], 0).join("\n");
        assert!(lines.contains("电视连不上"), "{lines}");
    }
}
