//! SOAP for UPnP control: reading an action (its name and arguments) from a request body and
//! writing the answer or a UPnP fault, all through `quick-xml`. A body that declares a
//! document type or entities is refused before it is parsed: quick-xml never expands
//! entities, and refusing them outright keeps XXE and billion-laughs bodies from going any
//! further than the first bytes.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

/// The largest control request body read, in bytes (a Browse is a few hundred).
pub const MAX_BODY: usize = 64 * 1024;
/// More arguments than any UPnP AV action takes.
const MAX_ARGS: usize = 32;
/// Deeper than any SOAP request nests.
const MAX_DEPTH: usize = 16;

const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP_ENCODING: &str = "http://schemas.xmlsoap.org/soap/encoding/";

/// A UPnP error, sent as a SOAP fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 401: no such action, or a body that is not a SOAP action at all.
    InvalidAction,
    /// 402: an argument missing or of the wrong form.
    InvalidArgs,
    /// 701: no object with that id.
    NoSuchObject,
    /// 709: a sort criterion we cannot sort on.
    UnsupportedSort,
    /// 720: the request cannot be processed (a store failed).
    CannotProcess,
}

impl Fault {
    /// The UPnP error code.
    pub fn code(self) -> u16 {
        match self {
            Fault::InvalidAction => 401,
            Fault::InvalidArgs => 402,
            Fault::NoSuchObject => 701,
            Fault::UnsupportedSort => 709,
            Fault::CannotProcess => 720,
        }
    }

    /// The UPnP error description.
    pub fn description(self) -> &'static str {
        match self {
            Fault::InvalidAction => "Invalid Action",
            Fault::InvalidArgs => "Invalid Args",
            Fault::NoSuchObject => "No such object",
            Fault::UnsupportedSort => "Unsupported or invalid sort criteria",
            Fault::CannotProcess => "Cannot process the request",
        }
    }
}

/// An action call: its name and its arguments in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Action {
    pub name: String,
    pub args: Vec<(String, String)>,
}

impl Action {
    /// An argument's value; `None` when absent.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a body was refused before or while parsing.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// A DTD or an entity declaration: never parsed.
    Dtd,
    /// Not well-formed, not an envelope with a body, or too big in some dimension.
    Malformed,
}

/// Reads the action from a SOAP body. `soap_action` is the `SOAPACTION` header
/// (`"urn:…:service:ContentDirectory:1#Browse"`); when given, its action must be the body's.
pub fn parse(body: &[u8], soap_action: Option<&str>) -> Result<Action, Refused> {
    if declares_dtd(body) {
        return Err(Refused::Dtd);
    }
    let text = std::str::from_utf8(body).map_err(|_| Refused::Malformed)?;
    let action = read_action(text)?;
    let header_action = soap_action
        .map(|h| h.trim().trim_matches('"'))
        .and_then(|h| h.rsplit_once('#'))
        .map(|(_, name)| name);
    match header_action {
        Some(name) if name != action.name => Err(Refused::Malformed),
        _ => Ok(action),
    }
}

/// `<!DOCTYPE` or `<!ENTITY` anywhere, in any case.
pub(crate) fn declares_dtd(body: &[u8]) -> bool {
    body.windows(9)
        .any(|w| w.eq_ignore_ascii_case(b"<!DOCTYPE"))
        || body.windows(8).any(|w| w.eq_ignore_ascii_case(b"<!ENTITY"))
}

/// Where the reader is in the envelope.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Before `Envelope`, or inside it before `Body`.
    Outside,
    /// Inside `Body`, before the action.
    Body,
    /// Inside the action.
    Action,
    /// Inside one argument.
    Arg,
}

