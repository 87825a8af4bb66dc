//! A renderer's device description, fetched from the `LOCATION` of its search answer and
//! read with `quick-xml` (no DTDs, no entities beyond XML's five): its UDN, friendly name and
//! the control URLs of its AVTransport and RenderingControl services.

use std::net::Ipv4Addr;
use std::time::Duration;

use quick_xml::events::Event;
use quick_xml::Reader;

/// Descriptions longer than this are not read (a real one is a few KiB).
pub const MAX_DESCRIPTION: usize = 64 * 1024;
/// A renderer that takes longer to send its description is left out this round.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Deeper nesting is refused (a description nests devices a few levels at most).
const MAX_DEPTH: usize = 32;
/// Longest kept text of one element.
const MAX_TEXT: usize = 1024;

/// What the server keeps of a renderer's description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    /// `uuid:…` of the device that has the AVTransport service.
    pub udn: String,
    pub friendly_name: String,
    /// Absolute `http://` URL of AVTransport's control point, on the renderer's own address.
    pub av_transport: String,
    /// RenderingControl's control point (volume), when the same device has one.
    pub rendering_control: Option<String>,
}

/// Why a description was not taken. Logged at debug level only.
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    #[error("LOCATION is not http:// on the answering address")]
    ElsewhereLocation,
    #[error("fetching the description failed: {0}")]
    Fetch(String),
    #[error("the description is longer than 64 KiB")]
    TooLong,
    #[error("the description declares a DTD or entities")]
    Dtd,
    #[error("the description is not well-formed XML")]
    Malformed,
    #[error("the description has no AVTransport service with a UDN")]
    NoTransport,
}

/// The parsed `LOCATION`, when it is `http://` at `from` (the address that answered): the
/// server fetches nothing from anywhere else.
pub fn location_at(location: &str, from: Ipv4Addr) -> Result<reqwest::Url, Unusable> {
    let url = reqwest::Url::parse(location).map_err(|_| Unusable::ElsewhereLocation)?;
    let same_host = url.host_str().and_then(|h| h.parse::<Ipv4Addr>().ok()) == Some(from);
    if url.scheme() != "http" || !same_host || !url.username().is_empty() {
        return Err(Unusable::ElsewhereLocation);
    }
    Ok(url)
}

/// A location the office types in: `http://` at an IPv4 address (its station's registered
/// address, checked by the caller), no user name — returned with that address.
pub fn registrable(location: &str) -> Result<(reqwest::Url, Ipv4Addr), Unusable> {
    let url = reqwest::Url::parse(location.trim()).map_err(|_| Unusable::ElsewhereLocation)?;
    let ip = url
        .host_str()
        .and_then(|h| h.parse::<Ipv4Addr>().ok())
        .ok_or(Unusable::ElsewhereLocation)?;
    location_at(url.as_str(), ip).map(|u| (u, ip))
}

/// Fetches and reads the description at `url` (already checked by [`location_at`]).
pub async fn fetch(client: &reqwest::Client, url: &reqwest::Url) -> Result<Description, Unusable> {
    let body = get_capped(client, url, MAX_DESCRIPTION).await?;
    parse(&body, url)
}

