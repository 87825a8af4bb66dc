//! `GET|HEAD /media/{id}/original` against the real server and a generated clip: exact bytes
//! for every kind of `Range`, 416 and 200 where RFC 9110 says so, no amplification by
//! overlapping ranges, validators, HEAD, DLNA headers and 404s a clerk can read.

use std::sync::atomic::Ordering;

use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use crate::support::{spawn_app, TestApp};

/// A server with one film and the bytes of its file.
struct Served {
    app: TestApp,
    url: String,
    bytes: Vec<u8>,
}

async fn one_film() -> Served {
    let app = spawn_app().await;
    let path = app.synth_clip("党章电视教材 第一集.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films").await;
    let id = list["items"][0]["id"].as_str().expect("film id").to_owned();
    let bytes = std::fs::read(&path).expect("clip bytes");
    assert!(bytes.len() > 1000, "the clip is big enough to cut");
    Served {
        url: app.url(&format!("/media/{id}/original")),
        app,
        bytes,
    }
}

impl Served {
    fn len(&self) -> usize {
        self.bytes.len()
    }

    async fn request(&self, method: Method, headers: &[(&str, &str)]) -> Response {
        let mut req = self.app.client().request(method, &self.url);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send().await.expect("request")
    }

    async fn get(&self, headers: &[(&str, &str)]) -> Response {
        self.request(Method::GET, headers).await
    }

    async fn get_range(&self, range: &str) -> Response {
        self.get(&[("range", range)]).await
    }
}

fn header<'a>(res: &'a Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} header missing"))
        .to_str()
        .expect("ascii header")
}

async fn body(res: Response) -> Vec<u8> {
    res.bytes().await.expect("body").to_vec()
}

/// Asserts a whole-file 200 with exactly the file's bytes.
async fn assert_whole(served: &Served, res: Response, what: &str) {
    assert_eq!(res.status(), StatusCode::OK, "{what}");
    assert!(res.headers().get("content-range").is_none(), "{what}");
    assert_eq!(header(&res, "content-length"), served.len().to_string());
    assert!(body(res).await == served.bytes, "{what}: bytes differ");
}

/// Asserts a 206 of bytes `start..=end` with its `Content-Range`.
async fn assert_span(served: &Served, res: Response, start: usize, end: usize) {
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    let range = format!("bytes {start}-{end}/{}", served.len());
    assert_eq!(header(&res, "content-range"), range);
    assert_eq!(
        header(&res, "content-length"),
        (end - start + 1).to_string()
    );
    assert!(
        body(res).await == served.bytes[start..=end],
        "bytes of {range}"
    );
}

#[tokio::test]
async fn the_whole_file_is_served_with_its_exact_length_bytes_and_headers() {
    let served = one_film().await;
    let res = served.get(&[]).await;
    assert_eq!(header(&res, "content-type"), "video/mp4");
    assert_eq!(header(&res, "accept-ranges"), "bytes");
    assert!(header(&res, "etag").starts_with('"'), "a strong tag");
    assert!(header(&res, "last-modified").ends_with(" GMT"));
    assert!(header(&res, "cache-control").starts_with("public, max-age="));
    assert_eq!(header(&res, "access-control-allow-origin"), "*");
    assert!(res
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&res, "content-disposition"),
        "inline; filename*=UTF-8''%E5%85%9A%E7%AB%A0%E7%94%B5%E8%A7%86%E6%95%99%E6%9D%90%20\
         %E7%AC%AC%E4%B8%80%E9%9B%86.mp4"
    );
    assert_whole(&served, res, "plain GET").await;
    let sent = served.app.app.metrics.bytes_served.load(Ordering::Relaxed);
    assert_eq!(sent, served.len() as u64, "bytes counted in the metrics");
}

#[tokio::test]
async fn a_single_range_gets_206_with_its_content_range_and_exact_bytes() {
    let served = one_film().await;
    assert_span(&served, served.get_range("bytes=0-99").await, 0, 99).await;
    assert_span(&served, served.get_range("bytes=100-100").await, 100, 100).await;
    let last = served.len() - 1;
    let res = served.get_range("bytes=500-99999999").await;
    assert_span(&served, res, 500, last).await;
}

#[tokio::test]
async fn open_ended_and_suffix_ranges_run_to_the_end_of_the_file() {
    let served = one_film().await;
    let last = served.len() - 1;
    assert_span(&served, served.get_range("bytes=700-").await, 700, last).await;
    assert_span(&served, served.get_range("bytes=0-").await, 0, last).await;
    let res = served.get_range("bytes=-300").await;
    assert_span(&served, res, served.len() - 300, last).await;
    let longer = format!("bytes=-{}", served.len() * 2);
    assert_span(&served, served.get_range(&longer).await, 0, last).await;
}

