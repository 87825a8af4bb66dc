//! The rendition writer: packets in, one HLS rendition out — MPEG-TS segments
//! `seg-NNNNN.ts` and a VOD `index.m3u8` in `<out_dir>/<rung>/`, and optionally a
//! faststart `tv.mp4` fed the same packets. Used by both the remux and the transcode
//! executors, so it only copies packets; it never decodes.

pub(in crate::media::executors) mod muxer;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use ffmpeg::{codec, media, Packet, Rational};
use ffmpeg_next as ffmpeg;

use self::muxer::{open_muxer, Muxer};
use crate::media::prepare::playlist;
use crate::media::prepare::segments::DEFAULT_TARGET_S;
use crate::media::protocol::{FailureKind, MediaFailure, RungOutput};

/// A cut planned a hair before a keyframe's time (time-base rounding) still cuts there.
const CUT_TOLERANCE_S: f64 = 0.001;
/// Segments shorter than this do not set the peak bit rate (a tiny last segment would
/// claim an absurd one), unless no segment is that long.
const PEAK_MIN_SEGMENT_S: f64 = 1.0;

/// What a rendition writes besides its segments, and how its segments are numbered.
#[derive(Clone, Copy, Debug, Default)]
pub struct Layout<'a> {
    /// Also write a faststart MP4 of the same packets here.
    pub tv_mp4: Option<&'a Path>,
    /// The number of the first segment written: `seg-<first_segment>.ts`.
    pub first_segment: usize,
    /// Just in time: no `index.m3u8` and no fsync; a segment counts once renamed into
    /// place.
    pub jit: bool,
}

/// Writes one rendition: MPEG-TS segments `seg-NNNNN.ts` + `index.m3u8` in
/// `<out_dir>/<rung>/`, optionally also a faststart `tv.mp4`.
///
/// Timestamps run on across segments (HLS players expect one continuous timeline); each
/// segment but the first starts at a video keyframe (audio only: at any packet of the
/// first stream), at the first one at or after each planned cut. A segment is written as
/// `seg-NNNNN.ts.<pid>.part` and renamed when it is closed, so a complete name is a complete file.
pub struct RenditionWriter {
    dir: PathBuf,
    name: String,
    first_segment: usize,
    jit: bool,
    streams: Vec<(codec::Parameters, Rational)>,
    /// The stream whose packets decide where segments start: the first video stream, else
    /// stream 0.
    driver: usize,
    driver_is_video: bool,
    /// Planned cuts after the start, seconds, ascending; empty: every 6 s.
    cuts: Vec<f64>,
    next_cut: usize,
    current: Option<OpenSegment>,
    finished: Vec<FinishedSegment>,
    tv: Option<(Muxer, PathBuf)>,
    /// False until the first keyframe of the driving stream: earlier video cannot be
    /// decoded and is dropped.
    started: bool,
    /// The latest end (timestamp + duration) of any packet, seconds.
    end_s: f64,
}

struct OpenSegment {
    muxer: Muxer,
    /// Where it is written; renamed to `path` when closed.
    part: PathBuf,
    path: PathBuf,
    start_s: f64,
}

struct FinishedSegment {
    path: PathBuf,
    start_s: f64,
}

impl RenditionWriter {
    /// Prepares `<out_dir>/<rung>/` (creating it) and, if `layout` asks, a `tv.mp4`.
    ///
    /// `streams`: codec parameters of the output streams in order (video first if any),
    /// with the time bases their packets will carry; `cuts_s`: planned start times of the
    /// segments after the first (from `Plan::segments`); the first segment starts with the
    /// first packet. No cuts (a film of unknown length) means a cut every 6 s.
    pub fn create(
        out_dir: &Path,
        rung: &str,
        streams: &[(codec::Parameters, Rational)],
        cuts_s: &[f64],
        layout: Layout<'_>,
    ) -> Result<Self, MediaFailure> {
        if streams.is_empty() {
            return Err(failure("a rendition needs at least one stream".into()));
        }
        let dir = out_dir.join(rung);
        fs::create_dir_all(&dir)
            .map_err(|e| failure(format!("cannot create {}: {e}", dir.display())))?;
        let video = streams
            .iter()
            .position(|(p, _)| p.medium() == media::Type::Video);
        let mut cuts: Vec<f64> = cuts_s
            .iter()
            .copied()
            .filter(|c| c.is_finite() && *c > CUT_TOLERANCE_S)
            .collect();
        cuts.sort_by(f64::total_cmp);
        let tv = match layout.tv_mp4 {
            Some(path) => Some((open_muxer(path, "mp4", streams)?, path.to_owned())),
            None => None,
        };
        Ok(RenditionWriter {
            dir,
            name: rung.to_owned(),
            first_segment: layout.first_segment,
            jit: layout.jit,
            streams: streams.to_vec(),
            driver: video.unwrap_or(0),
            driver_is_video: video.is_some(),
            cuts,
            next_cut: 0,
            current: None,
            finished: Vec::new(),
            tv,
            started: false,
            end_s: 0.0,
        })
    }

