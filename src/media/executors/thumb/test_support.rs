//! Test helpers for the media outputs: fixture clips made with the `ffmpeg` CLI (tests only;
//! the product never runs it) and read-backs of what our code wrote, through `ffprobe` /
//! `ffmpeg`, so the checks do not trust our own decoder.

use std::path::Path;
use std::process::Command;

/// Runs `ffmpeg -y -v error ARGS`, panicking with its stderr if it fails.
pub(crate) fn ffmpeg(args: &[&str]) {
    crate::media::fixtures::ffmpeg(args);
}

/// `ffprobe -show_streams -show_format` of `path`, as JSON.
pub(crate) fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is installed for tests");
    assert!(
        out.status.success(),
        "ffprobe: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe writes JSON")
}

/// A decoded picture as 8-bit gray, row by row.
pub(crate) struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Gray {
    /// Decodes an image file with the `ffmpeg` CLI.
    pub fn decode(path: &Path) -> Gray {
        let info = probe(path);
        let stream = &info["streams"][0];
        let width = stream["width"].as_u64().expect("a width") as usize;
        let height = stream["height"].as_u64().expect("a height") as usize;
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(path)
            .args(["-f", "rawvideo", "-pix_fmt", "gray", "-"])
            .output()
            .expect("ffmpeg is installed for tests");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout.len(), width * height);
        Gray {
            width,
            height,
            pixels: out.stdout,
        }
    }

    /// Mean and variance of the pixels in `x0..x1` x `y0..y1`.
    pub fn stats(&self, x0: usize, x1: usize, y0: usize, y1: usize) -> (f64, f64) {
        let values: Vec<f64> = (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .map(|(x, y)| f64::from(self.pixels[y * self.width + x]))
            .collect();
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        (mean, var)
    }
}
