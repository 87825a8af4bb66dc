//! Media fixtures, generated with the `ffmpeg` CLI into a test's temp dir — never downloaded.
//! Every clip is 2 s of `testsrc2` at 160x120, 25 fps, with a 440 Hz tone; each recipe sits
//! next to its generator (the DVD's encoding is `dianjiao::media::fixtures`', shared with the
//! unit tests and the benchmarks). The hostile files are in `hostile`.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use dianjiao::media::fixtures;
pub(crate) use dianjiao::media::fixtures::ffmpeg;

mod hostile;

pub use hostile::hostile_files;

/// Length of every generated clip, seconds.
pub const CLIP_SECONDS: f64 = 2.0;

/// A generated clip and what a probe should find in it.
#[derive(Clone, Debug)]
pub struct Clip {
    pub path: PathBuf,
    /// FFmpeg's demuxer name.
    pub container: &'static str,
    pub video: Option<&'static str>,
    pub audio: Option<&'static str>,
    /// Bit depth of the picture.
    pub bit_depth: Option<u8>,
}

/// One ffmpeg run: output name, expectations, and the encoder/muxer arguments.
struct Recipe {
    file: &'static str,
    container: &'static str,
    video: Option<&'static str>,
    audio: Option<&'static str>,
    bit_depth: Option<u8>,
    /// Encoder and muxer options, as on a command line (no quoting needed).
    args: &'static str,
}

/// The inputs of every recipe: a moving test picture (input 0) and a tone (input 1).
const INPUTS: &str = "-f lavfi -i testsrc2=size=160x120:rate=25:duration=2 \
    -f lavfi -i sine=frequency=440:duration=2:sample_rate=44100";

/// The formats a township library holds, oldest first.
const RECIPES: &[Recipe] = &[
    // MPEG-1 + MP2 in an MPEG program stream: the VCD-era `.mpg`.
    Recipe {
        file: "vcd-era.mpg",
        container: "mpeg",
        video: Some("mpeg1video"),
        audio: Some("mp2"),
        bit_depth: Some(8),
        args: "-pix_fmt yuv420p -c:v mpeg1video -c:a mp2 -f mpeg",
    },
    // MPEG-2 coded interlaced, top field first, + AC-3 at 48 kHz in a DVD `.vob`.
    Recipe {
        file: "dvd.vob",
        container: "mpeg",
        video: Some("mpeg2video"),
        audio: Some("ac3"),
        bit_depth: Some(8),
        args: fixtures::DVD_ENCODING,
    },
    // MPEG-4 Part 2 (ASP) tagged XVID + MP3 in AVI: the 2000s download.
    Recipe {
        file: "xvid.avi",
        container: "avi",
        video: Some("mpeg4"),
        audio: Some("mp3"),
        bit_depth: Some(8),
        args: "-pix_fmt yuv420p -c:v mpeg4 -vtag xvid -c:a libmp3lame",
    },
    // Windows Media Video 8 + WMA v2 in ASF.
    Recipe {
        file: "windows.wmv",
        container: "asf",
        video: Some("wmv2"),
        audio: Some("wmav2"),
        bit_depth: Some(8),
        args: "-pix_fmt yuv420p -c:v wmv2 -c:a wmav2",
    },
    // RealVideo 2 + AC-3 in RealMedia: Debian's FFmpeg encodes rv10/rv20 but no Real audio
    // codec (cook, sipr), and its rm muxer accepts AC-3.
    Recipe {
        file: "real.rm",
        container: "rm",
        video: Some("rv20"),
        audio: Some("ac3"),
        bit_depth: Some(8),
        args: "-pix_fmt yuv420p -c:v rv20 -c:a ac3 -f rm",
    },
    // Sorenson Spark (FLV1) + MP3 in FLV: the web-video era.
    Recipe {
        file: "web.flv",
        container: "flv",
        video: Some("flv1"),
        audio: Some("mp3"),
        bit_depth: Some(8),
        args: "-pix_fmt yuv420p -c:v flv1 -c:a libmp3lame",
    },
    // HEVC Main 10 (yuv420p10le, x265 ultrafast) + Opus in Matroska.
    Recipe {
        file: "hevc10.mkv",
        container: "matroska,webm",
        video: Some("hevc"),
        audio: Some("opus"),
        bit_depth: Some(10),
        args: "-pix_fmt yuv420p10le -c:v libx265 -preset ultrafast -x265-params log-level=error \
               -c:a libopus",
    },
    // VP9 (realtime, fastest) + Opus in WebM.
    Recipe {
        file: "vp9.webm",
        container: "matroska,webm",
        video: Some("vp9"),
        audio: Some("opus"),
        bit_depth: Some(8),
        args: "-pix_fmt yuv420p -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus",
    },
    // H.264 with B-frames and a keyframe every 12 frames (0.48 s) + AAC in MP4, with the
    // `moov` index at the end (the muxer's default, no `+faststart`): what cameras and
    // phones write, and what must be read to its end.
    Recipe {
        file: "camera.mp4",
        container: "mov,mp4,m4a,3gp,3g2,mj2",
        video: Some("h264"),
        audio: Some("aac"),
        bit_depth: Some(8),
        args: "-pix_fmt yuv420p -c:v libx264 -preset veryfast -bf 2 -g 12 -c:a aac",
    },
    // MP3 alone: a radio lecture.
    Recipe {
        file: "lecture.mp3",
        container: "mp3",
        video: None,
        audio: Some("mp3"),
        bit_depth: None,
        args: "-map 1:a -c:a libmp3lame",
    },
];

