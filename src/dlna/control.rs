//! The actions of the three services, answered from the catalog: ContentDirectory (Browse,
//! Search, capabilities, SystemUpdateID, Samsung's X_GetFeatureList), ConnectionManager and
//! the Xbox registrar. Blocking (store reads): call off the async threads.

use std::net::IpAddr;

use media_catalog::FilmQuery;

use super::didl::{self, Object};
use super::directory::{self, Paging};
use super::profile;
use super::soap::{Action, Fault};
use crate::app::App;

/// Which service a control URL belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    ContentDirectory,
    ConnectionManager,
    Registrar,
}

impl Service {
    /// The service type, as the answer's namespace.
    pub fn urn(self) -> &'static str {
        match self {
            Service::ContentDirectory => "urn:schemas-upnp-org:service:ContentDirectory:1",
            Service::ConnectionManager => "urn:schemas-upnp-org:service:ConnectionManager:1",
            Service::Registrar => "urn:microsoft.com:service:X_MS_MediaReceiverRegistrar:1",
        }
    }
}

/// Output arguments, in the order the SCPD lists them.
pub type Outputs = Vec<(&'static str, String)>;

/// Who is asking and under which address they reached us (for absolute URLs).
pub struct Caller {
    pub address: Option<IpAddr>,
    /// `http://host[:port]` as the caller asked for it (the Host allow-list passed it).
    pub base: String,
}

/// Answers one action.
pub fn call(
    app: &App,
    service: Service,
    action: &Action,
    caller: &Caller,
) -> Result<Outputs, Fault> {
    match (service, action.name.as_str()) {
        (Service::ContentDirectory, "Browse") => browse(app, action, caller),
        (Service::ContentDirectory, "Search") => search(app, action, caller),
        (Service::ContentDirectory, "GetSearchCapabilities") => {
            Ok(vec![("SearchCaps", "dc:title,upnp:class".into())])
        }
        (Service::ContentDirectory, "GetSortCapabilities") => {
            Ok(vec![("SortCaps", "dc:title,dc:date".into())])
        }
        (Service::ContentDirectory, "GetSystemUpdateID") => {
            let snap = snapshot(app)?;
            Ok(vec![("Id", snap.update_id.to_string())])
        }
        (Service::ContentDirectory, "X_GetFeatureList") => Ok(vec![("FeatureList", features())]),
        (Service::ConnectionManager, "GetProtocolInfo") => Ok(vec![
            ("Source", profile::source_protocols()),
            ("Sink", String::new()),
        ]),
        (Service::ConnectionManager, "GetCurrentConnectionIDs") => {
            Ok(vec![("ConnectionIDs", "0".into())])
        }
        (Service::ConnectionManager, "GetCurrentConnectionInfo") => connection_info(action),
        (Service::Registrar, "IsAuthorized" | "IsValidated") => Ok(vec![("Result", "1".into())]),
        (Service::Registrar, "RegisterDevice") => Ok(vec![("RegistrationRespMsg", String::new())]),
        _ => Err(Fault::InvalidAction),
    }
}

fn snapshot(app: &App) -> Result<std::sync::Arc<super::content::Snapshot>, Fault> {
    app.dlna
        .tree
        .current(&app.catalog, &app.preparation)
        .map_err(|e| {
            tracing::warn!(error = %e, "DLNA tree could not be built");
            Fault::CannotProcess
        })
}

fn number(action: &Action, name: &str) -> Result<usize, Fault> {
    let v = action.arg(name).ok_or(Fault::InvalidArgs)?.trim();
    if v.is_empty() {
        return Ok(0);
    }
    v.parse::<u32>()
        .map(|n| n as usize)
        .map_err(|_| Fault::InvalidArgs)
}

fn paging(action: &Action) -> Result<Paging<'_>, Fault> {
    Ok(Paging {
        start: number(action, "StartingIndex")?,
        count: number(action, "RequestedCount")?,
        sort: action.arg("SortCriteria").unwrap_or(""),
    })
}

/// The caller's station plan for this quarter, if its address is registered to a station.
fn plan_of(app: &App, caller: &Caller) -> Vec<String> {
    let Some(ip) = caller.address else {
        return Vec::new();
    };
    let station = match app.stations.station_for_address(ip) {
        Ok(Some(s)) => s,
        Ok(None) => return Vec::new(),
        Err(e) => {
            tracing::warn!(error = %e, "station of a DLNA caller could not be read");
            return Vec::new();
        }
    };
    match crate::tv::quarter_plan(app, &station) {
        Ok(items) => items.into_iter().map(|(_, film)| film).collect(),
        Err(e) => {
            tracing::warn!(error = %e, station, "plan of a DLNA caller's station could not be read");
            Vec::new()
        }
    }
}

fn browse(app: &App, action: &Action, caller: &Caller) -> Result<Outputs, Fault> {
    let id = action.arg("ObjectID").ok_or(Fault::InvalidArgs)?.trim();
    let flag = action.arg("BrowseFlag").ok_or(Fault::InvalidArgs)?.trim();
    let paging = paging(action)?;
    let snap = snapshot(app)?;
    // Only the plan folder and the root (which counts it) depend on the caller.
    let plan = if matches!(id, "0" | "plan") {
        plan_of(app, caller)
    } else {
        Vec::new()
    };
    let (objects, total) = match flag {
        "BrowseDirectChildren" => {
            let l = directory::children(&snap, &plan, id, &paging)?;
            (l.objects, l.total)
        }
        "BrowseMetadata" => (vec![directory::metadata(&snap, &plan, id)?], 1),
        _ => return Err(Fault::InvalidArgs),
    };
    Ok(listing(&objects, total, snap.update_id, &caller.base))
}

