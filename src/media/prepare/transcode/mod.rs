//! Carrying out a transcode plan in one pass: the source is decoded once, its picture
//! deinterlaced, turned upright and scaled for every rung of the ladder, each rung encoded
//! with libx264 (keyframes forced at every segment cut, so segment k covers the same
//! instants on every rung), its sound encoded once to AAC-LC and shared by every rung, and
//! the packets handed to one [`RenditionWriter`] per rung. Also audio-only films whose
//! sound must be re-encoded.

mod audio;
mod encode;
mod graph;
mod interleave;
mod video;

use std::fs;
use std::path::Path;

use ffmpeg::{format, Rational};
use ffmpeg_next as ffmpeg;
use media_catalog::KeyframeIndex;

use self::audio::AudioPipeline;
use self::interleave::Interleaved;
use self::video::VideoPipeline;
use super::output::RenditionWriter;
use super::playlist::{self, Variant};
use super::{Action, Plan};
use crate::media::limits::MediaLimits;
use crate::media::open::open_input;
use crate::media::protocol::{FailureKind, MediaFailure, PrepareJob, PreparedOutputs};

/// Whether transcoded sound is normalised to −16 LUFS (EBU R128, single pass).
const LOUDNORM: bool = true;

/// Transcodes `job.source` into `job.out_dir` as its plan says: `<rung>/` folders of
/// MPEG-TS segments and `index.m3u8`, `tv.mp4` from the top rung when the film has a
/// picture, and `master.m3u8`. `progress` is told how far into the film decoding has got,
/// about once per second of film.
///
/// For [`Action::Transcode`] and [`Action::AudioOnly`] with `remux_audio: false`; any other
/// plan fails with `Output`. A source none of whose pictures (or, without a picture, none
/// of whose sound) decodes fails with `Damaged`; packets that fail to decode are skipped.
pub fn transcode(
    job: &PrepareJob,
    limits: &MediaLimits,
    progress: &mut dyn FnMut(f64),
) -> Result<PreparedOutputs, MediaFailure> {
    let plan = &job.plan;
    check_plan(plan)?;
    let mut input = open_input(&job.source, limits)?;
    let cuts = cut_times(plan, &job.keyframes, limits);
    let wants_video = plan.ladder.iter().any(|r| r.video.is_some());
    let wants_audio = plan.ladder.iter().any(|r| r.audio.is_some());
    let origin_s = start_seconds(&input, wants_video, wants_audio);
    let mut video = if wants_video {
        Some(VideoPipeline::open(&input, plan, origin_s, &cuts)?)
    } else {
        None
    };
    let out_stream = usize::from(wants_video);
    let mut audio = if wants_audio {
        Some(AudioPipeline::open(&input, origin_s, out_stream, LOUDNORM)?)
    } else {
        None
    };
    let mut writers = open_writers(job, video.as_ref(), audio.as_ref(), &cuts)?;
    let mut clock = Progress::new(origin_s, progress);
    let mut pipelines = (video.as_mut(), audio.as_mut());
    run_packets(&mut input, &mut pipelines, &mut writers, &mut clock, limits)?;
    if let Some(v) = pipelines.0.as_mut() {
        v.finish(&mut writers)?;
    }
    if let Some(a) = pipelines.1.as_mut() {
        a.finish(&mut writers)?;
    }
    check_decoded(video.as_ref(), audio.as_ref())?;
    finish(plan, &job.out_dir, writers, wants_video)
}

/// Feeds every packet of the chosen streams to its pipeline, reporting progress.
fn run_packets(
    input: &mut format::context::Input,
    (video, audio): &mut (Option<&mut VideoPipeline>, Option<&mut AudioPipeline>),
    writers: &mut [Interleaved],
    clock: &mut Progress<'_>,
    limits: &MediaLimits,
) -> Result<(), MediaFailure> {
    for (stream, packet) in input.packets() {
        let index = stream.index();
        if let Some(v) = video.as_mut().filter(|v| v.index == index) {
            v.push(&packet, writers)?;
        } else if let Some(a) = audio.as_mut().filter(|a| a.index == index) {
            a.push(&packet, writers)?;
        } else {
            continue;
        }
        if clock.saw(&packet, stream.time_base()) > limits.max_duration_s + 1.0 {
            return Err(over_limit(limits.max_duration_s));
        }
    }
    Ok(())
}

/// Refuses plans this executor does not carry out.
fn check_plan(plan: &Plan) -> Result<(), MediaFailure> {
    let transcodes = matches!(
        plan.decision.action,
        Action::Transcode | Action::AudioOnly { remux_audio: false }
    );
    if !transcodes || plan.ladder.is_empty() {
        return Err(encode::output(format!(
            "transcode asked to carry out a {:?} plan with {} rungs",
            plan.decision.action,
            plan.ladder.len()
        )));
    }
    Ok(())
}

/// Segment starts: the plan's, or every `segment_target_s` up to the duration cap when the
/// film's length is unknown.
fn cut_times(plan: &Plan, keyframes: &KeyframeIndex, limits: &MediaLimits) -> Vec<f64> {
    let planned: Vec<f64> = plan.segments(keyframes).iter().map(|s| s.start_s).collect();
    if !planned.is_empty() {
        return planned;
    }
    let n = super::transcode_segments(limits.max_duration_s, plan.segment_target_s);
    n.iter().map(|s| s.start_s).collect()
}

