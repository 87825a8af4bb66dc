//! Carrying out a transcode plan in one pass: the source is decoded once, its picture
//! deinterlaced, turned upright and scaled for every rung of the ladder, each rung encoded
//! with libx264 (keyframes forced at every segment cut, so segment k covers the same
//! instants on every rung), its sound encoded once to AAC-LC and shared by every rung, and
//! the packets handed to one [`RenditionWriter`] per rung. Also audio-only films whose
//! sound must be re-encoded. A just-in-time run starting at segment k seeks to a keyframe
//! before that segment and drops what it decodes before the segment's start.

mod aac;
mod audio;
mod copy;
mod encode;
mod graph;
mod interleave;
mod run;
mod sound;
mod video;

use std::fs;
use std::path::Path;

use ffmpeg::{format, Rational};
use ffmpeg_next as ffmpeg;
use media_catalog::KeyframeIndex;

use self::interleave::Interleaved;
use self::run::Run;
use self::sound::Sound;
use self::video::VideoPipeline;
use super::output::{Layout, RenditionWriter};
use super::start::StartAt;
use crate::media::limits::MediaLimits;
use crate::media::prepare::events::{Announcer, Event};
use crate::media::prepare::ladder::SOURCE_RUNG;
use crate::media::prepare::playlist::{self, Variant};
use crate::media::prepare::{Action, Plan};
use crate::media::protocol::{FailureKind, MediaFailure, PrepareJob, PreparedOutputs, RungOutput};

/// Whether transcoded sound is normalised to −16 LUFS (EBU R128, single pass).
const LOUDNORM: bool = true;
/// How far before the keyframe that precedes segment k a just-in-time run seeks, seconds,
/// try after try: a seek without an index lands near, not at, the time asked for. When
/// all land past the start, the film is read from the top.
const SEEK_LEADS_S: [f64; 3] = [0.5, 5.0, 30.0];
/// How far before segment k's start the keyframe index is trusted to have one, seconds.
const KEYFRAME_REACH_S: f64 = 20.0;

/// Where a run that starts part-way drops what it decodes before its first segment.
#[derive(Clone, Copy, Debug)]
pub(super) struct Skip {
    /// Pictures and sound before this instant (seconds from the film's start) are dropped.
    pub until_s: f64,
    /// The input was moved by a seek, so it may have landed past `until_s`.
    pub after_seek: bool,
}

/// Transcodes `job.source` into `job.out_dir` as its plan says: `<rung>/` folders of
/// MPEG-TS segments and, for a full preparation, `index.m3u8`, `tv.mp4` from the top rung
/// when the film has a picture, and `master.m3u8`. `events` is told how far into the film
/// decoding has got, about once per second of film, and each segment as soon as every
/// rung has it.
///
/// From `job.first_segment` = k > 0 (just in time), it seeks to a keyframe before segment
/// k and starts encoding at the segment's start, on the same timeline and segment grid as
/// a full run; a container that cannot seek there is read from the top.
///
/// When the plan copies the picture ([`Action::CopyVideo`]), the top rung carries the
/// source's picture packets as they are (cut at the source's keyframes, which the plan's
/// segments follow), the sound is encoded as on a transcode, and only lower rungs, if any,
/// are decoded and encoded (keyframes forced at the same cuts).
///
/// A remux plan with lower rungs ([`Action::Remux`], its source rung on top) goes the same
/// way, except that the source's sound is copied into every rung as it is, not encoded.
///
/// For [`Action::Transcode`], [`Action::CopyVideo`], [`Action::Remux`] and
/// [`Action::AudioOnly`] with `remux_audio: false`; any other
/// plan fails with `Output`. A source none of whose pictures (or, without a picture, none
/// of whose sound) decodes fails with `Damaged`; packets that fail to decode are skipped.
pub fn transcode(
    job: &PrepareJob,
    limits: &MediaLimits,
    events: &mut dyn FnMut(Event),
) -> Result<PreparedOutputs, MediaFailure> {
    check_plan(&job.plan)?;
    let cuts = cut_times(&job.plan, &job.keyframes, limits);
    let start = StartAt::of(job, &cuts)?;
    if !start.from_the_top() {
        let keyframe = keyframe_before(&job.keyframes, start.start_s);
        for lead in SEEK_LEADS_S {
            let run = Run::new(job, limits, &cuts, start);
            if let Some(outputs) = run.go(Some(keyframe - lead), events)? {
                return Ok(outputs);
            }
        }
    }
    let run = Run::new(job, limits, &cuts, start);
    run.go(None, events)?
        .ok_or_else(|| damaged("read from the top, the film still started late".into()))
}

/// The latest keyframe at or before `start_s` in the source's index, when it is near
/// enough to be believed; else `start_s`.
fn keyframe_before(keyframes: &KeyframeIndex, start_s: f64) -> f64 {
    keyframes
        .times_s
        .iter()
        .copied()
        .filter(|t| t.is_finite() && *t <= start_s + 1e-3 && *t >= start_s - KEYFRAME_REACH_S)
        .reduce(f64::max)
        .unwrap_or(start_s)
        .min(start_s)
}

