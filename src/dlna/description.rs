//! The root device description (a MediaServer:1 with DLNA's DMS-1.50 mark), the three
//! services' SCPDs and the device icons. Every URL in the description is a path on this
//! server: a control point resolves it against the description's own URL, so nothing here
//! depends on a header the client sent.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::soap::text_element;
use super::{
    CDS_CONTROL_PATH, CDS_EVENT_PATH, CDS_SCPD_PATH, CM_CONTROL_PATH, CM_EVENT_PATH, CM_SCPD_PATH,
    MRR_CONTROL_PATH, MRR_EVENT_PATH, MRR_SCPD_PATH,
};

/// ContentDirectory:1's SCPD.
pub const CDS_SCPD: &str = include_str!("xml/cds.xml");
/// ConnectionManager:1's SCPD.
pub const CM_SCPD: &str = include_str!("xml/cm.xml");
/// X_MS_MediaReceiverRegistrar:1's SCPD.
pub const MRR_SCPD: &str = include_str!("xml/mrr.xml");

/// The device icons: (file name under `/dlna/icons/`, mime type, size, bytes). Made once with
/// the ffmpeg CLI (a gold square on party red) and kept in `src/dlna/icons/`:
/// `ffmpeg -f lavfi -i color=c=0xc8102e:s=NxN:d=1 -vf drawbox=…:color=0xffd700:t=fill,
/// drawbox=…:color=0xc8102e:t=fill -frames:v 1 icon-N.png`, then the PNG to JPEG.
pub const ICONS: [(&str, &str, u32, &[u8]); 4] = [
    (
        "icon-48.png",
        "image/png",
        48,
        include_bytes!("icons/icon-48.png"),
    ),
    (
        "icon-120.png",
        "image/png",
        120,
        include_bytes!("icons/icon-120.png"),
    ),
    (
        "icon-48.jpg",
        "image/jpeg",
        48,
        include_bytes!("icons/icon-48.jpg"),
    ),
    (
        "icon-120.jpg",
        "image/jpeg",
        120,
        include_bytes!("icons/icon-120.jpg"),
    ),
];

/// The services: type, id, SCPD, control and event paths.
pub const SERVICES: [(&str, &str, &str, &str, &str); 3] = [
    (
        "urn:schemas-upnp-org:service:ContentDirectory:1",
        "urn:upnp-org:serviceId:ContentDirectory",
        CDS_SCPD_PATH,
        CDS_CONTROL_PATH,
        CDS_EVENT_PATH,
    ),
    (
        "urn:schemas-upnp-org:service:ConnectionManager:1",
        "urn:upnp-org:serviceId:ConnectionManager",
        CM_SCPD_PATH,
        CM_CONTROL_PATH,
        CM_EVENT_PATH,
    ),
    (
        "urn:microsoft.com:service:X_MS_MediaReceiverRegistrar:1",
        "urn:microsoft.com:serviceId:X_MS_MediaReceiverRegistrar",
        MRR_SCPD_PATH,
        MRR_CONTROL_PATH,
        MRR_EVENT_PATH,
    ),
];

/// The root device's type.
pub const DEVICE_TYPE: &str = "urn:schemas-upnp-org:device:MediaServer:1";

/// The device description for the server called `friendly_name` with `udn` (`uuid:…`).
pub fn device(friendly_name: &str, udn: &str) -> Vec<u8> {
    let mut w = Writer::new(Vec::with_capacity(4096));
    // Writing into a Vec cannot fail.
    let _ = write_device(&mut w, friendly_name, udn);
    w.into_inner()
}

fn write_device(w: &mut Writer<Vec<u8>>, name: &str, udn: &str) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.write_event(Event::Start(BytesStart::new("root").with_attributes([
        ("xmlns", "urn:schemas-upnp-org:device-1-0"),
        ("xmlns:dlna", "urn:schemas-dlna-org:device-1-0"),
    ])))?;
    w.write_event(Event::Start(BytesStart::new("specVersion")))?;
    text_element(w, "major", "1")?;
    text_element(w, "minor", "0")?;
    w.write_event(Event::End(BytesEnd::new("specVersion")))?;
    w.write_event(Event::Start(BytesStart::new("device")))?;
    text_element(w, "deviceType", DEVICE_TYPE)?;
    w.write_event(Event::Start(
        BytesStart::new("dlna:X_DLNADOC")
            .with_attributes([("xmlns:dlna", "urn:schemas-dlna-org:device-1-0")]),
    ))?;
    w.write_event(Event::Text(BytesText::new("DMS-1.50")))?;
    w.write_event(Event::End(BytesEnd::new("dlna:X_DLNADOC")))?;
    for (element, value) in [
        ("friendlyName", name),
        ("manufacturer", "dianjiao"),
        (
            "modelDescription",
            "乡镇党员电教片库 (township party-education film library)",
        ),
        ("modelName", "dianjiao"),
        ("modelNumber", env!("CARGO_PKG_VERSION")),
        ("serialNumber", udn.trim_start_matches("uuid:")),
        ("UDN", udn),
    ] {
        text_element(w, element, value)?;
    }
    w.write_event(Event::Start(BytesStart::new("iconList")))?;
    for (file, mime, size, _) in ICONS {
        let size = size.to_string();
        w.write_event(Event::Start(BytesStart::new("icon")))?;
        text_element(w, "mimetype", mime)?;
        text_element(w, "width", &size)?;
        text_element(w, "height", &size)?;
        text_element(w, "depth", "24")?;
        text_element(w, "url", &format!("/dlna/icons/{file}"))?;
        w.write_event(Event::End(BytesEnd::new("icon")))?;
    }
    w.write_event(Event::End(BytesEnd::new("iconList")))?;
    w.write_event(Event::Start(BytesStart::new("serviceList")))?;
    for (service_type, id, scpd, control, event) in SERVICES {
        w.write_event(Event::Start(BytesStart::new("service")))?;
        text_element(w, "serviceType", service_type)?;
        text_element(w, "serviceId", id)?;
        text_element(w, "SCPDURL", scpd)?;
        text_element(w, "controlURL", control)?;
        text_element(w, "eventSubURL", event)?;
        w.write_event(Event::End(BytesEnd::new("service")))?;
    }
    w.write_event(Event::End(BytesEnd::new("serviceList")))?;
    text_element(w, "presentationURL", "/tv/")?;
    w.write_event(Event::End(BytesEnd::new("device")))?;
    w.write_event(Event::End(BytesEnd::new("root")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_names_the_device_and_escapes_its_name() {
        let doc = String::from_utf8(device("七里 & 八里 <镇>电教片库", "uuid:1")).expect("utf-8");
        assert!(doc.contains("<friendlyName>七里 &amp; 八里 &lt;镇&gt;电教片库</friendlyName>"));
        assert!(doc.contains("<dlna:X_DLNADOC xmlns:dlna=\"urn:schemas-dlna-org:device-1-0\">DMS-1.50</dlna:X_DLNADOC>"));
        assert!(doc.contains("<UDN>uuid:1</UDN>"));
        assert!(doc.contains("<controlURL>/dlna/cds/control</controlURL>"));
    }

    #[test]
    fn the_icons_are_what_their_names_say() {
        for (file, mime, _, bytes) in ICONS {
            let magic: &[u8] = if mime == "image/png" {
                b"\x89PNG"
            } else {
                b"\xff\xd8\xff"
            };
            assert!(bytes.starts_with(magic), "{file}");
        }
    }
}
