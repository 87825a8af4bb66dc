//! Hostile media, swept through the real server (library scan, probe in the workers,
//! preparation): disguised playlists — HLS and ffconcat under media names, pointing at a real
//! clip outside the library by `file:`, absolute and relative paths and at
//! `http://127.0.0.1:PORT` — and absurd files made with the real ffmpeg: a JPEG claiming
//! 65535×65535, 300 streams, a 28-hour timestamp jump, an MP4 claiming 136 years, files cut
//! at several points, random bytes behind real magic numbers. Each is refused with a reason,
//! nothing connects to the listener, no file the server wrote holds the outside clip's
//! bytes, and the server and its workers go on (a good clip afterwards is prepared).

use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::support::fixtures::ffmpeg;
use crate::support::spawn_app;

fn run(args: &str, out: &Path) {
    ffmpeg(
        args.split_whitespace()
            .map(OsStr::new)
            .chain([out.as_os_str()]),
    );
}

/// The clip outside the library that the playlists point at. Recipe: 2 s of `mandelbrot`
/// (nothing else in the tests uses it, so its coded bytes are its own), H.264 in MPEG-TS.
fn outside_clip(dir: &Path) -> PathBuf {
    let out = dir.join("outside.ts");
    run(
        "-f lavfi -i mandelbrot=size=160x120:rate=25 -t 2 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 -f mpegts",
        &out,
    );
    out
}

/// 32-byte windows from the middle of TS packets' payloads: a remux would copy them.
fn windows(clip: &[u8]) -> Vec<Vec<u8>> {
    let packets = clip.len() / 188;
    (packets / 4..packets * 3 / 4)
        .step_by((packets / 40).max(1))
        .map(|k| clip[k * 188 + 60..k * 188 + 92].to_vec())
        .filter(|w| w.iter().any(|&b| b != 0xff && b != 0))
        .collect()
}

/// The disguised playlists: (file name, contents).
fn playlists(outside: &Path, port: u16) -> Vec<(String, String)> {
    let abs = outside.display().to_string();
    let hls = |target: &str| {
        format!("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n{target}\n#EXT-X-ENDLIST\n")
    };
    let http = format!("http://127.0.0.1:{port}/seg.ts");
    vec![
        ("hls-file.mp4".into(), hls(&format!("file:{abs}"))),
        ("hls-file-url.mkv".into(), hls(&format!("file://{abs}"))),
        ("hls-abs.ts".into(), hls(&abs)),
        ("hls-relative.avi".into(), hls("../../outside.ts")),
        ("hls-http.mpg".into(), hls(&http)),
        (
            "hls-map.mp4".into(),
            format!("#EXTM3U\n#EXT-X-MAP:URI=\"file:{abs}\"\n#EXTINF:2,\nfile:{abs}\n"),
        ),
        (
            "hls-master.mkv".into(),
            format!("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n{http}\n"),
        ),
        (
            "hls-crlf.flv".into(),
            hls(&format!("file:{abs}")).replace('\n', "\r\n"),
        ),
        (
            "hls-bom.mp4".into(),
            format!("\u{feff}{}", hls(&format!("file:{abs}"))),
        ),
        ("hls-blank-first.wmv".into(), format!("\n\n{}", hls(&abs))),
        (
            "concat-file.mp4".into(),
            format!("ffconcat version 1.0\nfile 'file:{abs}'\n"),
        ),
        (
            "concat-abs.mkv".into(),
            format!("ffconcat version 1.0\nfile '{abs}'\n"),
        ),
        (
            "concat-http.avi".into(),
            format!("ffconcat version 1.0\nfile '{http}'\n"),
        ),
        ("concat-plain.mov".into(), format!("file '{abs}'\n")),
    ]
}

/// Patches every JPEG start-of-frame in `bytes` to claim 65535×65535.
fn claim_huge_jpeg(bytes: &mut [u8]) -> usize {
    let mut patched = 0;
    for i in 0..bytes.len().saturating_sub(9) {
        if bytes[i] == 0xff && bytes[i + 1] == 0xc0 {
            bytes[i + 5..i + 9].copy_from_slice(&[0xff; 4]);
            patched += 1;
        }
    }
    patched
}

/// Patches the MP4's `mvhd` to a timescale of 1 and a duration of ~136 years.
fn claim_long_mp4(bytes: &mut [u8]) -> bool {
    let Some(at) = bytes.windows(4).position(|w| w == b"mvhd") else {
        return false;
    };
    // version 0: version+flags (4), creation (4), modification (4), timescale, duration
    bytes[at + 16..at + 20].copy_from_slice(&1u32.to_be_bytes());
    bytes[at + 20..at + 24].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
    true
}

