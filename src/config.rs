//! The one `Settings` struct: defaults in code → optional TOML file → `DIANJIAO_*` environment
//! → command-line flags. Every key is documented here and shown in `deploy/dianjiao.toml`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::media::MediaLimits;

/// Everything an operator can set.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Data folder: `db/` (catalog, accounts), `index/` (search), `thumbs/`, `media/`.
    pub data: PathBuf,
    /// Address and port to listen on.
    pub listen: String,
    /// Library folders scanned in place (read-only). Env: colon-separated.
    pub library: Vec<PathBuf>,
    /// Let anyone on the LAN browse the catalog and play films without signing in.
    pub anonymous_viewers: bool,
    /// Reverse proxies whose `X-Forwarded-For`, `X-Forwarded-Host` and `Forwarded` headers are
    /// believed. Empty: the socket peer is the client and `Host` is what it asked for.
    pub trusted_proxies: Vec<IpAddr>,
    /// Names (or addresses) the server answers to besides its own addresses, the machine's
    /// host name (and `name.local`), `localhost` and loopback, e.g. `["dianying.township.example"]`. Any other `Host` gets 421, which stops
    /// web pages elsewhere from reaching the server through DNS rebinding.
    pub host_names: Vec<String>,
    /// A request body (other than an upload's file data, see `upload_body_timeout_secs`) must
    /// arrive in full within this long after it is first read, in seconds; a slower or
    /// stalled one ends with 408 and the connection is closed.
    pub body_timeout_secs: u64,
    /// Bearer token for Prometheus scrapers of `/metrics` (`Authorization: Bearer …`). Empty:
    /// none. With a token set, or with `anonymous_viewers` off, `/metrics` needs the token or
    /// a signed-in clerk or admin; otherwise it is open like the catalog.
    pub metrics_token: String,
    /// Media worker processes (FFmpeg runs only inside them).
    pub workers: usize,
    /// Longest a worker may spend on one file before it is stopped, in seconds.
    pub worker_timeout_secs: u64,
    /// Address-space limit of each worker process, in MiB.
    pub worker_memory_mb: u64,
    /// CPU niceness of worker processes, so streaming is never starved.
    pub worker_nice: i32,
    /// Test hook: each worker sleeps this long before a probe. Keep 0.
    pub worker_debug_delay_ms: u64,
    /// Watch library folders with the OS file watcher. Turn off for network shares, where
    /// it sees no changes; periodic rescans then find them.
    pub watch_files: bool,
    /// Rescan library folders this often (the only trigger when not watching), in seconds.
    pub rescan_secs: u64,
    /// How long a sign-in lasts, in hours.
    pub session_hours: u64,
    /// Failed sign-ins on one account from one client address before that account is locked
    /// for that address (only: the same account still signs in from other addresses, so
    /// guesses from one machine cannot lock the admin out of the office PC).
    pub login_max_failures: u32,
    /// Failed sign-ins from one address, on any accounts, before that address is locked.
    pub login_max_failures_per_address: u32,
    /// How long a lock after too many failed sign-ins lasts, in seconds (counted from the
    /// first failure); also the lock of a client address after 5 wrong TV pairing codes.
    pub login_lockout_secs: u64,
    /// Sign-in passwords checked at the same time (argon2 takes about 19 MiB each); up to 8
    /// per thread more wait, and beyond that a sign-in is answered 503 busy.
    pub login_check_threads: usize,
    /// How long a TV pairing code (6 digits, single use) stays valid, in hours. 0 makes
    /// every code expire as it is made (tests only).
    pub pairing_code_hours: u64,
    /// Wrong TV pairing codes the whole server accepts in an hour, from all addresses
    /// together (on top of the per-address lock); then pairing is paused until that hour is
    /// over, and the admin page says so.
    pub pairing_max_wrong_per_hour: u32,
    /// A paired TV's device cookie stops working after this many days unused (fractions
    /// allowed); a TV in use has it renewed about once a day.
    pub device_idle_days: f64,
    /// Films prepared at the same time (each takes one worker; keep below `workers`).
    pub prepare_parallel: usize,
    /// A failed preparation is tried again after each of these waits, in seconds (fractions
    /// allowed): as many tries again as waits; `[]` never. A file refused as not a film is
    /// not tried again; a changed file starts its count afresh. Env: comma-separated.
    #[serde(deserialize_with = "seconds_list")]
    pub prepare_retry_after_secs: Vec<f64>,
    /// Close an inferred play after this idle time, in seconds (playback ledger).
    pub play_idle_secs: u64,
    /// Plays shorter than this are recorded as aborted, in seconds (playback ledger).
    pub play_min_secs: u64,
    /// Sign-ins and discussion for a play are taken from its TV this long after it ended (the
    /// same local day only), in minutes; later ones are 补记 entries made in the office.
    pub play_entry_grace_mins: u64,
    /// Plays one client (a paired TV, an office user, an address) may have open at once.
    pub plays_open_per_client: usize,
    /// Plays one client may start in an hour.
    pub plays_started_per_hour: u32,
    /// Discussion and feedback entries one client may make in an hour.
    pub play_entries_per_hour: u32,
    /// Days the statistics of viewers at addresses with no station are kept.
    pub unregistered_keep_days: u64,
    /// The township's offset from UTC in minutes (China: 480). Decides where a day and a month
    /// begin for the same-day rule and the reports; entries themselves are stamped in UTC.
    pub utc_offset_minutes: i32,
    /// The township this server belongs to: its name on reports and production tasks.
    pub township: String,
    /// Most concurrent just-in-time transcodes (streaming). Two viewers far apart in one
    /// film each take one while slots are free; otherwise the newcomer is told to wait.
    pub jit_max: usize,
    /// A just-in-time producer nobody has fetched from for this long stops, in seconds.
    pub jit_idle_secs: u64,
    /// CPU niceness of just-in-time transcodes: below streaming (0), above preparation
    /// (`worker_nice`); kept between the two.
    pub jit_nice: i32,
    /// Seeks (requests that restart a just-in-time transcode elsewhere in a film) one client
    /// address may make per minute, sustained; 0 turns the limit off. Playing on is free.
    pub jit_seeks_per_minute: u32,
    /// Seeks one client address may make in a quick run before the per-minute pace applies.
    pub jit_seek_burst: u32,
    /// DLNA: village TVs find the library from their own media menu (SSDP discovery on UDP
    /// 1900, ContentDirectory browsing) and play it without signing in. DLNA has no
    /// authentication, so it is off unless turned on (`dlna = true`, env
    /// `DIANJIAO_DLNA=on`); when off, the DLNA routes answer 404.
    pub dlna: bool,
    /// Network interfaces (names, e.g. `["eth0"]`) DLNA discovery announces on and answers
    /// from. Empty: every interface that is up with an IPv4 address, except loopback.
    pub dlna_interfaces: Vec<String>,
    /// How long a TV may remember the server without hearing from it (SSDP `max-age`), in
    /// seconds (60 to 86400); the server announces itself again about every third of it.
    pub dlna_max_age_secs: u64,
    /// The name TVs show for this server in their media menus; empty: `<township>电教片库`.
    pub dlna_name: String,
    /// How often the server searches the LAN and the registered station addresses for TV
    /// renderers (`MediaRenderer:1`, for pushing a film to a TV), in seconds (at least 2).
    pub dlna_renderer_search_secs: u64,
    /// While a film pushed to a TV plays, the server asks the TV where it is this often, in
    /// seconds (at least 1): each answer is a heartbeat of the play.
    pub dlna_push_poll_secs: u64,
    /// A TV that stops answering while a pushed film plays (switched off, off the network)
    /// ends the play at its last reported position after this many seconds (at least 2);
    /// so does a TV that never starts playing. Until then the phone shows it as unreachable.
    pub dlna_push_grace_secs: u64,
    /// Commands to TVs (pause, resume, seek, stop, volume) one phone, or one office address,
    /// may send a minute; past it they are refused with 429 for the rest of the minute.
    /// 0 turns the limit off.
    pub dlna_renderer_commands_per_minute: u32,
    /// Folder of the web pages (`tv/`, `admin/`) and of `vendor/` with the browser libraries
    /// they load (hls.js, tus-js-client); relative paths are from the working directory.
    pub web_dir: PathBuf,
    /// Largest upload accepted, in bytes (default 50 GiB); refused with 413 before any byte
    /// when the client declares more, and when a transfer runs past it.
    pub upload_max_bytes: u64,
    /// An unfinished upload is removed this long after it was started, in hours (fractions
    /// allowed).
    pub upload_expire_hours: f64,
    /// An upload request whose body stalls this long ends, keeping what arrived, in seconds.
    pub upload_body_timeout_secs: u64,
    /// Log filter, e.g. `info` or `dianjiao=debug,info`.
    pub log: String,
    /// Caps on what media files may declare.
    pub media_limits: MediaLimits,
    /// Largest photo of a showing's room (JPEG or PNG from the broadcaster's phone) taken,
    /// in bytes (default 8 MiB); larger ones are refused with 413.
    pub photo_max_bytes: u64,
    /// With `serve --demo` on a fresh data folder: also make the office account `demo` (its
    /// password printed once at start), full-length demo films and a past year of showings,
    /// sign-ins, discussion, feedback, plans and a local production (entries marked
    /// `"origin": "demo"`). Off: the demo library (short clips) and stations only.
    pub demo_year: bool,
    /// Run as the county's server (`serve --county`, env `DIANJIAO_COUNTY=true`): it takes
    /// townships' ledger entries (pushed or imported from files), verifies them and shows
    /// every township's points × months.
    pub county: bool,
    /// Township: the county server's address (e.g. `http://county.example:8080`); new
    /// ledger entries are pushed there on a schedule and on demand. Empty: nothing is sent.
    pub county_url: String,
    /// Township: push new entries to the county this often, in seconds (at least 2; the
    /// first push comes one period after start).
    pub county_push_secs: u64,
    /// Township: entries per request of a push (each request ends with a signed checkpoint,
    /// so a cut connection loses at most one batch), 1 to 5000.
    pub county_push_batch: usize,
    /// County: a township's signed request is taken only within this many seconds of the
    /// county's clock (and its nonce only once), against replays.
    pub county_request_window_secs: u64,
    /// Folders the office may write pastoral field kits into (a USB stick mounted on the
    /// server, say); the office picks one of these, never a path of its own. Empty: only
    /// `<data>/kits`.
    pub kit_out_dirs: Vec<PathBuf>,
    /// Days after a kit is made during which its field records are accepted on import.
    pub kit_valid_days: u32,
    /// Largest field-records file an import takes, in bytes (default 8 MiB); larger: 413.
    pub kit_import_max_bytes: u64,
    /// Imports of field records (accepted or refused) taken an hour; past it: 429.
    pub kit_imports_per_hour: u32,
    /// Space left free on the data folder's disk, in MiB (default 256): an upload or a
    /// preparation that would bring the free space below it is refused (uploads with 507,
    /// preparations are tried again later), so the database and the ledger can still record
    /// showings on a disk full of films. 0 turns the floor off.
    pub disk_reserve_mb: u64,
    /// Disk space the ledger keeps allocated ahead of its last entry, in MiB (default 16,
    /// some 30,000 entries): appends use it when the disk is otherwise full.
    pub ledger_reserve_mb: u64,
    /// Test hook: the ledger's syncs fail (as a dying disk's would) after this many have
    /// succeeded since start. Keep 0 (never).
    pub ledger_debug_fail_sync_after: u64,
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid")]
    Parse {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("environment variable {name} has a value of the wrong kind: {value:?}")]
    Env { name: String, value: String },
    #[error("the settings are not valid")]
    Invalid(#[source] toml::de::Error),
}

