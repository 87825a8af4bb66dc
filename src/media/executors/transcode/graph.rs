//! The filter graphs of a transcode: the picture chain (deinterlace, turn upright, one
//! scaled branch per rung) and the two sound graphs (to 48 kHz stereo; loudness and AAC
//! frames).
//! The graph texts are pure functions; building a graph is the only FFmpeg call here.

use ffmpeg::{filter, format, Rational};
use ffmpeg_next as ffmpeg;

use super::encode::SAMPLE_RATE;
use crate::media::prepare::geometry::upright_filter;

/// Samples per AAC-LC frame: the audio sink hands the encoder frames of exactly this size.
pub(super) const AAC_FRAME_SAMPLES: u32 = 1024;

/// Name of the graph's source (`buffer` / `abuffer`).
const SOURCE: &str = "in";

/// What the picture chain does before it splits into rungs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct VideoChain {
    /// Deinterlace with yadif, one output frame per input frame.
    pub deinterlace: bool,
    /// Clockwise quarter turns that show the picture upright (0–3).
    pub quarter_turns: u8,
    /// Each rung's picture size, square pixels, in ladder order.
    pub sizes: Vec<(u32, u32)>,
}

/// The decoded pictures a graph was built for; a change rebuilds the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PictureShape {
    pub width: u32,
    pub height: u32,
    pub format: format::Pixel,
    /// Sample aspect ratio; 0:1 (unknown) is passed on as 1:1.
    pub sar: Rational,
}

/// The name of the buffer sink feeding rung `index`.
pub(super) fn sink_name(index: usize) -> String {
    format!("out{index}")
}

/// The filter text of the picture chain, from the `in` source to one sink per rung:
/// `[in]yadif=…,transpose=clock,split=2[s0][s1];[s0]scale=854:480,…[out0];…`.
///
/// Each branch scales the (deinterlaced, upright) picture straight to its rung's size,
/// which already has the display aspect ratio, and marks its pixels square: the same
/// picture as scaling to the display size first, with one resampling less.
pub(super) fn video_spec(chain: &VideoChain) -> String {
    let mut head: Vec<&str> = Vec::new();
    if chain.deinterlace {
        // One frame out per frame in (not per field): the rungs keep the source's rate.
        head.push("yadif=mode=send_frame:parity=auto:deint=all");
    }
    head.extend(upright_filter(chain.quarter_turns));
    let n = chain.sizes.len();
    let labels: String = (0..n).map(|i| format!("[s{i}]")).collect();
    head.push("split");
    let head = head.join(",");
    let branches: Vec<String> = chain
        .sizes
        .iter()
        .enumerate()
        .map(|(i, (w, h))| {
            format!(
                "[s{i}]scale={w}:{h}:flags=bicubic,setsar=1,format=yuv420p[{}]",
                sink_name(i)
            )
        })
        .collect();
    format!("[{SOURCE}]{head}={n}{labels};{}", branches.join(";"))
}

/// The sound format between the two sound graphs and into the encoder.
const SOUND_FORMAT: &str = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo";

/// The filter text of the first sound graph: any layout and rate → 48 kHz stereo planar
/// float starting at `first_pts` — counted in the *input's* samples, as aresample reads
/// it — silence-padded or trimmed to keep to the timestamps. Rebuilt whenever the source's format changes; each graph starts where the
/// last one ended, so the loudness filter (which counts samples, not timestamps) sees
/// one unbroken track.
pub(super) fn convert_spec(first_pts: i64) -> String {
    format!(
        "[{SOURCE}]aresample=48000:async=1:first_pts={first_pts},{SOUND_FORMAT}[{}]",
        sink_name(0)
    )
}

/// The filter text of the second sound graph, built once: EBU R128 loudness (single
/// pass) when `loudnorm`, cut into AAC-sized frames by its sink.
pub(super) fn level_spec(loudnorm: bool) -> String {
    let chain = if loudnorm {
        // Dynamic single-pass mode works at 192 kHz, hence the resampling after it.
        format!("loudnorm=I=-16:TP=-1.5:LRA=11,aresample=48000,{SOUND_FORMAT}")
    } else {
        "anull".to_owned()
    };
    format!("[{SOURCE}]{chain}[{}]", sink_name(0))
}

