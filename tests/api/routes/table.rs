//! The route × role expectation table (see the module docs in `mod.rs` for its format) and
//! the ids its rows build their paths and bodies from.

use std::sync::Mutex;

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::PASSWORD;

/// What a role gets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Expect {
    Ok,
    E401,
    E403,
    E404,
    E422,
    /// Not implemented (DLNA event subscriptions: no eventing).
    E501,
}
pub(super) use Expect::*;

/// What `{id}` stands for in a row's path.
#[derive(Clone, Copy, Debug)]
pub(super) enum On {
    NoId,
    Film,
    Station,
    Spare,
    Unknown,
}
pub(super) use On::*;

/// A request body.
pub(super) enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
    Tus(Vec<(&'static str, &'static str)>, Vec<u8>),
}

/// The ids made in setup that rows build their paths and bodies from.
pub(super) struct Ids {
    pub(super) film: String,
    pub(super) rung: String,
    pub(super) station: String,
    pub(super) spare: String,
    /// A TV paired to `spare` (the revoke row's), and an address registered to it.
    pub(super) spare_device: String,
    pub(super) spare_address: String,
    /// The fifth column's TV: paired to `station`.
    pub(super) device_token: String,
    /// Unused pairing codes for `station`, one per pairing request.
    pub(super) codes: Mutex<Vec<String>>,
    /// A live pairing code of `station` that nothing uses (its QR code row).
    pub(super) qr_code: String,
}

impl Ids {
    /// The value of a named placeholder other than `{id}`.
    pub(super) fn fill(&self, name: &str) -> String {
        match name {
            "rung" => self.rung.clone(),
            "file" => "index.m3u8".into(),
            "item" => "sign".into(),
            "device_id" => self.spare_device.clone(),
            "address" => self.spare_address.clone(),
            "tail:.*" => "index.html".into(),
            "name" => "hls.min.js".into(),
            "user" => SPARE_USER.into(),
            "series" => "党章电视教材".into(),
            "register" => "all".into(),
            "icon" => "icon-48.png".into(),
            "code" => self.qr_code.clone(),
            "sha256" => "0".repeat(64),
            other => panic!("no value for {{{other}}}: add it to Ids::fill"),
        }
    }

    pub(super) fn next_code(&self) -> String {
        self.codes
            .lock()
            .unwrap()
            .pop()
            .expect("enough pairing codes")
    }
}

/// An account made in setup whose password the reset row changes.
pub(super) const SPARE_USER: &str = "spare-user";

/// One row; see the module docs.
pub(super) struct Row {
    pub(super) method: Method,
    pub(super) pattern: &'static str,
    pub(super) on: On,
    pub(super) body: fn(&Ids, &str) -> Body,
    pub(super) expect: [Expect; 5],
}

impl Row {
    /// The row's concrete path.
    pub(super) fn path(&self, ids: &Ids) -> String {
        let id = match self.on {
            NoId => "",
            Film => &ids.film,
            Station => &ids.station,
            Spare => &ids.spare,
            Unknown => "p_0000000000",
        };
        let mut path = self.pattern.replace("{id}", id);
        while let Some(start) = path.find('{') {
            let end = start + path[start..].find('}').expect("closing brace");
            let value = ids.fill(&path[start + 1..end]);
            path.replace_range(start..=end, &value);
        }
        path + &report_query(self.pattern, ids)
    }
}

/// The query a report route needs (its station and period go there, not in the path).
pub(super) fn report_query(pattern: &str, ids: &Ids) -> String {
    match pattern.strip_prefix("/api/v1/reports/") {
        Some("quarterly") => format!("?station={}&year=2026&quarter=1", ids.station),
        Some(p) if p.starts_with("registers/") => {
            format!("?station={}&from=2026-01-01&to=2026-12-31", ids.station)
        }
        Some(_) => "?year=2026".into(),
        None if pattern == "/api/v1/renderers" => format!("?station={}", ids.station),
        None => String::new(),
    }
}

pub(super) fn none(_: &Ids, _: &str) -> Body {
    Body::None
}

