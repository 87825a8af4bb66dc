//! The remux executor: copies a film whose streams already suit TVs (H.264 with AAC or MP3,
//! or sound alone) into one HLS rendition and `tv.mp4`, cutting at the source's keyframes.
//! Nothing is decoded, so a two-hour film takes seconds.

use std::fs::{self, File};
use std::path::Path;

use ffmpeg::format::stream::Disposition;
use ffmpeg::{codec, ffi, format, media, Rational};
use ffmpeg_next as ffmpeg;

use super::output::RenditionWriter;
use super::playlist::{self, Variant};
use super::{Action, Rung};
use crate::media::limits::MediaLimits;
use crate::media::open::open_input;
use crate::media::protocol::{FailureKind, MediaFailure, PrepareJob, PreparedOutputs, RungOutput};

/// Media time between two progress reports, seconds.
const PROGRESS_EVERY_S: f64 = 1.0;

/// Carries out a plan whose action is `Remux` or `AudioOnly { remux_audio: true }`: opens
/// the source (under the whitelists), copies the plan's video stream and first audio stream
/// into `<out_dir>/<rung>/` segments, `tv.mp4` and `master.m3u8`, and calls `progress` with
/// the position reached (seconds from the film's start) about every second of film.
pub fn remux(
    job: &PrepareJob,
    limits: &MediaLimits,
    progress: &mut dyn FnMut(f64),
) -> Result<PreparedOutputs, MediaFailure> {
    let plan = &job.plan;
    if !matches!(
        plan.decision.action,
        Action::Remux | Action::AudioOnly { remux_audio: true }
    ) {
        return Err(output_failure(format!(
            "a remux was asked for a plan that says {:?}",
            plan.decision.action
        )));
    }
    let rung = plan
        .ladder
        .first()
        .ok_or_else(|| output_failure("the plan has no rendition".into()))?;
    let mut ictx = open_input(&job.source, limits)?;
    let start_s = start_seconds(&ictx);
    let map = stream_map(&ictx, rung)?;
    let streams: Vec<(codec::Parameters, Rational)> = map
        .iter()
        .filter_map(|&i| ictx.stream(i))
        .map(|s| (s.parameters(), s.time_base()))
        .collect();
    let cuts: Vec<f64> = plan
        .segments(&job.keyframes)
        .iter()
        .map(|s| s.start_s + start_s)
        .collect();
    let tv = job.out_dir.join("tv.mp4");
    let mut writer = RenditionWriter::create(&job.out_dir, &rung.name, &streams, &cuts, Some(&tv))?;
    copy_packets(&mut ictx, &map, &mut writer, start_s, progress)?;
    let written = writer.finish()?;
    write_master(&job.out_dir, rung, &written)?;
    Ok(PreparedOutputs {
        rungs: vec![written],
        tv_mp4: true,
    })
}

/// The input streams to copy, in output order: the first picture stream (not cover art)
/// when the rung has a picture, then the first sound stream when it has sound.
fn stream_map(ictx: &format::context::Input, rung: &Rung) -> Result<Vec<usize>, MediaFailure> {
    let first = |kind: media::Type| {
        ictx.streams()
            .find(|s| {
                s.parameters().medium() == kind
                    && !s.disposition().contains(Disposition::ATTACHED_PIC)
            })
            .map(|s| s.index())
    };
    let mut map = Vec::new();
    if rung.video.is_some() {
        let video = first(media::Type::Video).ok_or_else(|| damaged("no picture stream"))?;
        map.push(video);
    }
    if rung.audio.is_some() {
        let audio = first(media::Type::Audio).ok_or_else(|| damaged("no sound stream"))?;
        map.push(audio);
    }
    if map.is_empty() {
        return Err(output_failure(
            "the rendition has neither picture nor sound".into(),
        ));
    }
    Ok(map)
}

/// Reads every packet, hands the mapped ones to the writer, and reports progress.
fn copy_packets(
    ictx: &mut format::context::Input,
    map: &[usize],
    writer: &mut RenditionWriter,
    start_s: f64,
    progress: &mut dyn FnMut(f64),
) -> Result<(), MediaFailure> {
    let mut reported = f64::NEG_INFINITY;
    for (stream, packet) in ictx.packets() {
        let Some(out) = map.iter().position(|&i| i == stream.index()) else {
            continue;
        };
        let time_base = stream.time_base();
        writer.write(out, &packet, time_base)?;
        let Some(ts) = packet.pts().or(packet.dts()) else {
            continue;
        };
        let position = seconds(ts, time_base) - start_s;
        if position >= reported + PROGRESS_EVERY_S {
            reported = position;
            progress(position.max(0.0));
        }
    }
    Ok(())
}

/// Writes `master.m3u8`, announcing the peak bit rate actually measured when known.
fn write_master(out_dir: &Path, rung: &Rung, written: &RungOutput) -> Result<(), MediaFailure> {
    let mut variant = Variant::from(rung);
    if written.peak_bps > 0 {
        variant.bandwidth = written.peak_bps;
        variant.average_bandwidth = variant.average_bandwidth.map(|a| a.min(written.peak_bps));
    }
    let path = out_dir.join("master.m3u8");
    fs::write(&path, playlist::master_playlist(&[variant]))
        .and_then(|()| File::open(&path)?.sync_all())
        .map_err(|e| output_failure(format!("cannot write {}: {e}", path.display())))
}

/// Seconds at which the file starts (MPEG-TS files rarely start at zero); the plan's cut
/// times count from there.
fn start_seconds(input: &format::context::Input) -> f64 {
    // SAFETY: the format context is open; reading a plain field.
    let start = unsafe { (*input.as_ptr()).start_time };
    if start == ffi::AV_NOPTS_VALUE {
        0.0
    } else {
        start as f64 / f64::from(ffi::AV_TIME_BASE)
    }
}

fn seconds(ts: i64, time_base: Rational) -> f64 {
    if time_base.denominator() == 0 {
        return 0.0;
    }
    ts as f64 * f64::from(time_base.numerator()) / f64::from(time_base.denominator())
}

fn damaged(what: &str) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Damaged,
        detail: format!("{what} in the source, though the plan needs one"),
    }
}

fn output_failure(detail: String) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Output,
        detail,
    }
}
