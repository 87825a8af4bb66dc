//! Transcodes of fixture films (see [`super::fixtures`]), read back with `ffprobe` and
//! `ffmpeg`, so the checks do not trust our own decoder.

use std::process::Command;

use super::fixtures::*;
use super::*;
use crate::media::executors::thumb::test_support::{ffmpeg, probe};

#[test]
fn a_pal_dvd_becomes_two_deinterlaced_four_by_three_rungs_with_aligned_segments() {
    let fixture = pal_dvd(14);
    let plan = &fixture.job.plan;
    assert!(plan.deinterlace(), "{plan:?}");
    let names: Vec<&str> = plan.ladder.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["480p", "360p"]);
    let outputs = fixture.run();
    assert!(outputs.tv_mp4 && fixture.out("tv.mp4").is_file());
    for (rung, size) in outputs.rungs.iter().zip([(640, 480), (480, 360)]) {
        let v = video_of(&fixture.out(&format!("{}/seg-00000.ts", rung.name)));
        assert_eq!(v["codec_name"], "h264");
        assert_eq!(v["profile"], "High");
        assert_eq!(v["pix_fmt"], "yuv420p");
        assert_eq!(v["sample_aspect_ratio"], "1:1");
        assert_eq!(v["field_order"], "progressive", "{}", rung.name);
        assert_eq!(
            (v["width"].as_u64(), v["height"].as_u64()),
            (Some(size.0), Some(size.1))
        );
    }
    let (ok, stderr) = decode_all(&fixture.out("master.m3u8"));
    assert!(ok && stderr.is_empty(), "{stderr}");
    let duration = duration_of(&fixture.out("master.m3u8"));
    assert!((duration - 14.0).abs() < 1.0, "duration {duration}");
}

#[test]
fn every_rung_has_the_same_segments_each_opening_on_a_keyframe_with_its_sound() {
    let fixture = pal_dvd(14);
    let outputs = fixture.run();
    let [top, low] = &outputs.rungs[..] else {
        panic!("two rungs: {outputs:?}");
    };
    assert_eq!(top.segment_durations_s.len(), 3, "{top:?}");
    assert_eq!(top.segment_durations_s.len(), low.segment_durations_s.len());
    for (a, b) in top.segment_durations_s.iter().zip(&low.segment_durations_s) {
        assert!((a - b).abs() <= 0.1, "{top:?} vs {low:?}");
    }
    for rung in &outputs.rungs {
        for i in 0..rung.segment_durations_s.len() {
            let seg = fixture.out(&format!("{}/{}", rung.name, playlist::segment_uri(i)));
            assert!(starts_with_keyframe(&seg), "{}", seg.display());
            // Sound and picture of a segment start together, though the loudness filter
            // runs seconds ahead of the picture encoders.
            let (picture, sound) = (first_time(&seg, "v:0"), first_time(&seg, "a:0"));
            assert!(
                (picture - sound).abs() < 0.2,
                "{}: {picture} vs {sound}",
                seg.display()
            );
        }
    }
}

#[test]
fn the_sound_is_aac_at_48_khz_stereo_in_every_rung() {
    let fixture = pal_dvd(4);
    let outputs = fixture.run();
    for rung in &outputs.rungs {
        let info = probe(&fixture.out(&format!("{}/seg-00000.ts", rung.name)));
        let streams = info["streams"].as_array().expect("streams");
        let audio = streams
            .iter()
            .find(|s| s["codec_type"] == "audio")
            .expect("audio");
        assert_eq!(audio["codec_name"], "aac");
        assert_eq!(audio["profile"], "LC");
        assert_eq!(audio["sample_rate"], "48000");
        assert_eq!(audio["channels"], 2);
    }
}

