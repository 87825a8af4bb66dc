//! One pass over the packets of a file's main stream: keyframe times for the video, the
//! true end when the header's duration is missing or lies, and — only when the container
//! does not say — the first decoded frame's interlacing (MPEG-2 from DVDs often needs it).
//! Packets are read, not decoded, except for that one frame.

use ffmpeg_next as ffmpeg;
use ffmpeg_next::ffi;

/// Stop after this many packets of the main stream (a day of 60 fps video is 5.2 million).
const MAX_PACKETS: u64 = 6_000_000;
/// Keep at most this many keyframe times (a day of video with a keyframe every 0.5 s).
const MAX_KEYFRAMES: usize = 200_000;
/// Give up after this many read errors in a row.
const MAX_READ_ERRORS: u32 = 32;
/// Packets fed to the decoder before giving up on the first frame.
const MAX_DECODE_PACKETS: u32 = 48;

/// What to look for while reading.
pub(super) struct Plan {
    /// The stream whose packets count.
    pub stream: usize,
    /// Record keyframes (the stream is a picture stream).
    pub video: bool,
    /// Decode until the first frame, to learn its interlacing.
    pub want_frame: bool,
    /// Stop after the first packet (an audio stream whose duration the header gives).
    pub first_packet_only: bool,
    /// The file's start time, seconds; times are reported from here.
    pub start_s: f64,
    /// Stop reading once a packet lies this far from the start (the file is over the cap).
    pub stop_after_s: f64,
}

/// What a scan found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Keyframe presentation times, seconds from the start, ascending, no duplicates.
    pub keyframes: Vec<f64>,
    /// Packets of the main stream read.
    pub packets: u64,
    /// The latest end (time + duration) of a main-stream packet, seconds from the start.
    pub end_s: Option<f64>,
    /// `(interlaced, top_field_first)` of the first decoded frame.
    pub first_frame: Option<(bool, bool)>,
}

/// Reads packets of `plan.stream` until the end of the file or a cap.
pub(super) fn scan(input: &mut ffmpeg::format::context::Input, plan: &Plan) -> Scan {
    let Some(time_base) = input.stream(plan.stream).map(|s| f64::from(s.time_base())) else {
        return Scan::default();
    };
    discard_other_streams(input, plan.stream);
    let mut decoder = if plan.want_frame {
        open_decoder(input, plan.stream)
    } else {
        None
    };
    let mut scan = Scan::default();
    let (mut errors, mut decode_budget) = (0u32, MAX_DECODE_PACKETS);
    loop {
        let mut packet = ffmpeg::Packet::empty();
        match packet.read(input) {
            Ok(()) => errors = 0,
            Err(ffmpeg::Error::Eof) => break,
            Err(_) => {
                errors += 1;
                if errors >= MAX_READ_ERRORS {
                    break;
                }
                continue;
            }
        }
        if packet.stream() != plan.stream {
            continue;
        }
        scan.packets += 1;
        scan.note_packet(&packet, time_base, plan);
        if let Some(dec) = decoder.as_mut().filter(|_| decode_budget > 0) {
            decode_budget -= 1;
            scan.first_frame = first_frame(dec, &packet);
        }
        if scan.first_frame.is_some() || decode_budget == 0 {
            decoder = None;
        }
        if (plan.first_packet_only && decoder.is_none())
            || scan.packets >= MAX_PACKETS
            || scan.end_s.is_some_and(|e| e > plan.stop_after_s)
        {
            break;
        }
    }
    if let Some(mut dec) = decoder.filter(|_| scan.first_frame.is_none()) {
        scan.first_frame = flush_first_frame(&mut dec);
    }
    scan.keyframes.sort_by(f64::total_cmp);
    scan.keyframes.dedup();
    scan
}

impl Scan {
    /// Records a main-stream packet's end and, for a keyframe, its time.
    fn note_packet(&mut self, packet: &ffmpeg::Packet, time_base: f64, plan: &Plan) {
        let Some(ts) = packet.pts().or(packet.dts()) else {
            return;
        };
        let t = ts as f64 * time_base - plan.start_s;
        if !t.is_finite() {
            return;
        }
        let end = t + packet.duration().max(0) as f64 * time_base;
        self.end_s = Some(self.end_s.map_or(end, |e| e.max(end)));
        if plan.video && packet.is_key() && self.keyframes.len() < MAX_KEYFRAMES {
            self.keyframes.push(t.max(0.0));
        }
    }
}

/// Tells the demuxer to drop every stream but `keep`, so reading skips their payloads.
/// (Not AVDISCARD_NONKEY on `keep`: FFmpeg 5.1's MP4 demuxer then skips the composition
/// offsets of the dropped packets and reports wrong keyframe times when there are B-frames.)
fn discard_other_streams(input: &mut ffmpeg::format::context::Input, keep: usize) {
    let count = input.nb_streams() as usize;
    for i in (0..count).filter(|i| *i != keep) {
        // SAFETY: `i` < nb_streams, so `streams[i]` is a valid stream of this open input;
        // the demuxer reads `discard` on the next av_read_frame and we hold `&mut input`.
        unsafe {
            let st = *(*input.as_mut_ptr()).streams.add(i);
            (*st).discard = ffi::AVDiscard::AVDISCARD_ALL;
        }
    }
}

fn open_decoder(
    input: &ffmpeg::format::context::Input,
    index: usize,
) -> Option<ffmpeg::decoder::Video> {
    let params = input.stream(index)?.parameters();
    let ctx = ffmpeg::codec::context::Context::from_parameters(params).ok()?;
    ctx.decoder().video().ok()
}

/// Feeds one packet; the first frame that comes out, if any.
fn first_frame(dec: &mut ffmpeg::decoder::Video, packet: &ffmpeg::Packet) -> Option<(bool, bool)> {
    dec.send_packet(packet).ok()?;
    receive(dec)
}

/// Drains a decoder that held frames back (B-frame reordering) for its first frame.
fn flush_first_frame(dec: &mut ffmpeg::decoder::Video) -> Option<(bool, bool)> {
    dec.send_eof().ok()?;
    receive(dec)
}

fn receive(dec: &mut ffmpeg::decoder::Video) -> Option<(bool, bool)> {
    let mut frame = ffmpeg::frame::Video::empty();
    dec.receive_frame(&mut frame).ok()?;
    Some((frame.is_interlaced(), frame.is_top_first()))
}
