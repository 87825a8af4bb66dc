//! Probing a media file: container, streams, tags and the keyframe index of the main video
//! stream, with the caps of [`MediaLimits`] enforced. Runs inside a `dianjiao-worker`
//! process: the file is untrusted.

mod scan;
mod stream;

use std::path::Path;

use ffmpeg_next as ffmpeg;
use ffmpeg_next::ffi;
use media_catalog::{KeyframeIndex, MediaInfo, ProbeReport, StreamKind};

use super::open::open_input;
use super::tags::read_dictionary;
use crate::media::limits::MediaLimits;
use crate::media::protocol::{FailureKind, MediaFailure};

/// Initialises FFmpeg for this process and turns its log down to errors (on stderr).
pub fn init_ffmpeg() -> Result<(), MediaFailure> {
    ffmpeg::init().map_err(|e| failure(FailureKind::Unreadable, format!("ffmpeg init: {e}")))?;
    ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Error);
    Ok(())
}

/// Probes `path` under `limits`.
///
/// Fails with `Empty`, `NotMedia`, `Forbidden` or `Unreadable` when the file cannot be opened
/// (see [`open_input`]), `NoStreams` when it has neither picture nor sound, `OverLimit` past
/// a cap, and `Damaged` when no packet of its main stream can be read.
pub fn probe_file(path: &Path, limits: &MediaLimits) -> Result<ProbeReport, MediaFailure> {
    let mut input = open_input(path, limits)?;
    let mut media = describe_container(&input);
    check_caps(&media, limits)?;
    let (main, video) = main_stream(&media).ok_or_else(|| {
        failure(
            FailureKind::NoStreams,
            "neither a video nor an audio stream".into(),
        )
    })?;
    let plan = scan::Plan {
        stream: main,
        video,
        want_frame: video && media.streams[main].interlaced.is_none(),
        first_packet_only: !video && media.duration_s > 0.0,
        start_s: start_seconds(&input),
        stop_after_s: limits.max_duration_s + 1.0,
    };
    let found = scan::scan(&mut input, &plan);
    if found.packets == 0 {
        return Err(failure(
            FailureKind::Damaged,
            "no packet of the main stream could be read".into(),
        ));
    }
    apply_scan(&mut media, main, &found);
    check_duration(&media, limits)?;
    Ok(ProbeReport {
        media,
        keyframes: KeyframeIndex {
            stream_index: main as u32,
            times_s: found.keyframes,
        },
    })
}

/// Container facts and every stream's description.
fn describe_container(input: &ffmpeg::format::context::Input) -> MediaInfo {
    let format = input.format();
    // SAFETY: the format context is open; its `metadata` is null or a dictionary it owns.
    let tags = unsafe { read_dictionary((*input.as_ptr()).metadata) };
    MediaInfo {
        container: format.name().to_owned(),
        container_long: Some(format.description().to_owned()).filter(|d| !d.is_empty()),
        duration_s: stream::seconds(input.duration(), ffmpeg::rescale::TIME_BASE).unwrap_or(0.0),
        bit_rate: u64::try_from(input.bit_rate()).ok().filter(|b| *b > 0),
        streams: input.streams().map(|s| stream::describe(&s)).collect(),
        tags,
    }
}

/// The stream to scan: the first picture stream, else the first sound stream.
fn main_stream(media: &MediaInfo) -> Option<(usize, bool)> {
    let first = |kind| media.streams.iter().position(|s| s.kind == Some(kind));
    first(StreamKind::Video)
        .map(|i| (i, true))
        .or_else(|| first(StreamKind::Audio).map(|i| (i, false)))
}

/// Seconds at which the file starts (MPEG program streams rarely start at zero).
fn start_seconds(input: &ffmpeg::format::context::Input) -> f64 {
    // SAFETY: the format context is open; reading a plain field.
    let start = unsafe { (*input.as_ptr()).start_time };
    if start == ffi::AV_NOPTS_VALUE {
        0.0
    } else {
        start as f64 / f64::from(ffi::AV_TIME_BASE)
    }
}

/// Stream count, picture size and the header's duration against the caps.
fn check_caps(media: &MediaInfo, limits: &MediaLimits) -> Result<(), MediaFailure> {
    if media.streams.len() > limits.max_streams as usize {
        return Err(over_limit(format!(
            "{} streams, more than the {} allowed",
            media.streams.len(),
            limits.max_streams
        )));
    }
    for s in media
        .streams
        .iter()
        .filter(|s| s.kind == Some(StreamKind::Video))
    {
        let (w, h) = (s.width.unwrap_or(0), s.height.unwrap_or(0));
        if w > limits.max_width || h > limits.max_height {
            return Err(over_limit(format!(
                "stream {} is {w}x{h}, beyond {}x{}",
                s.index, limits.max_width, limits.max_height
            )));
        }
    }
    check_duration(media, limits)
}

fn check_duration(media: &MediaInfo, limits: &MediaLimits) -> Result<(), MediaFailure> {
    if media.duration_s > limits.max_duration_s {
        return Err(over_limit(format!(
            "{:.0} s long, beyond {:.0} s",
            media.duration_s, limits.max_duration_s
        )));
    }
    Ok(())
}

/// Fills what the header left out from what the packet scan found.
fn apply_scan(media: &mut MediaInfo, main: usize, found: &scan::Scan) {
    if let Some(end) = found.end_s {
        // A header that under-states the length is not trusted past the real packets.
        if media.duration_s <= 0.0 || end > media.duration_s + 1.0 {
            media.duration_s = end;
        }
    }
    let main = &mut media.streams[main];
    if main.interlaced.is_none() {
        if let Some((interlaced, top_first)) = found.first_frame {
            main.interlaced = Some(interlaced);
            main.field_order = Some(
                match (interlaced, top_first) {
                    (false, _) => "progressive",
                    (true, true) => "tt",
                    (true, false) => "bb",
                }
                .to_owned(),
            );
        }
    }
}

fn over_limit(detail: String) -> MediaFailure {
    failure(FailureKind::OverLimit, detail)
}

fn failure(kind: FailureKind, detail: String) -> MediaFailure {
    MediaFailure { kind, detail }
}
