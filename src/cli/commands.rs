//! What each command does: build the settings (file → env → flags), open what it needs, run.

use std::io::{BufRead, IsTerminal};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::scan_bar::ScanBar;
use super::{Cli, Command, DataArg, UserCommand};
use crate::accounts::{Accounts, AccountsError, Role, Throttle};
use crate::app::{App, OpenError};
use crate::config::{ConfigError, Settings};
use crate::library::LibraryError;

/// Why a command failed; `main` prints the chain of causes.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error("cannot listen on {addr}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped with an error")]
    Serve(#[source] std::io::Error),
    #[error("cannot make the demo library")]
    Demo(#[from] crate::demo::DemoError),
    #[error("cannot read the password")]
    Password(#[source] std::io::Error),
    #[error("the two passwords differ")]
    PasswordMismatch,
    #[error("preparation failed")]
    Prepare(#[from] crate::preparation::PrepareError),
    #[error("no film with id {0:?}")]
    UnknownFilm(String),
    #[error("cannot rebuild the search index")]
    Reindex(#[from] media_catalog::CatalogError),
    #[error(transparent)]
    Ledger(#[from] super::LedgerCliError),
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    #[error(transparent)]
    Kit(#[from] crate::kit::KitError),
    #[error("{0} 项检查需要处理（{0} checks need action）")]
    DoctorFound(usize),
    #[error(transparent)]
    County(#[from] crate::county::CountyError),
    #[error("cannot start {exe} (it is built beside dianjiao by `cargo build --release`)")]
    Bench {
        exe: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("无法读取 {path}（cannot read {path}）")]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Loads the settings and runs the command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let mut settings = Settings::load(cli.config.as_deref(), std::env::vars())?;
    crate::telemetry_init(&settings.log);
    match cli.command {
        Command::Serve {
            data,
            library,
            listen,
            demo,
            county,
        } => {
            apply_data(&mut settings, &data);
            settings.county |= county;
            settings.library.extend(library);
            if let Some(l) = listen {
                settings.listen = l;
            }
            serve(settings, demo)
        }
        Command::Scan { data, library } => {
            apply_data(&mut settings, &data);
            scan(settings, library)
        }
        Command::Prepare { data, film } => {
            apply_data(&mut settings, &data);
            super::prepare_bar::prepare(settings, film.as_deref())
        }
        Command::Reindex { data } => {
            apply_data(&mut settings, &data);
            let app = App::open(settings, exe())?;
            let n = app.catalog.reindex()?;
            println!("search index rebuilt: {n} films");
            Ok(())
        }
        Command::User(UserCommand::Add {
            data,
            admin,
            password_stdin,
            name,
        }) => {
            apply_data(&mut settings, &data);
            add_user(settings, &name, admin, password_stdin)
        }
        Command::Ledger(command) => {
            apply_data(&mut settings, command.data());
            Ok(super::ledger::run(&settings, command)?)
        }
        Command::County(command) => {
            apply_data(&mut settings, command.data());
            super::county::run(&settings, command)
        }
        Command::Backup {
            data,
            to,
            renditions,
        } => {
            apply_data(&mut settings, &data);
            super::maint::backup(&settings, &to, renditions)
        }
        Command::Restore { from, data } => super::maint::restore(&from, &data),
        Command::Doctor {
            data,
            library,
            json,
        } => {
            apply_data(&mut settings, &data);
            settings.library.extend(library);
            super::maint::doctor(&settings, json)
        }
        Command::Kit(command) => {
            apply_data(&mut settings, command.data());
            super::kit::run(settings, command)
        }
        Command::Bench { args } => super::bench::run(&args),
    }
}

fn apply_data(settings: &mut Settings, data: &DataArg) {
    if let Some(d) = &data.data {
        settings.data = d.clone();
    }
}

pub(super) fn exe() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("dianjiao"))
}

#[actix_web::main]
async fn serve(settings: Settings, demo: bool) -> Result<(), CliError> {
    let listener = TcpListener::bind(&settings.listen).map_err(|source| CliError::Listen {
        addr: settings.listen.clone(),
        source,
    })?;
    let data = settings.data.clone();
    let (app, demo) = tokio::task::spawn_blocking(move || -> Result<_, CliError> {
        // `--demo` writes its demo year on a scripted clock; otherwise the system's.
        let script = crate::demo::Script::default();
        let options = match demo {
            true => script.ledger_options(),
            false => crate::ledger::LedgerOptions::default(),
        };
        let mut app = App::open_with(settings, exe(), options)?;
        let demo = demo
            .then(|| crate::demo::start(&mut app, &data, &script))
            .transpose()?;
        Ok((app, demo))
    })
    .await
    .map_err(|e| CliError::Serve(std::io::Error::other(e)))??;
    let app = Arc::new(app);
    app.preparation.start(app.settings.prepare_parallel);
    crate::library::watch(
        app.library.clone(),
        app.settings.library.clone(),
        app.settings.watch_files,
        Duration::from_secs(app.settings.rescan_secs.max(1)),
    );
    let addr = listener.local_addr().map_err(CliError::Serve)?;
    tracing::info!("dianjiao listening on http://{addr}");
    crate::startup::announce(addr, app.accounts.user_count());
    for line in demo.iter().flat_map(crate::demo::Started::lines) {
        println!("{line}");
    }
    let server = crate::http::server(app.clone(), listener).map_err(CliError::Serve)?;
    crate::backup::serve_control(&app.settings.data, app.db().clone(), app.ledger.clone());
    if let Some(sender) = &app.sender {
        let every = Duration::from_secs(app.settings.county_push_secs.max(2));
        sender.clone().start(every);
    }
    let ssdp = start_ssdp(&app, addr);
    let result = server.await.map_err(CliError::Serve);
    if let Some((ssdp, renderers)) = ssdp {
        renderers.stop().await;
        ssdp.stop().await;
    }
    app.flush();
    result
}

/// DLNA discovery, when `dlna` is on: TVs find the server from their media menu.
fn start_ssdp(
    app: &App,
    listen: std::net::SocketAddr,
) -> Option<(crate::dlna::ssdp::Ssdp, crate::dlna::renderers::Discovery)> {
    if !app.settings.dlna {
        return None;
    }
    if listen.ip().is_loopback() {
        tracing::warn!(%listen, "dlna is on, but the server listens only on this machine: TVs cannot reach it (listen on 0.0.0.0 or a LAN address)");
        return None;
    }
    match crate::dlna::ssdp::SsdpConfig::new(&app.settings, listen) {
        Ok(config) => {
            // The renderer search (pushing films to TVs) uses the same interfaces.
            let every =
                std::time::Duration::from_secs(app.settings.dlna_renderer_search_secs.max(2));
            let renderers = crate::dlna::renderers::Discovery::start(
                config.clone(),
                app.stations.clone(),
                app.dlna.renderers.clone(),
                every,
            );
            Some((
                crate::dlna::ssdp::Ssdp::start(config, app.stations.clone()),
                renderers,
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "DLNA discovery cannot start: cannot keep the device identity in the data folder");
            None
        }
    }
}

fn scan(settings: Settings, library: PathBuf) -> Result<(), CliError> {
    let app = App::open(settings, exe())?;
    let bar = ScanBar::new();
    let s = app.library.scan(&library, &bar)?;
    println!(
        "{}: {} files — {} probed, {} rejected, {} failed, {} unchanged, {} updated, {} moved, {} missing ({:.2} s)",
        s.root.display(), s.found, s.probed, s.rejected, s.failed, s.unchanged, s.updated,
        s.relinked, s.newly_missing, s.seconds
    );
    for p in &s.problems {
        println!("  problem: {p}");
    }
    if s.skipped_symlinks > 0 {
        println!(
            "  {} links leading outside the library were not followed",
            s.skipped_symlinks
        );
    }
    app.flush();
    Ok(())
}

fn add_user(settings: Settings, name: &str, admin: bool, stdin: bool) -> Result<(), CliError> {
    let password = read_password(stdin)?;
    let db = crate::app::open_db(&settings)?;
    let accounts = Accounts::open(
        &db,
        Duration::from_secs(3600),
        Throttle::new(5, 20, Duration::from_secs(1)),
        1,
    )?;
    let role = if admin { Role::Admin } else { Role::Clerk };
    let user = accounts.add_user(name, role, &password)?;
    db.flush()
        .map_err(|e| CliError::Password(std::io::Error::other(e)))?;
    println!("account {} ({}) created", user.name, role.as_str());
    Ok(())
}

fn read_password(from_stdin: bool) -> Result<String, CliError> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CliError::Password)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ").map_err(CliError::Password)?;
    let again = rpassword::prompt_password("Again: ").map_err(CliError::Password)?;
    if first != again {
        return Err(CliError::PasswordMismatch);
    }
    Ok(first)
}
