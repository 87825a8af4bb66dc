//! A decoded frame made into a poster picture by one FFmpeg filter graph: turned upright the
//! way the plan's [`Geometry`] says (`transpose`, or `hflip,vflip`), scaled to the poster's
//! size with square pixels, full-range `yuvj420p` for the JPEG encoder.

use ffmpeg::{filter, frame};
use ffmpeg_next as ffmpeg;

use crate::media::prepare::geometry::Geometry;

/// The filter text from the `in` source to the `out` sink for a `width` x `height` poster.
pub(super) fn spec(geometry: &Geometry, (width, height): (u32, u32)) -> String {
    let scale = format!("scale={width}:{height}:flags=bicubic:out_range=full");
    let chain: Vec<&str> = geometry
        .upright_filter()
        .into_iter()
        .chain([scale.as_str(), "setsar=1", "format=yuvj420p"])
        .collect();
    format!("[in]{}[out]", chain.join(","))
}

/// Runs `frame` through the graph of [`spec`]; the picture that comes out.
pub(super) fn poster_picture(
    frame: &frame::Video,
    geometry: &Geometry,
    size: (u32, u32),
) -> Result<frame::Video, ffmpeg::Error> {
    let find = |name: &str| filter::find(name).ok_or(ffmpeg::Error::FilterNotFound);
    let pix_fmt: ffmpeg::ffi::AVPixelFormat = frame.format().into();
    let args = format!(
        "video_size={}x{}:pix_fmt={}:time_base=1/25:pixel_aspect={}/{}",
        frame.width(),
        frame.height(),
        pix_fmt as i32,
        geometry.sar.num,
        geometry.sar.den
    );
    let mut graph = filter::Graph::new();
    graph.add(&find("buffer")?, "in", &args)?;
    graph.add(&find("buffersink")?, "out", "")?;
    graph
        .output("in", 0)?
        .input("out", 0)?
        .parse(&spec(geometry, size))?;
    graph.validate()?;
    let mut source = graph.get("in").ok_or(ffmpeg::Error::FilterNotFound)?;
    source.source().add(frame)?;
    source.source().flush()?;
    let mut sink = graph.get("out").ok_or(ffmpeg::Error::FilterNotFound)?;
    let mut picture = frame::Video::empty();
    sink.sink().frame(&mut picture)?;
    Ok(picture)
}

#[cfg(test)]
mod tests {
    use media_catalog::StreamInfo;

    use super::*;

    fn turned(rotation: f64) -> Geometry {
        let video = StreamInfo {
            width: Some(320),
            height: Some(180),
            rotation: Some(rotation),
            ..StreamInfo::default()
        };
        Geometry::of(&video).expect("a geometry")
    }

    #[test]
    fn the_graph_turns_upright_before_it_scales() {
        let tail = "scale=202:360:flags=bicubic:out_range=full,setsar=1,format=yuvj420p[out]";
        assert_eq!(
            spec(&turned(90.0), (202, 360)),
            format!("[in]transpose=clock,{tail}")
        );
        assert_eq!(
            spec(&turned(270.0), (202, 360)),
            format!("[in]transpose=cclock,{tail}")
        );
        assert!(spec(&turned(180.0), (480, 270)).starts_with("[in]hflip,vflip,scale=480:270"));
        assert!(spec(&turned(0.0), (480, 270)).starts_with("[in]scale=480:270"));
    }
}