/// Builds the picture graph for pictures of `shape` whose timestamps are in `time_base`.
pub(super) fn video_graph(
    chain: &VideoChain,
    shape: PictureShape,
    time_base: Rational,
) -> Result<filter::Graph, ffmpeg::Error> {
    let sar = if shape.sar.numerator() > 0 && shape.sar.denominator() > 0 {
        shape.sar
    } else {
        Rational(1, 1)
    };
    let pix_fmt: ffmpeg::ffi::AVPixelFormat = shape.format.into();
    let args = format!(
        "video_size={}x{}:pix_fmt={}:time_base={}:pixel_aspect={}",
        shape.width, shape.height, pix_fmt as i32, time_base, sar
    );
    let sinks = chain.sizes.len();
    build(("buffer", &args), "buffersink", sinks, &video_spec(chain))
}

/// Builds the first sound graph for samples of `shape` (rate, format, layout bits) whose
/// timestamps are in `time_base`, its output starting at `first_pts` (1/48000 s); see
/// [`convert_spec`].
pub(super) fn convert_graph(
    (rate, sample_format, layout_bits): (u32, format::Sample, u64),
    time_base: Rational,
    first_pts: i64,
) -> Result<filter::Graph, ffmpeg::Error> {
    let args = format!(
        "time_base={time_base}:sample_rate={rate}:sample_fmt={}:channel_layout=0x{layout_bits:x}",
        sample_format.name()
    );
    let in_samples = (first_pts as f64 * f64::from(rate) / f64::from(SAMPLE_RATE)).round();
    build(
        ("abuffer", &args),
        "abuffersink",
        1,
        &convert_spec(in_samples as i64),
    )
}

/// Builds the second sound graph (timestamps in 1/48000 s); see [`level_spec`].
pub(super) fn level_graph(loudnorm: bool) -> Result<filter::Graph, ffmpeg::Error> {
    let args = "time_base=1/48000:sample_rate=48000:sample_fmt=fltp:channel_layout=0x3";
    let mut graph = build(("abuffer", args), "abuffersink", 1, &level_spec(loudnorm))?;
    if let Some(mut sink) = graph.get(&sink_name(0)) {
        sink.sink().set_frame_size(AAC_FRAME_SAMPLES);
    }
    Ok(graph)
}

/// A graph from a source, `sinks` sinks named [`sink_name`] and the text between them.
fn build(
    (source, args): (&str, &str),
    sink: &str,
    sinks: usize,
    spec: &str,
) -> Result<filter::Graph, ffmpeg::Error> {
    let find = |name: &str| filter::find(name).ok_or(ffmpeg::Error::FilterNotFound);
    let mut graph = filter::Graph::new();
    graph.add(&find(source)?, SOURCE, args)?;
    for i in 0..sinks {
        graph.add(&find(sink)?, &sink_name(i), "")?;
    }
    let mut parser = graph.output(SOURCE, 0)?;
    for i in 0..sinks {
        parser = parser.input(&sink_name(i), 0)?;
    }
    parser.parse(spec)?;
    graph.validate()?;
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interlaced_turned_picture_is_deinterlaced_turned_and_split_per_rung() {
        let chain = VideoChain {
            deinterlace: true,
            quarter_turns: 1,
            sizes: vec![(640, 480), (480, 360)],
        };
        assert_eq!(
            video_spec(&chain),
            "[in]yadif=mode=send_frame:parity=auto:deint=all,transpose=clock,split=2[s0][s1];\
             [s0]scale=640:480:flags=bicubic,setsar=1,format=yuv420p[out0];\
             [s1]scale=480:360:flags=bicubic,setsar=1,format=yuv420p[out1]"
        );
    }

    #[test]
    fn an_upright_progressive_picture_only_splits_and_scales() {
        let chain = VideoChain {
            deinterlace: false,
            quarter_turns: 0,
            sizes: vec![(352, 288)],
        };
        assert_eq!(
            video_spec(&chain),
            "[in]split=1[s0];[s0]scale=352:288:flags=bicubic,setsar=1,format=yuv420p[out0]"
        );
        let half = VideoChain {
            quarter_turns: 2,
            ..chain.clone()
        };
        assert!(video_spec(&half).starts_with("[in]hflip,vflip,split=1"));
        let back = VideoChain {
            quarter_turns: 3,
            ..chain
        };
        assert!(video_spec(&back).starts_with("[in]transpose=cclock,split=1"));
    }

    #[test]
    fn sound_is_made_48_khz_stereo_first_then_levelled() {
        assert_eq!(
            convert_spec(0),
            "[in]aresample=48000:async=1:first_pts=0,\
             aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo[out0]"
        );
        assert!(convert_spec(96_000).contains("first_pts=96000"));
        assert!(level_spec(true).starts_with("[in]loudnorm=I=-16:TP=-1.5:LRA=11,aresample=48000"));
        assert_eq!(level_spec(false), "[in]anull[out0]");
    }
}
