//! The DLNA MediaServer over real HTTP on loopback, as a TV's control point uses it: the
//! device description and icons, Browse down 按系列 → a series → its episodes in order,
//! paging, metadata, search by title and by pinyin initials, which films are listed before
//! preparation, the plan of the station whose address asks; and the safety rules: SOAP
//! faults, DTD bodies (XXE, billion laughs) refused, no eventing, 406 to time seeks, 404 with
//! DLNA off, 421 to a foreign Host. XML is read back with quick-xml, never by string search
//! alone.

use std::time::Duration;

use dianjiao::accounts::Role;
use quick_xml::events::Event;
use quick_xml::Reader;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::prepare::prepare_all;
use crate::support::fixtures::clip;
use crate::support::plays::post;
use crate::support::{spawn_app_with, TestApp};

const SERIES: &str = "党章电视教材";

/// A small XML tree, enough to read SOAP answers, DIDL-Lite and the description.
#[derive(Debug, Default, Clone)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn parse(xml: &str) -> Node {
        let mut reader = Reader::from_str(xml);
        let mut stack = vec![Node::default()];
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => stack.push(Node::open(&e)),
                Event::Empty(e) => {
                    let node = Node::open(&e);
                    stack.last_mut().expect("parent").children.push(node);
                }
                Event::End(_) => {
                    let done = stack.pop().expect("open element");
                    stack.last_mut().expect("parent").children.push(done);
                }
                Event::Text(t) => stack.last_mut().expect("node").text += &t.xml10_content(),
                Event::GeneralRef(r) => {
                    let name = r.xml10_content();
                    let ch = match r.resolve_char_ref().expect("char ref") {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(&name)
                            .expect("predefined entity")
                            .to_owned(),
                    };
                    stack.last_mut().expect("node").text += &ch;
                }
                Event::Eof => break,
                _ => {}
            }
        }
        stack.pop().expect("document")
    }

    fn open(e: &quick_xml::events::BytesStart) -> Node {
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                let key = a.key.as_ref().to_owned();
                (
                    key,
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("value")
                        .into_owned(),
                )
            })
            .collect();
        Node {
            name: e.name().as_ref().to_owned(),
            attrs,
            ..Node::default()
        }
    }

    /// Elements anywhere below whose local name is `name`.
    fn all(&self, name: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        for c in &self.children {
            if c.name.rsplit(':').next() == Some(name) {
                out.push(c);
            }
            out.extend(c.all(name));
        }
        out
    }

    fn first(&self, name: &str) -> &Node {
        self.all(name)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no <{name}> in {self:?}"))
    }

    fn attr(&self, name: &str) -> &str {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// A library: a three-episode series (named so that title order is not episode order), a
/// local production, all prepared; then, unprepared, a VCD-era `.mpg` (plays natively) and
/// an Xvid `.avi` (cannot play until prepared).
async fn app_with_library() -> TestApp {
    let app = spawn_app_with(|s| s.dlna = true).await;
    let series = app.library.join(SERIES);
    std::fs::create_dir_all(&series).expect("dir");
    let toml =
        format!("series = \"{SERIES}\"\ncategory = \"中央\"\nthemes = [\"党章\"]\nyear = 2005\n");
    std::fs::write(series.join("catalog.toml"), toml).expect("catalog.toml");
    let local = app.library.join("本地制作");
    std::fs::create_dir_all(&local).expect("dir");
    std::fs::write(
        local.join("catalog.toml"),
        "category = \"本地制作\"\nthemes = [\"基层组织建设\"]\nyear = 2026\n",
    )
    .expect("catalog.toml");
    for n in ["一", "二", "三"] {
        app.synth_clip(&format!("{SERIES}/{SERIES} 第{n}集.mp4"), 2.0)
            .await;
    }
    app.synth_clip("本地制作/村里的新闻 & 讲话.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    assert_eq!(prepare_all(&app).await, 4);
    let later = app.library.join("旧光盘");
    std::fs::create_dir_all(&later).expect("dir");
    let dir = later.clone();
    tokio::task::spawn_blocking(move || {
        clip(&dir, "vcd-era.mpg");
        clip(&dir, "xvid.avi");
    })
    .await
    .expect("fixtures");
    app.scan(&app.library.clone()).await;
    app
}

fn browse_args(id: &str, flag: &str, start: u32, count: u32, sort: &str) -> String {
    format!(
        "<ObjectID>{id}</ObjectID><BrowseFlag>{flag}</BrowseFlag><Filter>*</Filter>\
         <StartingIndex>{start}</StartingIndex><RequestedCount>{count}</RequestedCount>\
         <SortCriteria>{sort}</SortCriteria>"
    )
}

/// Posts a SOAP action; returns the status and the body.
async fn soap(app: &TestApp, service: &str, action: &str, args: &str) -> (StatusCode, String) {
    let path = match service {
        "ContentDirectory" => "/dlna/cds/control",
        "ConnectionManager" => "/dlna/cm/control",
        _ => "/dlna/mrr/control",
    };
    let urn = if service == "X_MS_MediaReceiverRegistrar" {
        format!("urn:microsoft.com:service:{service}:1")
    } else {
        format!("urn:schemas-upnp-org:service:{service}:1")
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>\
         <u:{action} xmlns:u=\"{urn}\">{args}</u:{action}></s:Body></s:Envelope>"
    );
    let res = app
        .client()
        .post(app.url(path))
        .header("content-type", "text/xml; charset=\"utf-8\"")
        .header("soapaction", format!("\"{urn}#{action}\""))
        .body(body)
        .send()
        .await
        .expect("soap");
    let status = res.status();
    if status.is_success() {
        let ct = res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(ct.starts_with("text/xml"), "{ct}");
    }
    (status, res.text().await.expect("body"))
}

/// A listing: its DIDL objects, NumberReturned and TotalMatches.
struct Listing {
    objects: Vec<Node>,
    returned: usize,
    total: usize,
}

impl Listing {
    fn titles(&self) -> Vec<String> {
        self.objects
            .iter()
            .map(|o| o.first("title").text.clone())
            .collect()
    }

    fn ids(&self) -> Vec<String> {
        self.objects
            .iter()
            .map(|o| o.attr("id").to_owned())
            .collect()
    }
}

async fn browse(
    app: &TestApp,
    id: &str,
    flag: &str,
    start: u32,
    count: u32,
    sort: &str,
) -> Listing {
    let (status, body) = soap(
        app,
        "ContentDirectory",
        "Browse",
        &browse_args(id, flag, start, count, sort),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    listing(&body)
}

fn listing(body: &str) -> Listing {
    let envelope = Node::parse(body);
    let didl = Node::parse(&envelope.first("Result").text);
    let root = didl.first("DIDL-Lite");
    Listing {
        objects: root.children.clone(),
        returned: envelope
            .first("NumberReturned")
            .text
            .parse()
            .expect("number"),
        total: envelope.first("TotalMatches").text.parse().expect("number"),
    }
}

async fn search(app: &TestApp, criteria: &str) -> Listing {
    let escaped = quick_xml::escape::escape(criteria);
    let args = format!(
        "<ContainerID>0</ContainerID><SearchCriteria>{escaped}</SearchCriteria><Filter>*</Filter>\
         <StartingIndex>0</StartingIndex><RequestedCount>0</RequestedCount><SortCriteria></SortCriteria>"
    );
    let (status, body) = soap(app, "ContentDirectory", "Search", &args).await;
    assert_eq!(status, 200, "{body}");
    listing(&body)
}

/// The `(protocolInfo, url)` of each `res` of an item.
fn resources(item: &Node) -> Vec<(String, String)> {
    item.all("res")
        .into_iter()
        .map(|r| (r.attr("protocolInfo").to_owned(), r.text.clone()))
        .collect()
}

#[tokio::test]
async fn the_description_names_the_server_its_services_and_fetchable_icons() {
    let app = app_with_library().await;
    let res = app
        .client()
        .get(app.url("/dlna/description.xml"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    let doc = Node::parse(&res.text().await.expect("body"));
    let uuid = app.app.dlna.uuid(&app.app.settings.data).expect("uuid");
    assert_eq!(doc.first("UDN").text, uuid);
    assert_eq!(
        doc.first("deviceType").text,
        "urn:schemas-upnp-org:device:MediaServer:1"
    );
    assert_eq!(doc.first("X_DLNADOC").text, "DMS-1.50");
    assert_eq!(doc.first("friendlyName").text, "本乡镇电教片库");
    let services: Vec<String> = doc
        .all("serviceType")
        .iter()
        .map(|n| n.text.clone())
        .collect();
    assert_eq!(
        services,
        [
            "urn:schemas-upnp-org:service:ContentDirectory:1",
            "urn:schemas-upnp-org:service:ConnectionManager:1",
            "urn:microsoft.com:service:X_MS_MediaReceiverRegistrar:1"
        ]
    );
    for scpd in doc.all("SCPDURL") {
        let res = app
            .client()
            .get(app.url(&scpd.text))
            .send()
            .await
            .expect("scpd");
        assert_eq!(res.status(), 200, "{}", scpd.text);
        let scpd = Node::parse(&res.text().await.expect("body"));
        assert!(!scpd.all("action").is_empty());
    }
    let icons = doc.all("icon");
    assert_eq!(icons.len(), 4);
    for icon in icons {
        let mime = icon.first("mimetype").text.clone();
        let res = app
            .client()
            .get(app.url(&icon.first("url").text))
            .send()
            .await
            .expect("icon");
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], mime.as_str());
        let bytes = res.bytes().await.expect("bytes");
        let magic: &[u8] = if mime == "image/png" {
            b"\x89PNG\r\n"
        } else {
            b"\xff\xd8\xff"
        };
        assert!(bytes.starts_with(magic), "{mime}");
    }
}

#[tokio::test]
async fn a_tv_browses_series_to_its_episodes_in_order_and_can_fetch_them() {
    let app = app_with_library().await;
    let root = browse(&app, "0", "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(
        root.titles(),
        [
            "本站本季度计划",
            "按系列",
            "按主题",
            "本地制作",
            "最近添加",
            "全部影片"
        ]
    );
    assert_eq!((root.returned, root.total), (6, 6));
    let series = browse(&app, "series", "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(series.titles(), [SERIES]);
    let folder = series.objects[0].attr("id").to_owned();
    assert_eq!(series.objects[0].attr("childCount"), "3");
    let episodes = browse(&app, &folder, "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(
        episodes.titles(),
        [
            "党章电视教材 第一集",
            "党章电视教材 第二集",
            "党章电视教材 第三集"
        ],
        "episode order, not title order"
    );
    let first = &episodes.objects[0];
    assert_eq!(first.attr("parentID"), folder);
    let res = resources(first);
    assert_eq!(res.len(), 2, "tv.mp4 and the H.264 original: {res:?}");
    let (info, url) = &res[0];
    assert!(
        url.starts_with(&app.base) && url.ends_with("/tv.mp4"),
        "{url}"
    );
    assert!(
        info.starts_with("http-get:*:video/mp4:DLNA.ORG_PN=AVC_MP4_"),
        "{info}"
    );
    assert!(
        info.contains("DLNA.ORG_OP=01;DLNA.ORG_CI=0;DLNA.ORG_FLAGS=0170"),
        "{info}"
    );
    let r = first.first("res");
    assert!(r.attr("size").parse::<u64>().expect("size") > 0);
    assert!(r.attr("duration").starts_with("0:00:0"), "{:?}", r.attrs);
    assert!(r.attr("resolution").contains('x'));
    let art = first.first("albumArtURI");
    assert_eq!(art.attr("dlna:profileID"), "JPEG_TN");
    assert!(art.text.ends_with("/thumb.jpg"));
    let fetched = app
        .client()
        .get(url)
        .header("range", "bytes=0-99")
        .send()
        .await
        .expect("get");
    assert_eq!(fetched.status(), 206);
    assert_eq!(fetched.bytes().await.expect("bytes").len(), 100);
    let date_sorted = browse(&app, "local", "BrowseDirectChildren", 0, 0, "-dc:date").await;
    assert_eq!(
        date_sorted.titles(),
        ["村里的新闻 & 讲话"],
        "escaped and read back"
    );
}

#[tokio::test]
async fn paging_and_metadata_answer_counts_and_the_object_itself() {
    let app = app_with_library().await;
    let all = browse(&app, "all", "BrowseDirectChildren", 0, 0, "+dc:title").await;
    assert_eq!((all.returned, all.total), (5, 5), "{:?}", all.titles());
    let page = browse(&app, "all", "BrowseDirectChildren", 1, 2, "+dc:title").await;
    assert_eq!((page.returned, page.total), (2, 5));
    assert_eq!(page.ids(), all.ids()[1..3]);
    let past = browse(&app, "all", "BrowseDirectChildren", 9, 2, "").await;
    assert_eq!((past.returned, past.total), (0, 5));
    let mut titles = all.titles();
    titles.sort();
    assert_eq!(all.titles(), titles, "+dc:title sorts by title");
    let reversed = browse(&app, "all", "BrowseDirectChildren", 0, 0, "-dc:title").await;
    titles.reverse();
    assert_eq!(reversed.titles(), titles);

    let film = &all.ids()[0];
    let meta = browse(&app, film, "BrowseMetadata", 0, 0, "").await;
    assert_eq!((meta.returned, meta.total), (1, 1));
    assert_eq!(meta.objects[0].name, "item");
    assert_eq!(meta.ids(), std::slice::from_ref(film));
    let folder = browse(&app, "series", "BrowseMetadata", 0, 0, "").await;
    assert_eq!(folder.titles(), ["按系列"]);
    assert_eq!(folder.objects[0].attr("parentID"), "0");
}

#[tokio::test]
async fn search_finds_films_by_title_and_by_pinyin_initials() {
    let app = app_with_library().await;
    let by_title = search(&app, "dc:title contains \"第二集\"").await;
    assert_eq!(by_title.titles(), ["党章电视教材 第二集"]);
    let by_initials = search(
        &app,
        "(upnp:class derivedfrom \"object.item.videoItem\") and dc:title contains \"dzdsjc\"",
    )
    .await;
    let mut found = by_initials.titles();
    found.sort();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().all(|t| t.starts_with(SERIES)), "{found:?}");
    let music = search(&app, "upnp:class derivedfrom \"object.item.audioItem\"").await;
    assert_eq!(music.total, 0);
}

#[tokio::test]
async fn before_preparation_only_films_tvs_play_natively_are_listed() {
    let app = app_with_library().await;
    let films = app.app.catalog.films().expect("films");
    let avi = films
        .iter()
        .find(|f| f.source.name == "xvid.avi")
        .expect("the AVI is catalogued");
    assert_ne!(avi.state, media_catalog::FilmState::Ready);
    let all = browse(&app, "all", "BrowseDirectChildren", 0, 0, "").await;
    let titles = all.titles();
    assert!(
        !titles.iter().any(|t| t.contains("xvid")),
        "an Xvid AVI cannot play yet: {titles:?}"
    );
    let mpg = all
        .objects
        .iter()
        .find(|o| o.first("title").text.contains("vcd"))
        .unwrap_or_else(|| panic!("the VCD-era mpg is listed: {titles:?}"));
    let res = resources(mpg);
    assert_eq!(res.len(), 1, "{res:?}");
    let (info, url) = &res[0];
    assert!(url.ends_with("/original"), "{url}");
    assert!(
        info.starts_with("http-get:*:video/mpeg:DLNA.ORG_PN=MPEG1;"),
        "{info}"
    );
    let fetched = app
        .client()
        .get(url)
        .header("range", "bytes=0-3")
        .send()
        .await
        .expect("get");
    assert_eq!(fetched.status(), 206);
    assert_eq!(
        &fetched.bytes().await.expect("bytes")[..],
        b"\x00\x00\x01\xba",
        "a program stream"
    );
}

#[tokio::test]
async fn the_plan_folder_holds_the_plan_of_the_station_whose_address_asks() {
    let app = app_with_library().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let (status, st) = post(
        &admin,
        &app,
        "/api/v1/stations",
        json!({"code": "QLC", "name": "七里村", "kind": "village"}),
    )
    .await;
    assert_eq!(status, 201, "{st}");
    let station = st["id"].as_str().expect("id").to_owned();
    let empty = browse(&app, "plan", "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(empty.total, 0, "an unregistered address has no plan");
    let path = format!("/api/v1/stations/{station}/addresses");
    let (status, body) = post(&admin, &app, &path, json!({"address": "127.0.0.1"})).await;
    assert!((200..300).contains(&status), "{body}");
    let second = search(&app, "dc:title contains \"第二集\"").await;
    let film = second.ids()[0].trim_start_matches("film/").to_owned();
    let today = app.app.days.today();
    let plan = json!({"year": today.year(), "quarter": today.quarter(),
                      "items": [{"month": today.month(), "film_id": film}]});
    let (status, body) = post(
        &admin,
        &app,
        &format!("/api/v1/stations/{station}/plans"),
        plan,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let planned = browse(&app, "plan", "BrowseDirectChildren", 0, 0, "").await;
    assert_eq!(planned.titles(), ["党章电视教材 第二集"]);
}

#[tokio::test]
async fn unknown_actions_and_objects_get_upnp_faults() {
    let app = app_with_library().await;
    let (status, body) = soap(
        &app,
        "ContentDirectory",
        "DestroyObject",
        "<ObjectID>0</ObjectID>",
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(Node::parse(&body).first("errorCode").text, "401");
    let args = browse_args("film/0000000000000000", "BrowseMetadata", 0, 0, "");
    let (status, body) = soap(&app, "ContentDirectory", "Browse", &args).await;
    assert_eq!(status, 500);
    assert_eq!(Node::parse(&body).first("errorCode").text, "701");
    let args = browse_args("../../etc", "BrowseDirectChildren", 0, 0, "");
    let (_, body) = soap(&app, "ContentDirectory", "Browse", &args).await;
    assert_eq!(Node::parse(&body).first("errorCode").text, "701");
    let args = browse_args("0", "BrowseDirectChildren", 0, 0, "")
        .replace("<StartingIndex>0", "<StartingIndex>-1");
    let (_, body) = soap(&app, "ContentDirectory", "Browse", &args).await;
    assert_eq!(Node::parse(&body).first("errorCode").text, "402");
    let (status, body) = soap(&app, "ConnectionManager", "GetProtocolInfo", "").await;
    assert_eq!(status, 200);
    assert!(Node::parse(&body)
        .first("Source")
        .text
        .contains("DLNA.ORG_PN=MPEG1"));
    let (status, body) = soap(
        &app,
        "X_MS_MediaReceiverRegistrar",
        "IsAuthorized",
        "<DeviceID></DeviceID>",
    )
    .await;
    assert_eq!(
        (
            status.as_u16(),
            Node::parse(&body).first("Result").text.as_str()
        ),
        (200, "1")
    );
    let (_, body) = soap(&app, "ContentDirectory", "GetSystemUpdateID", "").await;
    let before = Node::parse(&body).first("Id").text.clone();
    prepare_all(&app).await;
    let (_, body) = soap(&app, "ContentDirectory", "GetSystemUpdateID", "").await;
    assert_ne!(
        Node::parse(&body).first("Id").text,
        before,
        "the catalog changed"
    );
}

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
