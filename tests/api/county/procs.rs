//! Real `dianjiao` processes on loopback for the county tests, and the fault injector: a
//! TCP proxy in front of the real county server that cuts every connection once a byte
//! budget of requests has passed (a push broken mid-way), until it is disarmed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{send, PASSWORD};

/// A running `dianjiao serve`, its data folder and its address.
pub struct Proc {
    child: Child,
    pub data: PathBuf,
    pub base: String,
    pub port: u16,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

impl Proc {
    /// `dianjiao serve --data DATA --listen 127.0.0.1:PORT ARGS…` with `env`, an `admin`
    /// account made first; returns once `/healthz` answers.
    pub async fn start(data: &Path, args: &[&str], env: &[(&str, String)]) -> Proc {
        add_admin(data);
        let port = free_port();
        let p = Proc {
            child: spawn(data, port, args, env),
            data: data.to_owned(),
            base: format!("http://127.0.0.1:{port}"),
            port,
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        };
        p.wait_healthy().await;
        p
    }

    async fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(180);
        let url = format!("{}/healthz", self.base);
        loop {
            if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
                return;
            }
            let log = std::fs::read_to_string(self.data.with_extension("log")).unwrap_or_default();
            assert!(
                Instant::now() < deadline,
                "{} never became healthy:\n{log}",
                self.base
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Kills it (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port and data folder.
    pub async fn restart(&mut self) {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let env: Vec<(&str, String)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        self.child = spawn(&self.data, self.port, &args, &env);
        self.wait_healthy().await;
    }

    /// A client signed in as `admin`.
    pub async fn admin(&self) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let res = client
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({"name": "admin", "password": PASSWORD}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status(), 200, "admin signs in at {}", self.base);
        client
    }

    pub async fn get(&self, client: &reqwest::Client, path: &str) -> Value {
        let res = client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "GET {path} at {}", self.base);
        res.json().await.expect("json")
    }

    pub async fn post(&self, client: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
        send(client.post(format!("{}{path}", self.base)).json(&body)).await
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(data: &Path, port: u16, args: &[&str], env: &[(&str, String)]) -> Child {
    let log = std::fs::File::create(data.with_extension("log")).expect("log file");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dianjiao"));
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .args(args)
        .env("DIANJIAO_LOG", "warn")
        .env("DIANJIAO_DLNA", "off")
        .env("DIANJIAO_WORKERS", "1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(log);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn dianjiao")
}

/// `dianjiao user add --admin admin` on `data` (once).
pub fn add_admin(data: &Path) {
    use std::io::Write;
    if data.join("db").exists() {
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args(["user", "add", "--admin", "--password-stdin", "--data"])
        .arg(data)
        .arg("admin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{PASSWORD}").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// Runs `dianjiao ARGS…` to the end: (success, stdout, stderr).
pub fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dianjiao"))
        .args(args)
        .env("DIANJIAO_LOG", "warn")
        .output()
        .expect("run dianjiao");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The fault injector: forwards to `upstream`; while armed, cuts every connection (both
/// ways) once `budget` request bytes have passed in all.
pub struct CuttingProxy {
    pub port: u16,
    pub armed: Arc<AtomicBool>,
    pub cuts: Arc<AtomicI64>,
}

impl CuttingProxy {
    pub async fn start(upstream: u16, budget: i64) -> CuttingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let armed = Arc::new(AtomicBool::new(true));
        let cuts = Arc::new(AtomicI64::new(0));
        let left = Arc::new(AtomicI64::new(budget));
        let (a, c) = (armed.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (armed, cuts, left) = (a.clone(), c.clone(), left.clone());
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                    else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let down = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut sr, &mut cw).await;
                    });
                    let mut buf = vec![0u8; 4096];
                    loop {
                        let n = match cr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if armed.load(Ordering::SeqCst)
                            && left.fetch_sub(n as i64, Ordering::SeqCst) < n as i64
                        {
                            // Half of this chunk goes on, then the line is cut.
                            let _ = sw.write_all(&buf[..n / 2]).await;
                            cuts.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    down.abort();
                });
            }
        });
        CuttingProxy { port, armed, cuts }
    }
}
