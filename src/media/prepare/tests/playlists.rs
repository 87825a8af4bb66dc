//! The exact master playlist text of a plan.

use super::*;

#[test]
fn a_transcoded_film_gets_an_exact_master_playlist() {
    let plan = decide(&film(
        "avi",
        vec![video("mpeg4", 854, 480), audio("mp3", None)],
    ));
    let expected = "#EXTM3U\n\
        #EXT-X-VERSION:3\n\
        #EXT-X-STREAM-INF:BANDWIDTH=2450800,AVERAGE-BANDWIDTH=1680800,\
        RESOLUTION=854x480,CODECS=\"avc1.64001e,mp4a.40.2\"\n\
        480p/index.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=1460800,AVERAGE-BANDWIDTH=1020800,\
        RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\"\n\
        360p/index.m3u8\n";
    assert_eq!(plan.master_playlist(), expected);
}