/// A SOAP request for `action` of a UPnP `service` with no arguments but `args`.
fn soap(service: &str, action: &str, args: &str) -> Body {
    let xml = format!(
        "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">\
         <s:Body><u:{action} xmlns:u=\"urn:schemas-upnp-org:service:{service}:1\">{args}</u:{action}>\
         </s:Body></s:Envelope>"
    );
    Body::Raw("text/xml; charset=\"utf-8\"", xml.into_bytes())
}

/// A PNG header of 1 × 1 pixel: enough for the photo route to take it as a PNG.
fn tiny_png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0, 0, 0, 0]);
    b
}

/// A UPnP event subscription method.
fn gena(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("an HTTP token")
}

#[rustfmt::skip] // A table: one route per line reads (and merges) best.
pub(super) fn rows() -> Vec<Row> {
    let r = |method, pattern, on, body: fn(&Ids, &str) -> Body, expect| Row {
        method, pattern, on, body, expect,
    };
    let sign_in = |_: &Ids, who: &str| Body::Json(json!({"name": who, "password": PASSWORD}));
    let new_user = |_: &Ids, who: &str| {
        Body::Json(json!({"name": format!("{who}-new"), "password": PASSWORD, "role": "clerk"}))
    };
    vec![
        r(Method::GET, "/healthz", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/metrics", NoId, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::POST, "/api/v1/session", NoId, sign_in, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/api/v1/session", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::DELETE, "/api/v1/session", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::POST, "/api/v1/users", NoId, new_user, [E401, E401, E403, Ok, E403]),
        r(Method::GET, "/api/v1/films", NoId, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::GET, "/api/v1/films/{id}", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::GET, "/api/v1/series", NoId, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::GET, "/api/v1/themes", NoId, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::GET, "/media/{id}/thumb.jpg", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::GET, "/media/{id}/original", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::HEAD, "/media/{id}/original", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::GET, "/media/{id}/tv.mp4", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::HEAD, "/media/{id}/tv.mp4", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::GET, "/hls/{id}/master.m3u8", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::HEAD, "/hls/{id}/master.m3u8", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::GET, "/hls/{id}/{rung}/{file}", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::HEAD, "/hls/{id}/{rung}/{file}", Film, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::GET, "/api/v1/ledger", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/ledger/checkpoint", NoId, none, [Ok, E401, Ok, Ok, Ok]),
        // Stations.
        r(Method::POST, "/api/v1/stations", NoId,
          |_, who| Body::Json(json!({"code": who, "name": "新村", "kind": "village"})),
          [E401, E401, E403, Ok, E403]),
        r(Method::GET, "/api/v1/stations", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/stations/{id}", Station, none, [E401, E401, Ok, Ok, E403]),
        r(Method::PATCH, "/api/v1/stations/{id}", Station,
          |_, who| Body::Json(json!({"broadcaster": who})),
          [E401, E401, E403, Ok, E403]),
        r(Method::POST, "/api/v1/stations/{id}/retire", Spare, none, [E401, E401, E403, Ok, E403]),
        r(Method::PUT, "/api/v1/stations/{id}/checklist/{item}", Station,
          |_, who| Body::Json(json!({"done": true, "note": who})),
          [E401, E401, Ok, Ok, E403]),
        r(Method::POST, "/api/v1/stations/{id}/members", Station,
          |_, who| Body::Json(json!({"name": "张三", "member_no": who})),
          [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/stations/{id}/members", Station, none, [E401, E401, Ok, Ok, E403]),
        r(Method::POST, "/api/v1/stations/{id}/roster", Station,
          |_, who| Body::Raw("text/csv", format!("姓名,党员编号\n李四,r-{who}\n").into_bytes()),
          [E401, E401, Ok, Ok, E403]),
        r(Method::POST, "/api/v1/stations/{id}/pairing-codes", Station, none,
          [E401, E401, E403, Ok, E403]),
        r(Method::GET, "/api/v1/stations/{id}/pairing-codes/{code}/qr.svg", Station, none,
          [E401, E401, E403, Ok, E403]),
        r(Method::GET, "/api/v1/stations/{id}/devices", Station, none,
          [E401, E401, E403, Ok, E403]),
        r(Method::DELETE, "/api/v1/stations/{id}/devices/{device_id}", Spare, none,
          [E401, E401, E403, Ok, E403]),
        r(Method::POST, "/api/v1/stations/{id}/addresses", Station,
          |_, _| Body::Json(json!({"address": "192.168.7.7"})),
          [E401, E401, E403, Ok, E403]),
        r(Method::GET, "/api/v1/stations/{id}/addresses", Station, none,
          [E401, E401, Ok, Ok, E403]),
        r(Method::DELETE, "/api/v1/stations/{id}/addresses/{address}", Spare, none,
          [E401, E401, E403, Ok, E403]),
        r(Method::POST, "/api/v1/stations/{id}/renderers", Station,
          |_, _| Body::Json(json!({"location": "http://192.0.2.1:49152/description.xml"})),
          [E401, E401, E403, E422, E403]),
        r(Method::POST, "/api/v1/devices/pair", NoId,
          |ids, _| Body::Json(json!({"code": ids.next_code()})),
          [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/api/v1/devices/pairing-status", NoId, none,
          [E401, E401, E403, Ok, E403]),
        r(Method::GET, "/api/v1/device", NoId, none, [E404, E401, E404, E404, Ok]),
        // Play sessions: no such play or film, so an allowed caller is refused by the
        // handler (404), not the gate.
        r(Method::POST, "/api/v1/plays", NoId,
          |_, _| Body::Json(json!({"film_id": "0000000000000000"})),
          [E404, E401, E404, E404, E404]),
        r(Method::GET, "/api/v1/plays", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/plays/unregistered", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/plays/{id}", Unknown, none, [E401, E401, E404, E404, E403]),
        r(Method::POST, "/api/v1/plays/{id}/heartbeat", Unknown,
          |_, _| Body::Json(json!({"position_s": 1.0})), [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/plays/{id}/end", Unknown,
          |_, _| Body::Json(json!({"position_s": 1.0})), [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/plays/{id}/signins", Unknown,
          |_, _| Body::Json(json!({"member_id": "m_0000000000"})), [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/plays/{id}/discussion", Unknown,
          |_, _| Body::Json(json!({"text": "讨论"})), [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/plays/{id}/feedback", Unknown,
          |_, _| Body::Json(json!({"text": "反馈"})), [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/plays/{id}/photo", Unknown,
          |_, _| Body::Raw("image/png", tiny_png()), [E404, E401, E404, E404, E404]),
        r(Method::GET, "/api/v1/plays/{id}/photos/{sha256}", Unknown, none,
          [E401, E401, E404, E404, E403]),
        // TV renderers (DLNA push): a station's own device or office staff; no such renderer.
        r(Method::GET, "/api/v1/renderers", NoId, none, [E403, E401, Ok, Ok, Ok]),
        r(Method::POST, "/api/v1/renderers/{id}/play", Unknown,
          |ids, _| Body::Json(json!({"film_id": ids.film})), [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/renderers/{id}/pause", Unknown, none, [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/renderers/{id}/resume", Unknown, none, [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/renderers/{id}/seek", Unknown,
          |_, _| Body::Json(json!({"position_s": 1.0})), [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/renderers/{id}/stop", Unknown, none, [E404, E401, E404, E404, E404]),
        r(Method::GET, "/api/v1/renderers/{id}/status", Unknown, none, [E404, E401, E404, E404, E404]),
        r(Method::POST, "/api/v1/renderers/{id}/volume", Unknown,
          |_, _| Body::Json(json!({"level": 30})), [E404, E401, E404, E404, E404]),
        // Web pages (public files; `/` and the slash-less forms redirect to them).
        r(Method::GET, "/", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/tv", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/admin", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/tv/{tail:.*}", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/admin/{tail:.*}", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/m", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/m/{tail:.*}", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/vendor/{name}", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        // Uploads (tus): discovery is public; an unknown upload is the handler's 404.
        r(Method::OPTIONS, "/api/v1/uploads", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::POST, "/api/v1/uploads", NoId,
          |_, _| Body::Tus(vec![("upload-length", "10")], vec![]),
          [E401, E401, E403, Ok, E403]),
        r(Method::HEAD, "/api/v1/uploads/{id}", Unknown,
          |_, _| Body::Tus(vec![], vec![]), [E401, E401, E403, E404, E403]),
        r(Method::PATCH, "/api/v1/uploads/{id}", Unknown,
          |_, _| Body::Tus(vec![("content-type", "application/offset+octet-stream"),
                                ("upload-offset", "0")], vec![0; 4]),
          [E401, E401, E403, E404, E403]),
        r(Method::DELETE, "/api/v1/uploads/{id}", Unknown,
          |_, _| Body::Tus(vec![], vec![]), [E401, E401, E403, E404, E403]),
        r(Method::GET, "/api/v1/uploads/{id}", Unknown, none, [E401, E401, E403, E404, E403]),
        // Manual ledger entries, registers and reports (a village station: no pastoral hours).
        r(Method::POST, "/api/v1/stations/{id}/feedback", Station,
          |_, who| Body::Json(json!({"text": who})), [E401, E401, Ok, Ok, E403]),
        r(Method::POST, "/api/v1/stations/{id}/info-reports", Station,
          |_, who| Body::Json(json!({"title": "电教信息", "text": who})), [E401, E401, Ok, Ok, E403]),
        r(Method::POST, "/api/v1/stations/{id}/plans", Station,
          |ids, _| Body::Json(json!({"year": 2026, "quarter": 1, "items": [{"month": 1, "film_id": ids.film}]})),
          [E401, E401, Ok, Ok, E403]),
        r(Method::POST, "/api/v1/stations/{id}/pastoral-sessions", Station,
          |_, _| Body::Json(json!({"date": "2026-01-01", "hours": 1, "place": "夏季牧场"})),
          [E401, E401, E422, E422, E403]),
        r(Method::POST, "/api/v1/productions", NoId,
          |ids, _| Body::Json(json!({"film_id": ids.film, "production": "feature"})),
          [E401, E401, E403, Ok, E403]),
        r(Method::POST, "/api/v1/ledger/corrections", NoId,
          |_, who| Body::Json(json!({"corrects": 0, "reason": who})), [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/reports/registers/{register}", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/reports/monthly", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/reports/quarterly", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/reports/yearly", NoId, none, [E401, E401, Ok, Ok, E403]),
        // Pastoral field kits (a village station: no kit; an empty file: not records).
        r(Method::GET, "/api/v1/kits", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::POST, "/api/v1/kits", NoId,
          |ids, _| Body::Json(json!({"station_id": ids.station, "film_ids": [ids.film], "out_dir": "/tmp"})),
          [E401, E401, E422, E422, E403]),
        r(Method::GET, "/api/v1/kits/{id}", Unknown, none, [E401, E401, E404, E404, E403]),
        r(Method::POST, "/api/v1/kits/import", NoId,
          |_, _| Body::Json(json!({})), [E401, E401, E422, E422, E403]),
        // The TV UI's home screen.
        r(Method::GET, "/api/v1/tv/home", NoId, none, [Ok, E401, Ok, Ok, Ok]),
        // Library.
        // Office (helper: admin): accounts, catalog editing, series, theme list.
        r(Method::GET, "/api/v1/users", NoId, none, [E401, E401, E403, Ok, E403]),
        r(Method::POST, "/api/v1/users/{user}/password", NoId,
          |_, _| Body::Json(json!({"password": "another-password"})),
          [E401, E401, E403, Ok, E403]),
        r(Method::PATCH, "/api/v1/films/{id}", Film,
          |_, who| Body::Json(json!({"summary": who})),
          [E401, E401, Ok, Ok, E403]),
        r(Method::PATCH, "/api/v1/series/{series}", NoId,
          |_, who| Body::Json(json!({"summary": who})),
          [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/theme-plan", NoId, none, [Ok, E401, Ok, Ok, Ok]),
        r(Method::PUT, "/api/v1/theme-plan", NoId,
          |_, _| Body::Json(json!({"items": [{"name": "党章", "kind": "annual"}]})),
          [E401, E401, Ok, Ok, E403]),
        r(Method::GET, "/api/v1/library", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::POST, "/api/v1/library/scan", NoId, none, [E401, E401, E403, Ok, E403]),
        r(Method::GET, "/api/v1/doctor", NoId, none, [E401, E401, E403, Ok, E403]),
        // The office's preparation panel: the queue, "先准备这部" (an unknown film: 404 once
        // past the gate; a real one is moved in prepare_queue.rs).
        r(Method::GET, "/api/v1/preparation/queue", NoId, none, [E401, E401, Ok, Ok, E403]),
        r(Method::POST, "/api/v1/preparation/queue/{id}/first", Unknown, none,
          [E401, E401, E404, E404, E403]),
        // The county (issue 18). This table's server is a township's: the county's own
        // routes answer 404 past the gate; the signed township routes 404 to everyone.
        r(Method::GET, "/api/v1/county/monthly", NoId, none, [E401, E401, E404, E404, E403]),
        r(Method::GET, "/api/v1/county/townships", NoId, none, [E401, E401, E404, E404, E403]),
        r(Method::POST, "/api/v1/county/townships", NoId,
          |_, who| Body::Json(json!({"name": who, "key": "not-a-key"})),
          [E401, E401, E403, E404, E403]),
        r(Method::POST, "/api/v1/county/townships/{id}/confirm", Unknown,
          |_, _| Body::Json(json!({"fingerprint": "SHA256:0000"})),
          [E401, E401, E403, E404, E403]),
        r(Method::POST, "/api/v1/county/status", NoId,
          |_, _| Body::Json(json!({})), [E404, E404, E404, E404, E404]),
        r(Method::POST, "/api/v1/county/push", NoId,
          |_, _| Body::Json(json!({"checkpoint": "", "entries": []})),
          [E404, E404, E404, E404, E404]),
        r(Method::GET, "/api/v1/ledger/key", NoId, none, [E401, E401, Ok, Ok, E403]),
        // No county_url on this server: nothing to push to.
        r(Method::POST, "/api/v1/county/send", NoId, none, [E401, E401, E422, E422, E403]),
        r(Method::GET, "/api/v1/county/sender", NoId, none, [E401, E401, Ok, Ok, E403]),
        // DLNA (on in this table's server): anyone, signed in or not — DLNA has no sign-in.
        r(Method::GET, "/dlna/description.xml", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/dlna/cds.xml", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/dlna/cm.xml", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/dlna/mrr.xml", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/dlna/icons/{icon}", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::POST, "/dlna/cds/control", NoId,
          |_, _| soap("ContentDirectory", "Browse", "<ObjectID>0</ObjectID><BrowseFlag>BrowseDirectChildren</BrowseFlag><Filter>*</Filter><StartingIndex>0</StartingIndex><RequestedCount>0</RequestedCount><SortCriteria></SortCriteria>"),
          [Ok, Ok, Ok, Ok, Ok]),
        r(Method::POST, "/dlna/cm/control", NoId,
          |_, _| soap("ConnectionManager", "GetProtocolInfo", ""), [Ok, Ok, Ok, Ok, Ok]),
        r(Method::POST, "/dlna/mrr/control", NoId,
          |_, _| soap("X_MS_MediaReceiverRegistrar", "IsAuthorized", "<DeviceID></DeviceID>"),
          [Ok, Ok, Ok, Ok, Ok]),
        r(gena("SUBSCRIBE"), "/dlna/cds/event", NoId, none, [E501, E501, E501, E501, E501]),
        r(gena("UNSUBSCRIBE"), "/dlna/cds/event", NoId, none, [E501, E501, E501, E501, E501]),
        r(gena("SUBSCRIBE"), "/dlna/cm/event", NoId, none, [E501, E501, E501, E501, E501]),
        r(gena("UNSUBSCRIBE"), "/dlna/cm/event", NoId, none, [E501, E501, E501, E501, E501]),
        r(gena("SUBSCRIBE"), "/dlna/mrr/event", NoId, none, [E501, E501, E501, E501, E501]),
        r(gena("UNSUBSCRIBE"), "/dlna/mrr/event", NoId, none, [E501, E501, E501, E501, E501]),
    ]
}
