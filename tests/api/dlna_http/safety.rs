//! The safety rules of a server with no sign-in: DTD bodies (XXE, billion laughs) and
//! oversized bodies refused, no eventing (CallStranger), 406 to time seeks, 404 with DLNA
//! off, 421 to a foreign Host, and media open to registered addresses only.

use std::time::Duration;

use reqwest::{Method, StatusCode};

use super::*;
use crate::support::{spawn_app_with, TestApp};

/// Posts a raw body to the ContentDirectory's control URL.
async fn raw_control(app: &TestApp, body: Vec<u8>) -> (StatusCode, String) {
    let res = app
        .client()
        .post(app.url("/dlna/cds/control"))
        .header("content-type", "text/xml")
        .header(
            "soapaction",
            "\"urn:schemas-upnp-org:service:ContentDirectory:1#Browse\"",
        )
        .body(body)
        .send()
        .await
        .expect("post");
    (res.status(), res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn xxe_billion_laughs_and_oversized_bodies_are_refused() {
    let app = spawn_app_with(|s| s.dlna = true).await;
    let passwd = std::fs::read_to_string("/etc/passwd").expect("passwd");
    let first_line = passwd.lines().next().expect("a line").to_owned();
    let envelope = |doctype: &str, id: &str| {
        format!(
            "<?xml version=\"1.0\"?>{doctype}<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">\
             <s:Body><u:Browse xmlns:u=\"urn:schemas-upnp-org:service:ContentDirectory:1\">\
             {}</u:Browse></s:Body></s:Envelope>",
            browse_args(id, "BrowseMetadata", 0, 0, "")
        )
    };
    let xxe = envelope(
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>",
        "&e;",
    );
    let (status, body) = raw_control(&app, xxe.into_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert!(!body.contains(&first_line), "file content leaked: {body}");
    assert_eq!(Node::parse(&body).first("errorCode").text, "402");
    let mut lol = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        lol += &format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10));
    }
    lol += "]>";
    let (status, body) = raw_control(&app, envelope(&lol, "&lol9;").into_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.len() < 4096, "a short fault, not an expansion");
    let undeclared = envelope("", "&e;");
    let (status, _) = raw_control(&app, undeclared.into_bytes()).await;
    assert_eq!(status, 500, "an unknown entity is a malformed request");
    let huge = envelope("", &"0".repeat(100 * 1024));
    let (status, _) = raw_control(&app, huge.into_bytes()).await;
    assert_eq!(status, 413);
    // Still answering.
    let (status, _) = soap(&app, "ContentDirectory", "GetSystemUpdateID", "").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn subscriptions_get_501_and_no_callback_is_ever_made() {
    let app = spawn_app_with(|s| s.dlna = true).await;
    let victim = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    victim.set_nonblocking(true).expect("nonblocking");
    let callback = format!("<http://{}/hook>", victim.local_addr().expect("addr"));
    for path in ["/dlna/cds/event", "/dlna/cm/event", "/dlna/mrr/event"] {
        let res = app
            .client()
            .request(Method::from_bytes(b"SUBSCRIBE").unwrap(), app.url(path))
            .header("callback", &callback)
            .header("nt", "upnp:event")
            .header("timeout", "Second-1800")
            .send()
            .await
            .expect("subscribe");
        assert_eq!(res.status(), 501, "{path}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    match victim.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the server connected to the callback: {other:?}"),
    }
}

#[tokio::test]
async fn a_time_seek_gets_406_on_tv_mp4_and_the_original() {
    let app = app_with_library().await;
    let all = browse(&app, "all", "BrowseDirectChildren", 0, 0, "").await;
    let urls: Vec<String> = all
        .objects
        .iter()
        .flat_map(resources)
        .map(|(_, u)| u)
        .collect();
    assert!(
        urls.iter().any(|u| u.ends_with("/tv.mp4"))
            && urls.iter().any(|u| u.ends_with("/original"))
    );
    for url in urls {
        let res = app
            .client()
            .get(&url)
            .header("TimeSeekRange.dlna.org", "npt=10.0-")
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 406, "{url}");
    }
}

#[tokio::test]
async fn with_dlna_off_every_dlna_route_is_404() {
    let app = spawn_app_with(|s| s.dlna = false).await;
    let client = app.client();
    for (method, path) in [
        ("GET", "/dlna/description.xml"),
        ("GET", "/dlna/cds.xml"),
        ("GET", "/dlna/icons/icon-48.png"),
        ("POST", "/dlna/cds/control"),
        ("SUBSCRIBE", "/dlna/cds/event"),
    ] {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let res = client
            .request(method, app.url(path))
            .body("<a/>")
            .send()
            .await
            .expect("req");
        assert_eq!(res.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn a_foreign_host_gets_421() {
    let app = spawn_app_with(|s| s.dlna = true).await;
    for path in ["/dlna/description.xml", "/dlna/cds/control"] {
        let res = app
            .client()
            .post(app.url(path))
            .header("host", "rebound.example")
            .body("<a/>")
            .send()
            .await
            .expect("req");
        assert_eq!(res.status(), 421, "{path}");
    }
}

#[tokio::test]
async fn with_anonymous_viewers_off_only_a_registered_address_plays_and_only_while_dlna_is_on() {
    for dlna in [true, false] {
        let app = spawn_app_with(|s| {
            s.dlna = dlna;
            s.anonymous_viewers = false;
        })
        .await;
        app.synth_clip("党章电视教材 第一集.mp4", 2.0).await;
        app.scan(&app.library.clone()).await;
        let film = app.app.catalog.films().expect("films").remove(0).id;
        let url = app.url(&format!("/media/{film}/original"));
        let get = || app.client().get(&url).header("range", "bytes=0-9").send();
        assert_eq!(get().await.expect("get").status(), 401, "unregistered");
        let stations = app.app.stations.clone();
        tokio::task::spawn_blocking(move || {
            let station = stations
                .create(dianjiao::stations::NewStation {
                    code: "QLC".into(),
                    name: "七里村".into(),
                    kind: dianjiao::stations::StationKind::Village,
                    township: None,
                    broadcaster: None,
                })
                .expect("station");
            let ip = "127.0.0.1".parse().expect("ip");
            stations.add_address(&station.id, ip).expect("address");
        })
        .await
        .expect("join");
        let expected = if dlna { 206 } else { 401 };
        assert_eq!(
            get().await.expect("get").status(),
            expected,
            "registered, dlna {dlna}"
        );
        let listing = app
            .client()
            .get(app.url("/api/v1/films"))
            .send()
            .await
            .expect("get");
        assert_eq!(listing.status(), 401, "the JSON catalog stays closed");
    }
}