/// Refuses plans this executor does not carry out.
fn check_plan(plan: &Plan) -> Result<(), MediaFailure> {
    let transcodes = match plan.decision.action {
        Action::Transcode | Action::CopyVideo | Action::AudioOnly { remux_audio: false } => true,
        // Only with lower rungs to encode below the copied source rung; a remux of one
        // rung is the remux executor's.
        Action::Remux => matches!(&plan.ladder[..], [top, _, ..] if top.name == SOURCE_RUNG),
        Action::AudioOnly { remux_audio: true } | Action::Unplayable => false,
    };
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
    let n = crate::media::prepare::transcode_segments(limits.max_duration_s, plan.segment_target_s);
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

/// One writer per rung, in ladder order; on a full preparation the top rung also writes
/// `tv.mp4` when the film has a picture.
fn open_writers(
    job: &PrepareJob,
    start: StartAt,
    video: Option<&VideoPipeline>,
    audio: Option<&Sound>,
    cuts: &[f64],
) -> Result<Vec<Interleaved>, MediaFailure> {
    let pictures = video.map(VideoPipeline::streams);
    let sound = audio.map(Sound::stream);
    let tv = job.out_dir.join("tv.mp4");
    let mut writers = Vec::with_capacity(job.plan.ladder.len());
    for (i, rung) in job.plan.ladder.iter().enumerate() {
        let picture = pictures.as_ref().and_then(|p| p.get(i).cloned());
        let streams: Vec<(ffmpeg::codec::Parameters, Rational)> =
            picture.into_iter().chain(sound.clone()).collect();
        let layout = Layout {
            tv_mp4: (i == 0 && video.is_some() && !job.jit).then_some(tv.as_path()),
            first_segment: start.index,
            jit: job.jit,
        };
        let writer = RenditionWriter::create(&job.out_dir, &rung.name, &streams, cuts, layout)?;
        writers.push(Interleaved::new(writer, streams.len()));
    }
    Ok(writers)
}

/// A film of which nothing decoded is damaged.
fn check_decoded(video: Option<&VideoPipeline>, audio: Option<&Sound>) -> Result<(), MediaFailure> {
    match (video.map(VideoPipeline::pictures), audio.map(Sound::frames)) {
        (Some(0), _) => Err(damaged(
            "no picture of the video stream could be decoded".into(),
        )),
        (None, Some(0)) => Err(damaged(
            "no sound of the audio stream could be decoded".into(),
        )),
        _ => Ok(()),
    }
}

/// Finishes every rendition, announces the last segments and, on a full preparation,
/// writes `master.m3u8`.
fn finish(
    job: &PrepareJob,
    writers: Vec<Interleaved>,
    picture: bool,
    mut clock: Progress<'_>,
) -> Result<PreparedOutputs, MediaFailure> {
    let mut rungs = Vec::with_capacity(writers.len());
    for writer in writers {
        rungs.push(writer.finish()?);
    }
    let first = job.first_segment;
    clock.segments_done(rungs.iter().map(|r| first + r.segment_durations_s.len()));
    if job.jit {
        return Ok(PreparedOutputs {
            rungs,
            tv_mp4: false,
        });
    }
    write_master(&job.plan, &job.out_dir, &rungs)?;
    Ok(PreparedOutputs {
        rungs,
        tv_mp4: picture,
    })
}

/// Writes `master.m3u8`, each variant's `BANDWIDTH` raised to the peak actually measured
/// when that is higher than planned.
fn write_master(plan: &Plan, out_dir: &Path, rungs: &[RungOutput]) -> Result<(), MediaFailure> {
    let variants: Vec<Variant> = plan
        .ladder
        .iter()
        .zip(rungs)
        .map(|(rung, written)| {
            let mut variant = Variant::from(rung);
            variant.bandwidth = variant.bandwidth.max(written.peak_bps);
            variant
        })
        .collect();
    let master = out_dir.join("master.m3u8");
    fs::write(&master, playlist::master_playlist(&variants))
        .map_err(|e| encode::output(format!("cannot write {}: {e}", master.display())))
}

/// Reports the position reached, once per whole second of film, and each segment once
/// every rung has it.
struct Progress<'a> {
    origin_s: f64,
    reported: f64,
    announcer: Announcer,
    report: &'a mut dyn FnMut(Event),
}

impl<'a> Progress<'a> {
    fn new(origin_s: f64, announcer: Announcer, report: &'a mut dyn FnMut(Event)) -> Self {
        Progress {
            origin_s,
            reported: 0.0,
            announcer,
            report,
        }
    }

    /// Announces the segments every writer has completed.
    fn segments(&mut self, writers: &[Interleaved]) {
        self.segments_done(writers.iter().map(Interleaved::segments_done));
    }

    /// Announces segments up to the least of `done`, each rung's next segment number.
    fn segments_done(&mut self, done: impl Iterator<Item = usize>) {
        self.announcer.update(done, self.report);
    }

    /// Notes a demuxed packet; returns the furthest position reported so far, seconds.
    fn saw(&mut self, packet: &ffmpeg::Packet, time_base: Rational) -> f64 {
        let Some(ts) = packet.pts().or(packet.dts()) else {
            return self.reported;
        };
        let at = ts as f64 * f64::from(time_base) - self.origin_s;
        if at.is_finite() && at >= self.reported + 1.0 {
            self.reported = at.floor();
            (self.report)(Event::Progress(at));
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
mod copy_tests;
#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod jit_tests;
#[cfg(test)]
mod tests;
