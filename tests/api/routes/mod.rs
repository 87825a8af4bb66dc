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
//!   found nothing: e.g. `GET /api/v1/device` for a caller that is not a TV), `E501` (DLNA
//!   event subscriptions: no eventing). The server has DLNA on; with it off, the DLNA
//!   routes answer 404 to everyone (`dlna_http.rs`).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use dianjiao::accounts::Role;
use dianjiao::http::routes::table;
use dianjiao::stations::{NewMember, NewStation, StationKind};
use reqwest::Method;

use crate::support::{spawn_app_with, TestApp};

mod table;

use table::*;

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
    let app = spawn_app_with(|s| {
        s.anonymous_viewers = anonymous_viewers;
        s.dlna = true;
    })
    .await;
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
        let qr_code = stations.make_pairing_code(&station.id).expect("code").code;
        Ids {
            film: film.id.to_string(),
            rung,
            station: station.id,
            spare: spare.id,
            spare_device: spare_tv.device.device_id,
            spare_address: spare_address.into(),
            device_token: tv.token,
            codes: Mutex::new(codes),
            qr_code,
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
                    501 => E501,
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

/// The API reference in the repository (`docs/API.md`) lists every route with who may use
/// it, in words that match the gate's access level; a new route, or a route whose access
/// changed, fails here until the reference says so.
#[test]
fn docs_api_md_names_every_route_and_who_may_use_it() {
    use dianjiao::http::gate::Access;
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/API.md"))
        .expect("docs/API.md");
    let missing: Vec<String> = table()
        .iter()
        .map(|r| {
            let who = match r.access {
                Access::Public => "anyone",
                Access::Viewer => "viewer",
                Access::Media => "viewer or DLNA TV",
                Access::Clerk => "clerk",
                Access::Admin => "admin",
                Access::Monitor => "monitor",
                Access::Dlna => "anyone (DLNA on)",
            };
            format!("| `{} {}` | {who} |", r.method, r.path)
        })
        .filter(|row| !doc.contains(row.as_str()))
        .collect();
    assert!(missing.is_empty(), "docs/API.md lacks: {missing:#?}");
}