/// The `.mp4` recipe, which other fixtures start from.
pub const CAMERA_MP4: &str = "camera.mp4";
/// Where [`CAMERA_MP4`]'s keyframes are shown, seconds: every 12th frame at 25 fps.
pub const CAMERA_KEYFRAMES: [f64; 5] = [0.0, 0.48, 0.96, 1.44, 1.92];

fn make(dir: &Path, r: &Recipe) -> Clip {
    let path = dir.join(r.file);
    let args = INPUTS.split_whitespace().chain(r.args.split_whitespace());
    ffmpeg(args.map(OsStr::new).chain([path.as_os_str()]));
    Clip {
        path,
        container: r.container,
        video: r.video,
        audio: r.audio,
        bit_depth: r.bit_depth,
    }
}

/// Makes one clip of [`RECIPES`] by its file name (e.g. [`CAMERA_MP4`]).
pub fn clip(dir: &Path, file: &str) -> Clip {
    let recipe = RECIPES
        .iter()
        .find(|r| r.file == file)
        .expect("a known recipe");
    make(dir, recipe)
}

/// Makes every clip — the recipes above plus a VCD `.DAT` — in parallel (about a second).
pub fn all_clips(dir: &Path) -> Vec<Clip> {
    std::thread::scope(|s| {
        let vcd = s.spawn(|| vcd_dat(dir));
        let made: Vec<_> = RECIPES
            .iter()
            .map(|r| s.spawn(move || make(dir, r)))
            .collect();
        let mut clips: Vec<Clip> = made
            .into_iter()
            .map(|h| h.join().expect("ffmpeg run"))
            .collect();
        clips.push(vcd.join().expect("vcd run"));
        clips
    })
}

/// A Video CD track as a PC sees it (`MPEGAV/AVSEQ01.DAT`): a RIFF/CDXA file of raw
/// 2352-byte Mode 2 sectors, each carrying one 2324-byte pack of an MPEG-1/MP2 program
/// stream. Recipe: `-f vcd -packetsize 2324`, then each pack wrapped in a sector here
/// (12 sync bytes, BCD address, mode 2, subheader, pack, 4-byte EDC left zero).
pub fn vcd_dat(dir: &Path) -> Clip {
    const PACK: usize = 2324;
    let ps = dir.join("vcd-packs.mpg");
    let vcd = "-pix_fmt yuv420p -c:v mpeg1video -b:v 1150k -c:a mp2 -b:a 224k -ac 2 \
        -packetsize 2324 -f vcd";
    let args = INPUTS.split_whitespace().chain(vcd.split_whitespace());
    ffmpeg(args.map(OsStr::new).chain([ps.as_os_str()]));
    let packs = fs::read(&ps).expect("vcd program stream");
    let mut sectors = Vec::with_capacity(packs.len() / PACK * 2352);
    for (i, pack) in packs.chunks(PACK).enumerate() {
        let lba = i + 150; // a track's data starts 2 s (150 sectors) into the disc
        let bcd = |v: usize| (((v / 10) << 4) | (v % 10)) as u8;
        sectors.extend([0u8].iter().chain(&[0xff; 10]).chain(&[0u8]));
        sectors.extend([bcd(lba / 4500), bcd(lba / 75 % 60), bcd(lba % 75), 2]);
        sectors.extend([1, 1, 0x62, 0, 1, 1, 0x62, 0]); // file 1, channel 1, form 2 real-time video
        sectors.extend(pack);
        sectors.resize(sectors.len() + PACK - pack.len() + 4, 0);
    }
    let mut riff = b"CDXAfmt ".to_vec();
    riff.extend(16u32.to_le_bytes());
    riff.extend([0u8; 16]);
    riff.extend(b"data");
    riff.extend((sectors.len() as u32).to_le_bytes());
    riff.extend(sectors);
    let path = dir.join("AVSEQ01.DAT");
    let mut file = b"RIFF".to_vec();
    file.extend((riff.len() as u32).to_le_bytes());
    file.extend(riff);
    fs::write(&path, file).expect("write .DAT");
    Clip {
        path,
        container: "mpeg",
        video: Some("mpeg1video"),
        audio: Some("mp2"),
        bit_depth: Some(8),
    }
}

