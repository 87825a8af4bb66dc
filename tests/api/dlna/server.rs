//! The real `dianjiao serve` in a network namespace, for the real-peer tests (see
//! [`super::netns`]): started on a fresh data folder with an admin account, restarted on the
//! same one.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::netns::{Netns, ADMIN, HTTP_PORT};

/// The real `dianjiao serve` with DLNA on, in a namespace, with an admin account; stopped
/// when dropped. Drop it before its namespace.
pub struct Server {
    child: Child,
    dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Server {
    /// Starts the server and waits until SSDP is up (its log says so).
    pub fn start(ns: &Netns) -> Server {
        Server::start_with(ns, &[], &[])
    }

    /// [`Server::start`] with more `serve` arguments (`--demo`) and environment settings.
    pub fn start_with(ns: &Netns, args: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let bin = env!("CARGO_BIN_EXE_dianjiao");
        let mut add = Command::new(bin)
            .args(["user", "add", "--admin", "--password-stdin", "--data"])
            .arg(&data)
            .arg(ADMIN.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("dianjiao user add");
        let mut stdin = add.stdin.take().expect("stdin");
        writeln!(stdin, "{}", ADMIN.1).expect("password");
        drop(stdin);
        assert!(add.wait().expect("user add").success());
        let args = args.iter().map(|a| a.to_string()).collect();
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Server::serve(ns, dir, args, env)
    }

    /// Stops the server (SIGTERM) and starts it again on the same data folder.
    pub fn restart(mut self, ns: &Netns) -> Server {
        let (dir, args, env) = self.stop_keeping();
        drop(self);
        Server::serve(ns, dir, args, env)
    }

    fn serve(
        ns: &Netns,
        dir: tempfile::TempDir,
        args: Vec<String>,
        env: Vec<(String, String)>,
    ) -> Server {
        let bin = env!("CARGO_BIN_EXE_dianjiao");
        let data = dir.path().join("data");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.path().join("server.log"))
            .expect("log");
        let child = ns
            .command(bin)
            .args([
                "serve",
                "--listen",
                &format!("0.0.0.0:{HTTP_PORT}"),
                "--data",
            ])
            .arg(&data)
            .args(&args)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("DIANJIAO_DLNA", "on")
            .env("DIANJIAO_LOG", "info")
            .env("DIANJIAO_WORKERS", "1")
            .env("DIANJIAO_WATCH_FILES", "off")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("dianjiao serve");
        let mut server = Server {
            child,
            dir,
            args,
            env,
        };
        let started = server
            .log()
            .matches("DLNA discovery (SSDP) on UDP 1900")
            .count();
        server.wait_for_log_count("DLNA discovery (SSDP) on UDP 1900", started + 1);
        server
    }

    /// SIGTERM, wait, and hand back what a new start needs (the server is not dropped).
    fn stop_keeping(&mut self) -> (tempfile::TempDir, Vec<String>, Vec<(String, String)>) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "{status}:\n{}", self.log());
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        (
            dir,
            std::mem::take(&mut self.args),
            std::mem::take(&mut self.env),
        )
    }

    /// Stops the server as `systemctl stop` would (SIGTERM) and waits for it to end.
    pub fn stop(mut self) {
        self.stop_keeping();
    }

    /// The server's `uuid:…` (the USN's device part).
    pub fn uuid(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("data/dlna/uuid")).expect("uuid");
        format!("uuid:{}", text.trim())
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Waits until `line` has been logged `count` times (a restart logs it again).
    fn wait_for_log_count(&mut self, line: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.log().matches(line).count() < count {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server stopped ({status}):\n{}", self.log());
            }
            assert!(Instant::now() < deadline, "no {line:?} in:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `http://ip:8080/dlna/description.xml`.
pub fn location(ip: &str) -> String {
    format!(
        "http://{ip}:{HTTP_PORT}{}",
        dianjiao::dlna::DESCRIPTION_PATH
    )
}