/// The earliest start time of the streams we decode, seconds (0 when none states one):
/// the instant the outputs start from.
fn start_seconds(input: &format::context::Input, video: bool, audio: bool) -> f64 {
    input
        .streams()
        .filter(|s| match s.parameters().medium() {
            ffmpeg::media::Type::Video => video,
            ffmpeg::media::Type::Audio => audio,
            _ => false,
        })
        .filter(|s| s.start_time() != ffmpeg::ffi::AV_NOPTS_VALUE)
        .map(|s| s.start_time() as f64 * f64::from(s.time_base()))
        .filter(|t| t.is_finite())
        .reduce(f64::min)
        .unwrap_or(0.0)
}

/// One writer per rung, in ladder order; the top rung also writes `tv.mp4` when the
/// film has a picture.
fn open_writers(
    job: &PrepareJob,
    video: Option<&VideoPipeline>,
    audio: Option<&AudioPipeline>,
    cuts: &[f64],
) -> Result<Vec<Interleaved>, MediaFailure> {
    let pictures = video.map(VideoPipeline::streams);
    let sound = audio.map(AudioPipeline::stream);
    let tv = job.out_dir.join("tv.mp4");
    let mut writers = Vec::with_capacity(job.plan.ladder.len());
    for (i, rung) in job.plan.ladder.iter().enumerate() {
        let picture = pictures.as_ref().and_then(|p| p.get(i).cloned());
        let streams: Vec<(ffmpeg::codec::Parameters, Rational)> =
            picture.into_iter().chain(sound.clone()).collect();
        let tv_mp4 = (i == 0 && video.is_some()).then_some(tv.as_path());
        let writer = RenditionWriter::create(&job.out_dir, &rung.name, &streams, cuts, tv_mp4)?;
        writers.push(Interleaved::new(writer, streams.len()));
    }
    Ok(writers)
}

/// A film of which nothing decoded is damaged.
fn check_decoded(
    video: Option<&VideoPipeline>,
    audio: Option<&AudioPipeline>,
) -> Result<(), MediaFailure> {
    match (video.map(|v| v.frames), audio.map(|a| a.frames)) {
        (Some(0), _) => Err(damaged(
            "no picture of the video stream could be decoded".into(),
        )),
        (None, Some(0)) => Err(damaged(
            "no sound of the audio stream could be decoded".into(),
        )),
        _ => Ok(()),
    }
}

/// Finishes every rendition and writes `master.m3u8`, each variant's `BANDWIDTH` raised to
/// the peak actually measured when that is higher than planned.
fn finish(
    plan: &Plan,
    out_dir: &Path,
    writers: Vec<Interleaved>,
    tv_mp4: bool,
) -> Result<PreparedOutputs, MediaFailure> {
    let mut rungs = Vec::with_capacity(writers.len());
    for writer in writers {
        rungs.push(writer.finish()?);
    }
    let variants: Vec<Variant> = plan
        .ladder
        .iter()
        .zip(&rungs)
        .map(|(rung, written)| {
            let mut variant = Variant::from(rung);
            variant.bandwidth = variant.bandwidth.max(written.peak_bps);
            variant
        })
        .collect();
    let master = out_dir.join("master.m3u8");
    fs::write(&master, playlist::master_playlist(&variants))
        .map_err(|e| encode::output(format!("cannot write {}: {e}", master.display())))?;
    Ok(PreparedOutputs { rungs, tv_mp4 })
}

/// Reports the position reached, once per whole second of film.
struct Progress<'a> {
    origin_s: f64,
    reported: f64,
    report: &'a mut dyn FnMut(f64),
}

impl<'a> Progress<'a> {
    fn new(origin_s: f64, report: &'a mut dyn FnMut(f64)) -> Self {
        Progress {
            origin_s,
            reported: 0.0,
            report,
        }
    }

    /// Notes a demuxed packet; returns the furthest position reported so far, seconds.
    fn saw(&mut self, packet: &ffmpeg::Packet, time_base: Rational) -> f64 {
        let Some(ts) = packet.pts().or(packet.dts()) else {
            return self.reported;
        };
        let at = ts as f64 * f64::from(time_base) - self.origin_s;
        if at.is_finite() && at >= self.reported + 1.0 {
            self.reported = at.floor();
            (self.report)(at);
        }
        self.reported
    }
}

/// The source is unusable.
pub(super) fn damaged(detail: String) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Damaged,
        detail,
    }
}

/// A film that runs on past the duration cap (its header understated its length).
fn over_limit(max_s: f64) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::OverLimit,
        detail: format!("the film runs past the {max_s} s duration cap"),
    }
}

/// "Nothing more for now" (EAGAIN) or "nothing more ever" (end of stream).
pub(super) fn is_again(e: &ffmpeg::Error) -> bool {
    matches!(
        e,
        ffmpeg::Error::Eof
            | ffmpeg::Error::Other {
                errno: libc::EAGAIN
            }
    )
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
