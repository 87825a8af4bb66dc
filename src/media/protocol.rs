//! The messages between the server and its `dianjiao-worker` processes: one JSON object per
//! line on the worker's stdin (requests) and stdout (replies). Nothing else may be written
//! to a worker's stdout; FFmpeg's own log goes to stderr.

use std::path::{Path, PathBuf};

use media_catalog::{FileIdentity, KeyframeIndex, ProbeReport};
use serde::{Deserialize, Serialize};

/// A job for a worker. Paths are ones the server chose; clients never supply them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Probe a media file: container, streams, tags, keyframe index.
    Probe {
        #[serde(with = "media_catalog::os_path::serde_path")]
        path: PathBuf,
    },
    /// Write a JPEG poster frame taken near 10 % of the film, skipping black or flat frames.
    Poster {
        #[serde(with = "media_catalog::os_path::serde_path")]
        path: PathBuf,
        out: PathBuf,
        duration_s: f64,
    },
    /// Write a JPEG card with a title (for audio-only films).
    TitleCard {
        title: String,
        subtitle: Option<String>,
        out: PathBuf,
    },
    /// Encode a short generated clip (demo library, benchmarks).
    Synth { spec: ClipSpec, out: PathBuf },
    /// Carry out a film's preparation plan into `job.out_dir`. The worker sends
    /// `Reply::Progress` lines while it works (and, just in time, a `Reply::Segment` line
    /// as each segment is ready), then one final reply.
    Prepare { job: PrepareJob },
    /// Copy MPEG-TS segments of one rendition, in order, into a faststart MP4 at `out`
    /// (`tv.mp4` of a film prepared from segments made just in time).
    Assemble {
        segments: Vec<PathBuf>,
        out: PathBuf,
    },
}

impl Request {
    /// The files the worker reads: opened and checked before any decoder runs, and the only
    /// files its sandbox lets it read.
    pub fn inputs(&self) -> Vec<&Path> {
        match self {
            Request::Probe { path } | Request::Poster { path, .. } => vec![path],
            Request::Prepare { job } => vec![&job.source],
            Request::Assemble { segments, .. } => segments.iter().map(PathBuf::as_path).collect(),
            Request::TitleCard { .. } | Request::Synth { .. } => Vec::new(),
        }
    }

    /// The folders the worker writes in: the only ones its sandbox lets it write.
    pub fn output_dirs(&self) -> Vec<&Path> {
        match self {
            Request::Probe { .. } => Vec::new(),
            Request::Prepare { job } => vec![&job.out_dir],
            Request::Poster { out, .. }
            | Request::TitleCard { out, .. }
            | Request::Synth { out, .. }
            | Request::Assemble { out, .. } => out.parent().into_iter().collect(),
        }
    }
}

/// A request line as written to a worker: the request, and the identity the server's
/// catalog recorded for some of its input files. The worker opens each input itself, without
/// blocking, and refuses one that is not a regular file or not the file expected.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
    #[serde(flatten)]
    pub request: Request,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<Expected>,
}

/// An input file and the identity it must have.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    #[serde(with = "media_catalog::os_path::serde_path")]
    pub path: PathBuf,
    pub identity: FileIdentity,
}

impl Expected {
    /// The expectation for `path` when its identity is known (none otherwise).
    pub fn of(path: &Path, identity: Option<FileIdentity>) -> Vec<Expected> {
        identity
            .map(|identity| Expected {
                path: path.to_owned(),
                identity,
            })
            .into_iter()
            .collect()
    }
}

/// One film's preparation, as the server hands it to a worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrepareJob {
    /// The original file (a library file's name may be other than UTF-8).
    #[serde(with = "media_catalog::os_path::serde_path")]
    pub source: PathBuf,
    /// What to make: remux or transcode, the ladder, the segment target.
    pub plan: super::prepare::Plan,
    /// The source's keyframes (a remux cuts segments there).
    pub keyframes: KeyframeIndex,
    /// An empty folder the server made; the worker writes `master.m3u8`,
    /// `<rung>/index.m3u8`, `<rung>/seg-NNNNN.ts` and `tv.mp4` into it. The server syncs and
    /// renames it into place only after a `Prepared` reply, so nothing half-written is served.
    /// Each segment is written as `seg-NNNNN.ts.<pid>.part` and renamed when complete.
    pub out_dir: PathBuf,
    /// Produce segments from this index on (0: from the start), numbered and timed as a
    /// full run numbers and times them. Only a just-in-time job may start past 0.
    #[serde(default)]
    pub first_segment: usize,
    /// Just-in-time mode: segments only (no `tv.mp4`, no playlists, no fsync), each
    /// announced with a `Reply::Segment` as soon as every rung has it.
    #[serde(default)]
    pub jit: bool,
}

