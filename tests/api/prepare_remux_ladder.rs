//! A remuxed film taller than 480p keeps its source rung copied as it is and gains
//! transcoded 480p / 360p rungs below it for slow links (the source's sound copied into
//! them); one of 480 lines or fewer stays one rung. Prepared through a real worker pool,
//! read back with the ffmpeg CLI.

use std::path::Path;

use dianjiao::media::fixtures::pictures_md5;
use dianjiao::media::prepare::{decide, Action};

use super::prepare_remux::{
    make_film_from, moov_before_mdat, plays_cleanly, pool, prepare, probe, run,
    starts_with_keyframe, H264,
};

/// 8 s of `testsrc2` at `size`, 25 fps, and a 440 Hz tone at 44.1 kHz.
fn inputs(size: &str) -> String {
    format!(
        "-f lavfi -i testsrc2=size={size}:rate=25:duration=8 \
         -f lavfi -i sine=frequency=440:duration=8:sample_rate=44100"
    )
}

/// `entries` of the first `kind` stream (`v` or `a`) of `input`, as ffprobe prints them.
fn stream_of(input: &Path, kind: &str, entries: &str) -> String {
    let path = input.to_string_lossy();
    let select = format!("{kind}:0");
    let entries = format!("stream={entries}");
    let args = ["-v", "error", "-select_streams", &select, "-show_entries"];
    let rest = [entries.as_str(), "-of", "csv=p=0", &path];
    let out = run("ffprobe", &[&args[..], &rest[..]].concat());
    // A playlist lists its streams again under its program: the first line is enough.
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// The master playlist's variants: (rung folder, BANDWIDTH), in order.
fn variants(master: &Path) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(master).expect("master.m3u8");
    let mut lines = text.lines();
    let mut found = Vec::new();
    while let Some(line) = lines.next() {
        let Some(attrs) = line.strip_prefix("#EXT-X-STREAM-INF:") else {
            continue;
        };
        let bandwidth = attrs
            .split(',')
            .find_map(|a| a.strip_prefix("BANDWIDTH="))
            .and_then(|b| b.parse().ok())
            .unwrap_or_else(|| panic!("a BANDWIDTH in {line}"));
        let uri = lines.next().expect("a URI after the variant");
        let rung = uri.split('/').next().expect("rung").to_owned();
        found.push((rung, bandwidth));
    }
    found
}

#[test]
fn a_720p_remux_keeps_its_copied_source_rung_and_gains_480p_and_360p_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool();
    // A rate a 720p film from a shop or a phone has, well above a 480p encode's.
    let args = format!("{H264} -b:v 4M -c:a aac");
    let source = make_film_from(dir.path(), "film.mp4", &inputs("1280x720"), &args);
    let report = probe(&pool, &source);
    let plan = decide(&report.media);
    assert!(
        plan.decision
            .reasons
            .iter()
            .any(|r| r.zh.contains("另外转码 480p、360p")),
        "{:?}",
        plan.decision
    );
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let (outputs, positions) = prepare(&pool, &source, &out, Action::Remux);
    assert!(!positions.is_empty(), "progress was reported");
    assert!(outputs.tv_mp4);
    let names: Vec<&str> = outputs.rungs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["source", "480p", "360p"]);
    // The source rung and tv.mp4 are the source's picture copied: every decoded picture
    // is the same (an encode would change them), at the same size and profile.
    let original = pictures_md5(&source);
    let top = out.join("source/index.m3u8");
    let tv = out.join("tv.mp4");
    assert_eq!(pictures_md5(&top), original, "the source rung is copied");
    assert_eq!(pictures_md5(&tv), original, "tv.mp4 is copied");
    assert!(moov_before_mdat(&tv), "tv.mp4 is faststart");
    plays_cleanly(&tv);
    assert_eq!(
        stream_of(&top, "v", "width,height"),
        stream_of(&source, "v", "width,height")
    );
    let top = &outputs.rungs[0];
    assert_eq!(
        top.segment_durations_s.len(),
        2,
        "cut at the keyframe at 6 s"
    );
    // Every rung is cut at the same instants, starts each segment with a keyframe and
    // carries the source's sound as it is (44.1 kHz; an encode would give 48 kHz).
    for (rung, size) in outputs.rungs.iter().zip(["1280,720", "854,480", "640,360"]) {
        assert_eq!(
            rung.segment_durations_s, top.segment_durations_s,
            "{}",
            rung.name
        );
        let playlist = out.join(&rung.name).join("index.m3u8");
        plays_cleanly(&playlist);
        assert_eq!(stream_of(&playlist, "v", "width,height"), size);
        assert_eq!(
            stream_of(&playlist, "a", "codec_name,sample_rate"),
            "aac,44100"
        );
        for i in 0..rung.segment_durations_s.len() {
            let segment = out.join(&rung.name).join(format!("seg-{i:05}.ts"));
            assert!(starts_with_keyframe(&segment), "{}", segment.display());
        }
    }
    let master = out.join("master.m3u8");
    plays_cleanly(&master);
    let listed = variants(&master);
    let listed_names: Vec<&str> = listed.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(listed_names, ["source", "480p", "360p"]);
    assert!(
        listed.windows(2).all(|w| w[1].1 < w[0].1),
        "each lower rung costs less: {listed:?}"
    );
}

#[test]
fn a_480p_remux_stays_one_copied_rung() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool();
    let args = format!("{H264} -c:a aac");
    let source = make_film_from(dir.path(), "film.mp4", &inputs("854x480"), &args);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let (outputs, _) = prepare(&pool, &source, &out, Action::Remux);
    let names: Vec<&str> = outputs.rungs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["source"]);
    let master = out.join("master.m3u8");
    let listed = variants(&master);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        pictures_md5(&out.join("source/index.m3u8")),
        pictures_md5(&source)
    );
    assert_eq!(pictures_md5(&out.join("tv.mp4")), pictures_md5(&source));
    let entries: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with('p'))
        .collect();
    assert!(entries.is_empty(), "no lower rung folders: {entries:?}");
}