fn read_action(text: &str) -> Result<Action, Refused> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut action = Action::default();
    let mut place = Place::Outside;
    let mut depth = 0usize;
    let mut done = false;
    loop {
        let event = reader.read_event().map_err(|_| Refused::Malformed)?;
        match event {
            Event::DocType(_) => return Err(Refused::Dtd),
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Refused::Malformed);
                }
                place = enter(place, e.local_name().as_ref(), &mut action, done)?;
            }
            Event::Empty(e) => {
                // `<u:GetSystemUpdateID/>` is an action with no arguments, done at once.
                let now = enter(place, e.local_name().as_ref(), &mut action, done)?;
                done |= now == Place::Action;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                place = match place {
                    Place::Arg => Place::Action,
                    Place::Action => {
                        done = true;
                        Place::Body
                    }
                    other => other,
                };
            }
            Event::Text(t) if place == Place::Arg => {
                let piece = t.xml10_content();
                push_text(&mut action, &piece)?;
            }
            Event::CData(c) if place == Place::Arg => {
                let piece = c.xml10_content();
                push_text(&mut action, &piece)?;
            }
            Event::GeneralRef(r) if place == Place::Arg => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .ok_or(Refused::Malformed)?
                        .to_owned(),
                    Err(_) => return Err(Refused::Malformed),
                };
                push_text(&mut action, &ch)?;
            }
            Event::GeneralRef(_) => return Err(Refused::Malformed),
            Event::Eof => break,
            _ => {}
        }
    }
    if action.name.is_empty() {
        return Err(Refused::Malformed);
    }
    Ok(action)
}

/// Steps into an element; returns where the reader now is.
fn enter(place: Place, name: &str, action: &mut Action, done: bool) -> Result<Place, Refused> {
    Ok(match place {
        Place::Outside if name == "Body" => Place::Body,
        Place::Outside => Place::Outside,
        Place::Body if done => return Err(Refused::Malformed),
        Place::Body => {
            action.name = name.to_owned();
            Place::Action
        }
        Place::Action => {
            if action.args.len() >= MAX_ARGS {
                return Err(Refused::Malformed);
            }
            action.args.push((name.to_owned(), String::new()));
            Place::Arg
        }
        Place::Arg => return Err(Refused::Malformed),
    })
}

fn push_text(action: &mut Action, piece: &str) -> Result<(), Refused> {
    let (_, value) = action.args.last_mut().ok_or(Refused::Malformed)?;
    value.push_str(piece);
    Ok(())
}

/// The answer to `action` of `service` (its URN) with output arguments in order.
pub fn response(service: &str, action: &str, outputs: &[(&str, &str)]) -> Vec<u8> {
    envelope(|w| {
        let name = format!("u:{action}Response");
        w.write_event(Event::Start(
            BytesStart::new(name.as_str()).with_attributes([("xmlns:u", service)]),
        ))?;
        for (arg, value) in outputs {
            text_element(w, arg, value)?;
        }
        w.write_event(Event::End(BytesEnd::new(name.as_str())))
    })
}

/// A control request: `action` of `service` (its URN) with input arguments in order.
pub fn request(service: &str, action: &str, inputs: &[(&str, &str)]) -> Vec<u8> {
    envelope(|w| {
        let name = format!("u:{action}");
        w.write_event(Event::Start(
            BytesStart::new(name.as_str()).with_attributes([("xmlns:u", service)]),
        ))?;
        for (arg, value) in inputs {
            text_element(w, arg, value)?;
        }
        w.write_event(Event::End(BytesEnd::new(name.as_str())))
    })
}

/// A UPnP fault (sent with HTTP 500).
pub fn fault(f: Fault) -> Vec<u8> {
    envelope(|w| {
        w.write_event(Event::Start(BytesStart::new("s:Fault")))?;
        text_element(w, "faultcode", "s:Client")?;
        text_element(w, "faultstring", "UPnPError")?;
        w.write_event(Event::Start(BytesStart::new("detail")))?;
        w.write_event(Event::Start(
            BytesStart::new("UPnPError")
                .with_attributes([("xmlns", "urn:schemas-upnp-org:control-1-0")]),
        ))?;
        text_element(w, "errorCode", &f.code().to_string())?;
        text_element(w, "errorDescription", f.description())?;
        w.write_event(Event::End(BytesEnd::new("UPnPError")))?;
        w.write_event(Event::End(BytesEnd::new("detail")))?;
        w.write_event(Event::End(BytesEnd::new("s:Fault")))
    })
}

type XmlWriter = Writer<Vec<u8>>;

