//! The rendition writer: packets in, one HLS rendition out — MPEG-TS segments
//! `seg-NNNNN.ts` and a VOD `index.m3u8` in `<out_dir>/<rung>/`, and optionally a
//! faststart `tv.mp4` fed the same packets. Used by both the remux and the transcode
//! executors, so it only copies packets; it never decodes.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use ffmpeg::{codec, format, media, Dictionary, Packet, Rational};
use ffmpeg_next as ffmpeg;

use super::playlist;
use super::segments::DEFAULT_TARGET_S;
use crate::media::protocol::{FailureKind, MediaFailure, RungOutput};

/// A cut planned a hair before a keyframe's time (time-base rounding) still cuts there.
const CUT_TOLERANCE_S: f64 = 0.001;
/// Segments shorter than this do not set the peak bit rate (a tiny last segment would
/// claim an absurd one), unless no segment is that long.
const PEAK_MIN_SEGMENT_S: f64 = 1.0;
/// Delay added to every MPEG-TS timestamp (as the ffmpeg CLI does, 0.7 s), so that the
/// negative decoding times of a B-frame source stay positive in every segment alike.
const TS_MAX_DELAY_US: &str = "700000";

/// Writes one rendition: MPEG-TS segments `seg-NNNNN.ts` + `index.m3u8` in
/// `<out_dir>/<rung>/`, optionally also a faststart `tv.mp4`.
///
/// Timestamps run on across segments (HLS players expect one continuous timeline); each
/// segment but the first starts at a video keyframe (audio only: at any packet of the
/// first stream), at the first one at or after each planned cut.
pub struct RenditionWriter {
    dir: PathBuf,
    name: String,
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

/// An output context with the time bases its muxer chose for its streams.
struct Muxer {
    octx: format::context::Output,
    time_bases: Vec<Rational>,
}

struct OpenSegment {
    muxer: Muxer,
    path: PathBuf,
    start_s: f64,
}

struct FinishedSegment {
    path: PathBuf,
    start_s: f64,
}

impl RenditionWriter {
    /// Prepares `<out_dir>/<rung>/` (creating it) and, if asked, `tv_mp4`.
    ///
    /// `streams`: codec parameters of the output streams in order (video first if any),
    /// with the time bases their packets will carry; `cuts_s`: planned segment start times
    /// (from `Plan::segments`); a cut at 0 is implied. No cuts (a film of unknown length)
    /// means a cut every 6 s.
    pub fn create(
        out_dir: &Path,
        rung: &str,
        streams: &[(codec::Parameters, Rational)],
        cuts_s: &[f64],
        tv_mp4: Option<&Path>,
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
        let tv = match tv_mp4 {
            Some(path) => Some((open_muxer(path, "mp4", streams)?, path.to_owned())),
            None => None,
        };
        Ok(RenditionWriter {
            dir,
            name: rung.to_owned(),
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

    /// Ends the rendition: writes the trailers, `index.m3u8` (with the durations actually
    /// written), syncs every file to disk, and says what was written.
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
        let index = self.dir.join("index.m3u8");
        fs::write(&index, playlist::media_playlist(durations.iter().copied()))
            .map_err(|e| failure(format!("cannot write {}: {e}", index.display())))?;
        files.extend(self.finished.iter().map(|s| s.path.clone()));
        files.push(index);
        files.push(self.dir.clone());
        for path in &files {
            sync(path)?;
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
        let path = self.dir.join(playlist::segment_uri(self.finished.len()));
        let muxer = open_muxer(&path, "mpegts", &self.streams)?;
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
            .map_err(|e| failure(format!("cannot finish {}: {e}", seg.path.display())))?;
        // Dropping the context closes the file.
        drop(seg.muxer);
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

impl Muxer {
    /// Rescales a copy of `packet` to this muxer's time base and writes it interleaved.
    fn write(
        &mut self,
        stream: usize,
        packet: &Packet,
        time_base: Rational,
    ) -> Result<(), MediaFailure> {
        let mut copy = packet.clone();
        copy.set_stream(stream);
        copy.set_position(-1);
        copy.rescale_ts(time_base, self.time_bases[stream]);
        copy.write_interleaved(&mut self.octx)
            .map_err(|e| failure(format!("cannot write a packet of stream {stream}: {e}")))
    }
}

/// Creates `path` with `format`'s muxer, one stream per entry, and writes its header.
fn open_muxer(
    path: &Path,
    format: &str,
    streams: &[(codec::Parameters, Rational)],
) -> Result<Muxer, MediaFailure> {
    let fail = |what: &str, e: ffmpeg::Error| failure(format!("{what} {}: {e}", path.display()));
    // An explicit `file:` URL, so a name with a colon is never read as another protocol.
    let url = format!("file:{}", path.display());
    let mut octx = format::output_as(&url, format).map_err(|e| fail("cannot create", e))?;
    for (parameters, time_base) in streams {
        let mut stream = octx
            .add_stream(codec::encoder::find(codec::Id::None))
            .map_err(|e| fail("cannot add a stream to", e))?;
        stream.set_parameters(parameters.clone());
        stream.set_time_base(*time_base);
        // SAFETY: the stream's codecpar is a valid AVCodecParameters owned by `octx`. The
        // source container's tag (`avc1`, `H264`) may be wrong for this muxer; 0 lets the
        // muxer choose its own, as the ffmpeg CLI does on a stream copy.
        unsafe { (*stream.parameters().as_mut_ptr()).codec_tag = 0 };
    }
    let mut options = Dictionary::new();
    if format == "mp4" {
        // Index first, so a TV can start playing over HTTP before the whole file arrives.
        options.set("movflags", "+faststart");
    } else {
        options.set("max_delay", TS_MAX_DELAY_US);
        options.set("avoid_negative_ts", "disabled");
    }
    // FFmpeg 5.1's muxers insert the bitstream filters they need themselves (MPEG-TS:
    // `h264_mp4toannexb` for length-prefixed H.264 from MP4, MKV or FLV).
    octx.write_header_with(options)
        .map_err(|e| fail("cannot write the header of", e))?;
    let time_bases = octx.streams().map(|s| s.time_base()).collect();
    Ok(Muxer { octx, time_bases })
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
