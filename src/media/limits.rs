//! Caps that keep a hostile or absurd file from exhausting the machine.

use serde::{Deserialize, Serialize};

/// Limits applied when a worker opens a file; also the worker's command-line options
/// (`--max-width` …), each defaulting to [`MediaLimits::default`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
pub struct MediaLimits {
    /// Largest accepted picture width, in pixels.
    #[arg(long, default_value_t = MediaLimits::default().max_width)]
    pub max_width: u32,
    /// Largest accepted picture height, in pixels.
    #[arg(long, default_value_t = MediaLimits::default().max_height)]
    pub max_height: u32,
    /// Most streams a file may declare.
    #[arg(long, default_value_t = MediaLimits::default().max_streams)]
    pub max_streams: u32,
    /// Longest accepted duration, in seconds.
    #[arg(long, default_value_t = MediaLimits::default().max_duration_s)]
    pub max_duration_s: f64,
    /// Bytes FFmpeg may read to recognise the format and streams.
    #[arg(long, default_value_t = MediaLimits::default().probe_bytes)]
    pub probe_bytes: u64,
}

impl Default for MediaLimits {
    fn default() -> Self {
        MediaLimits {
            max_width: 7680,
            max_height: 4320,
            max_streams: 64,
            max_duration_s: 24.0 * 3600.0,
            probe_bytes: 32 * 1024 * 1024,
        }
    }
}