impl Settings {
    /// Loads defaults, then the TOML file if given, then `DIANJIAO_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut table = toml::Table::try_from(Settings::default()).map_err(|e| {
            // Serialising our own defaults cannot fail unless the struct is broken.
            ConfigError::Env {
                name: "defaults".into(),
                value: e.to_string(),
            }
        })?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            let file_table: toml::Table =
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: path.to_owned(),
                    source,
                })?;
            table.extend(file_table);
        }
        for (name, value) in env {
            apply_env(&mut table, &name, &value)?;
        }
        toml::Value::Table(table)
            .try_into()
            .map_err(ConfigError::Invalid)
    }

    /// `device_idle_days` as a duration (a year if the value is not a sensible number).
    pub fn device_idle(&self) -> std::time::Duration {
        std::time::Duration::try_from_secs_f64(self.device_idle_days * 86_400.0)
            .unwrap_or(std::time::Duration::from_secs(365 * 86_400))
    }

    /// The folder of the sled database.
    pub fn db_dir(&self) -> PathBuf {
        self.data.join("db")
    }

    /// The folder of the search index.
    pub fn index_dir(&self) -> PathBuf {
        self.data.join("index")
    }

    /// The folder of prepared renditions (HLS, tv.mp4).
    pub fn renditions_dir(&self) -> PathBuf {
        self.data.join("renditions")
    }

    /// The folder of poster frames and title cards.
    /// Where segments made just in time for unprepared films are kept.
    pub fn jit_dir(&self) -> PathBuf {
        self.data.join("jit")
    }

    /// The folder of the ledger of record (its log, its signing key).
    pub fn ledger_dir(&self) -> PathBuf {
        self.data.join("ledger")
    }

    /// Where unfinished uploads are written (`<data>/uploads`).
    pub fn uploads_dir(&self) -> PathBuf {
        self.data.join("uploads")
    }

    /// Where finished uploads are kept as library files (`<data>/media`).
    pub fn media_dir(&self) -> PathBuf {
        self.data.join("media")
    }

    pub fn thumbs_dir(&self) -> PathBuf {
        self.data.join("thumbs")
    }

    /// The folders a kit may be written into: `kit_out_dirs`, or `<data>/kits` when empty.
    pub fn kit_dirs(&self) -> Vec<PathBuf> {
        if self.kit_out_dirs.is_empty() {
            vec![self.data.join("kits")]
        } else {
            self.kit_out_dirs.clone()
        }
    }

    /// Where photos of showings are kept, by SHA-256 (`<data>/photos`).
    pub fn photos_dir(&self) -> PathBuf {
        self.data.join("photos")
    }
}

