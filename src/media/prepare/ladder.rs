//! Which renditions a film is prepared as — the HLS ladder — and their sizes, bit rates,
//! levels and frame rates.
//!
//! Rungs are boxes of 16:9 at 720, 480 and 360 lines; the picture is fitted inside each box
//! (so a portrait or 4:3 film is limited by its height, an extra-wide one by its width) and a
//! box the picture would have to be enlarged for is skipped. A film smaller than the
//! smallest box gets one rung at its own display size.

use media_catalog::{Ratio, StreamInfo};

use super::codecs::{self, H264Profile};
use super::geometry::{even, Geometry};
use super::rendition::{AudioCodec, AudioRung, Rung, VideoRung};

/// Audio bit rate of every transcoded rung, bit/s.
pub const AUDIO_BITRATE: u64 = 128_000;
/// Sample rate of transcoded audio, Hz.
pub const AUDIO_SAMPLE_RATE: u32 = 48_000;
/// The name of the rung that carries the source's picture as it is (remux and copy).
pub const SOURCE_RUNG: &str = "source";
/// The highest frame rate a transcode keeps; faster sources are halved until they fit.
const MAX_FPS: f64 = 60.0;

/// One standard rung: a 16:9 box and the video bit rate for a picture that fills it.
struct LadderBox {
    width: u32,
    height: u32,
    bitrate: u64,
}

#[rustfmt::skip]
const BOXES: [LadderBox; 3] = [
    LadderBox { width: 1280, height: 720, bitrate: 2_800_000 },
    LadderBox { width: 854, height: 480, bitrate: 1_400_000 },
    LadderBox { width: 640, height: 360, bitrate: 800_000 },
];

/// The transcode ladder for a picture of this geometry, highest first. `with_audio` adds
/// AAC-LC stereo 48 kHz at 128 kb/s to every rung.
pub fn transcode_ladder(geometry: &Geometry, fps: Option<f64>, with_audio: bool) -> Vec<Rung> {
    let fps = output_fps(fps);
    let (dw, dh) = (
        f64::from(geometry.display_width),
        f64::from(geometry.display_height),
    );
    let mut sizes: Vec<(u32, u32, &LadderBox)> = BOXES
        .iter()
        .filter_map(|b| {
            let scale = (f64::from(b.width) / dw).min(f64::from(b.height) / dh);
            // Equal size is fine; anything bigger would be an upscale.
            (scale <= 1.0 + 1e-9).then(|| (even(dw * scale), even(dh * scale), b))
        })
        .collect();
    if sizes.is_empty() {
        let smallest = &BOXES[BOXES.len() - 1];
        sizes.push((geometry.display_width, geometry.display_height, smallest));
    }
    let audio = with_audio.then(transcoded_audio);
    sizes
        .into_iter()
        .map(|(width, height, ladder_box)| {
            let video = transcoded_video(width, height, fps, ladder_box);
            Rung {
                name: format!("{height}p"),
                video: Some(video),
                audio: audio.clone(),
            }
        })
        .collect()
}

/// AAC-LC stereo 48 kHz at 128 kb/s.
pub fn transcoded_audio() -> AudioRung {
    AudioRung {
        codec: AudioCodec::AacLc,
        bitrate: AUDIO_BITRATE,
        channels: Some(2),
        sample_rate: Some(AUDIO_SAMPLE_RATE),
    }
}

/// The H.264 High picture of a transcoded rung.
fn transcoded_video(width: u32, height: u32, fps: f64, ladder_box: &LadderBox) -> VideoRung {
    let box_pixels = f64::from(ladder_box.width) * f64::from(ladder_box.height);
    let bitrate = scaled_bitrate(ladder_box.bitrate, box_pixels, width, height, fps);
    let max_bitrate = bitrate * 3 / 2;
    let level_idc = codecs::high_level_for(width, height, fps, max_bitrate)
        .unwrap_or(codecs::TRANSCODE_MAX_LEVEL)
        .min(codecs::TRANSCODE_MAX_LEVEL);
    VideoRung {
        width,
        height,
        sar: Ratio { num: 1, den: 1 },
        display_width: width,
        display_height: height,
        profile: H264Profile::High,
        level_idc,
        bitrate,
        max_bitrate,
        max_fps: Some(fps),
    }
}

/// `nominal` scaled by the picture's share of the box's pixels (to the power 0.9: smaller
/// pictures need a little more per pixel), 1.5 times for more than 30 frames a second,
/// rounded to 10 kb/s and never below 200 kb/s.
fn scaled_bitrate(nominal: u64, box_pixels: f64, width: u32, height: u32, fps: f64) -> u64 {
    let share = f64::from(width) * f64::from(height) / box_pixels;
    let motion = if fps > 32.0 { 1.5 } else { 1.0 };
    let bits = nominal as f64 * share.powf(0.9) * motion;
    let rounded = (bits / 10_000.0).round() as u64 * 10_000;
    rounded.max(200_000)
}