    /// Writes one packet of output stream `stream`, whose timestamps are in `time_base`
    /// (rescaled here to each muxer's own). Packets of all streams may come interleaved
    /// as demuxed or encoded; the muxers reorder them.
    pub fn write(
        &mut self,
        stream: usize,
        packet: &Packet,
        time_base: Rational,
    ) -> Result<(), MediaFailure> {
        if stream >= self.streams.len() {
            return Err(failure(format!(
                "packet for stream {stream}, the rendition has {}",
                self.streams.len()
            )));
        }
        let driving = stream == self.driver;
        let cut_here = driving && (packet.is_key() || !self.driver_is_video);
        if !self.started {
            if driving && !cut_here {
                return Ok(());
            }
            self.started |= cut_here;
        }
        let t = packet
            .pts()
            .or(packet.dts())
            .map(|ts| seconds(ts, time_base));
        if let Some(t) = t {
            let duration = seconds(packet.duration().max(0), time_base);
            self.end_s = self.end_s.max(t + duration);
        }
        match (self.current.as_ref().map(|s| s.start_s), t) {
            (None, _) => self.start_segment(t.unwrap_or(0.0))?,
            (Some(start_s), Some(t)) if cut_here && self.due(start_s, t) => {
                self.start_segment(t)?;
            }
            _ => {}
        }
        if let Some(seg) = self.current.as_mut() {
            seg.muxer.write(stream, packet, time_base)?;
        }
        if let Some((tv, _)) = self.tv.as_mut() {
            tv.write(stream, packet, time_base)?;
        }
        Ok(())
    }

    /// Closes the open segment now (every packet before the next cut is written); the
    /// next packet opens the next one. A just-in-time run's first segment ends so,
    /// without waiting for the next segment's first keyframe.
    pub fn end_segment(&mut self) -> Result<(), MediaFailure> {
        self.close_segment()
    }

    /// The number after the last segment completed (closed and renamed into place).
    pub fn segments_done(&self) -> usize {
        self.first_segment + self.finished.len()
    }

    /// Ends the rendition: writes the trailers, closes the last segment and — unless just
    /// in time — writes `index.m3u8` (with the durations actually written) and syncs every
    /// file to disk. Says what was written.
    pub fn finish(mut self) -> Result<RungOutput, MediaFailure> {
        self.close_segment()?;
        if self.finished.is_empty() || !self.started {
            // A picture stream without a single keyframe would give a rendition with no
            // picture at all: refuse it rather than write one.
            return Err(MediaFailure {
                kind: FailureKind::Damaged,
                detail: "no keyframe to start the rendition at".into(),
            });
        }
        let mut files: Vec<PathBuf> = Vec::new();
        if let Some((mut tv, path)) = self.tv.take() {
            tv.octx
                .write_trailer()
                .map_err(|e| failure(format!("cannot finish {}: {e}", path.display())))?;
            drop(tv);
            files.push(path);
        }
        let durations = self.durations();
        let peak_bps = peak_bps(&self.finished, &durations)?;
        if !self.jit {
            let index = self.dir.join("index.m3u8");
            fs::write(&index, playlist::media_playlist(durations.iter().copied()))
                .map_err(|e| failure(format!("cannot write {}: {e}", index.display())))?;
            files.extend(self.finished.iter().map(|s| s.path.clone()));
            files.push(index);
            files.push(self.dir.clone());
            for path in &files {
                sync(path)?;
            }
        }
        Ok(RungOutput {
            name: self.name,
            segment_durations_s: durations,
            peak_bps,
        })
    }

