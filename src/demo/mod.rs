//! The demo library made by `serve --demo` on first start: short generated films with Chinese
//! titles — two series with episodes, practical-technology films, a local production and an
//! audio-only lecture — each folder described by a `catalog.toml`, so a new user sees a
//! working catalog. Encoded in-process by our own workers (no ffmpeg CLI). Also three
//! stations with rosters ([`ensure_stations`]), and with `demo_year` on (the default) the
//! office account `demo` and a past year of entries ([`start`], `year.rs`).

mod account;
mod cast;
mod office;
mod script;
mod showings;
mod stations;
mod texts;
mod year;

pub use account::{ensure_account, DEMO_USER};
pub use script::{Script, DEMO_ORIGIN};
pub use stations::ensure_stations;

use std::path::{Path, PathBuf};

use crate::app::App;
use crate::media::{ClipSpec, Reply, Request, WorkerPool};

/// Marks a data folder whose ledger holds the demo year (the office shows 演示数据).
const YEAR_MARKER: &str = ".demo-year";

/// Films shorter than this are not shown in the demo year (they would not count).
const MIN_REEL_S: f64 = 300.0;

/// The local 专题片 (feature film), made only with the demo year.
const FEATURE_FILE: &str = "双培双带专题片.mp4";

/// Marks a finished demo library, so an interrupted first start is redone, not half-used.
const DONE_MARKER: &str = ".demo-complete";

