//! A served film's `Content-Type` — from the file name, with the township formats
//! `mime_guess` gets wrong fixed, and never a type a browser would run.

use std::path::Path;

/// What anything not plainly audio or video is served as.
pub const OPAQUE: &str = "application/octet-stream";

/// Extensions `mime_guess` misses or gets wrong for a film library.
const OVERRIDES: &[(&str, &str)] = &[
    // A Video CD track (`MPEGAV/AVSEQ01.DAT`) is an MPEG-1 program stream in sectors.
    ("dat", "video/mpeg"),
    ("vob", "video/mpeg"),
    ("rmvb", "application/vnd.rn-realmedia"),
    ("rm", "application/vnd.rn-realmedia"),
    // Not TypeScript.
    ("ts", "video/mp2t"),
    ("m3u8", "application/vnd.apple.mpegurl"),
];

/// The few `application/*` media types that are passive containers.
const PASSIVE_APPLICATION: &[&str] = &[
    "application/vnd.rn-realmedia",
    "application/vnd.apple.mpegurl",
    "application/ogg",
    "application/mp4",
    "application/mxf",
];

/// The `Content-Type` for a file called `name`. Only audio, video and a few passive media
/// containers keep their type; anything else (HTML, SVG, scripts, XML, text) becomes
/// [`OPAQUE`], so a file in the library can never run as a page of this server's origin.
pub fn for_file_name(name: &str) -> &'static str {
    let Some(ext) = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    else {
        return OPAQUE;
    };
    if let Some((_, ct)) = OVERRIDES.iter().find(|(e, _)| *e == ext) {
        return ct;
    }
    mime_guess::from_ext(&ext)
        .first_raw()
        .filter(|ct| is_passive(ct))
        .unwrap_or(OPAQUE)
}

fn is_passive(content_type: &str) -> bool {
    content_type.starts_with("video/")
        || content_type.starts_with("audio/")
        || PASSIVE_APPLICATION.contains(&content_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn township_formats_get_their_media_types() {
        for (name, expected) in [
            ("AVSEQ01.DAT", "video/mpeg"),
            ("VTS_01_1.VOB", "video/mpeg"),
            ("讲座.rmvb", "application/vnd.rn-realmedia"),
            ("讲座.rm", "application/vnd.rn-realmedia"),
            ("直播.ts", "video/mp2t"),
            ("list.m3u8", "application/vnd.apple.mpegurl"),
            ("camera.mp4", "video/mp4"),
            ("lecture.mp3", "audio/mpeg"),
            ("old.avi", "video/x-msvideo"),
            ("hevc10.mkv", "video/x-matroska"),
        ] {
            assert_eq!(for_file_name(name), expected, "{name}");
        }
    }

    #[test]
    fn active_content_is_served_as_opaque_bytes() {
        for name in [
            "page.html",
            "page.htm",
            "page.xhtml",
            "poster.svg",
            "script.js",
            "data.xml",
            "notes.txt",
            "doc.pdf",
            "movie.swf",
            "no-extension",
            "",
        ] {
            assert_eq!(for_file_name(name), OPAQUE, "{name}");
        }
    }
}
