//! `dianjiao bench load`: prepares demo-sized films in a fresh data folder, starts
//! `dianjiao serve` on loopback as its own process (so its RSS and CPU time are its own),
//! drives the load and prints the figures.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use dianjiao::accounts::Role;
use dianjiao::app::App;
use dianjiao::cli::CliError;
use dianjiao::library::Quiet;
use dianjiao::media::{ClipSpec, Reply, Request};

use crate::drive::{drive, Plan, Target};
use crate::support::{bench_settings, cleanup, exe, server_exe, tempdir, ChildServer};

const ADDR: &str = "127.0.0.1:18093";
const ADMIN: &str = "loadadmin";
const PASSWORD: &str = "correct horse battery staple";
/// Film length, seconds: a TV play runs the whole film, so several fit in a run.
const FILM_S: f64 = 30.0;

/// Runs `plan` against a fresh server and prints what it measured.
pub fn load(plan: Plan) -> Result<(), CliError> {
    let tmp = tempdir();
    let data = tmp.join("data");
    let films = prepared_films(&tmp, &data)?;
    let mut server = ChildServer(
        Command::new(server_exe())
            .args(["serve", "--listen", ADDR, "--data"])
            .arg(&data)
            .env("DIANJIAO_LOG", "warn")
            .env("DIANJIAO_PLAY_MIN_SECS", "5")
            .spawn()
            .map_err(CliError::Serve)?,
    );
    wait_until_up(&mut server.0);
    let target = Target {
        base: format!("http://{ADDR}"),
        admin: ADMIN.into(),
        password: PASSWORD.into(),
        films,
        pid: server.0.id(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CliError::Serve)?;
    let figures = runtime.block_on(drive(&target, &plan));
    drop(server);
    println!(
        "load run: dianjiao serve on loopback, {} films of {FILM_S} s (320x180, 25 fps, as the demo's), {} s of load",
        target.films.len(),
        plan.seconds
    );
    print!("{figures}");
    cleanup(&tmp);
    Ok(())
}

/// Two demo-sized films, scanned and prepared in `data`, and the admin account; the
/// films' ids.
fn prepared_films(tmp: &Path, data: &Path) -> Result<Vec<String>, CliError> {
    let app = App::open(bench_settings(data), exe())?;
    let lib = tmp.join("library");
    std::fs::create_dir_all(&lib).expect("bench library");
    for (i, name) in ["党章学习 第一集.mp4", "肉牛养殖技术.mp4"]
        .iter()
        .enumerate()
    {
        let spec = ClipSpec {
            width: 320,
            height: 180,
            fps: 25,
            duration_s: FILM_S,
            video: true,
            audio: true,
            container: "mp4".into(),
            title: None,
            seed: i as u32,
        };
        let reply = app.pool.call(&Request::Synth {
            spec,
            out: lib.join(name),
        });
        assert!(matches!(reply, Reply::Done), "synth failed: {reply:?}");
    }
    app.library.scan(&lib, &Quiet)?;
    app.preparation.drain(&|_, _| {})?;
    app.accounts
        .add_user(ADMIN, Role::Admin, PASSWORD)
        .expect("the load run's admin account");
    let films = app.catalog.films()?.into_iter().map(|f| f.id.to_string());
    let films = films.collect();
    app.flush();
    Ok(films)
}

/// Waits (up to 30 s) until the server answers `/healthz`.
fn wait_until_up(server: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("dianjiao serve exited: {status}");
        }
        if std::net::TcpStream::connect(ADDR).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("dianjiao serve never listened on {ADDR}");
}
