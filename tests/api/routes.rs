//! Every route × every role gets the status this table says. The table is written here by
//! hand, apart from the server's own access rules, and must name every route the server has:
//! a new route fails this test until someone decides who may use it.
//!
//! One row per route: `r(METHOD, "pattern exactly as in src/http/routes.rs", on, body,
//! [anonymous (viewers allowed), anonymous (viewers switched off), clerk, admin, paired TV])`.
//! * `on` says what `{id}` is: `Film`, `Station` (a live station with a roster and a paired
//!   TV), `Spare` (a station the destructive rows act on: retire, revoke, remove), `Unknown`
//!   (an id nothing has: the gate's decision shows as `E404` from the handler) or `NoId`.
//!   Other placeholders are filled by name in [`Ids::fill`]; add yours there.
//! * `body` makes the request body from the ids and the caller's unique name (`who`):
//!   `none`, or a closure returning `Body::Json(..)` / `Body::Raw(content type, bytes)` /
//!   `Body::Tus(headers, bytes)` (a tus request: `Tus-Resumable: 1.0.0` plus `headers`).
//! * Report routes get their station and period as a query ([`report_query`]).
//! * Each expectation: `Ok` (any 2xx), `E401`, `E403`, `E422` (passed the gate, then refused
//!   as unprocessable: e.g. pastoral hours for a village), or `E404` (passed the gate, then
//!   found nothing: e.g. `GET /api/v1/device` for a caller that is not a TV).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use dianjiao::accounts::Role;
use dianjiao::http::routes::table;
use dianjiao::stations::{NewMember, NewStation, StationKind};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{spawn_app_with, TestApp, PASSWORD};

/// What a role gets.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Ok,
    E401,
    E403,
    E404,
    E422,
}
use Expect::*;

/// What `{id}` stands for in a row's path.
#[derive(Clone, Copy, Debug)]
enum On {
    NoId,
    Film,
    Station,
    Spare,
    Unknown,
}
use On::*;

/// A request body.
enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
    Tus(Vec<(&'static str, &'static str)>, Vec<u8>),
}

/// The ids made in setup that rows build their paths and bodies from.
struct Ids {
    film: String,
    rung: String,
    station: String,
    spare: String,
    /// A TV paired to `spare` (the revoke row's), and an address registered to it.
    spare_device: String,
    spare_address: String,
    /// The fifth column's TV: paired to `station`.
    device_token: String,
    /// Unused pairing codes for `station`, one per pairing request.
    codes: Mutex<Vec<String>>,
}

impl Ids {
    /// The value of a named placeholder other than `{id}`.
    fn fill(&self, name: &str) -> String {
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
            other => panic!("no value for {{{other}}}: add it to Ids::fill"),
        }
    }

    fn next_code(&self) -> String {
        self.codes
            .lock()
            .unwrap()
            .pop()
            .expect("enough pairing codes")
    }
}

/// An account made in setup whose password the reset row changes.
const SPARE_USER: &str = "spare-user";

/// One row; see the module docs.
struct Row {
    method: Method,
    pattern: &'static str,
    on: On,
    body: fn(&Ids, &str) -> Body,
    expect: [Expect; 5],
}

