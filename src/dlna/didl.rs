//! DIDL-Lite: the XML a ContentDirectory answers Browse and Search with — containers
//! (folders on the TV's menu) and items (films, each with the files it can be played
//! from). Written with quick-xml's writer, so every title and URL is escaped.

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

const DIDL_NS: &str = "urn:schemas-upnp-org:metadata-1-0/DIDL-Lite/";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
const UPNP_NS: &str = "urn:schemas-upnp-org:metadata-1-0/upnp/";
const DLNA_NS: &str = "urn:schemas-dlna-org:metadata-1-0/";

/// A folder on the TV's menu.
#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    pub id: String,
    pub parent_id: String,
    pub title: String,
    pub child_count: usize,
}

/// A file a film can be played from.
#[derive(Clone, Debug, PartialEq)]
pub struct Res {
    /// Path on this server (`/media/{id}/tv.mp4`); made absolute with the requested host.
    pub path: String,
    pub protocol_info: String,
    pub size: Option<u64>,
    pub duration_s: Option<f64>,
    pub resolution: Option<(u32, u32)>,
    /// Bytes per second (UPnP's unit for `bitrate`).
    pub bitrate: Option<u64>,
}

/// A film.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub id: String,
    pub parent_id: String,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    pub description: Option<String>,
    /// The poster's path (`/media/{id}/thumb.jpg`).
    pub poster: Option<String>,
    pub res: Vec<Res>,
}

/// One entry of a listing.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Container(Container),
    Item(Item),
}

/// The DIDL-Lite document for `objects`; URLs are `base` (`http://host:port`) + path.
pub fn document(objects: &[Object], base: &str) -> String {
    let mut w = Writer::new(Vec::with_capacity(512 + objects.len() * 900));
    // Writing into a Vec cannot fail.
    let _ = write_document(&mut w, objects, base);
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

fn write_document(w: &mut Writer<Vec<u8>>, objects: &[Object], base: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("DIDL-Lite").with_attributes(
        [
            ("xmlns", DIDL_NS),
            ("xmlns:dc", DC_NS),
            ("xmlns:upnp", UPNP_NS),
            ("xmlns:dlna", DLNA_NS),
        ],
    )))?;
    for object in objects {
        match object {
            Object::Container(c) => container(w, c)?,
            Object::Item(i) => item(w, i, base)?,
        }
    }
    w.write_event(Event::End(BytesEnd::new("DIDL-Lite")))
}

fn container(w: &mut Writer<Vec<u8>>, c: &Container) -> std::io::Result<()> {
    let count = c.child_count.to_string();
    w.write_event(Event::Start(BytesStart::new("container").with_attributes(
        [
            ("id", c.id.as_str()),
            ("parentID", c.parent_id.as_str()),
            ("restricted", "1"),
            ("searchable", "1"),
            ("childCount", count.as_str()),
        ],
    )))?;
    text(w, "dc:title", &c.title)?;
    text(w, "upnp:class", "object.container.storageFolder")?;
    w.write_event(Event::End(BytesEnd::new("container")))
}

fn item(w: &mut Writer<Vec<u8>>, i: &Item, base: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("item").with_attributes([
        ("id", i.id.as_str()),
        ("parentID", i.parent_id.as_str()),
        ("restricted", "1"),
    ])))?;
    text(w, "dc:title", &i.title)?;
    text(w, "upnp:class", "object.item.videoItem.movie")?;
    if let Some(date) = &i.date {
        text(w, "dc:date", date)?;
    }
    if let Some(d) = &i.description {
        text(w, "dc:description", d)?;
    }
    if let Some(poster) = &i.poster {
        let url = format!("{base}{poster}");
        w.write_event(Event::Start(
            BytesStart::new("upnp:albumArtURI").with_attributes([("dlna:profileID", "JPEG_TN")]),
        ))?;
        w.write_event(Event::Text(BytesText::new(&url)))?;
        w.write_event(Event::End(BytesEnd::new("upnp:albumArtURI")))?;
    }
    for r in &i.res {
        res(w, r, base)?;
    }
    w.write_event(Event::End(BytesEnd::new("item")))
}