/// The GBK (GB18030) bytes of the title the AVI fixture carries.
pub const GBK_TITLE: &str = "党章电视教材";

/// An AVI whose `INAM` title tag holds GBK bytes, as Chinese Windows tools wrote them.
/// Recipe: 1 s MPEG-4, `-metadata title=<GBK bytes>` (the CLI passes argv bytes through).
pub fn gbk_titled_avi(dir: &Path) -> PathBuf {
    let (gbk, _, _) = encoding_rs::GBK.encode(GBK_TITLE);
    let mut title = b"title=".to_vec();
    title.extend_from_slice(&gbk);
    let path = dir.join("gbk-title.avi");
    let args = "-f lavfi -i testsrc2=size=160x120:rate=25:duration=1 -pix_fmt yuv420p -c:v mpeg4";
    let args = args.split_whitespace().map(OsStr::new);
    ffmpeg(args.chain([
        "-metadata".as_ref(),
        OsStr::from_bytes(&title),
        path.as_os_str(),
    ]));
    path
}

/// A Windows Media file named in pinyin or digits whose container carries a title tag, as
/// township discs often are (`rongruguan.wmv` titled 社会主义荣辱观教育). Recipe: the
/// `windows.wmv` recipe (WMV2 + WMA2 in ASF) with `-metadata title=<title>`.
pub fn titled_wmv(dir: &Path, file: &str, title: &str) -> PathBuf {
    let path = dir.join(file);
    let args = INPUTS
        .split_whitespace()
        .chain("-pix_fmt yuv420p -c:v wmv2 -c:a wmav2 -metadata".split_whitespace())
        .map(OsStr::new);
    let title = format!("title={title}");
    ffmpeg(args.chain([OsStr::new(&title), path.as_os_str()]));
    path
}

/// A portrait phone clip: [`CAMERA_MP4`] remuxed with a display matrix that players turn
/// 90° clockwise. Recipe: `-c copy -metadata:s:v:0 rotate=270` — FFmpeg 5.1's CLI writes
/// its `rotate` override as a counter-clockwise matrix, so 270 gives what a phone writes.
pub fn portrait_mp4(dir: &Path, camera_mp4: &Path) -> PathBuf {
    let path = dir.join("portrait.mp4");
    let copy = "-c copy -metadata:s:v:0 rotate=270"
        .split_whitespace()
        .map(OsStr::new);
    ffmpeg(
        ["-i".as_ref(), camera_mp4.as_os_str()]
            .into_iter()
            .chain(copy)
            .chain([path.as_os_str()]),
    );
    path
}

/// A lecture recorded in five languages: one Matroska file with five Opus streams.
/// Recipe: the tone, `-map 0` five times, `-c:a libopus`.
pub fn many_streams_mkv(dir: &Path) -> PathBuf {
    let path = dir.join("five-languages.mkv");
    let args = "-f lavfi -i sine=frequency=440:duration=2 -map 0 -map 0 -map 0 -map 0 -map 0 \
                -c:a libopus";
    ffmpeg(
        args.split_whitespace()
            .map(OsStr::new)
            .chain([path.as_os_str()]),
    );
    path
}
