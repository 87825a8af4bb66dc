//! The DLNA MediaServer over real HTTP on loopback, as a TV's control point uses it: the
//! device description and icons, Browse down 按系列 → a series → its episodes in order,
//! paging, metadata, search by title and by pinyin initials, which films are listed before
//! preparation, the plan of the station whose address asks; and the safety rules: SOAP
//! faults, DTD bodies (XXE, billion laughs) refused, no eventing, 406 to time seeks, 404 with
//! DLNA off, 421 to a foreign Host. XML is read back with quick-xml, never by string search
//! alone.

use quick_xml::events::Event;
use quick_xml::Reader;
use reqwest::StatusCode;

use crate::prepare::prepare_all;
use crate::support::fixtures::clip;
use crate::support::{spawn_app_with, TestApp};

mod browse;
mod safety;

pub(super) const SERIES: &str = "党章电视教材";

/// A small XML tree, enough to read SOAP answers, DIDL-Lite and the description.
#[derive(Debug, Default, Clone)]
pub(super) struct Node {
    pub(super) name: String,
    attrs: Vec<(String, String)>,
    pub(super) text: String,
    pub(super) children: Vec<Node>,
}

impl Node {
    pub(super) fn parse(xml: &str) -> Node {
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
    pub(super) fn all(&self, name: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        for c in &self.children {
            if c.name.rsplit(':').next() == Some(name) {
                out.push(c);
            }
            out.extend(c.all(name));
        }
        out
    }

    pub(super) fn first(&self, name: &str) -> &Node {
        self.all(name)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no <{name}> in {self:?}"))
    }

    pub(super) fn attr(&self, name: &str) -> &str {
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
pub(super) async fn app_with_library() -> TestApp {
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

pub(super) fn browse_args(id: &str, flag: &str, start: u32, count: u32, sort: &str) -> String {
    format!(
        "<ObjectID>{id}</ObjectID><BrowseFlag>{flag}</BrowseFlag><Filter>*</Filter>\
         <StartingIndex>{start}</StartingIndex><RequestedCount>{count}</RequestedCount>\
         <SortCriteria>{sort}</SortCriteria>"
    )
}

/// Posts a SOAP action; returns the status and the body.
pub(super) async fn soap(
    app: &TestApp,
    service: &str,
    action: &str,
    args: &str,
) -> (StatusCode, String) {
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
pub(super) struct Listing {
    pub(super) objects: Vec<Node>,
    pub(super) returned: usize,
    pub(super) total: usize,
}

impl Listing {
    pub(super) fn titles(&self) -> Vec<String> {
        self.objects
            .iter()
            .map(|o| o.first("title").text.clone())
            .collect()
    }

    pub(super) fn ids(&self) -> Vec<String> {
        self.objects
            .iter()
            .map(|o| o.attr("id").to_owned())
            .collect()
    }
}

pub(super) async fn browse(
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

pub(super) fn listing(body: &str) -> Listing {
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

pub(super) async fn search(app: &TestApp, criteria: &str) -> Listing {
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
pub(super) fn resources(item: &Node) -> Vec<(String, String)> {
    item.all("res")
        .into_iter()
        .map(|r| (r.attr("protocolInfo").to_owned(), r.text.clone()))
        .collect()
}
