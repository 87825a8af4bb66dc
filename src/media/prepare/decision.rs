//! Whether a film can be remuxed as it is or must be transcoded, and every reason why — in
//! Chinese a township clerk reads and in English for the logs.

use media_catalog::{MediaInfo, StreamInfo};
use serde::{Deserialize, Serialize};

use super::codecs::{level_name, H264Profile, REMUX_MAX_LEVEL};
use super::geometry::Geometry;
use super::rendition::AudioCodec;

/// What preparation does with a film.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The source already fits TVs: copy its streams into the source rung (HLS and
    /// `tv.mp4`); lower rungs, when the plan has any (a picture above 480p), have their
    /// picture transcoded and the source's sound copied.
    Remux,
    /// Decode and encode a ladder of H.264 High ≤ 4.0 yuv420p + AAC-LC stereo 48 kHz.
    Transcode,
    /// The picture already fits TVs but the sound does not: copy the picture into the
    /// source rung (HLS and `tv.mp4`) and encode only the sound to AAC-LC; lower rungs,
    /// when the plan has any, are transcoded from the same decode.
    CopyVideo,
    /// Sound only: one audio rendition, the source's audio copied when `remux_audio`,
    /// else encoded to AAC-LC.
    AudioOnly { remux_audio: bool },
    /// Nothing to prepare (no stream to play, or a picture of unknown size); the reasons say
    /// why, and the film should be marked failed with them.
    Unplayable,
}

/// One reason behind a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// For the township clerk, e.g. "视频编码为 MPEG-2，电视浏览器无法播放，需要转码".
    pub zh: String,
    /// For the logs, e.g. "video codec mpeg2video is not playable by TV browsers".
    pub en: String,
}

