//! The real-peer harness: network namespaces joined by veth pairs (one subnet, or two
//! subnets through a router namespace), the real `dianjiao serve` inside one of them, and
//! the UPnP control points of `peer.py` (async-upnp-client, upnpclient) inside another
//! ([`super::server`] starts the server).
//! Where namespaces cannot be made (not root, no CAP_NET_ADMIN) the tests say so and pass.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Where `make deps` (deploy/bootstrap.sh) puts the Python peers; overridable for a
/// machine that keeps them elsewhere.
pub const VENV: &str = "/opt/dianjiao-test-venv";
pub use super::server::{location, Server};

/// The HTTP port the server listens on inside its namespace.
pub const HTTP_PORT: u16 = 8080;
/// The admin account made for the server.
pub const ADMIN: (&str, &str) = ("admin", "dlna-test-password-1");

/// A network namespace, deleted when dropped.
pub struct Netns {
    pub name: String,
}

impl Netns {
    fn add(test: &str, role: &str) -> Netns {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let short: String = test
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        let name = format!("dj{}-{n}-{short}-{role}", std::process::id());
        ip(&["netns", "add", &name]);
        let ns = Netns { name };
        ns.run(&["ip", "link", "set", "lo", "up"]);
        ns
    }

    /// A command run inside the namespace.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).arg(program);
        c
    }

    /// Runs a command inside the namespace; it must succeed.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self
            .command(args[0])
            .args(&args[1..])
            .output()
            .expect("ip netns exec");
        assert!(out.status.success(), "{args:?} in {}: {out:?}", self.name);
        out
    }

    /// Runs `peer.py` with `args` and reads each line it prints as JSON.
    pub fn peer(&self, args: &[&str]) -> Vec<Value> {
        let out = self
            .command(python())
            .arg(peer_script())
            .args(args)
            .output()
            .expect("python");
        assert!(out.status.success(), "peer.py {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
            .collect()
    }

    /// Starts `peer.py` with `args` and returns it with its output, line by line.
    pub fn spawn_peer(&self, args: &[&str]) -> (Child, impl Iterator<Item = Value>) {
        let mut command = self.command(python());
        command.arg(peer_script()).args(args).stdout(Stdio::piped());
        let mut child = command.spawn().expect("python");
        let stdout: ChildStdout = child.stdout.take().expect("stdout");
        let lines = BufReader::new(stdout).lines().map_while(Result::ok);
        (
            child,
            lines.map(|l| serde_json::from_str(&l).expect("JSON line")),
        )
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("the ip command (iproute2)");
    assert!(out.status.success(), "ip {args:?}: {out:?}");
}

/// Joins `a` and `b` with a veth pair named `a_if` / `b_if`, addressed and up.
fn link(a: &Netns, a_if: &str, a_cidr: &str, b: &Netns, b_if: &str, b_cidr: &str) {
    let peer = ["peer", "name", b_if, "netns", &b.name];
    ip(&[
        &["-n", &a.name, "link", "add", a_if, "type", "veth"][..],
        &peer,
    ]
    .concat());
    for (ns, dev, cidr) in [(a, a_if, a_cidr), (b, b_if, b_cidr)] {
        ns.run(&["ip", "addr", "add", cidr, "dev", dev]);
        ns.run(&["ip", "link", "set", dev, "up"]);
    }
}

/// Whether this machine lets tests make network namespaces; says why not when it does not.
fn netns_allowed(test: &str) -> bool {
    let probe = format!("dj{}-probe", std::process::id());
    let made = Command::new("ip").args(["netns", "add", &probe]).output();
    match made {
        Ok(out) if out.status.success() => {
            let _ = Command::new("ip").args(["netns", "del", &probe]).status();
            true
        }
        Ok(out) => {
            let why = String::from_utf8_lossy(&out.stderr);
            eprintln!("SKIPPED {test}: cannot make network namespaces here (needs root or CAP_NET_ADMIN): {why}");
            false
        }
        Err(e) => {
            eprintln!("SKIPPED {test}: no `ip` command (iproute2): {e}");
            false
        }
    }
}

fn python() -> PathBuf {
    let venv = std::env::var_os("DIANJIAO_TEST_VENV").map_or(PathBuf::from(VENV), PathBuf::from);
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: the DLNA tests' UPnP peers (async-upnp-client, upnpclient) are \
         installed by `make deps` (deploy/bootstrap.sh, as root); run it first",
        python.display()
    );
    python
}

