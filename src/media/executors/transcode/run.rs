//! One pass of a transcode over the source: open it, seek when the run starts part-way,
//! feed every packet through the pipelines to the writers, and finish.

use std::collections::VecDeque;

use ffmpeg::{format, Packet};
use ffmpeg_next as ffmpeg;

use super::audio::AudioPipeline;
use super::interleave::Interleaved;
use super::sound::{CopiedSound, Sound};
use super::video::VideoPipeline;
use super::{
    check_decoded, finish, open_writers, over_limit, start_seconds, Progress, Skip, LOUDNORM,
};
use crate::media::executors::open::open_input;
use crate::media::executors::start::{seek_or_rewind, StartAt};
use crate::media::limits::MediaLimits;
use crate::media::prepare::events::{Announcer, Event};
use crate::media::prepare::Plan;
use crate::media::protocol::{MediaFailure, PrepareJob, PreparedOutputs};

/// One pass over the source.
pub(super) struct Run<'a> {
    job: &'a PrepareJob,
    limits: &'a MediaLimits,
    cuts: &'a [f64],
    start: StartAt,
}

impl<'a> Run<'a> {
    /// A pass of `job` over the segments starting at `cuts` (the film's own), from `start`.
    pub fn new(
        job: &'a PrepareJob,
        limits: &'a MediaLimits,
        cuts: &'a [f64],
        start: StartAt,
    ) -> Self {
        Run {
            job,
            limits,
            cuts,
            start,
        }
    }

    /// Opens the source, seeks to `seek_s` (seconds from the film's start) when given,
    /// and transcodes to the end. None: the seek landed past the start, nothing is done.
    pub fn go(
        self,
        seek_s: Option<f64>,
        events: &mut dyn FnMut(Event),
    ) -> Result<Option<PreparedOutputs>, MediaFailure> {
        let (job, plan) = (self.job, &self.job.plan);
        let mut input = open_input(&job.source, self.limits)?;
        let (wants_video, wants_audio) = wants(plan);
        let origin_s = start_seconds(&input, wants_video, wants_audio);
        let moved = match seek_s {
            Some(s) => seek_or_rewind(&mut input, &job.source, self.limits, origin_s + s)?,
            None => false,
        };
        let skip = (!self.start.from_the_top()).then_some(Skip {
            until_s: self.start.start_s,
            after_seek: moved,
        });
        let (mut video, mut audio) = self.pipelines(&input, origin_s, skip)?;
        let cuts = self.start.later_cuts(self.cuts);
        let mut writers = open_writers(job, self.start, video.as_ref(), audio.as_ref(), &cuts)?;
        let mut clock = Progress::new(origin_s, Announcer::new(self.start.index), events);
        let mut pipelines = (video.as_mut(), audio.as_mut());
        if !run_packets(
            &mut input,
            &mut pipelines,
            &mut writers,
            &mut clock,
            self.limits,
        )? {
            return Ok(None);
        }
        if let Some(v) = pipelines.0.as_mut() {
            v.finish(&mut writers)?;
        }
        if let Some(a) = pipelines.1.as_mut() {
            a.finish(&mut writers)?;
        }
        clock.segments(&writers);
        check_decoded(video.as_ref(), audio.as_ref())?;
        finish(job, writers, wants_video, clock).map(Some)
    }

    /// The picture and sound pipelines the plan asks for, on `input`.
    fn pipelines(
        &self,
        input: &format::context::Input,
        origin_s: f64,
        skip: Option<Skip>,
    ) -> Result<(Option<VideoPipeline>, Option<Sound>), MediaFailure> {
        let plan = &self.job.plan;
        let (wants_video, wants_audio) = wants(plan);
        let video = if wants_video {
            // A viewer waits for the first segment of a just-in-time run.
            let early_end = self.job.jit.then(|| self.start.later_cuts(self.cuts));
            let early_end = early_end.and_then(|later| later.first().copied());
            Some(VideoPipeline::open(
                input,
                plan,
                origin_s,
                (self.cuts, early_end),
                skip,
            )?)
        } else {
            None
        };
        let out_stream = usize::from(wants_video);
        let audio = if wants_audio {
            // The picture decides whether a seek overshot, when there is one.
            let skip = skip.map(|s| Skip {
                after_seek: s.after_seek && !wants_video,
                ..s
            });
            Some(if plan.copies_sound() {
                Sound::Copied(CopiedSound::open(input, origin_s, out_stream, skip)?)
            } else {
                Sound::Encoded(AudioPipeline::open(
                    input, origin_s, out_stream, LOUDNORM, skip,
                )?)
            })
        } else {
            None
        };
        Ok((video, audio))
    }
}