#[test]
fn a_phone_clip_shot_upright_comes_out_portrait() {
    let mut args = lavfi_inputs("640x360", 30, 3);
    args.extend(["-pix_fmt", "yuv420p", "-c:v", "libx264", "-c:a", "aac"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let shot = Fixture::make("shot.mp4", &args);
    // FFmpeg 5.1 writes a `rotate` tag as a display matrix only on a stream copy.
    let phone = shot.dir.path().join("phone.mp4");
    ffmpeg(&[
        "-i",
        shot.job.source.to_str().expect("utf-8 path"),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        phone.to_str().expect("utf-8 path"),
    ]);
    let fixture = Fixture::plan(shot.dir, phone);
    assert_eq!(fixture.job.plan.decision.action, Action::Transcode);
    let outputs = fixture.run();
    for rung in &outputs.rungs {
        let v = video_of(&fixture.out(&format!("{}/seg-00000.ts", rung.name)));
        let (w, h) = (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap());
        assert!(h > w, "{} is {w}x{h}", rung.name);
    }
    let tv = video_of(&fixture.out("tv.mp4"));
    assert!(tv["height"].as_u64() > tv["width"].as_u64());
    // The picture itself is turned: no rotation is left for the player to apply again.
    assert!(tv.get("side_data_list").is_none(), "{tv}");
    // …and turned the way FFmpeg's own autorotation turns it.
    let size = format!("{}:{}", tv["width"], tv["height"]);
    let psnr = psnr_against(&fixture.out("tv.mp4"), &fixture.job.source, &size);
    assert!(psnr > 25.0, "PSNR {psnr} dB against the autorotated source");
}

#[test]
fn a_vcd_is_one_rung_at_its_own_size() {
    let mut args = lavfi_inputs("352x288", 25, 3);
    args.extend(["-target", "pal-vcd"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let fixture = Fixture::make("vcd.mpg", &args);
    let plan = &fixture.job.plan;
    assert_eq!(plan.ladder.len(), 1, "{:?}", plan.ladder);
    let rung = plan.ladder[0].video.clone().expect("a picture");
    let outputs = fixture.run();
    let v = video_of(&fixture.out(&format!("{}/seg-00000.ts", outputs.rungs[0].name)));
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(u64::from(rung.width)), Some(u64::from(rung.height)))
    );
    let (ok, stderr) = decode_all(&fixture.out("master.m3u8"));
    assert!(ok && stderr.is_empty(), "{stderr}");
}

#[test]
fn sound_only_films_get_one_aac_rung_and_no_tv_mp4() {
    let fixture = Fixture::make(
        "talk.wav",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:sample_rate=22050",
            "-t",
            "7",
        ],
    );
    assert_eq!(
        fixture.job.plan.decision.action,
        Action::AudioOnly { remux_audio: false }
    );
    let outputs = fixture.run();
    assert!(!outputs.tv_mp4 && !fixture.out("tv.mp4").exists());
    assert_eq!(outputs.rungs.len(), 1);
    let info = probe(&fixture.out("audio/seg-00000.ts"));
    assert_eq!(info["streams"][0]["codec_name"], "aac");
    assert_eq!(info["streams"][0]["sample_rate"], "48000");
    let duration = duration_of(&fixture.out("master.m3u8"));
    assert!((duration - 7.0).abs() < 1.0, "duration {duration}");
}

#[test]
fn progress_is_reported_about_every_second_up_to_the_end() {
    let fixture = pal_dvd(6);
    let mut seen = Vec::new();
    let mut events = |e: Event| {
        if let Event::Progress(t) = e {
            seen.push(t);
        }
    };
    transcode(&fixture.job, &MediaLimits::default(), &mut events).expect("done");
    assert!(seen.len() >= 4, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[1] > w[0]), "{seen:?}");
    assert!(
        seen.last().is_some_and(|t| *t > 4.0 && *t < 7.0),
        "{seen:?}"
    );
}

#[test]
fn a_film_with_a_damaged_middle_is_still_transcoded() {
    let fixture = pal_dvd(6);
    let mut bytes = std::fs::read(&fixture.job.source).expect("read");
    let middle = bytes.len() / 2;
    for (i, b) in bytes[middle..middle + 64 * 1024].iter_mut().enumerate() {
        *b = (i * 7919 % 251) as u8;
    }
    std::fs::write(&fixture.job.source, bytes).expect("write");
    let outputs = fixture.run();
    let duration: f64 = outputs.rungs[0].segment_durations_s.iter().sum();
    assert!(duration > 4.0, "{outputs:?}");
}

