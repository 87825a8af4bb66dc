//! Fixture films for the tests and the benchmarks, made with the `ffmpeg` command line —
//! each recipe written once, here, for the unit tests under `media/executors/`, the black-box
//! tests (`tests/api/`) and `dianjiao-bench` alike; and `pictures_md5`, the read-back that
//! tells whether two files hold the same pictures.
//!
//! The server never calls this module: it is in the library only so that those three can
//! share it (the linker leaves it out of `dianjiao`). The demo library is not made here but
//! by the worker (`executors::synth`, `Request::Synth`). These functions are for tests and
//! benchmarks: they panic with ffmpeg's own message when the command line fails.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// The DVD recipe's encoding, as `ffmpeg` output options: MPEG-2 coded as interlaced fields,
/// top field first, + AC-3 at 48 kHz, in a VOB (what a township's DVDs hold). A DVD fixture
/// is an input picture and tone followed by these (see [`dvd`], [`pal_dvd`]).
pub const DVD_ENCODING: &str =
    "-pix_fmt yuv420p -c:v mpeg2video -flags +ilme+ildct -top 1 -c:a ac3 -ar 48000 -f vob";

/// The broadcast H.264 picture, as `ffmpeg` output options: libx264 veryfast (High,
/// B-frames) with a keyframe every 2 s at 25 fps and no extra one at scene cuts — a picture
/// TVs play as it is, so the plan copies it.
pub const H264_PICTURE: &str =
    "-pix_fmt yuv420p -c:v libx264 -preset veryfast -g 50 -keyint_min 50 -sc_threshold 0";

/// A moving `testsrc2` picture of `size` (`WxH`) at `rate` frames a second and a 440 Hz
/// tone at 48 kHz, `seconds` long, as `ffmpeg` input arguments (the length as `-t`).
pub fn lavfi_inputs(size: &str, rate: u32, seconds: u32) -> Vec<String> {
    vec![
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        format!("testsrc2=size={size}:rate={rate}"),
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        "sine=frequency=440:sample_rate=48000".into(),
        "-t".into(),
        seconds.to_string(),
    ]
}

/// A DVD `.vob` of `seconds` at `size`, 25 fps, video at `bitrate` (`-b:v`): the `ffmpeg`
/// arguments before the output file. Its picture is progressive, only coded as interlaced;
/// [`pal_dvd`] has true fields.
pub fn dvd(size: &str, seconds: u32, bitrate: &str) -> Vec<String> {
    let mut args = lavfi_inputs(size, 25, seconds);
    args.extend(["-b:v".into(), bitrate.into()]);
    args.extend(words(DVD_ENCODING));
    args
}

/// An interlaced 4:3 PAL DVD of `seconds`: true fields (a 50 fps picture woven into 25
/// frames, top first), SAR 16:15, 4 Mbit/s — what needs deinterlacing and a 4:3 ladder.
/// The `ffmpeg` arguments before the output file.
pub fn pal_dvd(seconds: u32) -> Vec<String> {
    let mut args = lavfi_inputs("720x576", 50, seconds);
    args.extend(words(
        "-vf tinterlace=mode=interleave_top,setsar=16/15 -b:v 4M",
    ));
    args.extend(words(DVD_ENCODING));
    args
}

/// An H.264 film of `seconds` at `size` whose sound and container are `sound` (e.g.
/// `-c:a ac3` for an MKV rip, `-c:a mp2 -f mpegts` for a county TV recording): the `ffmpeg`
/// arguments before the output file. The picture is [`H264_PICTURE`].
pub fn h264_with_sound(size: &str, seconds: u32, sound: &[&str]) -> Vec<String> {
    let mut args = lavfi_inputs(size, 25, seconds);
    args.extend(words(H264_PICTURE));
    args.extend(sound.iter().map(|a| (*a).to_owned()));
    args
}

/// Runs `ffmpeg -nostdin -v error -y ARGS… OUT`; panics with ffmpeg's message on failure.
pub fn make<S: AsRef<OsStr>>(args: &[S], out: &Path) {
    ffmpeg(args.iter().map(AsRef::as_ref).chain([out.as_os_str()]));
}

/// Runs `ffmpeg -nostdin -v error -y ARGS…`; panics with ffmpeg's message on failure.
pub fn ffmpeg<I, S>(args: I)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("the ffmpeg CLI is installed (see TOOLCHAIN.md)");
    assert!(
        out.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The MD5 of every decoded picture of `input`'s first video stream (a file or a playlist),
/// one after another, as the ffmpeg CLI decodes them (no frame dropped or repeated for
/// timing): equal for two inputs only when they hold the same pictures.
pub fn pictures_md5(input: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(input)
        .args([
            "-map",
            "0:v:0",
            "-fps_mode",
            "passthrough",
            "-f",
            "md5",
            "-",
        ])
        .output()
        .expect("the ffmpeg CLI runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn words(options: &str) -> impl Iterator<Item = String> + '_ {
    options.split_whitespace().map(str::to_owned)
}