/// GET with a time-out and a cap on the body; no redirects (the client has none).
pub async fn get_capped(
    client: &reqwest::Client,
    url: &reqwest::Url,
    cap: usize,
) -> Result<Vec<u8>, Unusable> {
    let fail = |e: reqwest::Error| Unusable::Fetch(e.to_string());
    let mut resp = client
        .get(url.clone())
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .map_err(fail)?;
    if !resp.status().is_success() {
        return Err(Unusable::Fetch(format!("HTTP {}", resp.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(fail)? {
        if body.len() + chunk.len() > cap {
            return Err(Unusable::TooLong);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// One `<device>` being read.
#[derive(Default)]
struct DeviceSeen {
    udn: String,
    name: String,
}

/// Reads a description; relative URLs are resolved against `URLBase`, else `base`. The
/// control URL must stay on `base`'s host and port scheme (`http`).
pub fn parse(body: &[u8], base: &reqwest::Url) -> Result<Description, Unusable> {
    if crate::dlna::soap::declares_dtd(body) {
        return Err(Unusable::Dtd);
    }
    let text = std::str::from_utf8(body).map_err(|_| Unusable::Malformed)?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut path: Vec<String> = Vec::new();
    let mut devices: Vec<DeviceSeen> = Vec::new();
    let (mut url_base, mut service_type, mut control) = (None, String::new(), String::new());
    let mut found: Option<(String, String, String)> = None;
    let mut rendering: Option<(String, String)> = None;
    let mut text_now = String::new();
    loop {
        match reader.read_event().map_err(|_| Unusable::Malformed)? {
            Event::DocType(_) => return Err(Unusable::Dtd),
            Event::Start(e) => {
                let name = e.local_name().into_inner().to_owned();
                if name == "device" {
                    devices.push(DeviceSeen::default());
                }
                if name == "service" {
                    (service_type, control) = (String::new(), String::new());
                }
                path.push(name);
                text_now.clear();
                if path.len() > MAX_DEPTH {
                    return Err(Unusable::Malformed);
                }
            }
            Event::Text(t) => push(&mut text_now, &t.xml10_content()),
            Event::CData(c) => push(&mut text_now, &c.xml10_content()),
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .ok_or(Unusable::Malformed)?
                        .to_owned(),
                    Err(_) => return Err(Unusable::Malformed),
                };
                push(&mut text_now, &ch);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let value = std::mem::take(&mut text_now).trim().to_owned();
                let parent = path.last().map(String::as_str);
                match (name.as_str(), parent) {
                    ("URLBase", Some("root")) => url_base = Some(value),
                    ("UDN", Some("device")) => set(&mut devices, |d| d.udn = value),
                    ("friendlyName", Some("device")) => set(&mut devices, |d| d.name = value),
                    ("serviceType", Some("service")) => service_type = value,
                    ("controlURL", Some("service")) => control = value,
                    ("service", _) if service_type.contains(":service:AVTransport:") => {
                        if let (None, Some(d)) = (&found, devices.last()) {
                            found = Some((d.udn.clone(), d.name.clone(), control.clone()));
                        }
                    }
                    ("service", _) if service_type.contains(":service:RenderingControl:") => {
                        if let (None, Some(d)) = (&rendering, devices.last()) {
                            rendering = Some((d.udn.clone(), control.clone()));
                        }
                    }
                    ("device", _) => {
                        devices.pop();
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let (udn, friendly_name, control) = found.ok_or(Unusable::NoTransport)?;
    if udn.is_empty() || control.is_empty() {
        return Err(Unusable::NoTransport);
    }
    let base = match url_base.and_then(|u| reqwest::Url::parse(&u).ok()) {
        Some(u) if u.host() == base.host() => u,
        _ => base.clone(),
    };
    let url = control_at(&base, &control).ok_or(Unusable::ElsewhereLocation)?;
    let rendering_control = rendering
        .filter(|(u, c)| *u == udn && !c.is_empty())
        .and_then(|(_, c)| control_at(&base, &c));
    Ok(Description {
        udn,
        friendly_name: friendly_name.chars().take(128).collect(),
        av_transport: url,
        rendering_control,
    })
}

/// A control URL resolved against `base`, when it stays `http://` on `base`'s host.
fn control_at(base: &reqwest::Url, control: &str) -> Option<String> {
    let url = base.join(control).ok()?;
    (url.scheme() == "http" && url.host() == base.host()).then(|| url.to_string())
}

fn push(text: &mut String, piece: &str) {
    if text.len() + piece.len() <= MAX_TEXT {
        text.push_str(piece);
    }
}

fn set(devices: &mut [DeviceSeen], f: impl FnOnce(&mut DeviceSeen)) {
    if let Some(d) = devices.last_mut() {
        f(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GMEDIARENDER: &str = r#"<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
  <specVersion><major>1</major><minor>0</minor></specVersion>
  <device>
    <deviceType>urn:schemas-upnp-org:device:MediaRenderer:1</deviceType>
    <friendlyName>Village TV &amp; box</friendlyName>
    <UDN>uuid:1234-abcd</UDN>
    <serviceList>
      <service>
        <serviceType>urn:schemas-upnp-org:service:ConnectionManager:1</serviceType>
        <controlURL>/upnp/control/cm</controlURL>
      </service>
      <service>
        <serviceType>urn:schemas-upnp-org:service:RenderingControl:1</serviceType>
        <controlURL>/upnp/control/rendercontrol1</controlURL>
      </service>
      <service>
        <serviceType>urn:schemas-upnp-org:service:AVTransport:1</serviceType>
        <serviceId>urn:upnp-org:serviceId:AVTransport</serviceId>
        <controlURL>upnp/control/rendertransport1</controlURL>
      </service>
    </serviceList>
  </device>
</root>"#;

    fn base() -> reqwest::Url {
        reqwest::Url::parse("http://10.77.0.2:49494/description.xml").unwrap()
    }

    #[test]
    fn reads_udn_name_and_the_av_transport_control_url() {
        let d = parse(GMEDIARENDER.as_bytes(), &base()).unwrap();
        assert_eq!(d.udn, "uuid:1234-abcd");
        assert_eq!(d.friendly_name, "Village TV & box");
        assert_eq!(
            d.av_transport,
            "http://10.77.0.2:49494/upnp/control/rendertransport1"
        );
        assert_eq!(
            d.rendering_control.as_deref(),
            Some("http://10.77.0.2:49494/upnp/control/rendercontrol1")
        );
    }

    #[test]
    fn refuses_dtds_and_control_urls_on_other_hosts() {
        let dtd = format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{GMEDIARENDER}");
        assert!(matches!(parse(dtd.as_bytes(), &base()), Err(Unusable::Dtd)));
        let away = GMEDIARENDER.replace("upnp/control/rendertransport1", "http://192.0.2.9/steal");
        assert!(matches!(
            parse(away.as_bytes(), &base()),
            Err(Unusable::ElsewhereLocation)
        ));
        let none = GMEDIARENDER.replace("AVTransport:1", "ContentDirectory:1");
        assert!(matches!(
            parse(none.as_bytes(), &base()),
            Err(Unusable::NoTransport)
        ));
    }

    #[test]
    fn a_location_must_be_http_on_the_answering_address() {
        let from = Ipv4Addr::new(10, 77, 0, 2);
        assert!(location_at("http://10.77.0.2:49494/d.xml", from).is_ok());
        for bad in [
            "http://10.77.0.3:49494/d.xml",
            "https://10.77.0.2/d.xml",
            "file:///etc/passwd",
            "http://user@10.77.0.2/d.xml",
            "http://localhost/d.xml",
        ] {
            assert!(location_at(bad, from).is_err(), "{bad}");
        }
    }
}
