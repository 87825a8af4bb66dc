//! What one prepared rendition is and what it promises a player: picture size, bit rates
//! and the HLS attributes `CODECS`, `BANDWIDTH`, `AVERAGE-BANDWIDTH` and `RESOLUTION`.

use media_catalog::Ratio;
use serde::{Deserialize, Serialize};

use super::codecs::{self, H264Profile};
use super::playlist::Variant;

/// An audio format a rendition carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioCodec {
    /// AAC Low Complexity: what every transcode produces.
    AacLc,
    /// MP3, kept as is when a source already has it.
    Mp3,
}

impl AudioCodec {
    /// The RFC 6381 `CODECS` entry.
    pub fn codecs(self) -> &'static str {
        match self {
            AudioCodec::AacLc => codecs::AAC_LC_CODECS,
            AudioCodec::Mp3 => codecs::MP3_CODECS,
        }
    }
}

/// The picture of one rendition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoRung {
    /// Encoded picture width (for a remux, the source's coded width).
    pub width: u32,
    /// Encoded picture height.
    pub height: u32,
    /// Sample aspect ratio the stream carries: 1:1 for a transcode, the source's for a remux.
    pub sar: Ratio,
    /// Width as displayed (`RESOLUTION`).
    pub display_width: u32,
    /// Height as displayed.
    pub display_height: u32,
    /// H.264 profile.
    pub profile: H264Profile,
    /// H.264 `level_idc` (40 for 4.0).
    pub level_idc: u8,
    /// Average video bit rate, bit/s: the encoder's target on a transcode.
    pub bitrate: u64,
    /// Peak video bit rate, bit/s: the encoder's `maxrate` on a transcode; an estimate (twice
    /// the average) on a remux, to be replaced by the measured peak once segments exist.
    pub max_bitrate: u64,
    /// Frame rate the level was chosen for: a transcode must not exceed it. For a remux,
    /// the source's rate when known.
    pub max_fps: Option<f64>,
}

/// The sound of one rendition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioRung {
    /// Audio format.
    pub codec: AudioCodec,
    /// Bit rate, bit/s (the source's, or an assumed 128 kb/s, on a remux).
    pub bitrate: u64,
    /// Channels: 2 for a transcode; the source's on a remux, when known.
    pub channels: Option<u16>,
    /// Sample rate: 48 kHz for a transcode; the source's on a remux, when known.
    pub sample_rate: Option<u32>,
}

/// One rendition: an HLS variant stream with its own media playlist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rung {
    /// Folder and label: `720p`, `480p`, `360p`, `288p` (a small film's own size),
    /// `source` (a remux) or `audio`.
    pub name: String,
    /// Picture; None for audio-only films.
    pub video: Option<VideoRung>,
    /// Sound; None for silent films.
    pub audio: Option<AudioRung>,
}

impl Rung {
    /// The `CODECS` attribute value, e.g. `avc1.64001f,mp4a.40.2`.
    pub fn codecs(&self) -> String {
        let video = self.video.as_ref().map(|v| v.profile.codecs(v.level_idc));
        let audio = self.audio.as_ref().map(|a| a.codec.codecs().to_owned());
        video.into_iter().chain(audio).collect::<Vec<_>>().join(",")
    }

    /// `BANDWIDTH`: peak video plus audio, with 10 % for MPEG-TS and PES overhead.
    pub fn bandwidth(&self) -> u64 {
        let video = self.video.as_ref().map_or(0, |v| v.max_bitrate);
        with_overhead(video + self.audio_bitrate())
    }

    /// `AVERAGE-BANDWIDTH`: average video plus audio, with the same overhead.
    pub fn average_bandwidth(&self) -> u64 {
        let video = self.video.as_ref().map_or(0, |v| v.bitrate);
        with_overhead(video + self.audio_bitrate())
    }

    /// `RESOLUTION` (display size); None for audio-only rungs.
    pub fn resolution(&self) -> Option<(u32, u32)> {
        self.video
            .as_ref()
            .map(|v| (v.display_width, v.display_height))
    }

    /// The rung's media playlist, relative to the master playlist.
    pub fn playlist_uri(&self) -> String {
        format!("{}/index.m3u8", self.name)
    }

    fn audio_bitrate(&self) -> u64 {
        self.audio.as_ref().map_or(0, |a| a.bitrate)
    }
}

impl From<&Rung> for Variant {
    fn from(rung: &Rung) -> Variant {
        Variant {
            uri: rung.playlist_uri(),
            bandwidth: rung.bandwidth(),
            average_bandwidth: Some(rung.average_bandwidth()),
            resolution: rung.resolution(),
            codecs: rung.codecs(),
        }
    }
}

fn with_overhead(bits: u64) -> u64 {
    bits.saturating_mul(11) / 10
}