#[tokio::test]
async fn a_range_past_the_end_gets_416_with_the_file_length() {
    let served = one_film().await;
    for range in [format!("bytes={}-", served.len()), "bytes=-0".to_owned()] {
        let res = served.get_range(&range).await;
        assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
        let expected = format!("bytes */{}", served.len());
        assert_eq!(header(&res, "content-range"), expected);
        let json: Value = res.json().await.expect("json error");
        assert_eq!(json["error"], "range_not_satisfiable");
    }
}

#[tokio::test]
async fn invalid_syntax_and_other_units_get_the_whole_file_with_200() {
    let served = one_film().await;
    for range in [
        "items=0-10",
        "bytes=abc",
        "bytes=10-5",
        "bytes=",
        "bytes=-",
        "bytes 0-10",
    ] {
        assert_whole(&served, served.get_range(range).await, range).await;
    }
}

#[tokio::test]
async fn numbers_too_big_for_u64_never_cause_a_server_error() {
    let served = one_film().await;
    let huge = "99999999999999999999999";
    let res = served.get_range(&format!("bytes={huge}-")).await;
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let last = served.len() - 1;
    let res = served.get_range(&format!("bytes=0-{huge}")).await;
    assert_span(&served, res, 0, last).await;
    let res = served.get_range(&format!("bytes=-{huge}")).await;
    assert_span(&served, res, 0, last).await;
}

/// The parts of a `multipart/byteranges` body: (`Content-Range`, bytes) each.
fn parts(body: &[u8], boundary: &str) -> Vec<(String, Vec<u8>)> {
    let delimiter = format!("--{boundary}\r\n");
    let mut rest = body;
    let mut found = Vec::new();
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        let end_of_headers = find(rest, b"\r\n\r\n").expect("part headers end");
        let headers = std::str::from_utf8(&rest[..end_of_headers]).expect("ascii headers");
        rest = &rest[end_of_headers + 4..];
        let range = headers
            .lines()
            .find_map(|l| l.strip_prefix("Content-Range: bytes "))
            .expect("part has a Content-Range");
        assert!(headers.contains("Content-Type: video/mp4"), "{headers}");
        let (span, _) = range.split_once('/').expect("total");
        let (a, b) = span.split_once('-').expect("span");
        let n = b.parse::<usize>().expect("end") - a.parse::<usize>().expect("start") + 1;
        found.push((range.to_owned(), rest[..n].to_vec()));
        rest = &rest[n..];
        assert!(rest.starts_with(b"\r\n--"), "a delimiter follows each part");
    }
    assert!(rest.ends_with(format!("--{boundary}--\r\n").as_bytes()));
    found
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn two_disjoint_ranges_come_back_as_multipart_byteranges_with_exact_bytes() {
    let served = one_film().await;
    let res = served.get_range("bytes=500-599, 0-9").await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    let content_type = header(&res, "content-type").to_owned();
    let boundary = content_type
        .strip_prefix("multipart/byteranges; boundary=")
        .expect("a multipart type");
    let length: usize = header(&res, "content-length").parse().expect("length");
    let body = body(res).await;
    assert_eq!(body.len(), length);
    let len = served.len();
    assert_eq!(
        parts(&body, boundary),
        vec![
            (format!("0-9/{len}"), served.bytes[0..=9].to_vec()),
            (format!("500-599/{len}"), served.bytes[500..=599].to_vec()),
        ]
    );
}

#[tokio::test]
async fn many_overlapping_or_tiny_ranges_never_send_more_than_the_file() {
    let served = one_film().await;
    let overlapping = format!("bytes={}", vec!["0-"; 200].join(","));
    let res = served.get_range(&overlapping).await;
    assert_span(&served, res, 0, served.len() - 1).await;
    let tiny: Vec<String> = (0..100).map(|i| format!("{0}-{0}", i * 2)).collect();
    let res = served.get_range(&format!("bytes={}", tiny.join(","))).await;
    assert_whole(&served, res, "a hundred one-byte ranges").await;
    let sent = served.app.app.metrics.bytes_served.load(Ordering::Relaxed);
    assert_eq!(sent, 2 * served.len() as u64);
}

