//! The catalog's domain types: films, their media description, series and themes.
//!
//! These are domain types, not wire DTOs: the server converts them for HTTP, and the store
//! wraps them in a versioned on-disk record.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A server-made film id: 16 lowercase hex digits. A user's file name is never an id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FilmId(String);

/// A string that is not a film id.
#[derive(Debug, thiserror::Error)]
#[error("not a film id: {0:?}")]
pub struct InvalidFilmId(pub String);

impl FilmId {
    /// A fresh random id.
    pub fn new_random() -> Self {
        FilmId(format!("{:016x}", rand::random::<u64>()))
    }

    /// Parses an id from a URL or a record; only 16 lowercase hex digits pass.
    pub fn parse(s: &str) -> Result<Self, InvalidFilmId> {
        if s.len() == 16
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(FilmId(s.to_owned()))
        } else {
            Err(InvalidFilmId(s.chars().take(64).collect()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FilmId {
    type Error = InvalidFilmId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        FilmId::parse(&s)
    }
}

impl From<FilmId> for String {
    fn from(id: FilmId) -> String {
        id.0
    }
}

impl fmt::Display for FilmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a film comes from, in the order of the 电教 network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 中央 — central-department series (中组部音像教材).
    Central,
    /// 省 — provincial films.
    Provincial,
    /// 市县 — city and county films, the county TV column.
    County,
    /// 本地制作 — the township's own productions.
    Local,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 4] = [
        Category::Central,
        Category::Provincial,
        Category::County,
        Category::Local,
    ];

    /// The machine name used in the API and the index.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Central => "central",
            Category::Provincial => "provincial",
            Category::County => "county",
            Category::Local => "local",
        }
    }

    /// The Chinese label users see.
    pub fn label(self) -> &'static str {
        match self {
            Category::Central => "中央",
            Category::Provincial => "省",
            Category::County => "市县",
            Category::Local => "本地制作",
        }
    }

    /// Accepts the machine name or the Chinese label.
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s) || c.label() == s)
    }
}

/// A film's life cycle: found → prepared for TVs, or refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilmState {
    /// Probed and catalogued; waiting for preparation.
    Queued,
    /// TV renditions are being made.
    Preparing,
    /// TV renditions are ready.
    Ready,
    /// Probing or preparation failed; `reason` says why.
    Failed,
    /// Not a usable film (empty, not media, hostile); `reason` says why.
    Rejected,
}

impl FilmState {
    /// Every state.
    pub const ALL: [FilmState; 5] = [
        FilmState::Queued,
        FilmState::Preparing,
        FilmState::Ready,
        FilmState::Failed,
        FilmState::Rejected,
    ];

    /// The machine name used in the API and the index.
    pub fn as_str(self) -> &'static str {
        match self {
            FilmState::Queued => "queued",
            FilmState::Preparing => "preparing",
            FilmState::Ready => "ready",
            FilmState::Failed => "failed",
            FilmState::Rejected => "rejected",
        }
    }

    /// Parses the machine name.
    pub fn parse(s: &str) -> Option<FilmState> {
        FilmState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A prompt shown during the showing (播中有提示) at a moment of the film.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    /// Seconds from the start of the film.
    pub at_s: f64,
    /// The prompt text.
    pub text: String,
}

/// What kind of data a stream carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    Video,
    Audio,
    Subtitle,
    Data,
    Attachment,
    Unknown,
}

/// A rational number such as a sample aspect ratio (`num:den`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub num: i32,
    pub den: i32,
}

/// One stream of a media file, as probed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// The stream's index in the container.
    pub index: u32,
    pub kind: Option<StreamKind>,
    /// FFmpeg's short codec name, e.g. `h264`, `mpeg2video`, `wmav2`.
    pub codec: String,
    pub codec_long: Option<String>,
    pub profile: Option<String>,
    pub level: Option<i32>,
    pub bit_rate: Option<u64>,
    pub duration_s: Option<f64>,
    pub language: Option<String>,
    // Video
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub sar: Option<Ratio>,
    pub dar: Option<Ratio>,
    pub fps: Option<f64>,
    /// `progressive`, `tt`, `bb`, `tb`, `bt` (FFmpeg's field order), when known.
    pub field_order: Option<String>,
    /// True when the stream is known to be interlaced.
    pub interlaced: Option<bool>,
    /// Display rotation in degrees (clockwise), from the display matrix or the `rotate` tag.
    pub rotation: Option<f64>,
    pub pix_fmt: Option<String>,
    pub bit_depth: Option<u8>,
    // Audio
    pub channels: Option<u16>,
    pub sample_rate: Option<u32>,
}

