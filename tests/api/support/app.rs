//! `spawn_app()`: the real server on `127.0.0.1:0` with a temporary data folder and real
//! worker processes (this package's `dianjiao` binary), plus helpers for tests.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dianjiao::accounts::Role;
use dianjiao::app::App;
use dianjiao::config::Settings;
use dianjiao::ledger::{LedgerClock, LedgerOptions};
use dianjiao::library::{Quiet, ScanSummary};
use dianjiao::media::{ClipSpec, Reply, Request};
use tempfile::TempDir;

/// A running server and its data folder.
pub struct TestApp {
    pub base: String,
    pub app: Arc<App>,
    pub data: TempDir,
    /// A library folder inside the temp dir, empty at start.
    pub library: PathBuf,
}

/// A password good enough for the account rules.
pub const PASSWORD: &str = "correct horse battery";

/// Starts the server with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the server after `tweak` has adjusted the settings.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(LedgerOptions::default(), tweak).await
}

/// Starts the server with its ledger (and so its plays) on `clock`, a scripted one.
pub async fn spawn_app_on_clock(clock: LedgerClock, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let options = LedgerOptions {
        clock,
        ..LedgerOptions::default()
    };
    spawn_app_on(options, tweak).await
}

async fn spawn_app_on(ledger: LedgerOptions, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let data = tempfile::tempdir().expect("temp dir");
    let library = data.path().join("library");
    std::fs::create_dir_all(&library).expect("library dir");
    let mut settings = Settings {
        data: data.path().join("data"),
        listen: "127.0.0.1:0".into(),
        workers: 2,
        worker_timeout_secs: 30,
        log: "warn".into(),
        ..Settings::default()
    };
    tweak(&mut settings);
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_dianjiao"));
    let app = tokio::task::spawn_blocking(move || App::open_with(settings, exe, ledger))
        .await
        .expect("join")
        .expect("app opens");
    let app = Arc::new(app);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = dianjiao::http::server(app.clone(), listener).expect("server");
    tokio::spawn(server);
    TestApp {
        base,
        app,
        data,
        library,
    }
}

impl TestApp {
    /// A client that keeps cookies, not signed in.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client")
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates an account directly in the store.
    pub async fn add_user(&self, name: &str, role: Role) {
        let app = self.app.clone();
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || app.accounts.add_user(&name, role, PASSWORD))
            .await
            .expect("join")
            .expect("user added");
    }

    /// A cookie-keeping client signed in as a new account with `role`.
    pub async fn signed_in(&self, name: &str, role: Role) -> reqwest::Client {
        self.add_user(name, role).await;
        let client = self.client();
        let res = client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"name": name, "password": PASSWORD}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status(), 200, "sign-in of {name} failed");
        client
    }

    /// Scans a folder through the library, as the server's watcher would.
    pub async fn scan(&self, root: &Path) -> ScanSummary {
        let app = self.app.clone();
        let root = root.to_owned();
        tokio::task::spawn_blocking(move || app.library.scan(&root, &Quiet))
            .await
            .expect("join")
            .expect("scan runs")
    }

    /// Encodes a short clip with our own worker (no ffmpeg CLI) into the library folder.
    pub async fn synth_clip(&self, rel: &str, seconds: f64) -> PathBuf {
        let out = self.library.join(rel);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).expect("dir");
        }
        let audio_only = rel.ends_with(".mp3");
        let spec = ClipSpec {
            width: 160,
            height: 90,
            fps: 25,
            duration_s: seconds,
            video: !audio_only,
            audio: true,
            container: if audio_only { "mp3" } else { "mp4" }.into(),
            title: None,
            seed: rel.len() as u32,
        };
        let app = self.app.clone();
        let req = Request::Synth {
            spec,
            out: out.clone(),
        };
        let reply = tokio::task::spawn_blocking(move || app.pool.call(&req))
            .await
            .expect("join");
        assert!(matches!(reply, Reply::Done), "synth failed: {reply:?}");
        out
    }

    /// `GET` a JSON document anonymously.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get_json_as(&self.client(), path).await
    }
}