/// The absurd files, made in `dir`: (file name, bytes).
fn absurd(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mjpeg = dir.join("small.avi");
    run(
        "-f lavfi -i testsrc=size=64x64:rate=5 -t 1 -c:v mjpeg -pix_fmt yuvj420p",
        &mjpeg,
    );
    let mut bomb = std::fs::read(&mjpeg).expect("mjpeg");
    assert!(claim_huge_jpeg(&mut bomb) > 0, "no SOF0 to patch");
    out.push(("bomb-65535.avi".into(), bomb));

    let streams = dir.join("streams.mkv");
    let maps = "-map 0:a ".repeat(300);
    run(
        &format!("-f lavfi -i anullsrc=r=8000:cl=mono -t 1 {maps} -c:a pcm_s16le"),
        &streams,
    );
    out.push((
        "300-streams.mkv".into(),
        std::fs::read(&streams).expect("mkv"),
    ));

    // Ten frames, the last five 100,000 s (28 h) later; passthrough keeps ffmpeg from
    // filling the gap with copies.
    let jump = dir.join("jump.mkv");
    let clip = "-f lavfi -i testsrc=size=64x64:rate=10:duration=1 -c:v libx264 -preset ultrafast -pix_fmt yuv420p";
    run(
        &format!("{clip} -vf setpts=if(gte(N\\,5)\\,PTS+100000/TB\\,PTS) -fps_mode passthrough"),
        &jump,
    );
    out.push(("jump-28h.mkv".into(), std::fs::read(&jump).expect("jump")));

    let mp4 = dir.join("short.mp4");
    run(&format!("{clip} -movflags +faststart"), &mp4);
    let whole = std::fs::read(&mp4).expect("mp4");
    let mut long = whole.clone();
    assert!(claim_long_mp4(&mut long));
    out.push(("136-years.mp4".into(), long));
    for (pct, name) in [(5, "cut-5.mp4"), (50, "cut-50.mp4"), (95, "cut-95.mp4")] {
        out.push((name.into(), whole[..whole.len() * pct / 100].to_vec()));
    }
    let noise: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (magic, name) in [
        (
            &b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"[..],
            "ftyp-noise.mp4",
        ),
        (
            &b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"[..],
            "ebml-noise.mkv",
        ),
        (&b"RIFF\x00\x10\x00\x00AVI LIST"[..], "riff-noise.avi"),
    ] {
        let mut bytes = magic.to_vec();
        bytes.extend(&noise);
        out.push((name.into(), bytes));
    }
    let mut ts_noise = Vec::new();
    for chunk in noise.chunks(187) {
        ts_noise.push(0x47);
        ts_noise.extend(chunk);
    }
    out.push(("sync-noise.ts".into(), ts_noise));
    out
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

#[tokio::test]
async fn disguised_playlists_and_absurd_files_are_refused_and_reach_nothing_outside() {
    let app = spawn_app().await;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let made = tempfile::tempdir().expect("dir");
    let outside = outside_clip(app.data.path());
    let marks = windows(&std::fs::read(&outside).expect("outside"));
    assert!(marks.len() >= 10, "{} windows", marks.len());
    let mut hostile: Vec<(String, Vec<u8>)> = playlists(&outside, port)
        .into_iter()
        .map(|(name, text)| (name, text.into_bytes()))
        .collect();
    hostile.extend(absurd(made.path()));
    for (name, bytes) in &hostile {
        std::fs::write(app.library.join(name), bytes).expect("write");
    }
    let summary = app.scan(&app.library.clone()).await;
    let prepared = crate::prepare::prepare_all(&app).await;

    let rejected = app
        .get_json("/api/v1/films?state=rejected&per_page=200")
        .await;
    let listed = app.get_json("/api/v1/films?per_page=200").await;
    let mut refused = std::collections::BTreeMap::new();
    for film in [&rejected, &listed]
        .iter()
        .flat_map(|l| l["items"].as_array().expect("items"))
    {
        let reason = film["reason"].as_str().unwrap_or("").to_owned();
        let state = film["state"].as_str().unwrap_or("").to_owned();
        let name = film["source_name"].as_str().expect("name").to_owned();
        refused.insert(name, (state, reason));
    }
    let mut failures = Vec::new();
    for (name, _) in &hostile {
        match refused.get(name).map(|(s, r)| (s.as_str(), r.as_str())) {
            // Refused at the probe, or when its damage shows in preparation: for good,
            // with the file's fault named — not blamed on the disk and retried.
            Some(("rejected" | "failed", reason))
                if !reason.trim().is_empty()
                    && !reason.contains("磁盘")
                    && !reason.contains("再试") => {}
            other => failures.push(format!("{name}: {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{summary:?} prepared {prepared}\n{}",
        failures.join("\n")
    );
    assert!(
        listener.accept().is_err(),
        "something connected to 127.0.0.1:{port}"
    );
    for file in files_under(&app.app.settings.data) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let leaked = marks
            .iter()
            .any(|m| bytes.windows(m.len()).any(|w| w == &m[..]));
        assert!(
            !leaked,
            "{} holds bytes of the clip outside the library",
            file.display()
        );
    }
    eprintln!("{} hostile media files refused", hostile.len());

    // The server and its workers go on: a good clip is prepared and served.
    app.synth_clip("好片子.mp4", 1.0).await;
    app.scan(&app.library.clone()).await;
    assert_eq!(crate::prepare::prepare_all(&app).await, 1);
    let health = app
        .client()
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
}