fn peer_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/dlna/peer.py")
}

/// A server and a TV on one subnet, 10.77.0.0/24.
pub struct Lan {
    pub server: Netns,
    pub tv: Netns,
}

impl Lan {
    pub const SERVER_IP: &str = "10.77.0.1";
    pub const TV_IP: &str = "10.77.0.2";

    /// `None` (the test passes, having said why) where namespaces cannot be made.
    pub fn new(test: &str) -> Option<Lan> {
        if !netns_allowed(test) {
            return None;
        }
        python();
        let (server, tv) = (Netns::add(test, "srv"), Netns::add(test, "tv"));
        link(&server, "lan0", "10.77.0.1/24", &tv, "lan0", "10.77.0.2/24");
        for ns in [&server, &tv] {
            // Multicast leaves by the default route's interface unless a socket names one.
            ns.run(&["ip", "route", "add", "default", "dev", "lan0"]);
        }
        Some(Lan { server, tv })
    }
}

/// A server and a TV on two subnets joined by a router that forwards unicast but routes no
/// multicast: the server 10.1.0.2/24, the router 10.1.0.1 and 10.2.0.1, the TV 10.2.0.2/24.
pub struct Routed {
    pub server: Netns,
    /// Kept for the namespaces' lifetime; the tests talk only to its two ends.
    _router: Netns,
    pub tv: Netns,
}

impl Routed {
    pub const SERVER_IP: &str = "10.1.0.2";
    pub const TV_IP: &str = "10.2.0.2";

    pub fn new(test: &str) -> Option<Routed> {
        if !netns_allowed(test) {
            return None;
        }
        python();
        let server = Netns::add(test, "srv");
        let router = Netns::add(test, "rtr");
        let tv = Netns::add(test, "tv");
        link(&server, "wan0", "10.1.0.2/24", &router, "r1", "10.1.0.1/24");
        link(&router, "r2", "10.2.0.1/24", &tv, "lan0", "10.2.0.2/24");
        router.run(&["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
        server.run(&["ip", "route", "add", "default", "via", "10.1.0.1"]);
        tv.run(&["ip", "route", "add", "default", "via", "10.2.0.1"]);
        Some(Routed {
            server,
            _router: router,
            tv,
        })
    }
}

/// Debian's `gmediarender` (a GStreamer UPnP MediaRenderer we did not write) in `ns` on
/// `interface`, playing at real pace into fake sinks; killed when dropped. `None` (the test
/// passes, having said why) where it is not installed.
pub struct Renderer {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Renderer {
    /// The renderer's UDN.
    pub const UUID: &str = "8e3c1a52-5c1f-4b7e-9d0a-0d1a9e7f0001";
    /// gmediarender's own HTTP port (its default).
    pub const PORT: u16 = 49494;

    pub fn start(ns: &Netns, interface: &str, name: &str, test: &str) -> Option<Renderer> {
        if Command::new("gmediarender")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("SKIPPED {test}: no gmediarender (Debian package gmediarender; make deps installs it)");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("gmediarender.log");
        let child = ns
            .command("gmediarender")
            .args([
                "-I",
                interface,
                "-f",
                name,
                "-u",
                Renderer::UUID,
                "--logfile",
            ])
            .arg(&log)
            .args(["--gstout-videopipe", "fakesink sync=true"])
            .args(["--gstout-audiopipe", "fakesink sync=true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gmediarender");
        let mut tv = Renderer {
            child,
            log,
            _dir: dir,
        };
        // libupnp retries its bind until the interface's addresses are usable.
        let deadline = Instant::now() + Duration::from_secs(90);
        while !tv.log().contains("Ready for rendering.") {
            if let Ok(Some(status)) = tv.child.try_wait() {
                panic!("gmediarender stopped ({status}):\n{}", tv.log());
            }
            assert!(
                Instant::now() < deadline,
                "gmediarender is not ready:\n{}",
                tv.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        Some(tv)
    }

    /// What it has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Its description's location at `ip` (gmediarender listens on its default port).
    pub fn location(ip: &str) -> String {
        format!("http://{ip}:{}/description.xml", Renderer::PORT)
    }

    /// Switches the TV off: the process is killed and reaped.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Renderer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
