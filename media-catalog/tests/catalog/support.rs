//! Helpers shared by the catalog tests: films, library folders, probe reports.

use std::fs;
use std::path::{Path, PathBuf};

use media_catalog::{
    Film, FilmId, FilmState, Fingerprint, KeyframeIndex, MediaInfo, ProbeReport, SourceFile,
    StreamInfo, StreamKind,
};

/// A queued film with the given title at `path`, not missing.
pub fn film(title: &str, path: &str) -> Film {
    Film {
        id: FilmId::new_random(),
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
        state: FilmState::Queued,
        reason: None,
        source: SourceFile {
            path: PathBuf::from(path),
            name: Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            fingerprint: Fingerprint {
                size: 1,
                mtime_ns: 1,
                head_tail_sha256: "00".into(),
                identity: None,
            },
        },
        missing: false,
        media: None,
        added_at: 1_700_000_000,
        updated_at: 1_700_000_000,
    }
}

/// A sled database in a temporary folder (kept alive by the returned guard).
pub fn temp_db() -> (tempfile::TempDir, sled::Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = sled::open(dir.path().join("db")).expect("open sled");
    (dir, db)
}

/// Writes `bytes` to `root/relative`, creating folders.
pub fn write_file(root: &Path, relative: &str, bytes: &[u8]) -> PathBuf {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create folders");
    }
    fs::write(&path, bytes).expect("write file");
    path
}

/// What a probe of a small H.264 film would report, with an optional `title` tag.
pub fn probe_report(title_tag: Option<&str>) -> ProbeReport {
    let mut media = MediaInfo {
        container: "mpeg".into(),
        duration_s: 60.0,
        streams: vec![StreamInfo {
            index: 0,
            kind: Some(StreamKind::Video),
            codec: "mpeg1video".into(),
            width: Some(352),
            height: Some(288),
            ..StreamInfo::default()
        }],
        ..MediaInfo::default()
    };
    if let Some(title) = title_tag {
        media.tags.insert("title".into(), title.into());
    }
    ProbeReport {
        media,
        keyframes: KeyframeIndex {
            stream_index: 0,
            times_s: vec![0.0, 2.0, 4.0],
        },
    }
}