/// The frame rate a transcode produces: the source's, halved until it is at most 60;
/// 30 when the source's is unknown or absurd (the executor caps the output at this).
pub fn output_fps(fps: Option<f64>) -> f64 {
    match fps {
        Some(mut f) if f.is_finite() && f > 0.0 && f <= 1_000.0 => {
            while f > MAX_FPS {
                f /= 2.0;
            }
            f
        }
        _ => 30.0,
    }
}

/// The tallest box a rung below a copied picture may have: lower rungs are for slow
/// links, and a 720p encode would cost about as much as the transcode the copy saves.
const LOWER_RUNG_MAX_HEIGHT: u32 = 480;

/// The ladder of a film whose picture is copied and whose sound is encoded: the source
/// rung (the source's picture, AAC-LC stereo 48 kHz), then — only for a picture larger than
/// 480p — the transcoded rungs of at most 480 lines that are smaller than it.
pub fn copy_ladder(
    video: &StreamInfo,
    geometry: &Geometry,
    (profile, level_idc): (H264Profile, u8),
    source_audio: Option<&StreamInfo>,
    container_bit_rate: Option<u64>,
) -> Vec<Rung> {
    // The source's sound is counted out of the container's rate, then replaced.
    let counted = source_audio.map(|a| (AudioCodec::AacLc, a));
    let mut top = remux_rung(
        video,
        geometry,
        profile,
        level_idc,
        counted,
        container_bit_rate,
    );
    top.audio = source_audio.map(|_| transcoded_audio());
    let audio = top.audio.clone();
    let mut ladder = vec![top];
    ladder.extend(lower_rungs(video, geometry, audio));
    ladder
}

/// The ladder of a film remuxed as it is: the source rung (picture and sound as they
/// are), then — only for a picture larger than 480p — the transcoded rungs of at most 480
/// lines that are smaller than it, each carrying the source's sound copied as well.
pub fn remux_ladder(
    video: &StreamInfo,
    geometry: &Geometry,
    (profile, level_idc): (H264Profile, u8),
    audio: Option<(AudioCodec, &StreamInfo)>,
    container_bit_rate: Option<u64>,
) -> Vec<Rung> {
    let top = remux_rung(
        video,
        geometry,
        profile,
        level_idc,
        audio,
        container_bit_rate,
    );
    let audio = top.audio.clone();
    let mut ladder = vec![top];
    ladder.extend(lower_rungs(video, geometry, audio));
    ladder
}

/// The transcoded rungs below a copied picture, each with `audio`: none for a picture of
/// 480 lines or fewer, else the standard rungs of at most 480 lines smaller than it.
fn lower_rungs(video: &StreamInfo, geometry: &Geometry, audio: Option<AudioRung>) -> Vec<Rung> {
    if geometry.display_height <= LOWER_RUNG_MAX_HEIGHT {
        return Vec::new();
    }
    transcode_ladder(geometry, video.fps, false)
        .into_iter()
        .filter(|r| {
            r.resolution().is_some_and(|(w, h)| {
                h <= LOWER_RUNG_MAX_HEIGHT
                    && h < geometry.display_height
                    && w < geometry.display_width
            })
        })
        .map(|r| Rung {
            audio: audio.clone(),
            ..r
        })
        .collect()
}

/// The source rung of a remux: the source's picture and sound as they are.
pub fn remux_rung(
    video: &StreamInfo,
    geometry: &Geometry,
    profile: H264Profile,
    level_idc: u8,
    audio: Option<(AudioCodec, &StreamInfo)>,
    container_bit_rate: Option<u64>,
) -> Rung {
    let audio = audio.map(|(codec, a)| source_audio(codec, a));
    let audio_bits = audio.as_ref().map_or(0, |a| a.bitrate);
    let bitrate = video
        .bit_rate
        .or_else(|| container_bit_rate.and_then(|b| b.checked_sub(audio_bits)))
        .filter(|b| *b > 0)
        .unwrap_or_else(|| estimated_bitrate(geometry, video.fps));
    Rung {
        name: SOURCE_RUNG.to_owned(),
        video: Some(VideoRung {
            width: geometry.coded_width,
            height: geometry.coded_height,
            sar: geometry.sar,
            display_width: geometry.display_width,
            display_height: geometry.display_height,
            profile,
            level_idc,
            bitrate,
            max_bitrate: bitrate.saturating_mul(2),
            max_fps: video.fps.filter(|f| f.is_finite() && *f > 0.0),
        }),
        audio,
    }
}