/// What a finished preparation wrote.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PreparedOutputs {
    /// One entry per rung, highest first.
    pub rungs: Vec<RungOutput>,
    /// True when `tv.mp4` was written.
    pub tv_mp4: bool,
}

/// One rendition as written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RungOutput {
    /// The rung's folder name, e.g. `720p`.
    pub name: String,
    /// Durations of the segments written, seconds, in order.
    pub segment_durations_s: Vec<f64>,
    /// Highest bit rate of any segment, bits per second (for the master's BANDWIDTH).
    pub peak_bps: u64,
}

/// A generated clip: moving colour pattern and/or a tone.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClipSpec {
    /// Picture size; ignored when `video` is false.
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub duration_s: f64,
    pub video: bool,
    pub audio: bool,
    /// Output container: `mp4` (H.264 + AAC, faststart) or `mp3` (audio only).
    pub container: String,
    /// Stored as the container's `title` tag.
    pub title: Option<String>,
    /// Varies the picture and the tone so clips differ.
    pub seed: u32,
}

/// A worker's answer to one request.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    Probed {
        report: ProbeReport,
    },
    Done,
    /// Interim news of a `Prepare`: how far into the film the worker has got.
    Progress {
        position_s: f64,
    },
    /// Interim news of a just-in-time `Prepare`: segment `index` is complete on every rung.
    Segment {
        index: usize,
    },
    /// A `Prepare` finished; everything is in the job's `out_dir`.
    Prepared {
        outputs: PreparedOutputs,
    },
    Failed {
        failure: MediaFailure,
    },
}

/// Why a media job did not succeed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MediaFailure {
    pub kind: FailureKind,
    /// English detail for the log (FFmpeg's error text, the cap that was hit, …).
    pub detail: String,
}

/// The kinds of failure a clerk needs told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The file has no bytes.
    Empty,
    /// FFmpeg recognises no media format in it (random bytes, text, a document).
    NotMedia,
    /// A playlist, concat script or other format that refers to other files or URLs.
    Forbidden,
    /// Recognised but cut short or damaged: no usable stream or duration.
    Damaged,
    /// Dimensions, stream count or duration beyond the caps.
    OverLimit,
    /// Has neither a video nor an audio stream.
    NoStreams,
    /// The file could not be read (permissions, I/O error).
    Unreadable,
    /// The worker took longer than the per-file time limit and was stopped.
    TimedOut,
    /// The worker process died (crash, memory limit) while working on the file.
    WorkerCrashed,
    /// Writing an output (poster, clip) failed.
    Output,
}

impl FailureKind {
    /// True when the file itself is unusable (the film is `rejected`); false when the
    /// work failed and may succeed later (the film is `failed`).
    pub fn is_rejection(self) -> bool {
        match self {
            FailureKind::Empty
            | FailureKind::NotMedia
            | FailureKind::Forbidden
            | FailureKind::Damaged
            | FailureKind::OverLimit
            | FailureKind::NoStreams => true,
            FailureKind::Unreadable
            | FailureKind::TimedOut
            | FailureKind::WorkerCrashed
            | FailureKind::Output => false,
        }
    }

    /// What a township clerk is told.
    pub fn clerk_message(self) -> &'static str {
        match self {
            FailureKind::Empty => "文件是空的（0 字节），不是影片",
            FailureKind::NotMedia => "不是可识别的视频或音频文件",
            FailureKind::Forbidden => "这是播放列表或脚本文件，不是影片，出于安全原因拒收",
            FailureKind::Damaged => "文件不完整或已损坏，无法读取画面和声音",
            FailureKind::OverLimit => "文件的画面尺寸、流数量或时长超出允许范围",
            FailureKind::NoStreams => "文件里没有画面也没有声音",
            FailureKind::Unreadable => "文件无法读取（权限或磁盘错误）",
            FailureKind::TimedOut => "处理超时，已停止；请检查文件是否损坏",
            FailureKind::WorkerCrashed => "处理该文件时程序出错，已跳过；请检查文件是否损坏",
            FailureKind::Output => "生成文件时出错（磁盘空间或权限）",
        }
    }
}