impl Row {
    /// The row's concrete path.
    fn path(&self, ids: &Ids) -> String {
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
fn report_query(pattern: &str, ids: &Ids) -> String {
    match pattern.strip_prefix("/api/v1/reports/") {
        Some("quarterly") => format!("?station={}&year=2026&quarter=1", ids.station),
        Some(p) if p.starts_with("registers/") => {
            format!("?station={}&from=2026-01-01&to=2026-12-31", ids.station)
        }
        Some(_) => "?year=2026".into(),
        None => String::new(),
    }
}

fn none(_: &Ids, _: &str) -> Body {
    Body::None
}

#[rustfmt::skip] // A table: one route per line reads (and merges) best.
fn rows() -> Vec<Row> {
    let r = |method, pattern, on, body: fn(&Ids, &str) -> Body, expect| Row {
        method, pattern, on, body, expect,
    };
    let sign_in = |_: &Ids, who: &str| Body::Json(json!({"name": who, "password": PASSWORD}));
    let new_user = |_: &Ids, who: &str| {
        Body::Json(json!({"name": format!("{who}-new"), "password": PASSWORD, "role": "clerk"}))
    };
    vec![
        r(Method::GET, "/healthz", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/metrics", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
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
        r(Method::POST, "/api/v1/devices/pair", NoId,
          |ids, _| Body::Json(json!({"code": ids.next_code()})),
          [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/api/v1/device", NoId, none, [E404, E401, E404, E404, Ok]),
        // Play sessions: no such play or film, so an allowed caller is refused by the
        // handler (404), not the gate.
        r(Method::POST, "/api/v1/plays", NoId,
          |_, _| Body::Json(json!({"film_id": "0000000000000000"})),
          [E404, E401, E404, E404, E404]),
        r(Method::GET, "/api/v1/plays", NoId, none, [E401, E401, Ok, Ok, E403]),
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
        // Web pages (public files; `/` and the slash-less forms redirect to them).
        r(Method::GET, "/", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/tv", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/admin", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/tv/{tail:.*}", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
        r(Method::GET, "/admin/{tail:.*}", NoId, none, [Ok, Ok, Ok, Ok, Ok]),
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
    ]
}

#[test]
fn the_expectation_table_names_exactly_the_routes_the_server_has() {
    let server: BTreeSet<String> = table()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let here: BTreeSet<String> = rows()
        .iter()
        .map(|r| format!("{} {}", r.method, r.pattern))
        .collect();
    assert_eq!(server, here, "routes and expectations differ");
}

/// A server with one prepared film, two stations, paired TVs, an address and spare pairing
/// codes.
async fn app_with_ids(anonymous_viewers: bool) -> (TestApp, Ids) {
    let app = spawn_app_with(|s| s.anonymous_viewers = anonymous_viewers).await;
    app.add_user(SPARE_USER, Role::Clerk).await;
    app.synth_clip("党章电视教材 第一集.mp4", 2.0).await;
    let summary = app.scan(&app.library.clone()).await;
    assert_eq!(summary.probed, 1);
    assert_eq!(crate::prepare::prepare_all(&app).await, 1);
    let film = app.app.catalog.films().expect("films").remove(0);
    let outcome = app.app.preparation.outcome(&film.id).expect("outcome");
    let rung = outcome.expect("prepared").rungs.remove(0);
    let stations = app.app.stations.clone();
    let ids = tokio::task::spawn_blocking(move || {
        let new = |code: &str| NewStation {
            code: code.into(),
            name: format!("{code} 村"),
            kind: StationKind::Village,
            township: None,
            broadcaster: None,
        };
        let station = stations.create(new("R-01")).expect("station");
        let spare = stations.create(new("R-02")).expect("spare");
        let member = NewMember {
            name: "王五".into(),
            member_no: "001".into(),
            branch: None,
        };
        stations.add_member(&station.id, member).expect("member");
        let pair = |id: &str| {
            let code = stations.make_pairing_code(id).expect("code").code;
            stations.pair(&code, None, None).expect("paired")
        };
        let tv = pair(&station.id);
        let spare_tv = pair(&spare.id);
        let spare_address = "192.168.9.9";
        let ip = spare_address.parse().unwrap();
        stations.add_address(&spare.id, ip).expect("address");
        let codes = (0..6)
            .map(|_| stations.make_pairing_code(&station.id).expect("code").code)
            .collect();
        Ids {
            film: film.id.to_string(),
            rung,
            station: station.id,
            spare: spare.id,
            spare_device: spare_tv.device.device_id,
            spare_address: spare_address.into(),
            device_token: tv.token,
            codes: Mutex::new(codes),
        }
    })
    .await
    .expect("join");
    (app, ids)
}

/// A fresh client for a role (0–1 anonymous, 2 clerk, 3 admin, 4 paired TV) and its name.
async fn client_for(app: &TestApp, ids: &Ids, role: usize, tag: &str) -> (reqwest::Client, String) {
    match role {
        0 | 1 => (app.client(), format!("anon{tag}")),
        2 => (
            app.signed_in(&format!("clerk{tag}"), Role::Clerk).await,
            format!("clerk{tag}"),
        ),
        3 => (
            app.signed_in(&format!("admin{tag}"), Role::Admin).await,
            format!("admin{tag}"),
        ),
        _ => {
            let jar = reqwest::cookie::Jar::default();
            let url = app.base.parse::<reqwest::Url>().expect("url");
            jar.add_cookie_str(&format!("dj_device={}", ids.device_token), &url);
            let client = reqwest::Client::builder()
                .cookie_provider(Arc::new(jar))
                .build()
                .expect("client");
            (client, format!("tv{tag}"))
        }
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let mut failures = Vec::new();
    for anonymous_viewers in [true, false] {
        let (app, ids) = app_with_ids(anonymous_viewers).await;
        let roles: &[usize] = if anonymous_viewers {
            &[0, 2, 3, 4]
        } else {
            &[1]
        };
        for (i, &role) in roles.iter().enumerate() {
            for (n, row) in rows().iter().enumerate() {
                let tag = format!("{i}x{n}");
                // A fresh client per request: signing out must not spoil the next row.
                let (client, who) = client_for(&app, &ids, role, &tag).await;
                let without_account = matches!(role, 0 | 1 | 4);
                if without_account && row.method == Method::POST && row.pattern == "/api/v1/session"
                {
                    app.add_user(&who, Role::Clerk).await;
                }
                let path = row.path(&ids);
                let mut req = client.request(row.method.clone(), app.url(&path));
                req = match (row.body)(&ids, &who) {
                    Body::None => req,
                    Body::Json(body) => req.json(&body),
                    Body::Raw(ct, bytes) => req.header("content-type", ct).body(bytes),
                    Body::Tus(headers, bytes) => headers
                        .into_iter()
                        .fold(req.header("tus-resumable", "1.0.0"), |r, (k, v)| {
                            r.header(k, v)
                        })
                        .body(bytes),
                };
                let status = req.send().await.expect("request").status();
                let got = match status.as_u16() {
                    200..=299 => Ok,
                    401 => E401,
                    403 => E403,
                    404 => E404,
                    422 => E422,
                    other => {
                        failures.push(format!(
                            "{} {path} as role {role}: unexpected {other}",
                            row.method
                        ));
                        continue;
                    }
                };
                if got != row.expect[role] {
                    failures.push(format!(
                        "{} {path} as role {role}: got {got:?}, expected {:?}",
                        row.method, row.expect[role]
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