impl Reason {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Reason {
        Reason {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// The action and everything that led to it (never an empty list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// Why, in the order the checks ran.
    pub reasons: Vec<Reason>,
}

/// Decides what to do with a probed film. See [`super::decide`] for the whole plan.
pub fn judge(media: &MediaInfo) -> Decision {
    match (media.video(), media.audio()) {
        (None, None) => Decision {
            action: Action::Unplayable,
            reasons: vec![Reason::new(
                "文件中没有可播放的图像或声音",
                "no video or audio stream to play",
            )],
        },
        (None, Some(audio)) => judge_audio_only(audio),
        (Some(video), audio) => judge_video(video, audio),
    }
}

fn judge_audio_only(audio: &StreamInfo) -> Decision {
    let mut reasons = vec![Reason::new("只有声音，没有画面", "audio only, no picture")];
    let remux_audio = match keepable_audio(audio) {
        Ok(codec) => {
            let name = audio_codec_name(codec);
            reasons.push(Reason::new(
                format!("音频为 {name}，可直接播放，只需重新封装"),
                format!("{name} audio is kept as is"),
            ));
            true
        }
        Err(reason) => {
            reasons.push(reason);
            false
        }
    };
    Decision {
        action: Action::AudioOnly { remux_audio },
        reasons,
    }
}

fn judge_video(video: &StreamInfo, audio: Option<&StreamInfo>) -> Decision {
    let Some(geometry) = Geometry::of(video) else {
        return Decision {
            action: Action::Unplayable,
            reasons: vec![Reason::new(
                "无法读取画面尺寸，文件可能已损坏",
                "video width or height is unknown",
            )],
        };
    };
    let h264 = h264_fit(video);
    let mut reasons = h264.as_ref().err().cloned().unwrap_or_default();
    reasons.extend(picture_obstacles(&geometry));
    let audio = audio.map(keepable_audio).transpose();
    if let Err(reason) = &audio {
        reasons.push(reason.clone());
    }
    match (h264, audio) {
        (Ok((profile, level)), Ok(audio)) if reasons.is_empty() => Decision {
            action: Action::Remux,
            reasons: vec![fits_reason(video, profile, level, audio)],
        },
        // Only the sound is in the way: its reason is the one in `reasons`.
        (Ok((profile, level)), Err(_)) if reasons.len() == 1 => {
            reasons.insert(0, copy_reason(video, profile, level));
            Decision {
                action: Action::CopyVideo,
                reasons,
            }
        }
        _ => Decision {
            action: Action::Transcode,
            reasons,
        },
    }
}

fn fits_reason(
    video: &StreamInfo,
    profile: H264Profile,
    level: u8,
    audio: Option<AudioCodec>,
) -> Reason {
    let profile = video
        .profile
        .clone()
        .unwrap_or_else(|| format!("{profile:?}"));
    let level = level_name(i32::from(level));
    let (zh_audio, en_audio) = match audio {
        Some(codec) => {
            let name = audio_codec_name(codec);
            (format!("音频为 {name}"), format!("{name} audio"))
        }
        None => ("没有声音".to_owned(), "no audio".to_owned()),
    };
    Reason::new(
        format!("视频为 H.264 {profile} {level}，{zh_audio}，电视可直接播放，只需重新封装"),
        format!("H.264 {profile} {level} with {en_audio} fits TV browsers; remuxing only"),
    )
}

/// Why the picture is copied: it fits, and only the sound needs work.
fn copy_reason(video: &StreamInfo, profile: H264Profile, level: u8) -> Reason {
    let profile = video
        .profile
        .clone()
        .unwrap_or_else(|| format!("{profile:?}"));
    let level = level_name(i32::from(level));
    Reason::new(
        format!(
            "视频为 H.264 {profile} {level}，电视可直接播放，画面原样保留不转码，只把声音转为 AAC（省去大部分转码时间）"
        ),
        format!(
            "H.264 {profile} {level} video fits TV browsers and is copied; only the sound is encoded to AAC-LC"
        ),
    )
}

/// Why a copied picture also gets lower rungs: `names` of the transcoded rungs, e.g.
/// `["480p", "360p"]`.
pub(super) fn lower_rungs_reason(source_height: u32, names: &[&str]) -> Reason {
    let list = names.join("、");
    Reason::new(
        format!(
            "画面为 {source_height} 行，高于 480p，另外转码 {list} 画质，供网速慢的放映点使用"
        ),
        format!(
            "the picture ({source_height} lines) is larger than 480p, so {} are transcoded for slow links",
            names.join(" and ")
        ),
    )
}

/// The profile and level of an H.264 stream TV browsers decode as it is (8-bit 4:2:0,
/// Baseline/Main/High, level ≤ 4.1), or every reason it is not one.
pub(super) fn h264_fit(video: &StreamInfo) -> Result<(H264Profile, u8), Vec<Reason>> {
    if video.codec != "h264" {
        let label = video_codec_label(&video.codec);
        return Err(vec![Reason::new(
            format!("视频编码为 {label}，电视浏览器无法播放，需要转码"),
            format!(
                "video codec {} is not playable by TV browsers",
                or_unknown(&video.codec)
            ),
        )]);
    }
    let profile = h264_profile(video.profile.as_deref());
    let level = h264_level(video.level);
    let pixels = pixel_format_obstacle(video);
    match (profile, level, pixels) {
        (Ok(p), Ok(l), None) => Ok((p, l)),
        (profile, level, pixels) => Err([profile.err(), level.err(), pixels]
            .into_iter()
            .flatten()
            .collect()),
    }
}

/// Baseline, Main or High by FFmpeg's name, or why not.
fn h264_profile(name: Option<&str>) -> Result<H264Profile, Reason> {
    let Some(name) = name else {
        return Err(Reason::new(
            "无法读取 H.264 档次，为稳妥起见转码",
            "H.264 profile is unknown; transcoding to be safe",
        ));
    };
    H264Profile::from_ffmpeg_name(name).ok_or_else(|| {
        Reason::new(
            format!("视频为 H.264 {name} 档次，电视浏览器无法播放，需要转码"),
            format!("H.264 profile {name} is not playable by TV browsers"),
        )
    })
}

/// A known level no higher than 4.1, or why not.
fn h264_level(level: Option<i32>) -> Result<u8, Reason> {
    let max = i32::from(REMUX_MAX_LEVEL);
    match level {
        Some(l) if l > max => {
            let (name, max) = (level_name(l), level_name(max));
            Err(Reason::new(
                format!("视频级别为 {name}，高于电视可解码的 {max}，需要转码"),
                format!("H.264 level {name} is above {max}, the most TV decoders take"),
            ))
        }
        // 1..=41 here, so the cast is exact.
        Some(l @ 1..) => Ok(l as u8),
        _ => Err(Reason::new(
            "无法读取 H.264 级别，为稳妥起见转码",
            "H.264 level is unknown; transcoding to be safe",
        )),
    }
}

/// Anything but 8-bit 4:2:0 (by pixel format, or by bit depth when the format is unknown).
fn pixel_format_obstacle(video: &StreamInfo) -> Option<Reason> {
    match (video.pix_fmt.as_deref(), video.bit_depth) {
        (Some("yuv420p" | "yuvj420p"), _) => None,
        (Some(fmt), _) => Some(Reason::new(
            format!("像素格式为 {fmt}，电视浏览器只能播放 8 位 4:2:0，需要转码"),
            format!("pixel format {fmt} is not 8-bit 4:2:0"),
        )),
        (None, Some(depth)) if depth > 8 => Some(Reason::new(
            format!("色深为 {depth} 位，电视浏览器只能播放 8 位，需要转码"),
            format!("bit depth {depth} is above 8"),
        )),
        (None, _) => None,
    }
}

/// What stops a picture from being shown as it is: interlacing, rotation, an odd SAR.
fn picture_obstacles(geometry: &Geometry) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if geometry.interlaced {
        reasons.push(Reason::new(
            "画面为隔行扫描（DVD、VCD 和电视录像常见），需要去隔行并转码",
            "picture is interlaced and must be deinterlaced",
        ));
    }
    if geometry.quarter_turns != 0 {
        let deg = u32::from(geometry.quarter_turns) * 90;
        reasons.push(Reason::new(
            format!("画面需要旋转 {deg}° 才能正立显示，需要转码"),
            format!("picture must be turned {deg}° clockwise to stand upright"),
        ));
    }
    if !geometry.sar_signallable() {
        let (n, d) = (geometry.sar.num, geometry.sar.den);
        reasons.push(Reason::new(
            format!("像素宽高比 {n}:{d} 无法在 H.264 中标明，需要转码为方形像素"),
            format!("sample aspect ratio {n}:{d} cannot be signalled in H.264"),
        ));
    }
    reasons
}

/// The audio format kept as is (AAC-LC, or AAC with no profile stated; MP3), or why not.
pub(super) fn keepable_audio(audio: &StreamInfo) -> Result<AudioCodec, Reason> {
    match (audio.codec.as_str(), audio.profile.as_deref()) {
        ("aac", None | Some("LC")) => Ok(AudioCodec::AacLc),
        ("aac", Some(profile)) => Err(Reason::new(
            format!("音频为 AAC {profile}，电视浏览器只保证支持 AAC-LC，需要转码"),
            format!("AAC profile {profile} is not AAC-LC"),
        )),
        ("mp3", _) => Ok(AudioCodec::Mp3),
        (codec, _) => Err(Reason::new(
            format!(
                "音频编码为 {}，电视浏览器无法播放，需要转码",
                audio_codec_label(codec)
            ),
            format!(
                "audio codec {} is not playable by TV browsers",
                or_unknown(codec)
            ),
        )),
    }
}

fn audio_codec_name(codec: AudioCodec) -> &'static str {
    match codec {
        AudioCodec::AacLc => "AAC-LC",
        AudioCodec::Mp3 => "MP3",
    }
}