/// Sets one key from a `DIANJIAO_*` variable, typed after the key's default value.
fn apply_env(table: &mut toml::Table, name: &str, value: &str) -> Result<(), ConfigError> {
    let Some(key) = name.strip_prefix("DIANJIAO_") else {
        return Ok(());
    };
    let key = key.to_ascii_lowercase();
    let Some(current) = table.get(&key) else {
        if key != "config" {
            tracing::warn!(variable = name, "unknown DIANJIAO_ setting ignored");
        }
        return Ok(());
    };
    let bad = || ConfigError::Env {
        name: name.to_owned(),
        value: value.to_owned(),
    };
    let parsed = match current {
        toml::Value::Boolean(_) => toml::Value::Boolean(parse_bool(value).ok_or_else(bad)?),
        toml::Value::Integer(_) => toml::Value::Integer(value.trim().parse().map_err(|_| bad())?),
        toml::Value::Float(_) => toml::Value::Float(value.trim().parse().map_err(|_| bad())?),
        toml::Value::Array(_) => toml::Value::Array(
            value
                .split([':', ','])
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_owned()))
                .collect(),
        ),
        toml::Value::String(_) => toml::Value::String(value.to_owned()),
        toml::Value::Table(_) | toml::Value::Datetime(_) => return Err(bad()),
    };
    table.insert(key, parsed);
    Ok(())
}

/// Seconds as numbers, or as numeric strings (how a `DIANJIAO_*` list arrives).
fn seconds_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Secs {
        Number(f64),
        Text(String),
    }
    Vec::<Secs>::deserialize(d)?
        .into_iter()
        .map(|s| {
            let v = match s {
                Secs::Number(n) => n,
                Secs::Text(t) => t.trim().parse().map_err(serde::de::Error::custom)?,
            };
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(serde::de::Error::custom(format!(
                    "{v} is not a number of seconds"
                )))
            }
        })
        .collect()
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

mod defaults;
#[cfg(test)]
mod tests;
