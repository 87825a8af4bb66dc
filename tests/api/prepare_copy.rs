//! Films whose H.264 picture already fits TVs but whose sound does not — an MKV rip with
//! AC-3, a county TV recording (`.ts`) with MP2 — are prepared by copying the picture and
//! encoding only the sound; the office sees which path was taken and why, and the outputs
//! play in the ffmpeg CLI with the source's own pictures, in sync, at the source's length.
//! (Chromium plays them in `browser.rs`.)

use std::path::{Path, PathBuf};
use std::process::Command;

use dianjiao::media::fixtures::{self, pictures_md5};
use serde_json::Value;

use crate::prepare::{ffmpeg_decodes, ffprobe_duration, prepare_all};
use crate::support::{spawn_app, TestApp};

/// How far apart the first sound and the first picture may start, seconds.
const IN_SYNC_S: f64 = 0.1;
/// How far an output's length may be from the source's, seconds.
const SAME_LENGTH_S: f64 = 0.5;

/// One copy-path film: its file name, its picture size and what its sound is.
pub struct CopyClip {
    pub file: &'static str,
    /// Recipe: `fixtures::h264_with_sound`, 6 s at this size + these sound and muxer options.
    size: &'static str,
    sound: &'static str,
    /// The renditions the plan should make, highest first.
    pub renditions: &'static [&'static str],
    /// What the reasons name the sound as.
    pub sound_named: &'static str,
}

/// The copy-path films: a 480p AC-3 MKV, a 480p MP2 MPEG-TS and a 720p AC-3 MKV (which
/// gets lower rungs too).
pub const COPY_CLIPS: [CopyClip; 3] = [
    CopyClip {
        file: "电影 480p.mkv",
        size: "854x480",
        sound: "-c:a ac3",
        renditions: &["source"],
        sound_named: "AC-3",
    },
    CopyClip {
        file: "县台新闻.ts",
        size: "720x480",
        sound: "-c:a mp2 -f mpegts",
        renditions: &["source"],
        sound_named: "MP2",
    },
    CopyClip {
        file: "电影 720p.mkv",
        size: "1280x720",
        sound: "-c:a ac3",
        renditions: &["source", "480p", "360p"],
        sound_named: "AC-3",
    },
];

/// Makes `clip` in `dir`.
pub fn make_copy_clip(dir: &Path, clip: &CopyClip) -> PathBuf {
    let path = dir.join(clip.file);
    let sound: Vec<&str> = clip.sound.split_whitespace().collect();
    fixtures::make(&fixtures::h264_with_sound(clip.size, 6, &sound), &path);
    path
}

/// Puts every copy-path film in `app`'s library, scans and prepares them; the films' API
/// records, in [`COPY_CLIPS`] order.
pub async fn copy_clips_prepared(app: &TestApp) -> Vec<Value> {
    for clip in &COPY_CLIPS {
        make_copy_clip(&app.library, clip);
    }
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(app).await, COPY_CLIPS.len());
    let list = app.get_json("/api/v1/films?per_page=50").await;
    let films = list["items"].as_array().expect("items");
    COPY_CLIPS
        .iter()
        .map(|clip| {
            let film = films.iter().find(|f| f["source_name"] == clip.file);
            film.unwrap_or_else(|| panic!("{} in {list}", clip.file))
                .clone()
        })
        .collect()
}

/// The earliest presentation time of `stream` (`v:0`, `a:0`) in `input`, seconds.
fn first_pts(input: &str, stream: &str) -> f64 {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            stream,
            "-read_intervals",
            "%+2",
        ])
        .args(["-show_entries", "packet=pts_time", "-of", "csv=p=0", input])
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim_end_matches(',').parse::<f64>().ok())
        .reduce(f64::min)
        .unwrap_or_else(|| panic!("no {stream} packets in {input}"))
}

/// The codec of `stream` in `input`, as ffprobe names it.
fn codec_of(input: &str, stream: &str) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", stream])
        .args([
            "-show_entries",
            "stream=codec_name,profile",
            "-of",
            "csv=p=0",
            input,
        ])
        .output()
        .expect("ffprobe runs");
    // The HLS demuxer lists a stream once more per program: the first line is the stream.
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// Decodes cleanly, holds the source's pictures, AAC-LC sound, the source's length, and
/// starts picture and sound together.
fn check_output(name: &str, url: &str, source: &Path, length: f64) {
    let stderr = ffmpeg_decodes(url);
    assert!(stderr.trim().is_empty(), "{name} {url}: {stderr}");
    let source = source.to_str().expect("utf-8 path");
    assert_eq!(
        pictures_md5(Path::new(url)),
        pictures_md5(Path::new(source)),
        "{name} {url}: pictures"
    );
    assert_eq!(codec_of(url, "a:0"), "aac,LC", "{name} {url}");
    let ours = ffprobe_duration(url);
    assert!(
        (ours - length).abs() <= SAME_LENGTH_S,
        "{name} {url}: {ours} s, the source {length} s"
    );
    let (picture, sound) = (first_pts(url, "v:0"), first_pts(url, "a:0"));
    assert!(
        (picture - sound).abs() <= IN_SYNC_S,
        "{name} {url}: picture at {picture} s, sound at {sound} s"
    );
}

#[tokio::test]
async fn h264_films_with_ac3_or_mp2_sound_are_prepared_by_copying_the_picture() {
    let app = spawn_app().await;
    let films = copy_clips_prepared(&app).await;
    for (clip, film) in COPY_CLIPS.iter().zip(&films) {
        let name = clip.file;
        assert_eq!(film["state"], "ready", "{name}: {film}");
        let preparation = &film["preparation"];
        assert_eq!(preparation["action"], "copy_video", "{name}: {film}");
        assert_eq!(
            preparation["renditions"],
            serde_json::json!(clip.renditions),
            "{name}"
        );
        let reasons: Vec<&str> = preparation["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let says = |words: &str| reasons.iter().any(|r| r.contains(words));
        assert!(
            says("画面原样保留") && says("只把声音转为 AAC"),
            "{name}: {reasons:?}"
        );
        assert!(says(clip.sound_named), "{name}: {reasons:?}");
        assert_eq!(
            says("480p、360p"),
            clip.renditions.len() > 1,
            "{name}: {reasons:?}"
        );

        let length = film["media"]["duration_s"].as_f64().expect("duration");
        let source = app.library.join(name);
        let id = film["id"].as_str().expect("id");
        let tv = app.url(film["tv_mp4_url"].as_str().expect("tv_mp4_url"));
        check_output(name, &tv, &source, length);
        let hls = app.url(&format!("/hls/{id}/source/index.m3u8"));
        check_output(name, &hls, &source, length);
        for rung in &clip.renditions[1..] {
            let lower = app.url(&format!("/hls/{id}/{rung}/index.m3u8"));
            let stderr = ffmpeg_decodes(&lower);
            assert!(stderr.trim().is_empty(), "{name} {rung}: {stderr}");
            let ours = ffprobe_duration(&lower);
            assert!(
                (ours - length).abs() <= SAME_LENGTH_S,
                "{name} {rung}: {ours} s"
            );
        }
    }
}