fn res(w: &mut Writer<Vec<u8>>, r: &Res, base: &str) -> std::io::Result<()> {
    let size = r.size.map(|s| s.to_string());
    let duration = r.duration_s.map(super::profile::duration);
    let resolution = r.resolution.map(|(w, h)| format!("{w}x{h}"));
    let bitrate = r.bitrate.map(|b| b.to_string());
    let mut start =
        BytesStart::new("res").with_attributes([("protocolInfo", r.protocol_info.as_str())]);
    for (name, value) in [
        ("size", &size),
        ("duration", &duration),
        ("resolution", &resolution),
        ("bitrate", &bitrate),
    ] {
        if let Some(v) = value {
            start.push_attribute((name, v.as_str()));
        }
    }
    w.write_event(Event::Start(start))?;
    w.write_event(Event::Text(BytesText::new(&format!("{base}{}", r.path))))?;
    w.write_event(Event::End(BytesEnd::new("res")))
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> std::io::Result<()> {
    super::soap::text_element(w, name, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    fn film(title: &str) -> Object {
        Object::Item(Item {
            id: "film/00000000000000aa".into(),
            parent_id: "all".into(),
            title: title.into(),
            date: Some("2005-01-01".into()),
            description: Some("讲 \"党章\" & <纪律>".into()),
            poster: Some("/media/00000000000000aa/thumb.jpg".into()),
            res: vec![Res {
                path: "/media/00000000000000aa/tv.mp4".into(),
                protocol_info: super::super::profile::protocol_info("video/mp4", None),
                size: Some(1234),
                duration_s: Some(61.5),
                resolution: Some((1280, 720)),
                bitrate: Some(20),
            }],
        })
    }

    /// Every title (dc:title text) of a document, read back with a real parser.
    fn titles(doc: &str) -> Vec<String> {
        let mut reader = Reader::from_str(doc);
        let mut out = Vec::new();
        let mut in_title = false;
        loop {
            match reader.read_event().expect("well-formed") {
                Event::Start(e) => in_title = e.name().as_ref() == "dc:title",
                Event::End(_) => in_title = false,
                Event::Text(t) if in_title => out.push(t.xml10_content().into_owned()),
                Event::GeneralRef(r) if in_title => {
                    let name = r.xml10_content();
                    let ch = quick_xml::escape::resolve_predefined_entity(&name).expect("known");
                    match out.last_mut() {
                        Some(last) => last.push_str(ch),
                        None => out.push(ch.to_owned()),
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

    #[test]
    fn titles_with_ampersands_brackets_quotes_and_chinese_survive() {
        let hard = "党章 & 党纪 <第1集> \"学习\" '讨论'";
        let doc = document(&[film(hard)], "http://10.0.0.2:8080");
        assert!(!doc.contains("& 党纪"), "raw ampersand in {doc}");
        assert!(doc.contains("党章 &amp; 党纪 &lt;第1集&gt;"), "{doc}");
        let joined: String = titles(&doc).concat();
        assert_eq!(joined, hard);
    }

    #[test]
    fn items_carry_absolute_urls_and_res_attributes() {
        let doc = document(&[film("一")], "http://10.0.0.2:8080");
        assert!(doc.contains(">http://10.0.0.2:8080/media/00000000000000aa/tv.mp4</res>"));
        assert!(doc.contains("size=\"1234\" duration=\"0:01:01.500\" resolution=\"1280x720\""));
        assert!(doc.contains("dlna:profileID=\"JPEG_TN\""), "{doc}");
        assert!(doc.contains("<upnp:class>object.item.videoItem.movie</upnp:class>"));
    }

    #[test]
    fn containers_say_how_many_children_they_have() {
        let c = Object::Container(Container {
            id: "series".into(),
            parent_id: "0".into(),
            title: "按系列".into(),
            child_count: 3,
        });
        let doc = document(&[c], "http://h");
        assert!(doc.contains("id=\"series\" parentID=\"0\""), "{doc}");
        assert!(doc.contains("childCount=\"3\""), "{doc}");
        assert_eq!(titles(&doc), vec!["按系列"]);
    }
}