#[tokio::test]
async fn if_range_honours_the_range_only_for_the_current_version() {
    let served = one_film().await;
    let first = served.get(&[]).await;
    let etag = header(&first, "etag").to_owned();
    let date = header(&first, "last-modified").to_owned();
    for current in [&etag, &date] {
        let res = served
            .get(&[("range", "bytes=0-9"), ("if-range", current)])
            .await;
        assert_span(&served, res, 0, 9).await;
    }
    let weak = format!("W/{etag}");
    for stale in ["\"stale\"", weak.as_str(), "Thu, 01 Jan 1970 00:00:00 GMT"] {
        let res = served
            .get(&[("range", "bytes=0-9"), ("if-range", stale)])
            .await;
        assert_whole(&served, res, stale).await;
    }
}

#[tokio::test]
async fn a_cached_copy_is_revalidated_with_304_and_no_body() {
    let served = one_film().await;
    let first = served.get(&[]).await;
    let etag = header(&first, "etag").to_owned();
    let date = header(&first, "last-modified").to_owned();
    for conditional in [
        ("if-none-match", etag.as_str()),
        ("if-modified-since", &date),
    ] {
        let res = served.get(&[conditional]).await;
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{conditional:?}");
        assert_eq!(header(&res, "etag"), etag);
        assert!(body(res).await.is_empty());
    }
    let res = served.get(&[("if-none-match", "\"other\"")]).await;
    assert_whole(&served, res, "another tag").await;
}

#[tokio::test]
async fn head_gets_the_headers_and_the_length_without_a_body() {
    let served = one_film().await;
    for range in [None, Some("bytes=0-9")] {
        let headers: Vec<(&str, &str)> = range.map(|r| ("range", r)).into_iter().collect();
        let res = served.request(Method::HEAD, &headers).await;
        // Range is defined for GET only (RFC 9110 §14.2): HEAD describes the whole file.
        assert_eq!(res.status(), StatusCode::OK, "{range:?}");
        assert_eq!(header(&res, "content-length"), served.len().to_string());
        assert_eq!(header(&res, "content-type"), "video/mp4");
        assert_eq!(header(&res, "accept-ranges"), "bytes");
        assert!(body(res).await.is_empty());
    }
    assert_eq!(
        served.app.app.metrics.bytes_served.load(Ordering::Relaxed),
        0
    );
}

#[tokio::test]
async fn dlna_renderers_get_content_features_and_the_streaming_transfer_mode() {
    let served = one_film().await;
    let plain = served.get(&[]).await;
    assert!(plain.headers().get("contentfeatures.dlna.org").is_none());
    assert!(plain.headers().get("transfermode.dlna.org").is_none());
    let res = served
        .get(&[
            ("getcontentFeatures.dlna.org", "1"),
            ("transferMode.dlna.org", "Streaming"),
        ])
        .await;
    assert_eq!(
        header(&res, "contentFeatures.dlna.org"),
        "DLNA.ORG_OP=01;DLNA.ORG_CI=0;DLNA.ORG_FLAGS=01700000000000000000000000000000"
    );
    assert_eq!(header(&res, "transferMode.dlna.org"), "Streaming");
    assert_whole(&served, res, "DLNA GET").await;
}

async fn assert_404_json(res: Response, code: &str) -> String {
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let json: Value = res.json().await.expect("json error");
    assert_eq!(json["error"], code, "{json}");
    json["message"].as_str().expect("message").to_owned()
}

#[tokio::test]
async fn unknown_and_malformed_ids_get_404_json() {
    let served = one_film().await;
    let client = served.app.client();
    for id in [
        "0123456789abcdef",
        "..%2F..%2Fetc%2Fpasswd",
        "ABCDEF0123456789",
        "x",
    ] {
        let url = served.app.url(&format!("/media/{id}/original"));
        let res = client.get(url).send().await.expect("request");
        assert_404_json(res, "not_found").await;
    }
}

#[tokio::test]
async fn a_file_gone_from_the_library_gets_404_with_a_clerk_readable_message() {
    let served = one_film().await;
    let file = served.app.library.join("党章电视教材 第一集.mp4");
    std::fs::remove_file(file).expect("file removed");
    let message = assert_404_json(served.get(&[]).await, "file_missing").await;
    assert!(message.contains("片库"), "{message}");
    served.app.scan(&served.app.library.clone()).await;
    assert_404_json(served.get(&[]).await, "file_missing").await;
}

#[tokio::test]
async fn a_refused_file_is_never_served() {
    let app = spawn_app().await;
    std::fs::write(app.library.join("会议记录.mp4"), "这不是影片。\n").expect("write");
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films?state=rejected").await;
    let id = list["items"][0]["id"].as_str().expect("a rejected film");
    let url = app.url(&format!("/media/{id}/original"));
    let res = app.client().get(url).send().await.expect("request");
    let message = assert_404_json(res, "film_rejected").await;
    assert!(message.starts_with("该文件不是可播放的影片"), "{message}");
}
