//! One stream's description, read from its codec parameters, side data and tags. What
//! ffmpeg-next does not expose (profile and level, field order, pixel-format depth, channel
//! count) is read from `AVCodecParameters` through `ffmpeg_next::ffi`.

use std::ffi::CStr;

use ffmpeg_next as ffmpeg;
use ffmpeg_next::ffi;
use media_catalog::{Ratio, StreamInfo, StreamKind};

use super::super::rotation;
use super::super::tags::read_dictionary;

/// Describes one stream of an open input.
pub(super) fn describe(stream: &ffmpeg::Stream) -> StreamInfo {
    let params = stream.parameters();
    // SAFETY: `params` wraps the stream's `codecpar`, which the open input owns and keeps
    // alive (params holds the input's destructor); nothing mutates it while we read.
    let par = unsafe { &*params.as_ptr() };
    // SAFETY: the stream pointer is valid while the input is open; `metadata` is null or a
    // dictionary owned by the stream.
    let tags = unsafe { read_dictionary((*stream.as_ptr()).metadata) };
    let attached_pic = stream
        .disposition()
        .contains(ffmpeg::format::stream::Disposition::ATTACHED_PIC);
    let mut info = StreamInfo {
        index: stream.index() as u32,
        kind: Some(kind_of(par.codec_type, attached_pic)),
        codec: codec_name(par.codec_id),
        codec_long: codec_long_name(par.codec_id),
        profile: profile_name(par.codec_id, par.profile),
        level: (par.level != ffi::FF_LEVEL_UNKNOWN && par.level > 0).then_some(par.level),
        bit_rate: positive(par.bit_rate),
        duration_s: seconds(stream.duration(), stream.time_base()),
        language: tags.get("language").filter(|l| *l != "und").cloned(),
        ..StreamInfo::default()
    };
    match par.codec_type {
        ffi::AVMediaType::AVMEDIA_TYPE_VIDEO => describe_video(&mut info, stream, par),
        ffi::AVMediaType::AVMEDIA_TYPE_AUDIO => {
            info.channels = u16::try_from(par.ch_layout.nb_channels)
                .ok()
                .filter(|c| *c > 0);
            info.sample_rate = u32::try_from(par.sample_rate).ok().filter(|r| *r > 0);
        }
        _ => {}
    }
    info
}

/// Fills the picture fields of a video stream.
fn describe_video(info: &mut StreamInfo, stream: &ffmpeg::Stream, par: &ffi::AVCodecParameters) {
    info.width = u32::try_from(par.width).ok().filter(|w| *w > 0);
    info.height = u32::try_from(par.height).ok().filter(|h| *h > 0);
    // SAFETY: the stream pointer is valid while the input is open.
    let container_sar = unsafe { (*stream.as_ptr()).sample_aspect_ratio };
    let sar = [container_sar, par.sample_aspect_ratio]
        .into_iter()
        .find(|r| r.num > 0 && r.den > 0);
    info.sar = sar.and_then(|r| reduce(i64::from(r.num), i64::from(r.den)));
    if let (Some(r), Some(w), Some(h)) = (sar, info.width, info.height) {
        info.dar = reduce(
            i64::from(w) * i64::from(r.num),
            i64::from(h) * i64::from(r.den),
        );
    }
    info.fps = [stream.avg_frame_rate(), stream.rate()]
        .into_iter()
        .find(|r| r.numerator() > 0 && r.denominator() > 0)
        .map(f64::from);
    let (field_order, interlaced) = field_order(par.field_order);
    info.field_order = field_order.map(str::to_owned);
    info.interlaced = interlaced;
    info.rotation = rotation::clockwise_degrees(stream);
    if let Some((name, depth)) = pixel_format(par.format) {
        info.pix_fmt = Some(name);
        info.bit_depth = Some(depth);
    }
}

/// The kind of a stream; cover art (an attached picture) is an attachment, not a picture.
fn kind_of(t: ffi::AVMediaType, attached_pic: bool) -> StreamKind {
    match t {
        ffi::AVMediaType::AVMEDIA_TYPE_VIDEO if attached_pic => StreamKind::Attachment,
        ffi::AVMediaType::AVMEDIA_TYPE_VIDEO => StreamKind::Video,
        ffi::AVMediaType::AVMEDIA_TYPE_AUDIO => StreamKind::Audio,
        ffi::AVMediaType::AVMEDIA_TYPE_SUBTITLE => StreamKind::Subtitle,
        ffi::AVMediaType::AVMEDIA_TYPE_DATA => StreamKind::Data,
        ffi::AVMediaType::AVMEDIA_TYPE_ATTACHMENT => StreamKind::Attachment,
        _ => StreamKind::Unknown,
    }
}

