//! What a TV is told about a film's files: the DLNA `protocolInfo` of the prepared `tv.mp4`
//! and — when the original is already in a form TVs play themselves (MPEG-PS from VCDs and
//! DVDs, MPEG-TS, H.264/AAC MP4) — of the original, with the DLNA profile name (`PN`) that
//! fits. A profile is named only where the file surely matches it; otherwise the mime type
//! alone is given, which TVs accept.

use media_catalog::{MediaInfo, StreamInfo};

use crate::streaming::content;

/// Byte seeking only, no conversion, streaming transfer mode (DLNA guidelines 7.4.1.3):
/// the same flags the media routes answer in `contentFeatures.dlna.org`.
pub const FLAGS: &str =
    "DLNA.ORG_OP=01;DLNA.ORG_CI=0;DLNA.ORG_FLAGS=01700000000000000000000000000000";

/// Every `protocolInfo` the server may serve (ConnectionManager's `Source`).
pub const SOURCE_PROTOCOLS: &[(&str, Option<&str>)] = &[
    ("video/mp4", Some("AVC_MP4_HP_HD_AAC")),
    ("video/mp4", Some("AVC_MP4_MP_SD_AAC_MULT5")),
    ("video/mp4", Some("AVC_MP4_MP_HD_720p_AAC")),
    ("video/mp4", Some("AVC_MP4_MP_HD_1080i_AAC")),
    ("video/mp4", Some("AVC_MP4_BL_CIF30_AAC_MULT5")),
    ("video/mp4", None),
    ("video/mpeg", Some("MPEG1")),
    ("video/mpeg", Some("MPEG_PS_PAL")),
    ("video/mpeg", Some("MPEG_PS_NTSC")),
    ("video/mpeg", None),
    ("video/mp2t", None),
    ("image/jpeg", Some("JPEG_TN")),
];

/// `http-get:*:<mime>:DLNA.ORG_PN=<pn>;<flags>`, or without the profile when it is `None`.
pub fn protocol_info(mime: &str, pn: Option<&str>) -> String {
    match pn {
        Some(pn) => format!("http-get:*:{mime}:DLNA.ORG_PN={pn};{FLAGS}"),
        None => format!("http-get:*:{mime}:{FLAGS}"),
    }
}

