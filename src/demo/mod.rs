//! The demo library made by `serve --demo` on first start: short generated films with Chinese
//! titles — two series with episodes, practical-technology films, a local production and an
//! audio-only lecture — each folder described by a `catalog.toml`, so a new user sees a
//! working catalog. Encoded in-process by our own workers (no ffmpeg CLI). Also three
//! stations with rosters ([`ensure_stations`]).

mod stations;

pub use stations::ensure_stations;

use std::path::{Path, PathBuf};

use crate::media::{ClipSpec, Reply, Request, WorkerPool};

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
}

struct DemoFolder {
    dir: &'static str,
    catalog_toml: &'static str,
    files: &'static [(&'static str, f64)],
}

const FOLDERS: &[DemoFolder] = &[
    DemoFolder {
        dir: "党章电视教材",
        catalog_toml: "series = \"党章电视教材\"\ncategory = \"中央\"\nthemes = [\"党章\", \"先进性教育\"]\nyear = 2005\nproducer = \"中共中央组织部\"\nsummary = \"中组部音像教材：逐章讲解中国共产党章程。\"\n\n[files.\"党章电视教材 第一集.mp4\"]\nprep_notes = \"播前请组织党员学习党章总纲。\"\ncues = [{ at_s = 3.0, text = \"请注意：党的性质和宗旨\" }]\n",
        files: &[
            ("党章电视教材 第一集.mp4", 12.0),
            ("党章电视教材 第二集.mp4", 10.0),
            ("党章电视教材 第三集.mp4", 10.0),
        ],
    },
    DemoFolder {
        dir: "群星灿烂",
        catalog_toml: "series = \"群星灿烂——新时期优秀共产党员风采录\"\ncategory = \"中央\"\nthemes = [\"典型事迹\"]\nyear = 2006\n",
        files: &[
            ("群星灿烂——新时期优秀共产党员风采录 (1).mp4", 8.0),
            ("群星灿烂——新时期优秀共产党员风采录 (2).mp4", 8.0),
        ],
    },
    DemoFolder {
        dir: "农村实用技术",
        catalog_toml: "category = \"省\"\nthemes = [\"农村实用技术\"]\nyear = 2019\n",
        files: &[("肉牛养殖技术.mp4", 9.0), ("大棚蔬菜种植.mp4", 9.0)],
    },
    DemoFolder {
        dir: "本地制作",
        catalog_toml: "category = \"本地制作\"\nthemes = [\"基层组织建设\"]\nyear = 2026\nproducer = \"本乡电教站\"\n",
        files: &[("2026年党建新闻.mp4", 8.0)],
    },
    DemoFolder {
        dir: "专题讲座",
        catalog_toml: "category = \"市县\"\nthemes = [\"社会主义荣辱观\"]\nyear = 2020\n",
        files: &[("社会主义荣辱观专题讲座.mp3", 15.0)],
    },
];

/// Makes the demo library under `data/demo-library` unless it is already complete; returns
/// its path.
pub fn ensure(data: &Path, pool: &WorkerPool) -> Result<PathBuf, DemoError> {
    let root = data.join("demo-library");
    if root.join(DONE_MARKER).exists() {
        return Ok(root);
    }
    tracing::info!(path = %root.display(), "making the demo library (first start)");
    let mut seed = 0;
    for folder in FOLDERS {
        let dir = root.join(folder.dir);
        write(
            &dir.join("catalog.toml"),
            folder.catalog_toml.as_bytes(),
            &dir,
        )?;
        for (name, seconds) in folder.files {
            seed += 1;
            encode(pool, &dir.join(name), name, *seconds, seed)?;
        }
    }
    write(&root.join(DONE_MARKER), b"", &root)?;
    Ok(root)
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
    seconds: f64,
    seed: u32,
) -> Result<(), DemoError> {
    let audio_only = name.ends_with(".mp3");
    let title = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    let spec = ClipSpec {
        width: 320,
        height: 180,
        fps: 25,
        duration_s: seconds,
        video: !audio_only,
        audio: true,
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