/// FFmpeg's field order as a name, and whether that means interlaced (None: unknown).
pub(super) fn field_order(f: ffi::AVFieldOrder) -> (Option<&'static str>, Option<bool>) {
    use ffi::AVFieldOrder::*;
    match f {
        AV_FIELD_PROGRESSIVE => (Some("progressive"), Some(false)),
        AV_FIELD_TT => (Some("tt"), Some(true)),
        AV_FIELD_BB => (Some("bb"), Some(true)),
        AV_FIELD_TB => (Some("tb"), Some(true)),
        AV_FIELD_BT => (Some("bt"), Some(true)),
        _ => (None, None),
    }
}

/// Text from a static C string FFmpeg returned, or None for null.
fn static_str(p: *const libc::c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null strings returned by libavcodec/libavutil name lookups are static,
    // NUL-terminated tables.
    let s = unsafe { CStr::from_ptr(p) };
    Some(s.to_string_lossy().into_owned())
}

fn codec_name(id: ffi::AVCodecID) -> String {
    // SAFETY: avcodec_get_name accepts any id and returns a static string (never null).
    static_str(unsafe { ffi::avcodec_get_name(id) }).unwrap_or_else(|| "unknown".into())
}

fn codec_long_name(id: ffi::AVCodecID) -> Option<String> {
    // SAFETY: avcodec_descriptor_get accepts any id and returns null or a static descriptor.
    let desc = unsafe { ffi::avcodec_descriptor_get(id) };
    if desc.is_null() {
        return None;
    }
    // SAFETY: `desc` is a non-null static descriptor.
    static_str(unsafe { (*desc).long_name })
}

fn profile_name(id: ffi::AVCodecID, profile: libc::c_int) -> Option<String> {
    if profile == ffi::FF_PROFILE_UNKNOWN {
        return None;
    }
    // SAFETY: avcodec_profile_name accepts any id/profile and returns null or a static name.
    static_str(unsafe { ffi::avcodec_profile_name(id, profile) })
}

/// The pixel format's name and the bit depth of its first component. Found by walking the
/// descriptor table, so a value we do not know is never turned into a Rust enum.
fn pixel_format(format: libc::c_int) -> Option<(String, u8)> {
    if format < 0 {
        return None;
    }
    let mut desc: *const ffi::AVPixFmtDescriptor = std::ptr::null();
    loop {
        // SAFETY: `desc` is null or the previous descriptor from the same static table.
        desc = unsafe { ffi::av_pix_fmt_desc_next(desc) };
        if desc.is_null() {
            return None;
        }
        // SAFETY: `desc` is a non-null entry of libavutil's static descriptor table.
        let (id, name, depth) = unsafe {
            (
                ffi::av_pix_fmt_desc_get_id(desc) as libc::c_int,
                (*desc).name,
                (*desc).comp[0].depth,
            )
        };
        if id == format {
            return Some((static_str(name)?, u8::try_from(depth).ok()?));
        }
    }
}

/// `num:den` in lowest terms, if both fit an `i32` and are positive.
fn reduce(num: i64, den: i64) -> Option<Ratio> {
    if num <= 0 || den <= 0 {
        return None;
    }
    let (mut a, mut b) = (num, den);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    Some(Ratio {
        num: i32::try_from(num / a).ok()?,
        den: i32::try_from(den / a).ok()?,
    })
}

fn positive(v: i64) -> Option<u64> {
    u64::try_from(v).ok().filter(|v| *v > 0)
}

/// A duration in stream time-base units as seconds (None when unset or not positive).
pub(super) fn seconds(ts: i64, tb: ffmpeg::Rational) -> Option<f64> {
    if ts <= 0 || ts == ffi::AV_NOPTS_VALUE || tb.denominator() == 0 {
        return None;
    }
    Some(ts as f64 * f64::from(tb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_reduced() {
        assert_eq!(reduce(720 * 16, 576 * 15), Some(Ratio { num: 4, den: 3 }));
        assert_eq!(reduce(0, 1), None);
    }

    #[test]
    fn pixel_formats_are_named_with_their_depth() {
        let p010 = ffi::AVPixelFormat::AV_PIX_FMT_YUV420P10LE as libc::c_int;
        assert_eq!(pixel_format(p010), Some(("yuv420p10le".into(), 10)));
        assert_eq!(pixel_format(-1), None);
        assert_eq!(pixel_format(100_000), None);
    }
}
