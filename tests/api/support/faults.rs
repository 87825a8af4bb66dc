//! Support for the crash and full-disk tests: a replayable seed, the real server as a child
//! process that can be `kill -9`ed, and a small tmpfs the test mounts and removes.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;

use super::PASSWORD;

mod stations;

/// The admin account [`add_admin`] makes.
pub const ADMIN: &str = "crash-admin";

/// A random generator for `test`, seeded from `DIANJIAO_TEST_SEED` when set, else afresh;
/// the seed is printed so that a failure can be replayed.
pub fn seeded(test: &str) -> (StdRng, u64) {
    let seed = std::env::var("DIANJIAO_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("{test}: seed {seed} (replay with DIANJIAO_TEST_SEED={seed})");
    (StdRng::seed_from_u64(seed), seed)
}

/// The `dianjiao` binary, logging warnings only.
pub fn dianjiao() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dianjiao"));
    c.env("DIANJIAO_LOG", "warn");
    c
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A server child process on a loopback port; `kill -9`ed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// `dianjiao serve --data DATA` with `env` on a free port, once `/healthz` answers.
    pub async fn start(data: &Path, env: &[(&str, &str)]) -> Server {
        Server::start_on(data, free_port(), env).await
    }

    /// As [`Server::start`] on `port` (a restart where clients know the address).
    pub async fn start_on(data: &Path, port: u16, env: &[(&str, &str)]) -> Server {
        let mut cmd = dianjiao();
        cmd.args(["serve", "--data"])
            .arg(data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("DIANJIAO_WORKERS", "1")
            .env("DIANJIAO_DLNA", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn the server");
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let probe = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = probe.get(format!("{}/healthz", server.base)).send().await {
                if r.status().is_success() {
                    return server;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server on {} exited: {status}", server.base);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not come up on {}", server.base);
    }

    /// A cookie-keeping client signed in as [`ADMIN`].
    pub async fn admin(&self) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        let r = client
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({"name": ADMIN, "password": PASSWORD}))
            .send()
            .await
            .expect("sign in");
        assert!(r.status().is_success(), "sign-in: {}", r.status());
        client
    }

    /// [`ADMIN`]'s session cookie (`dj_session=…`), for clients that set it by hand.
    pub async fn admin_cookie(&self) -> String {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({"name": ADMIN, "password": PASSWORD}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status(), 200);
        let set = r.headers()["set-cookie"].to_str().expect("cookie");
        set.split(';').next().expect("pair").to_owned()
    }

    /// `kill -9`, and wait for the process.
    pub fn kill(self) {
        drop(self);
    }
}

/// SIGKILL (what `Child::kill` sends on Unix), also when a check fails.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes the account [`ADMIN`] in `data` with the CLI.
pub fn add_admin(data: &Path) {
    let mut child = dianjiao()
        .args([
            "user",
            "add",
            "--admin",
            ADMIN,
            "--password-stdin",
            "--data",
        ])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn user add");
    writeln!(child.stdin.take().expect("stdin"), "{PASSWORD}").expect("password");
    let out = child.wait_with_output().expect("user add");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `dianjiao ledger verify --data DATA` passes.
pub fn verify_ledger(data: &Path, when: &str) {
    let out = dianjiao()
        .args(["ledger", "verify", "--data"])
        .arg(data)
        .output()
        .expect("verify");
    assert!(
        out.status.success(),
        "{when}: ledger verify failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A tmpfs of a few MiB mounted by the test on a folder of its own, unmounted when
/// dropped: a disk that can really fill up.
pub struct Tmpfs {
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `mib` MiB, or says why it cannot (not root, no `mount`).
    pub fn mount(mib: u64) -> Result<Tmpfs, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m,mode=0700"),
                "tmpfs",
            ])
            .arg(&path)
            .output()
            .map_err(|e| format!("no mount command: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(Tmpfs { path, _dir: dir })
    }

    /// Mounts one, or prints why the test `test` is skipped and gives `None`.
    pub fn or_skip(mib: u64, test: &str) -> Option<Tmpfs> {
        match Tmpfs::mount(mib) {
            Ok(t) => Some(t),
            Err(why) => {
                eprintln!("SKIPPED {test}: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {why}");
                None
            }
        }
    }

    /// Writes a file of zeros at `name` until the disk is full or `at_most` bytes are
    /// written; returns how many were.
    pub fn fill(&self, name: &str, at_most: u64) -> u64 {
        let mut file = std::fs::File::create(self.path.join(name)).expect("filler");
        let block = vec![0u8; 64 << 10];
        let mut written = 0;
        while written < at_most {
            let n = (at_most - written).min(block.len() as u64) as usize;
            match file.write(&block[..n]) {
                Ok(0) | Err(_) => break,
                Ok(k) => written += k as u64,
            }
        }
        let _ = file.sync_all();
        written
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a server still closing its files must not keep the mount forever.
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}