/// Why the demo library could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot write the demo library in {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode the demo film {name}: {detail}")]
    Encode { name: String, detail: String },
    #[error("cannot make the demo stations")]
    Stations(#[from] crate::stations::StationsError),
    #[error("cannot catalogue the demo library")]
    Scan(#[from] crate::library::LibraryError),
    #[error("cannot make the demo account")]
    Account(#[from] crate::accounts::AccountsError),
    #[error("cannot record a demo showing")]
    Plays(#[from] crate::plays::PlaysError),
    #[error("cannot record a demo entry")]
    Entries(#[from] crate::entries::EntriesError),
    #[error("the clock is before the demo year could start")]
    NoTime,
}

/// What `serve --demo` did at this start, for the start-up message.
#[derive(Debug, Default)]
pub struct Started {
    /// The demo account's password, when this start made the account.
    pub password: Option<String>,
    /// The demo account exists.
    pub account: bool,
    /// Ledger entries this start wrote for the demo year (0: none, e.g. not a fresh data
    /// folder).
    pub entries: u64,
}

impl Started {
    /// The start-up lines about the demo (the password only when just made).
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match (&self.password, self.account) {
            (Some(p), _) => lines.push(format!(
                "演示账号: {DEMO_USER}   密码: {p}   （只显示这一次，请记下；demo account, password shown once）"
            )),
            (None, true) => lines.push(format!(
                "演示账号: {DEMO_USER}（密码在第一次启动时已显示；demo account, password shown on the first start）"
            )),
            (None, false) => {}
        }
        if self.entries > 0 {
            lines.push(format!(
                "演示数据：已写入过去一年的 {} 条台账记录，均标为演示（demo year: {} ledger entries, marked origin=demo）",
                self.entries, self.entries
            ));
        }
        lines
    }
}

/// True when `data`'s ledger holds the demo year.
pub fn has_demo_year(data: &Path) -> bool {
    data.join(YEAR_MARKER).exists()
}

/// Everything `serve --demo` makes before the server listens: the library (then watched
/// with the others), and on a fresh data folder the stations; with `demo_year` on also the
/// account `demo` and the demo year, on the script's clock (`app` must have been opened
/// with [`Script::ledger_options`]). A second start makes nothing again.
pub fn start(app: &mut App, data: &Path, script: &Script) -> Result<Started, DemoError> {
    let full = app.settings.demo_year;
    let root = ensure(data, &app.pool, full)?;
    app.settings.library.push(root.clone());
    if !full {
        ensure_stations(&app.stations)?;
        return Ok(Started::default());
    }
    let fresh = app.stations.list()?.is_empty();
    let password = ensure_account(&app.accounts)?;
    let mut started = Started {
        password,
        account: true,
        entries: 0,
    };
    if fresh {
        println!("演示数据：正在编目演示片库（cataloguing the demo library）");
        app.library.scan(&root, &crate::library::Quiet)?;
        let (reels, local) = reels(app)?;
        if reels.is_empty() {
            // A library of short clips kept from a start with `demo_year` off.
            tracing::warn!("the demo library has no full-length film: no demo year");
            ensure_stations(&app.stations)?;
            return Ok(started);
        }
        let before = app.ledger.len();
        year::write(app, script, &reels, local)?;
        started.entries = app.ledger.len() - before;
        write(&data.join(YEAR_MARKER), b"", data)?;
    }
    Ok(started)
}

/// The catalogued films long enough to show, by title, and the local productions.
fn reels(app: &App) -> Result<(Vec<showings::Reel>, office::Local), DemoError> {
    let films = app
        .catalog
        .films()
        .map_err(crate::library::LibraryError::from)?;
    let mut reels: Vec<(String, showings::Reel)> = films
        .iter()
        .filter_map(|f| {
            let d = f.media.as_ref()?.duration_s;
            let long = d.is_finite() && d >= MIN_REEL_S && f.media.as_ref()?.video().is_some();
            long.then(|| {
                let reel = showings::Reel {
                    id: f.id.to_string(),
                    duration_s: d,
                };
                (f.title.clone(), reel)
            })
        })
        .collect();
    reels.sort_by(|a, b| a.0.cmp(&b.0));
    let find = |word: &str| {
        reels
            .iter()
            .find(|(t, _)| t.contains(word))
            .map(|(_, r)| r.id.clone())
    };
    let local = office::Local {
        party_news: find("党建新闻"),
        feature: find("专题片"),
    };
    Ok((reels.into_iter().map(|(_, r)| r).collect(), local))
}

struct DemoFolder {
    dir: &'static str,
    catalog_toml: &'static str,
    /// File name, its length as a short clip (seconds) and as a full-length film (minutes;
    /// 0: only made as a short clip, not for the demo year).
    files: &'static [(&'static str, f64, f64)],
}

const FOLDERS: &[DemoFolder] = &[
    DemoFolder {
        dir: "党章电视教材",
        catalog_toml: "series = \"党章电视教材\"\ncategory = \"中央\"\nthemes = [\"党章\", \"先进性教育\"]\nyear = 2005\nproducer = \"中共中央组织部\"\nsummary = \"中组部音像教材：逐章讲解中国共产党章程。\"\n\n[files.\"党章电视教材 第一集.mp4\"]\nprep_notes = \"播前请组织党员学习党章总纲。\"\ncues = [{ at_s = 3.0, text = \"请注意：党的性质和宗旨\" }]\n",
        files: &[
            ("党章电视教材 第一集.mp4", 12.0, 28.0),
            ("党章电视教材 第二集.mp4", 10.0, 26.0),
            ("党章电视教材 第三集.mp4", 10.0, 25.0),
        ],
    },
    DemoFolder {
        dir: "群星灿烂",
        catalog_toml: "series = \"群星灿烂——新时期优秀共产党员风采录\"\ncategory = \"中央\"\nthemes = [\"典型事迹\"]\nyear = 2006\n",
        files: &[
            ("群星灿烂——新时期优秀共产党员风采录 (1).mp4", 8.0, 22.0),
            ("群星灿烂——新时期优秀共产党员风采录 (2).mp4", 8.0, 24.0),
        ],
    },
    DemoFolder {
        dir: "农村实用技术",
        catalog_toml: "category = \"省\"\nthemes = [\"农村实用技术\"]\nyear = 2019\n",
        files: &[("肉牛养殖技术.mp4", 9.0, 18.0), ("大棚蔬菜种植.mp4", 9.0, 20.0)],
    },
    DemoFolder {
        dir: "本地制作",
        catalog_toml: "category = \"本地制作\"\nthemes = [\"基层组织建设\"]\nyear = 2026\nproducer = \"本乡电教站\"\n",
        files: &[
            ("2026年党建新闻.mp4", 8.0, 6.0),
            (FEATURE_FILE, 0.0, 15.0),
        ],
    },
    DemoFolder {
        dir: "专题讲座",
        catalog_toml: "category = \"市县\"\nthemes = [\"社会主义荣辱观\"]\nyear = 2020\n",
        files: &[("社会主义荣辱观专题讲座.mp3", 15.0, 0.0)],
    },
];

/// Makes the demo library under `data/demo-library` unless it is already complete; returns
/// its path. `full_length`: films of 6 to 28 minutes (picture only, 2 frames a second, so
/// they encode in seconds) that showings can be credited with, plus a 专题片 for the local
/// production; else the short clips (8 to 15 s).
pub fn ensure(data: &Path, pool: &WorkerPool, full_length: bool) -> Result<PathBuf, DemoError> {
    let root = data.join("demo-library");
    if root.join(DONE_MARKER).exists() {
        return Ok(root);
    }
    tracing::info!(path = %root.display(), "making the demo library (first start)");
    let films: Vec<(&DemoFolder, &str, Length)> = FOLDERS
        .iter()
        .flat_map(|f| f.files.iter().map(move |file| (f, file)))
        .filter_map(|(folder, &(name, short_s, full_min))| {
            let length = match (full_length, full_min > 0.0) {
                (true, true) => Length::Full(full_min * 60.0),
                (false, _) if short_s <= 0.0 => return None,
                _ => Length::Clip(short_s),
            };
            Some((folder, name, length))
        })
        .collect();
    for folder in FOLDERS {
        let dir = root.join(folder.dir);
        write(
            &dir.join("catalog.toml"),
            folder.catalog_toml.as_bytes(),
            &dir,
        )?;
    }
    for (n, (folder, name, length)) in films.iter().enumerate() {
        println!(
            "演示片库：正在生成影片 {}/{} {name}（making the demo films）",
            n + 1,
            films.len()
        );
        let out = root.join(folder.dir).join(name);
        encode(pool, &out, name, *length, n as u32 + 1)?;
    }
    write(&root.join(DONE_MARKER), b"", &root)?;
    Ok(root)
}

/// How long a demo film is made.
#[derive(Clone, Copy)]
enum Length {
    /// A short clip with sound, seconds.
    Clip(f64),
    /// A full-length film, picture only at 2 frames a second, seconds.
    Full(f64),
}

fn write(path: &Path, bytes: &[u8], dir: &Path) -> Result<(), DemoError> {
    let io = |source| DemoError::Io {
        path: path.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(path, bytes).map_err(io)
}

fn encode(
    pool: &WorkerPool,
    out: &Path,
    name: &str,
    length: Length,
    seed: u32,
) -> Result<(), DemoError> {
    let audio_only = name.ends_with(".mp3");
    let (seconds, fps, audio) = match length {
        Length::Clip(s) => (s, 25, true),
        Length::Full(s) => (s, 2, false),
    };
    let title = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    let spec = ClipSpec {
        width: 320,
        height: 180,
        fps,
        duration_s: seconds,
        video: !audio_only,
        audio: audio || audio_only,
        container: if audio_only { "mp3" } else { "mp4" }.into(),
        title,
        seed,
    };
    match pool.call(&Request::Synth {
        spec,
        out: out.to_owned(),
    }) {
        Reply::Done => Ok(()),
        Reply::Failed { failure } => Err(DemoError::Encode {
            name: name.into(),
            detail: failure.detail,
        }),
        Reply::Probed { .. }
        | Reply::Progress { .. }
        | Reply::Segment { .. }
        | Reply::Prepared { .. } => Err(DemoError::Encode {
            name: name.into(),
            detail: "unexpected reply".into(),
        }),
    }
}