fn or_unknown(codec: &str) -> &str {
    if codec.is_empty() {
        "unknown"
    } else {
        codec
    }
}

/// A video codec as a clerk knows it (the file type it usually comes in).
fn video_codec_label(codec: &str) -> String {
    let label = match codec {
        "mpeg1video" => "MPEG-1（VCD）",
        "mpeg2video" => "MPEG-2",
        "mpeg4" => "MPEG-4（DivX/Xvid）",
        "msmpeg4v1" | "msmpeg4v2" | "msmpeg4v3" => "微软 MPEG-4（早期 AVI）",
        "wmv1" | "wmv2" | "wmv3" => "WMV",
        "vc1" => "VC-1（WMV）",
        "rv10" | "rv20" | "rv30" | "rv40" => "RealVideo（RM/RMVB）",
        "flv1" => "Sorenson H.263（FLV）",
        "vp6" | "vp6f" | "vp6a" => "VP6（FLV）",
        "h263" => "H.263",
        "hevc" => "H.265/HEVC",
        "mjpeg" => "Motion JPEG",
        "dvvideo" => "DV",
        "" => "未知格式",
        other => other,
    };
    label.to_owned()
}

/// An audio codec as a clerk knows it.
fn audio_codec_label(codec: &str) -> String {
    let label = match codec {
        "mp2" => "MP2（DVD/VCD 常用）",
        "ac3" => "AC-3（杜比数字）",
        "eac3" => "E-AC-3（杜比数字+）",
        "wmav1" | "wmav2" => "WMA",
        "wmapro" => "WMA Pro",
        "cook" | "sipr" => "RealAudio（RM/RMVB）",
        "nellymoser" => "Nellymoser（FLV）",
        "amr_nb" | "amr_wb" => "AMR（手机录音）",
        "" => "未知格式",
        c if c.starts_with("pcm_") => "PCM（未压缩）",
        c if c.starts_with("adpcm_") => "ADPCM",
        other => other,
    };
    label.to_owned()
}