/// Whether the plan's rungs have a picture, and sound.
fn wants(plan: &Plan) -> (bool, bool) {
    (
        plan.ladder.iter().any(|r| r.video.is_some()),
        plan.ladder.iter().any(|r| r.audio.is_some()),
    )
}

/// Feeds every packet of the chosen streams to its pipeline, reporting progress and
/// finished segments. False when a pipeline found that the seek overshot.
///
/// Pictures are fed [`SOUND_LEAD_S`] behind the sound: the loudness filter holds about 3 s
/// of sound, so a segment is complete once its own pictures are encoded rather than 3 s of
/// pictures later (the first segment of a just-in-time run comes sooner; the output is the
/// same, the writers merge by time).
fn run_packets(
    input: &mut format::context::Input,
    (video, audio): &mut (Option<&mut VideoPipeline>, Option<&mut Sound>),
    writers: &mut [Interleaved],
    clock: &mut Progress<'_>,
    limits: &MediaLimits,
) -> Result<bool, MediaFailure> {
    let mut held = HeldPictures::new(audio.is_some());
    for (stream, packet) in input.packets() {
        let index = stream.index();
        let at = packet
            .dts()
            .or(packet.pts())
            .map(|ts| ts as f64 * f64::from(stream.time_base()));
        if clock.saw(&packet, stream.time_base()) > limits.max_duration_s + 1.0 {
            return Err(over_limit(limits.max_duration_s));
        }
        if let Some(v) = video.as_mut().filter(|v| v.index == index) {
            held.push(packet, at);
            if !held.release(v, writers)? {
                return Ok(false);
            }
        } else if let Some(a) = audio.as_mut().filter(|a| a.index() == index) {
            a.push(&packet, writers)?;
            if a.overshot() {
                return Ok(false);
            }
            held.sound_reached(at);
            if let Some(v) = video.as_mut() {
                if !held.release(v, writers)? {
                    return Ok(false);
                }
            }
        } else {
            continue;
        }
        clock.segments(writers);
    }
    if let Some(v) = video.as_mut() {
        held.sound_ended();
        if !held.release(v, writers)? {
            return Ok(false);
        }
    }
    clock.segments(writers);
    Ok(true)
}

/// How far the sound is decoded ahead of the pictures, seconds of film: `loudnorm` gives
/// out nothing until it holds 3 s of sound, then one 100 ms block per 100 ms taken in, so a
/// segment's sound is out once about 3.1 s more has gone in; 0.2 s to spare. Any more is
/// later sound levelled and encoded before the segment is out — CPU a viewer waiting for
/// the first segment of a just-in-time run would pay for.
const SOUND_LEAD_S: f64 = 3.3;
/// Picture packets held back at most (a sound track with a gap or an early end must not
/// hold the film in memory).
const MAX_HELD_PICTURES: usize = 512;

/// Picture packets waiting for the sound to get [`SOUND_LEAD_S`] ahead of them.
struct HeldPictures {
    packets: VecDeque<(Packet, f64)>,
    /// The latest sound packet read, seconds; +∞ when there is no sound to wait for.
    sound_s: f64,
    last_s: f64,
}

impl HeldPictures {
    fn new(sound: bool) -> HeldPictures {
        HeldPictures {
            packets: VecDeque::new(),
            sound_s: if sound {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            },
            last_s: f64::NEG_INFINITY,
        }
    }

    /// Queues a picture packet read at `at` (an untimed one goes with the one before).
    fn push(&mut self, packet: Packet, at: Option<f64>) {
        self.last_s = at.filter(|t| t.is_finite()).unwrap_or(self.last_s);
        self.packets.push_back((packet, self.last_s));
    }

    fn sound_reached(&mut self, at: Option<f64>) {
        if let Some(t) = at.filter(|t| t.is_finite()) {
            self.sound_s = self.sound_s.max(t);
        }
    }

    fn sound_ended(&mut self) {
        self.sound_s = f64::INFINITY;
    }

    /// Decodes the packets the sound is far enough ahead of; false when the picture
    /// pipeline found that the seek overshot.
    fn release(
        &mut self,
        video: &mut VideoPipeline,
        writers: &mut [Interleaved],
    ) -> Result<bool, MediaFailure> {
        while let Some(&(_, t)) = self.packets.front() {
            let due = t <= self.sound_s - SOUND_LEAD_S || self.packets.len() > MAX_HELD_PICTURES;
            if !due {
                break;
            }
            let Some((packet, _)) = self.packets.pop_front() else {
                break;
            };
            video.push(&packet, writers)?;
            if video.overshot {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