fn listing(objects: &[Object], total: usize, update_id: u32, base: &str) -> Outputs {
    vec![
        ("Result", didl::document(objects, base)),
        ("NumberReturned", objects.len().to_string()),
        ("TotalMatches", total.to_string()),
        ("UpdateID", update_id.to_string()),
    ]
}

/// Most search hits looked at (the catalog's largest page).
const MAX_HITS: u32 = 200;

fn search(app: &App, action: &Action, caller: &Caller) -> Result<Outputs, Fault> {
    let criteria = action.arg("SearchCriteria").ok_or(Fault::InvalidArgs)?;
    let paging = paging(action)?;
    let snap = snapshot(app)?;
    let wanted = Criteria::parse(criteria);
    let hits: Vec<usize> = if !wanted.videos {
        Vec::new()
    } else if let Some(text) = wanted.title {
        let query = FilmQuery {
            q: Some(text),
            per_page: MAX_HITS,
            page: 1,
            ..FilmQuery::default()
        };
        let page = app.catalog.search(&query).map_err(|e| {
            tracing::warn!(error = %e, "DLNA search failed");
            Fault::CannotProcess
        })?;
        page.items
            .iter()
            .filter_map(|f| snap.by_id.get(f.id.as_str()).copied())
            .collect()
    } else {
        (0..snap.films.len()).collect()
    };
    let l = directory::results(&snap, hits, &paging);
    Ok(listing(&l.objects, l.total, snap.update_id, &caller.base))
}

/// What a search criterion asks for, as far as we can answer it.
#[derive(Debug, PartialEq, Eq)]
struct Criteria {
    /// Text the title must contain (words, pinyin or pinyin initials).
    title: Option<String>,
    /// False when the criterion asks only for classes we have none of (music, pictures).
    videos: bool,
}

impl Criteria {
    /// `dc:title contains "…"` (the first one) and any `upnp:class derivedfrom|= "…"`.
    fn parse(s: &str) -> Criteria {
        let mut title = None;
        let mut classes = Vec::new();
        let mut rest = s;
        while let Some(at) = rest.find('"') {
            let before = rest[..at].trim_end();
            let (value, after) = quoted(&rest[at + 1..]);
            let words: Vec<&str> = before.split_whitespace().collect();
            let n = words.len();
            if n >= 2 {
                let (prop, op) = (words[n - 2].trim_start_matches('('), words[n - 1]);
                match (prop, op) {
                    ("dc:title", "contains" | "=") if title.is_none() => title = Some(value),
                    ("upnp:class", "derivedfrom" | "=") => classes.push(value),
                    _ => {}
                }
            }
            rest = after;
        }
        let videos = classes.is_empty()
            || classes.iter().any(|c| {
                "object.item.videoItem.movie".starts_with(c.as_str())
                    || c.starts_with("object.item.videoItem")
            });
        Criteria {
            title: title.filter(|t| !t.trim().is_empty()),
            videos,
        }
    }
}

/// A quoted string's value (with `\"` and `\\` escapes) and what follows its closing quote.
fn quoted(s: &str) -> (String, &str) {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '"' => return (out, &s[i + 1..]),
            c => out.push(c),
        }
    }
    (out, "")
}

/// Samsung's feature list: where its "basic view" finds the videos (the root).
fn features() -> String {
    concat!(
        r#"<?xml version="1.0" encoding="utf-8"?>"#,
        r#"<Features xmlns="urn:schemas-upnp-org:av:avs" "#,
        r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
        r#"xsi:schemaLocation="urn:schemas-upnp-org:av:avs http://www.upnp.org/schemas/av/avs.xsd">"#,
        r#"<Feature name="samsung.com_BASICVIEW" version="1">"#,
        r#"<container id="all" type="object.item.videoItem"/>"#,
        r#"</Feature></Features>"#
    )
    .to_owned()
}

fn connection_info(action: &Action) -> Result<Outputs, Fault> {
    let id = action.arg("ConnectionID").ok_or(Fault::InvalidArgs)?.trim();
    if id != "0" {
        return Err(Fault::InvalidArgs);
    }
    Ok(vec![
        ("RcsID", "-1".into()),
        ("AVTransportID", "-1".into()),
        ("ProtocolInfo", String::new()),
        ("PeerConnectionManager", String::new()),
        ("PeerConnectionID", "-1".into()),
        ("Direction", "Output".into()),
        ("Status", "OK".into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_criteria_give_the_title_text_and_the_classes() {
        let c = Criteria::parse(
            r#"(upnp:class derivedfrom "object.item.videoItem") and dc:title contains "dzd""#,
        );
        assert_eq!(
            c,
            Criteria {
                title: Some("dzd".into()),
                videos: true
            }
        );
        let music = Criteria::parse(r#"upnp:class derivedfrom "object.item.audioItem""#);
        assert!(!music.videos);
        let esc = Criteria::parse(r#"dc:title contains "a \"b\" c""#);
        assert_eq!(esc.title.as_deref(), Some("a \"b\" c"));
        assert_eq!(
            Criteria::parse("*"),
            Criteria {
                title: None,
                videos: true
            }
        );
    }
}