/// `<?xml?><s:Envelope><s:Body>` + what `body` writes + the closing tags.
fn envelope(body: impl FnOnce(&mut XmlWriter) -> std::io::Result<()>) -> Vec<u8> {
    let mut w = Writer::new(Vec::with_capacity(1024));
    let written = (|| {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
        w.write_event(Event::Start(BytesStart::new("s:Envelope").with_attributes(
            [("xmlns:s", SOAP_ENV), ("s:encodingStyle", SOAP_ENCODING)],
        )))?;
        w.write_event(Event::Start(BytesStart::new("s:Body")))?;
        body(&mut w)?;
        w.write_event(Event::End(BytesEnd::new("s:Body")))?;
        w.write_event(Event::End(BytesEnd::new("s:Envelope")))
    })();
    // Writing into a Vec cannot fail.
    debug_assert!(written.is_ok());
    w.into_inner()
}

/// `<name>escaped text</name>`.
pub(crate) fn text_element(w: &mut XmlWriter, name: &str, text: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BROWSE: &str = r#"<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
<s:Body><u:Search xmlns:u="urn:schemas-upnp-org:service:ContentDirectory:1">
<ContainerID>0</ContainerID><SearchCriteria>dc:title contains &quot;党章 &amp; 党纪&quot;&#x21;</SearchCriteria>
<Filter>*</Filter><StartingIndex>0</StartingIndex><RequestedCount>0</RequestedCount><SortCriteria/>
</u:Search></s:Body></s:Envelope>"#;

    #[test]
    fn an_action_and_its_arguments_are_read_with_references_resolved() {
        let a = parse(BROWSE.as_bytes(), Some("\"urn:x#Search\"")).expect("parsed");
        assert_eq!(a.name, "Search");
        assert_eq!(a.arg("ContainerID"), Some("0"));
        assert_eq!(
            a.arg("SearchCriteria"),
            Some("dc:title contains \"党章 & 党纪\"!")
        );
        assert_eq!(a.arg("SortCriteria"), Some(""));
        assert_eq!(a.arg("Nope"), None);
    }

    #[test]
    fn a_header_naming_another_action_is_refused() {
        assert_eq!(
            parse(BROWSE.as_bytes(), Some("\"urn:x#Browse\"")),
            Err(Refused::Malformed)
        );
    }

    #[test]
    fn dtds_and_entities_are_refused_before_parsing() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="a"><s:Body><u:Browse><ObjectID>&e;</ObjectID></u:Browse></s:Body></s:Envelope>"#;
        assert_eq!(parse(xxe.as_bytes(), None), Err(Refused::Dtd));
        let lower = "<!doctype x><a/>";
        assert_eq!(parse(lower.as_bytes(), None), Err(Refused::Dtd));
        let undeclared = r#"<s:Envelope xmlns:s="a"><s:Body><u:Browse><ObjectID>&e;</ObjectID></u:Browse></s:Body></s:Envelope>"#;
        assert_eq!(parse(undeclared.as_bytes(), None), Err(Refused::Malformed));
    }

    #[test]
    fn broken_or_empty_bodies_are_malformed() {
        for bad in [
            "",
            "<a>",
            "<s:Envelope><s:Body></s:Body></s:Envelope>",
            "not xml",
        ] {
            assert_eq!(
                parse(bad.as_bytes(), None),
                Err(Refused::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn answers_escape_their_values() {
        let out = response("urn:x", "Browse", &[("Result", "<DIDL-Lite>&</DIDL-Lite>")]);
        let out = String::from_utf8(out).expect("utf-8");
        assert!(
            out.contains("<u:BrowseResponse xmlns:u=\"urn:x\">"),
            "{out}"
        );
        assert!(
            out.contains("<Result>&lt;DIDL-Lite&gt;&amp;&lt;/DIDL-Lite&gt;</Result>"),
            "{out}"
        );
        let f = String::from_utf8(fault(Fault::NoSuchObject)).expect("utf-8");
        assert!(f.contains("<errorCode>701</errorCode>"), "{f}");
    }
}

#[cfg(test)]
mod proptests;
