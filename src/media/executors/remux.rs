//! The remux executor: copies a film whose streams already suit TVs (H.264 of 480 lines or
//! fewer with AAC or MP3, or sound alone) into one HLS rendition and `tv.mp4`, cutting at
//! the source's keyframes. Nothing is decoded, so a two-hour film takes seconds. A just-in-time run starting at
//! segment k seeks to the keyframe that starts it.

mod gate;

use std::fs::{self, File};
use std::path::Path;

use ffmpeg::format::stream::Disposition;
use ffmpeg::{codec, ffi, format, media, Packet, Rational};
use ffmpeg_next as ffmpeg;

use self::gate::{Flow, Gate, TOLERANCE_S};
use super::output::{Layout, RenditionWriter};
use super::start::{seek_or_rewind, StartAt};
use crate::media::executors::open::open_input;
use crate::media::limits::MediaLimits;
use crate::media::prepare::events::{Announcer, Event};
use crate::media::prepare::playlist::{self, Variant};
use crate::media::prepare::{Action, Rung};
use crate::media::protocol::{FailureKind, MediaFailure, PrepareJob, PreparedOutputs, RungOutput};

/// Media time between two progress reports, seconds.
const PROGRESS_EVERY_S: f64 = 1.0;
/// How far before segment k's start a just-in-time run seeks, seconds, try after try: a
/// picture first to its keyframe (a hair after, against rounding), then further back for
/// containers whose seek lands near rather than at the time asked for (MPEG-TS, MPEG-PS).
/// When all land past the start, the film is read from the top.
const PICTURE_SEEK_LEADS_S: [f64; 4] = [-TOLERANCE_S, 1.0, 5.0, 30.0];
/// The same for a film with sound only, which can be cut at any packet.
const SOUND_SEEK_LEADS_S: [f64; 3] = [1.0, 5.0, 30.0];

/// Carries out a plan whose action is `Remux` (of the source rung alone: a remux with lower
/// rungs is the transcode executor's) or `AudioOnly { remux_audio: true }`: opens
/// the source (under the whitelists), copies the plan's video stream and first audio stream
/// into `<out_dir>/<rung>/` segments and, for a full preparation, `index.m3u8`, `tv.mp4`
/// and `master.m3u8`. Tells `events` the position reached (seconds from the film's start)
/// about every second of film, and each segment as soon as it is complete.
///
/// From `job.first_segment` = k > 0 (just in time), it seeks to the keyframe that starts
/// segment k, numbers the first segment k and keeps the source's timestamps, so the
/// segments are those a full run writes.
pub fn remux(
    job: &PrepareJob,
    limits: &MediaLimits,
    events: &mut dyn FnMut(Event),
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
    let rung = match plan.ladder.as_slice() {
        [rung] => rung,
        [] => return Err(output_failure("the plan has no rendition".into())),
        // Lower rungs are encoded: that is the transcode executor's work.
        rungs => {
            return Err(output_failure(format!(
                "a remux was asked for a plan of {} rungs; it copies one",
                rungs.len()
            )))
        }
    };
    let mut ictx = open_input(&job.source, limits)?;
    let origin_s = start_seconds(&ictx);
    let map = stream_map(&ictx, rung)?;
    let streams: Vec<(codec::Parameters, Rational)> = map
        .iter()
        .filter_map(|&i| ictx.stream(i))
        .map(|s| (s.parameters(), s.time_base()))
        .collect();
    let cuts: Vec<f64> = plan
        .segments(&job.keyframes)
        .iter()
        .map(|s| s.start_s + origin_s)
        .collect();
    let start = StartAt::of(job, &cuts)?;
    let tv = job.out_dir.join("tv.mp4");
    let layout = Layout {
        tv_mp4: (!job.jit).then_some(tv.as_path()),
        first_segment: start.index,
        jit: job.jit,
    };
    let writer = RenditionWriter::create(
        &job.out_dir,
        &rung.name,
        &streams,
        &start.later_cuts(&cuts),
        layout,
    )?;
    let mut copy = Copier {
        map: &map,
        writer,
        announcer: Announcer::new(start.index),
        origin_s,
        reported: f64::NEG_INFINITY,
        events,
    };
    if start.from_the_top() {
        copy.packets(&mut ictx, Gate::open())?;
    } else {
        copy.from(&mut ictx, job, limits, start, rung.video.is_some())?;
    }
    let written = copy.writer.finish()?;
    let done = start.index + written.segment_durations_s.len();
    copy.announcer.update([done], copy.events);
    if !job.jit {
        write_master(&job.out_dir, rung, &written)?;
    }
    Ok(PreparedOutputs {
        rungs: vec![written],
        tv_mp4: !job.jit,
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

/// The copying of packets from the source to the writer.
struct Copier<'a> {
    /// The input streams copied, in output order.
    map: &'a [usize],
    writer: RenditionWriter,
    announcer: Announcer,
    /// The container's start, seconds: positions are reported from there.
    origin_s: f64,
    reported: f64,
    events: &'a mut dyn FnMut(Event),
}

impl Copier<'_> {
    /// Copies from `start` on: seeks there (further back after each overshoot; nothing
    /// is written before the gate opens), else reads the film from the top.
    fn from(
        &mut self,
        ictx: &mut format::context::Input,
        job: &PrepareJob,
        limits: &MediaLimits,
        start: StartAt,
        picture: bool,
    ) -> Result<(), MediaFailure> {
        let leads: &[f64] = if picture {
            &PICTURE_SEEK_LEADS_S
        } else {
            &SOUND_SEEK_LEADS_S
        };
        for lead in leads {
            let moved = seek_or_rewind(ictx, &job.source, limits, start.start_s - lead)?;
            let gate = Gate::at(start.start_s, 0, picture, moved);
            if self.packets(ictx, gate)? == Flow::Going {
                return Ok(());
            }
        }
        *ictx = open_input(&job.source, limits)?;
        let gate = Gate::at(start.start_s, 0, picture, false);
        self.packets(ictx, gate).map(drop)
    }

    /// Reads packets to the end, hands the mapped ones through `gate` to the writer,
    /// announces each segment the writer completes, and reports progress. Stops early
    /// when the gate finds the seek overshot.
    fn packets(
        &mut self,
        ictx: &mut format::context::Input,
        mut gate: Gate,
    ) -> Result<Flow, MediaFailure> {
        for (stream, packet) in ictx.packets() {
            let Some(out) = self.map.iter().position(|&i| i == stream.index()) else {
                continue;
            };
            let time_base = stream.time_base();
            let writer = &mut self.writer;
            let mut write = |out: usize, packet: &Packet, time_base: Rational| {
                writer.write(out, packet, time_base)
            };
            if gate.pass(out, &packet, time_base, &mut write)? == Flow::Overshot {
                return Ok(Flow::Overshot);
            }
            let done = self.writer.segments_done();
            self.announcer.update([done], self.events);
            let Some(ts) = packet.pts().or(packet.dts()) else {
                continue;
            };
            let position = seconds(ts, time_base) - self.origin_s;
            if position >= self.reported + PROGRESS_EVERY_S {
                self.reported = position;
                (self.events)(Event::Progress(position.max(0.0)));
            }
        }
        Ok(Flow::Going)
    }
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

#[cfg(test)]
mod tests;