/// ConnectionManager's `Source`: every protocolInfo above, comma-separated.
pub fn source_protocols() -> String {
    SOURCE_PROTOCOLS
        .iter()
        .map(|(mime, pn)| match (mime, pn) {
            (&"image/jpeg", Some(pn)) => format!("http-get:*:image/jpeg:DLNA.ORG_PN={pn}"),
            (mime, pn) => protocol_info(mime, *pn),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The profile of H.264 + AAC in MP4 at this profile and height; `None` when unsure.
pub fn avc_mp4(profile: Option<&str>, height: u32) -> Option<&'static str> {
    let profile = profile.unwrap_or("").to_ascii_lowercase();
    Some(match profile.as_str() {
        "high" => "AVC_MP4_HP_HD_AAC",
        "main" if height <= 576 => "AVC_MP4_MP_SD_AAC_MULT5",
        "main" if height <= 720 => "AVC_MP4_MP_HD_720p_AAC",
        "main" if height <= 1080 => "AVC_MP4_MP_HD_1080i_AAC",
        "baseline" | "constrained baseline" if height <= 288 => "AVC_MP4_BL_CIF30_AAC_MULT5",
        _ => return None,
    })
}

/// How a TV may play the original file itself: its mime type (the one the original route
/// answers with) and profile name, or `None` when it needs preparing first.
pub fn native_original(
    media: &MediaInfo,
    file_name: &str,
) -> Option<(&'static str, Option<&'static str>)> {
    let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    let video = media.video()?;
    let audio = media.audio().map(|a| a.codec.as_str()).unwrap_or("");
    let mime = content::for_file_name(file_name);
    let pn = match (media.container.as_str(), ext.as_str()) {
        // Program streams with a real extension; a VCD's `.DAT` is sectors around packs,
        // which TVs do not unwrap.
        ("mpeg", "mpg" | "mpeg" | "vob" | "m2p" | "mpe") => mpeg_ps(video, audio)?,
        ("mpegts", "ts" | "m2ts" | "mts" | "tp" | "trp") => {
            matches!(video.codec.as_str(), "mpeg2video" | "h264").then_some(None)?
        }
        (c, "mp4" | "m4v") if c.starts_with("mov,mp4") => {
            (video.codec == "h264" && audio == "aac").then_some(())?;
            avc_mp4(video.profile.as_deref(), video.height.unwrap_or(0))
        }
        _ => return None,
    };
    let pn = pn.filter(|_| mime == "video/mpeg" || mime == "video/mp4");
    Some((mime, pn))
}

/// MPEG-1 or MPEG-2 video in a program stream: `MPEG1` (VCD), `MPEG_PS_PAL`/`_NTSC` (DVD).
fn mpeg_ps(video: &StreamInfo, audio: &str) -> Option<Option<&'static str>> {
    let height = video.height.unwrap_or(0);
    Some(match video.codec.as_str() {
        "mpeg1video" if audio == "mp2" && height <= 288 => Some("MPEG1"),
        "mpeg1video" => None,
        "mpeg2video" if matches!(audio, "mp2" | "ac3") && height == 576 => Some("MPEG_PS_PAL"),
        "mpeg2video" if matches!(audio, "mp2" | "ac3") && height == 480 => Some("MPEG_PS_NTSC"),
        "mpeg2video" => None,
        _ => return None,
    })
}

/// `H:MM:SS.mmm`, as `res@duration` wants it.
pub fn duration(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use media_catalog::StreamKind;

    fn media(container: &str, video: &str, height: u32, audio: &str) -> MediaInfo {
        MediaInfo {
            container: container.into(),
            streams: vec![
                StreamInfo {
                    kind: Some(StreamKind::Video),
                    codec: video.into(),
                    height: Some(height),
                    profile: Some("Main".into()),
                    ..StreamInfo::default()
                },
                StreamInfo {
                    kind: Some(StreamKind::Audio),
                    codec: audio.into(),
                    ..StreamInfo::default()
                },
            ],
            ..MediaInfo::default()
        }
    }

    #[test]
    fn discs_and_h264_mp4_play_natively_with_their_profiles() {
        let vcd = media("mpeg", "mpeg1video", 240, "mp2");
        assert_eq!(
            native_original(&vcd, "一.mpg"),
            Some(("video/mpeg", Some("MPEG1")))
        );
        assert_eq!(native_original(&vcd, "AVSEQ01.DAT"), None);
        let dvd = media("mpeg", "mpeg2video", 576, "ac3");
        assert_eq!(
            native_original(&dvd, "VTS_01_1.VOB").map(|(_, pn)| pn),
            Some(Some("MPEG_PS_PAL"))
        );
        let mp4 = media("mov,mp4,m4a,3gp,3g2,mj2", "h264", 480, "aac");
        assert_eq!(
            native_original(&mp4, "a.mp4"),
            Some(("video/mp4", Some("AVC_MP4_MP_SD_AAC_MULT5")))
        );
        let xvid = media("avi", "mpeg4", 480, "mp3");
        assert_eq!(native_original(&xvid, "a.avi"), None);
        let mp3_in_mp4 = media("mov,mp4,m4a,3gp,3g2,mj2", "h264", 480, "mp3");
        assert_eq!(native_original(&mp3_in_mp4, "a.mp4"), None);
    }

    #[test]
    fn durations_are_hours_minutes_seconds_and_milliseconds() {
        assert_eq!(duration(0.0), "0:00:00.000");
        assert_eq!(duration(3725.5), "1:02:05.500");
    }

    #[test]
    fn protocol_infos_name_the_profile_and_the_flags() {
        assert_eq!(
            protocol_info("video/mp4", Some("AVC_MP4_HP_HD_AAC")),
            "http-get:*:video/mp4:DLNA.ORG_PN=AVC_MP4_HP_HD_AAC;DLNA.ORG_OP=01;DLNA.ORG_CI=0;\
             DLNA.ORG_FLAGS=01700000000000000000000000000000"
        );
        assert!(source_protocols().contains("image/jpeg:DLNA.ORG_PN=JPEG_TN"));
    }
}
