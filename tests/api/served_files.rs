//! Posters and the web pages go out the way films do (`http::serve`): a strong `ETag` and
//! `Last-Modified`, 304 for `If-None-Match` compared weakly (RFC 9110 §13.1.2) or for
//! `If-Modified-Since`, and byte ranges.

use reqwest::{Response, StatusCode};

use crate::support::{spawn_app, TestApp};

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} header missing"))
        .to_str()
        .expect("ascii header")
        .to_owned()
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut req = app.client().get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.expect("request")
}

/// Asserts that `path` is revalidated and cut like a film's file.
async fn assert_served_like_a_film(app: &TestApp, path: &str) {
    let first = get(app, path, &[]).await;
    assert_eq!(first.status(), StatusCode::OK, "{path}");
    let (etag, date) = (header(&first, "etag"), header(&first, "last-modified"));
    assert!(etag.starts_with('"'), "{path}: a strong tag, {etag}");
    assert_eq!(header(&first, "accept-ranges"), "bytes", "{path}");
    let bytes = first.bytes().await.expect("body");
    assert!(bytes.len() > 10, "{path}");
    let weak = format!("W/{etag}");
    let listed = format!("\"other\", {weak}");
    for conditional in [
        ("if-none-match", etag.as_str()),
        ("if-none-match", weak.as_str()),
        ("if-none-match", listed.as_str()),
        ("if-none-match", "*"),
        ("if-modified-since", date.as_str()),
    ] {
        let res = get(app, path, &[conditional]).await;
        assert_eq!(
            res.status(),
            StatusCode::NOT_MODIFIED,
            "{path} {conditional:?}"
        );
        assert_eq!(header(&res, "etag"), etag, "{path}");
        assert!(res.bytes().await.expect("body").is_empty(), "{path}");
    }
    let res = get(app, path, &[("if-none-match", "\"other\"")]).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}: another tag");
    assert!(res.bytes().await.expect("body") == bytes, "{path}");
    let res = get(app, path, &[("range", "bytes=2-9")]).await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT, "{path}");
    let range = format!("bytes 2-9/{}", bytes.len());
    assert_eq!(header(&res, "content-range"), range, "{path}");
    assert!(res.bytes().await.expect("body") == bytes[2..=9], "{path}");
}

#[tokio::test]
async fn a_poster_and_the_pages_are_revalidated_weakly_and_cut_in_ranges_like_films() {
    let app = spawn_app().await;
    app.synth_clip("党章电视教材 第一集.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    let list = app.get_json("/api/v1/films").await;
    let thumb = list["items"][0]["thumb_url"].as_str().expect("thumb url");
    assert_served_like_a_film(&app, thumb).await;
    for page in ["/tv/", "/admin/", "/vendor/hls.min.js"] {
        assert_served_like_a_film(&app, page).await;
    }
    let page = get(&app, "/tv/", &[]).await;
    assert!(header(&page, "content-security-policy").contains("script-src 'self'"));
    assert_eq!(header(&page, "cache-control"), "no-cache");
}