/// A bit rate for a source that states none: what a transcode would give that picture,
/// measured against the 720p box.
fn estimated_bitrate(geometry: &Geometry, fps: Option<f64>) -> u64 {
    let top = &BOXES[0];
    let box_pixels = f64::from(top.width) * f64::from(top.height);
    let (w, h) = (geometry.display_width, geometry.display_height);
    scaled_bitrate(top.bitrate, box_pixels, w, h, output_fps(fps))
}

/// The audio of a source kept as is.
pub fn source_audio(codec: AudioCodec, audio: &StreamInfo) -> AudioRung {
    AudioRung {
        codec,
        bitrate: audio.bit_rate.filter(|b| *b > 0).unwrap_or(AUDIO_BITRATE),
        channels: audio.channels,
        sample_rate: audio.sample_rate,
    }
}

/// The single rung of an audio-only film.
pub fn audio_only_rung(audio: AudioRung) -> Rung {
    Rung {
        name: "audio".to_owned(),
        video: None,
        audio: Some(audio),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(width: u32, height: u32) -> Geometry {
        Geometry {
            coded_width: width,
            coded_height: height,
            sar: Ratio { num: 1, den: 1 },
            quarter_turns: 0,
            display_width: width,
            display_height: height,
            interlaced: false,
        }
    }

    fn sizes(ladder: &[Rung]) -> Vec<(u32, u32)> {
        ladder.iter().filter_map(Rung::resolution).collect()
    }

    #[test]
    fn the_standard_rungs_carry_the_standard_bit_rates() {
        let ladder = transcode_ladder(&square(1920, 1080), Some(25.0), true);
        let rates: Vec<u64> = ladder
            .iter()
            .map(|r| r.video.as_ref().unwrap().bitrate)
            .collect();
        assert_eq!(rates, vec![2_800_000, 1_400_000, 800_000]);
        let codecs: Vec<String> = ladder.iter().map(Rung::codecs).collect();
        assert_eq!(
            codecs,
            [
                "avc1.64001f,mp4a.40.2",
                "avc1.64001e,mp4a.40.2",
                "avc1.64001e,mp4a.40.2"
            ]
        );
    }

    #[test]
    fn bandwidth_is_peak_video_plus_audio_plus_ten_percent() {
        let rung = &transcode_ladder(&square(1280, 720), Some(25.0), true)[0];
        // (2.8 Mb/s × 1.5 peak + 128 kb/s) × 1.1
        assert_eq!(rung.bandwidth(), 4_760_800);
        assert_eq!(rung.average_bandwidth(), 3_220_800);
        assert_eq!(rung.resolution(), Some((1280, 720)));
        assert_eq!(rung.playlist_uri(), "720p/index.m3u8");
    }

    #[test]
    fn an_extra_wide_film_is_limited_by_the_box_width() {
        let ladder = transcode_ladder(&square(1920, 800), Some(24.0), false);
        assert_eq!(sizes(&ladder), vec![(1280, 534), (854, 356), (640, 266)]);
        assert!(ladder.iter().all(|r| r.audio.is_none()));
        assert_eq!(ladder[0].codecs(), "avc1.64001f");
    }

    #[test]
    fn fast_sources_are_halved_to_sixty_frames_or_less_and_cost_more_bits() {
        assert_eq!(output_fps(Some(120.0)), 60.0);
        assert_eq!(output_fps(Some(100.0)), 50.0);
        assert_eq!(output_fps(Some(59.94)), 59.94);
        assert_eq!(output_fps(None), 30.0);
        assert_eq!(output_fps(Some(f64::NAN)), 30.0);
        assert_eq!(output_fps(Some(1e300)), 30.0);
        let rung = &transcode_ladder(&square(1280, 720), Some(50.0), false)[0];
        let video = rung.video.as_ref().unwrap();
        assert_eq!((video.bitrate, video.level_idc), (4_200_000, 32));
    }

    #[test]
    fn a_remux_without_bit_rates_gets_an_estimate_not_zero() {
        let video = StreamInfo::default();
        let rung = remux_rung(
            &video,
            &square(1280, 720),
            H264Profile::Main,
            31,
            None,
            None,
        );
        assert_eq!(rung.video.as_ref().unwrap().bitrate, 2_800_000);
        assert_eq!(rung.codecs(), "avc1.4d401f");
    }

    #[test]
    fn a_remux_takes_its_video_rate_from_the_container_less_the_audio() {
        let video = StreamInfo::default();
        let audio = StreamInfo {
            bit_rate: Some(96_000),
            ..StreamInfo::default()
        };
        let rung = remux_rung(
            &video,
            &square(1280, 720),
            H264Profile::High,
            31,
            Some((AudioCodec::AacLc, &audio)),
            Some(2_096_000),
        );
        let v = rung.video.as_ref().unwrap();
        assert_eq!((v.bitrate, v.max_bitrate), (2_000_000, 4_000_000));
        assert_eq!(rung.bandwidth(), (4_000_000 + 96_000) * 11 / 10);
    }
}