/// A probed media file: container, duration and streams.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// FFmpeg's demuxer name, e.g. `mpeg`, `avi`, `mov,mp4,m4a,3gp,3g2,mj2`.
    pub container: String,
    pub container_long: Option<String>,
    pub duration_s: f64,
    pub bit_rate: Option<u64>,
    pub streams: Vec<StreamInfo>,
    /// Container tags (title, comment, …), decoded to UTF-8 (GBK/GB18030 recognised).
    pub tags: BTreeMap<String, String>,
}

impl MediaInfo {
    /// The first video stream, ignoring attached pictures (cover art).
    pub fn video(&self) -> Option<&StreamInfo> {
        self.streams
            .iter()
            .find(|s| s.kind == Some(StreamKind::Video))
    }

    /// The first audio stream.
    pub fn audio(&self) -> Option<&StreamInfo> {
        self.streams
            .iter()
            .find(|s| s.kind == Some(StreamKind::Audio))
    }

    /// True when there is sound but no picture (a lecture, a radio programme).
    pub fn is_audio_only(&self) -> bool {
        self.video().is_none() && self.audio().is_some()
    }
}

/// Keyframe positions of the main video stream, for cutting segments on a remux.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyframeIndex {
    /// The stream these keyframes belong to.
    pub stream_index: u32,
    /// Presentation times of the keyframes, seconds from the start, ascending.
    pub times_s: Vec<f64>,
}

/// Everything a probe learns about one file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub media: MediaInfo,
    pub keyframes: KeyframeIndex,
}

/// Size, modification time and a hash of the first and last MiB: what tells a changed file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch; [`Fingerprint::RESCAN`] when the
    /// server found the file changed and the next scan must read it again.
    pub mtime_ns: i128,
    /// SHA-256 (hex) of the first and the last MiB.
    pub head_tail_sha256: String,
    /// The device and inode of the file that was hashed: what the server checks an opened
    /// file against before it serves it or hands it to a worker. `None` in records written
    /// before it was kept; the next scan records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<FileIdentity>,
}

impl Fingerprint {
    /// The modification time that marks a file for reading again at the next scan (no file
    /// has it, so the scan's cheap size-and-time comparison never says "unchanged").
    pub const RESCAN: i128 = i128::MIN;
}

/// Which file on disk: its device and inode numbers (`st_dev`, `st_ino`). A file swapped in
/// at the same path — a symlink, another file, a FIFO — has another identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileIdentity {
    pub dev: u64,
    pub ino: u64,
}

/// The file a film was found in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Absolute path on disk, with the raw bytes of a name that is not UTF-8. Internal: never
    /// shown to clients, never taken from them.
    #[serde(with = "crate::os_path::serde_path")]
    pub path: PathBuf,
    /// The original file name, kept as metadata (decoded as GB18030 when not UTF-8).
    pub name: String,
    pub fingerprint: Fingerprint,
}

/// A film in the library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Film {
    pub id: FilmId,
    pub title: String,
    pub series: Option<String>,
    pub episode: Option<u32>,
    pub category: Option<Category>,
    pub themes: Vec<String>,
    pub year: Option<i32>,
    pub producer: Option<String>,
    pub summary: Option<String>,
    /// 播前备课 — preparation notes for the broadcaster.
    pub prep_notes: Option<String>,
    /// 播中有提示 — prompts shown at moments of the film.
    pub cues: Vec<Cue>,
    pub state: FilmState,
    /// Why a film is `failed` or `rejected`, in words a township clerk understands.
    pub reason: Option<String>,
    pub source: SourceFile,
    /// The file has gone from the library folder. Kept: it may have ledger history.
    pub missing: bool,
    pub media: Option<MediaInfo>,
    /// Unix seconds when the film was first found.
    pub added_at: i64,
    /// Unix seconds of the last change to this record.
    pub updated_at: i64,
}

impl Film {
    /// A `ready` film with only an id and a title, every other field empty: a record for
    /// tests and benchmarks that need one without scanning a file. Not for the library.
    #[doc(hidden)]
    pub fn bare(id: FilmId, title: &str) -> Film {
        Film {
            id,
            title: title.to_owned(),
            series: None,
            episode: None,
            category: None,
            themes: Vec::new(),
            year: None,
            producer: None,
            summary: None,
            prep_notes: None,
            cues: Vec::new(),
            state: FilmState::Ready,
            reason: None,
            source: SourceFile {
                path: PathBuf::from("/library/a.mp4"),
                name: "a.mp4".into(),
                fingerprint: Fingerprint {
                    size: 1,
                    mtime_ns: 0,
                    head_tail_sha256: String::new(),
                    identity: None,
                },
            },
            missing: false,
            media: None,
            added_at: 0,
            updated_at: 0,
        }
    }
}

/// A series and how many films of it the catalog holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub category: Option<Category>,
    pub film_count: u32,
    pub summary: Option<String>,
}

/// A playback theme (播放主题) and how many films carry it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    pub name: String,
    pub film_count: u32,
}
