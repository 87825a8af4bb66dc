//! Opening a file with FFmpeg so that it opens nothing but that file: the `file` protocol
//! only, a whitelist of real media demuxers, and capped probing. Playlists and concat
//! scripts are refused before FFmpeg sees them.

use std::ffi::CStr;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use ffmpeg_next as ffmpeg;
use ffmpeg_next::ffi;

use super::inputs;
use crate::media::limits::MediaLimits;
use crate::media::protocol::{FailureKind, MediaFailure};

/// Demuxers of real media files. Never `hls`, `concat`, `image2`, `tty`, `data`, or anything
/// that follows references to other files or URLs.
pub const FORMAT_WHITELIST: &str = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpeg,mpegts,\
mpegvideo,asf,rm,flv,mp3,wav,ogg,aac,ac3,eac3,flac,h264,hevc,m4v,dv,mxf,amr,au,aiff,wv";

/// Opens `path` for demuxing under the whitelists and `limits`: the checked input of this
/// request (see [`inputs`]), never whatever the path leads to now.
pub fn open_input(
    path: &Path,
    limits: &MediaLimits,
) -> Result<ffmpeg::format::context::Input, MediaFailure> {
    let file = inputs::get(path)?;
    refuse_scripts(&file, path)?;
    let mut opts = ffmpeg::Dictionary::new();
    opts.set("protocol_whitelist", "file");
    opts.set("format_whitelist", FORMAT_WHITELIST);
    opts.set("probesize", &limits.probe_bytes.to_string());
    opts.set("max_streams", &limits.max_streams.to_string());
    // An explicit `file:` URL, so a name is never read as another protocol; the checked
    // descriptor's magic link reopens the very file checked.
    let url = format!("file:/proc/self/fd/{}", file.as_raw_fd());
    ffmpeg::format::input_with_dictionary(&url, opts)
        .map_err(|e| classify_open_error(&file, path, e))
}

/// Reads the first bytes and refuses text playlists and concat scripts outright.
fn refuse_scripts(file: &File, path: &Path) -> Result<(), MediaFailure> {
    let head = inputs::head(file, 4096).map_err(|e| MediaFailure {
        kind: FailureKind::Unreadable,
        detail: format!("cannot read {}: {e}", path.display()),
    })?;
    let n = head.len();
    if n == 0 {
        return Err(MediaFailure {
            kind: FailureKind::Empty,
            detail: "file is empty".into(),
        });
    }
    let text = String::from_utf8_lossy(&head[..n]);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let lowered = start.to_ascii_lowercase();
    let script = [
        "#extm3u",
        "ffconcat",
        "#extinf",
        "[playlist]",
        "<?xml",
        "<smil",
    ]
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

fn classify_open_error(file: &File, path: &Path, e: ffmpeg::Error) -> MediaFailure {
    let kind = match e {
        ffmpeg::Error::InvalidData | ffmpeg::Error::DemuxerNotFound => FailureKind::NotMedia,
        // FFmpeg answers EINVAL when the recognised format is not on the whitelist — and
        // also when a whitelisted demuxer chokes on a broken file (see below).
        ffmpeg::Error::Other { errno } if errno == libc::EINVAL => FailureKind::Forbidden,
        ffmpeg::Error::Other { errno } if errno == libc::EACCES || errno == libc::ENOENT => {
            FailureKind::Unreadable
        }
        // FFmpeg answers ENOMEM when a file declares more streams than `max_streams`
        // (or needs more memory than the worker may have): beyond the caps either way.
        ffmpeg::Error::Other { errno } if errno == libc::ENOMEM => FailureKind::OverLimit,
        ffmpeg::Error::Eof => FailureKind::Damaged,
        _ => FailureKind::NotMedia,
    };
    let sniffed = matches!(kind, FailureKind::NotMedia | FailureKind::Forbidden)
        .then(|| sniff_format(file))
        .flatten();
    let kind = match (&sniffed, kind) {
        // Recognised by a whitelisted demuxer that then failed: an MP4 cut before its
        // `moov`, an MP3 cut inside its ID3 tag. Damaged, not foreign.
        (Some((name, score)), FailureKind::NotMedia) if is_whitelisted(name) => {
            if *score > ffi::AVPROBE_SCORE_MAX / 2 {
                FailureKind::Damaged
            } else {
                FailureKind::NotMedia
            }
        }
        (Some((name, _)), FailureKind::Forbidden) if is_whitelisted(name) => FailureKind::Damaged,
        // Refused by the whitelist but harmless, e.g. a photo or a subtitle file.
        (Some((name, _)), FailureKind::Forbidden) if !is_referencing(name) => FailureKind::NotMedia,
        (_, kind) => kind,
    };
    let seen = sniffed
        .map(|(name, score)| format!(" (starts like {name}, score {score})"))
        .unwrap_or_default();
    MediaFailure {
        kind,
        detail: format!("ffmpeg could not open {}{seen}: {e}", path.display()),
    }
}

/// Bytes of the file's head shown to FFmpeg's format probes.
const PROBE_HEAD: u64 = 64 * 1024;

/// Demuxers that open other files or network addresses named inside the file.
const REFERENCING: &[&str] = &[
    "hls",
    "applehttp",
    "dash",
    "concat",
    "imf",
    "sdp",
    "rtp",
    "rtsp",
    "webm_dash_manifest",
    "image2",
];

/// Whether a demuxer is one that follows references (see [`REFERENCING`]).
fn is_referencing(name: &str) -> bool {
    name.split(',').any(|n| REFERENCING.contains(&n))
}

/// Whether a demuxer name (`mov,mp4,…` lists several) is on [`FORMAT_WHITELIST`].
fn is_whitelisted(name: &str) -> bool {
    name.split(',')
        .any(|n| FORMAT_WHITELIST.split(',').any(|w| w == n))
}

/// The demuxer that best recognises the file's first bytes, and its score (1–100). The
/// file name is not shown to the probes, so an extension earns nothing.
fn sniff_format(file: &File) -> Option<(String, libc::c_int)> {
    let mut head = inputs::head(file, PROBE_HEAD as usize).ok()?;
    let size = libc::c_int::try_from(head.len()).ok()?;
    // FFmpeg's probes may read AVPROBE_PADDING_SIZE zero bytes past the data.
    head.resize(head.len() + ffi::AVPROBE_PADDING_SIZE as usize, 0);
    let probe = ffi::AVProbeData {
        filename: c"".as_ptr(),
        buf: head.as_mut_ptr(),
        buf_size: size,
        mime_type: std::ptr::null(),
    };
    let mut score: libc::c_int = 0;
    // SAFETY: `probe` points at `head`, which holds `size` bytes plus the zeroed padding and
    // outlives the call; av_probe_input_format3 only reads them and writes `score`.
    let format = unsafe { ffi::av_probe_input_format3(&probe, 1, &mut score) };
    if format.is_null() || score <= 0 {
        return None;
    }
    // SAFETY: a non-null AVInputFormat is a static demuxer description with a static name.
    let name = unsafe { CStr::from_ptr((*format).name) };
    Some((name.to_string_lossy().into_owned(), score))
}