#[test]
fn a_source_with_no_decodable_picture_is_damaged() {
    let fixture = pal_dvd(2);
    let head = std::fs::read(&fixture.job.source).expect("read")[..2048].to_vec();
    let noise: Vec<u8> = (0..256 * 1024).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&fixture.job.source, [head, noise].concat()).expect("write");
    let err = transcode(&fixture.job, &MediaLimits::default(), &mut |_| {})
        .expect_err("nothing to decode");
    assert_eq!(err.kind, FailureKind::Damaged, "{err:?}");
    drop(fixture.dir);
}

#[test]
fn a_remux_plan_is_refused() {
    let fixture = pal_dvd(1);
    let mut job = fixture.job.clone();
    job.plan.decision.action = Action::Remux;
    let err = transcode(&job, &MediaLimits::default(), &mut |_| {}).expect_err("refused");
    assert_eq!(err.kind, FailureKind::Output);
}

#[test]
fn a_silent_film_gets_rungs_with_a_picture_only() {
    let fixture = Fixture::make(
        "silent.mpg",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25",
            "-t",
            "3",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "mpeg2video",
        ],
    );
    let outputs = fixture.run();
    let info = probe(&fixture.out(&format!("{}/seg-00000.ts", outputs.rungs[0].name)));
    let streams = info["streams"].as_array().expect("streams");
    assert_eq!(streams.len(), 1, "{streams:?}");
    assert_eq!(streams[0]["codec_name"], "h264");
}

#[test]
fn a_source_faster_than_60_frames_a_second_is_halved() {
    let fixture = Fixture::make(
        "fast.avi",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=120",
            "-t",
            "2",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "mpeg4",
        ],
    );
    let rung = fixture.job.plan.ladder[0].clone();
    assert_eq!(rung.video.and_then(|v| v.max_fps), Some(60.0));
    fixture.run();
    let listing = Command::new("ffprobe")
        .args(["-v", "error", "-count_packets", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0"])
        .arg(fixture.out("tv.mp4"))
        .output()
        .expect("ffprobe");
    let frames: u32 = String::from_utf8_lossy(&listing.stdout)
        .trim()
        .trim_end_matches(',')
        .parse()
        .expect("a count");
    assert!((118..=122).contains(&frames), "{frames} frames in 2 s");
    assert_eq!(video_of(&fixture.out("tv.mp4"))["avg_frame_rate"], "60/1");
}

#[test]
fn a_film_running_past_the_duration_cap_is_over_the_limit() {
    let fixture = pal_dvd(4);
    let limits = MediaLimits {
        max_duration_s: 1.0,
        ..MediaLimits::default()
    };
    let err = transcode(&fixture.job, &limits, &mut |_| {}).expect_err("too long");
    assert_eq!(err.kind, FailureKind::OverLimit, "{err:?}");
}

#[test]
fn a_recording_whose_sound_turns_from_stereo_to_surround_keeps_its_sound() {
    let dir = tempfile::tempdir().expect("temp dir");
    let part = |name: &str, layout: &str, offset: &str| {
        let path = dir.path().join(name);
        let tone = format!("sine=frequency=440:sample_rate=48000,aformat=channel_layouts={layout}");
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25",
            "-f",
            "lavfi",
            "-i",
            &tone,
            "-t",
            "4",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "mpeg2video",
            "-c:a",
            "ac3",
            "-output_ts_offset",
            offset,
            "-f",
            "mpegts",
            path.to_str().expect("utf-8 path"),
        ]);
        std::fs::read(path).expect("part")
    };
    // The second part's clock carries on from the first's, as in one recording.
    let (stereo, surround) = (part("a.ts", "stereo", "0"), part("b.ts", "5.1", "4"));
    let source = dir.path().join("recording.ts");
    std::fs::write(&source, [stereo, surround].concat()).expect("recording");
    let fixture = Fixture::plan(dir, source);
    let outputs = fixture.run();
    let top = &outputs.rungs[0];
    let last = fixture.out(&format!(
        "{}/{}",
        top.name,
        playlist::segment_uri(top.segment_durations_s.len() - 1)
    ));
    let (picture, sound) = (first_time(&last, "v:0"), first_time(&last, "a:0"));
    assert!((picture - sound).abs() < 0.2, "{picture} vs {sound}");
    let (ok, stderr) = decode_all(&fixture.out("master.m3u8"));
    assert!(ok && stderr.is_empty(), "{stderr}");
}