    /// Whether a cut is due at `t` in a segment that started at `start_s`.
    fn due(&self, start_s: f64, t: f64) -> bool {
        if self.cuts.is_empty() {
            return t >= start_s + DEFAULT_TARGET_S - CUT_TOLERANCE_S;
        }
        self.cuts
            .get(self.next_cut)
            .is_some_and(|cut| t >= cut - CUT_TOLERANCE_S && t > start_s)
    }

    /// Closes the open segment (if any) and opens the next one, starting at `start_s`.
    fn start_segment(&mut self, start_s: f64) -> Result<(), MediaFailure> {
        self.close_segment()?;
        let path = self.dir.join(playlist::segment_uri(self.segments_done()));
        // The process id keeps two producers of one film (one being stopped as the other
        // starts) from writing the same temporary file.
        let part = path.with_extension(format!("ts.{}.part", std::process::id()));
        let muxer = open_muxer(&part, "mpegts", &self.streams)?;
        // Cuts this segment already passes are done with (the film may start after the
        // first planned cut, or a sparse keyframe may pass several).
        while self
            .cuts
            .get(self.next_cut)
            .is_some_and(|c| *c <= start_s + CUT_TOLERANCE_S)
        {
            self.next_cut += 1;
        }
        self.current = Some(OpenSegment {
            muxer,
            part,
            path,
            start_s,
        });
        Ok(())
    }

    fn close_segment(&mut self) -> Result<(), MediaFailure> {
        let Some(mut seg) = self.current.take() else {
            return Ok(());
        };
        seg.muxer
            .octx
            .write_trailer()
            .map_err(|e| failure(format!("cannot finish {}: {e}", seg.part.display())))?;
        // Dropping the context closes the file; then its whole name may be seen.
        drop(seg.muxer);
        if self.jit && seg.path.exists() {
            // Another producer of the film made it first: a segment a viewer may have
            // fetched already is never replaced.
            let _ = fs::remove_file(&seg.part);
        } else {
            fs::rename(&seg.part, &seg.path).map_err(|e| {
                failure(format!(
                    "cannot rename {} into place: {e}",
                    seg.part.display()
                ))
            })?;
        }
        self.finished.push(FinishedSegment {
            path: seg.path,
            start_s: seg.start_s,
        });
        Ok(())
    }

    /// Each segment lasts until the next one starts; the last until the latest packet ends.
    fn durations(&self) -> Vec<f64> {
        let starts: Vec<f64> = self.finished.iter().map(|s| s.start_s).collect();
        let ends = starts.iter().skip(1).copied().chain([self.end_s]);
        starts
            .iter()
            .zip(ends)
            .map(|(start, end)| (end - start).max(0.0))
            .collect()
    }
}

/// The highest bit rate of a segment file (with its MPEG-TS overhead), bits per second.
fn peak_bps(segments: &[FinishedSegment], durations: &[f64]) -> Result<u64, MediaFailure> {
    let mut rates = Vec::with_capacity(segments.len());
    for (seg, &duration) in segments.iter().zip(durations) {
        let bytes = fs::metadata(&seg.path)
            .map_err(|e| failure(format!("cannot stat {}: {e}", seg.path.display())))?
            .len();
        if duration > 0.0 {
            rates.push((duration, bytes as f64 * 8.0 / duration));
        }
    }
    let long_enough = rates.iter().any(|(d, _)| *d >= PEAK_MIN_SEGMENT_S);
    let peak = rates
        .iter()
        .filter(|(d, _)| !long_enough || *d >= PEAK_MIN_SEGMENT_S)
        .map(|(_, r)| *r)
        .fold(0.0, f64::max);
    Ok(peak.ceil() as u64)
}

/// Flushes a finished file (or folder) to disk.
fn sync(path: &Path) -> Result<(), MediaFailure> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| failure(format!("cannot sync {}: {e}", path.display())))
}

fn seconds(ts: i64, time_base: Rational) -> f64 {
    if time_base.denominator() == 0 {
        return 0.0;
    }
    ts as f64 * f64::from(time_base.numerator()) / f64::from(time_base.denominator())
}

fn failure(detail: String) -> MediaFailure {
    MediaFailure {
        kind: FailureKind::Output,
        detail,
    }
}
