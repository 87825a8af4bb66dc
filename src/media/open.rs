//! Opening a file with FFmpeg so that it opens nothing but that file: the `file` protocol
//! only, a whitelist of real media demuxers, and capped probing. Playlists and concat
//! scripts are refused before FFmpeg sees them.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use ffmpeg_next as ffmpeg;

use super::limits::MediaLimits;
use super::protocol::{FailureKind, MediaFailure};

/// Demuxers of real media files. Never `hls`, `concat`, `image2`, `tty`, `data`, or anything
/// that follows references to other files or URLs.
pub const FORMAT_WHITELIST: &str = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpeg,mpegts,\
mpegvideo,asf,rm,flv,mp3,wav,ogg,aac,ac3,eac3,flac,h264,hevc,m4v,dv,mxf,amr,au,aiff,wv";

/// Opens `path` for demuxing under the whitelists and `limits`.
pub fn open_input(
    path: &Path,
    limits: &MediaLimits,
) -> Result<ffmpeg::format::context::Input, MediaFailure> {
    refuse_scripts(path)?;
    let mut opts = ffmpeg::Dictionary::new();
    opts.set("protocol_whitelist", "file");
    opts.set("format_whitelist", FORMAT_WHITELIST);
    opts.set("probesize", &limits.probe_bytes.to_string());
    opts.set("max_streams", &limits.max_streams.to_string());
    // An explicit `file:` URL, so a name with a colon is never read as another protocol.
    let url = format!("file:{}", path.display());
    ffmpeg::format::input_with_dictionary(&url, opts).map_err(|e| classify_open_error(path, e))
}

/// Reads the first bytes and refuses text playlists and concat scripts outright.
fn refuse_scripts(path: &Path) -> Result<(), MediaFailure> {
    let mut head = [0u8; 4096];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| MediaFailure {
            kind: FailureKind::Unreadable,
            detail: format!("cannot read {}: {e}", path.display()),
        })?;
    if n == 0 {
        return Err(MediaFailure {
            kind: FailureKind::Empty,
            detail: "file is empty".into(),
        });
    }
    let text = String::from_utf8_lossy(&head[..n]);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let lowered = start.to_ascii_lowercase();
    let script = ["#extm3u", "ffconcat", "#extinf", "[playlist]", "<?xml", "<smil"]
        .iter()
        .any(|m| lowered.starts_with(m))
        || lowered
            .lines()
            .take(8)
            .any(|l| l.starts_with("file ") || l.starts_with("file:"));
    if script {
        return Err(MediaFailure {
            kind: FailureKind::Forbidden,
            detail: "playlist or script content, refused before demuxing".into(),
        });
    }
    Ok(())
}

fn classify_open_error(path: &Path, e: ffmpeg::Error) -> MediaFailure {
    let kind = match e {
        ffmpeg::Error::InvalidData | ffmpeg::Error::DemuxerNotFound => FailureKind::NotMedia,
        // FFmpeg answers EINVAL when the recognised format is not on the whitelist.
        ffmpeg::Error::Other { errno } if errno == libc::EINVAL => FailureKind::Forbidden,
        ffmpeg::Error::Other { errno } if errno == libc::EACCES || errno == libc::ENOENT => {
            FailureKind::Unreadable
        }
        ffmpeg::Error::Eof => FailureKind::Damaged,
        _ => FailureKind::NotMedia,
    };
    MediaFailure {
        kind,
        detail: format!("ffmpeg could not open {}: {e}", path.display()),
    }
}
