//! Every route × every role gets the status this table says. The table is written here by
//! hand, apart from the server's own access rules, and must name every route the server has:
//! a new route fails this test until someone decides who may use it.

use std::collections::BTreeSet;

use dianjiao::accounts::Role;
use dianjiao::http::routes::table;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{spawn_app_with, TestApp, PASSWORD};

/// What a role gets: allowed (any 2xx), 401 or 403; or `Reached`: let through the gate
/// to a handler that may answer 404/422 for this table's made-up ids and queries.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Ok,
    E401,
    E403,
    Reached,
}
use Expect::*;

/// One row: method, path pattern, a request body, and the expected outcome for
/// [anonymous viewer allowed, anonymous viewer switched off, clerk, admin].
struct Row {
    method: Method,
    pattern: &'static str,
    body: fn(&str) -> Option<Value>,
    expect: [Expect; 4],
}

fn none(_: &str) -> Option<Value> {
    None
}

fn rows() -> Vec<Row> {
    let r = |method, pattern, body: fn(&str) -> Option<Value>, expect| Row {
        method,
        pattern,
        body,
        expect,
    };
    vec![
        r(Method::GET, "/healthz", none, [Ok, Ok, Ok, Ok]),
        r(Method::GET, "/metrics", none, [Ok, Ok, Ok, Ok]),
        r(
            Method::POST,
            "/api/v1/session",
            |who| Some(json!({"name": who, "password": PASSWORD})),
            [Ok, Ok, Ok, Ok],
        ),
        r(Method::GET, "/api/v1/session", none, [Ok, Ok, Ok, Ok]),
        r(Method::DELETE, "/api/v1/session", none, [Ok, Ok, Ok, Ok]),
        r(
            Method::POST,
            "/api/v1/users",
            |who| {
                Some(json!({"name": format!("{who}-new"), "password": PASSWORD, "role": "clerk"}))
            },
            [E401, E401, E403, Ok],
        ),
        r(Method::GET, "/api/v1/films", none, [Ok, E401, Ok, Ok]),
        r(Method::GET, "/api/v1/films/{id}", none, [Ok, E401, Ok, Ok]),
        r(Method::GET, "/api/v1/series", none, [Ok, E401, Ok, Ok]),
        r(Method::GET, "/api/v1/themes", none, [Ok, E401, Ok, Ok]),
        r(
            Method::GET,
            "/media/{id}/thumb.jpg",
            none,
            [Ok, E401, Ok, Ok],
        ),
        r(
            Method::GET,
            "/media/{id}/original",
            none,
            [Ok, E401, Ok, Ok],
        ),
        r(
            Method::HEAD,
            "/media/{id}/original",
            none,
            [Ok, E401, Ok, Ok],
        ),
        r(Method::GET, "/media/{id}/tv.mp4", none, [Ok, E401, Ok, Ok]),
        r(Method::HEAD, "/media/{id}/tv.mp4", none, [Ok, E401, Ok, Ok]),
        r(
            Method::GET,
            "/hls/{id}/master.m3u8",
            none,
            [Ok, E401, Ok, Ok],
        ),
        r(
            Method::GET,
            "/hls/{id}/{rung}/{file}",
            none,
            [Ok, E401, Ok, Ok],
        ),
        r(
            Method::HEAD,
            "/hls/{id}/{rung}/{file}",
            none,
            [Ok, E401, Ok, Ok],
        ),
        r(
            Method::HEAD,
            "/hls/{id}/master.m3u8",
            none,
            [Ok, E401, Ok, Ok],
        ),
        r(Method::GET, "/api/v1/ledger", none, [E401, E401, Ok, Ok]),
        r(
            Method::GET,
            "/api/v1/ledger/checkpoint",
            none,
            [Ok, E401, Ok, Ok],
        ),
        // Manual ledger entries, registers and reports.
        r(
            Method::POST,
            "/api/v1/stations/{id}/feedback",
            |_| Some(json!({"text": "x"})),
            [E401, E401, Reached, Reached],
        ),
        r(
            Method::POST,
            "/api/v1/stations/{id}/info-reports",
            |_| Some(json!({"title": "t", "text": "x"})),
            [E401, E401, Reached, Reached],
        ),
        r(
            Method::POST,
            "/api/v1/stations/{id}/plans",
            |_| Some(json!({"year": 2026, "quarter": 1, "items": []})),
            [E401, E401, Reached, Reached],
        ),
        r(
            Method::POST,
            "/api/v1/stations/{id}/pastoral-sessions",
            |_| Some(json!({"date": "2026-01-01", "hours": 1, "place": "p"})),
            [E401, E401, Reached, Reached],
        ),
        r(
            Method::POST,
            "/api/v1/productions",
            |_| Some(json!({"film_id": "0123456789abcdef", "production": "feature"})),
            [E401, E401, E403, Reached],
        ),
        r(
            Method::POST,
            "/api/v1/ledger/corrections",
            |_| Some(json!({"corrects": 0, "reason": "路由测试"})),
            [E401, E401, Reached, Reached],
        ),
        r(
            Method::GET,
            "/api/v1/reports/registers/{register}",
            none,
            [E401, E401, Reached, Reached],
        ),
        r(
            Method::GET,
            "/api/v1/reports/monthly",
            none,
            [E401, E401, Reached, Reached],
        ),
        r(
            Method::GET,
            "/api/v1/reports/quarterly",
            none,
            [E401, E401, Reached, Reached],
        ),
        r(
            Method::GET,
            "/api/v1/reports/yearly",
            none,
            [E401, E401, Reached, Reached],
        ),
        r(Method::GET, "/api/v1/library", none, [E401, E401, Ok, Ok]),
        r(
            Method::POST,
            "/api/v1/library/scan",
            none,
            [E401, E401, E403, Ok],
        ),
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

/// A server with one prepared film; returns its id and first rendition's name.
async fn app_with_one_film(anonymous_viewers: bool) -> (TestApp, String, String) {
    let app = spawn_app_with(|s| s.anonymous_viewers = anonymous_viewers).await;
    app.synth_clip("党章电视教材 第一集.mp4", 2.0).await;
    let summary = app.scan(&app.library.clone()).await;
    assert_eq!(summary.probed, 1);
    assert_eq!(crate::prepare::prepare_all(&app).await, 1);
    let film = app.app.catalog.films().expect("films").remove(0);
    let outcome = app.app.preparation.outcome(&film.id).expect("outcome");
    let rung = outcome.expect("prepared").rungs.remove(0);
    (app, film.id.to_string(), rung)
}

async fn client_for(app: &TestApp, role: usize, tag: &str) -> (reqwest::Client, String) {
    match role {
        0 | 1 => (app.client(), format!("anon{tag}")),
        2 => (
            app.signed_in(&format!("clerk{tag}"), Role::Clerk).await,
            format!("clerk{tag}"),
        ),
        _ => (
            app.signed_in(&format!("admin{tag}"), Role::Admin).await,
            format!("admin{tag}"),
        ),
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let mut failures = Vec::new();
    for anonymous_viewers in [true, false] {
        let (app, film_id, rung) = app_with_one_film(anonymous_viewers).await;
        let roles: &[usize] = if anonymous_viewers { &[0, 2, 3] } else { &[1] };
        for (i, &role) in roles.iter().enumerate() {
            for (n, row) in rows().iter().enumerate() {
                let tag = format!("{i}x{n}");
                // A fresh client per request: signing out must not spoil the next row.
                let (client, who) = client_for(&app, role, &tag).await;
                let anonymous = role <= 1;
                if anonymous && row.method == Method::POST && row.pattern == "/api/v1/session" {
                    app.add_user(&who, Role::Clerk).await;
                }
                let path = row
                    .pattern
                    .replace("{id}", &film_id)
                    .replace("{rung}", &rung)
                    .replace("{file}", "index.m3u8");
                let mut req = client.request(row.method.clone(), app.url(&path));
                if let Some(body) = (row.body)(&who) {
                    req = req.json(&body);
                }
                let status = req.send().await.expect("request").status();
                let got = match status.as_u16() {
                    200..=299 | 404 | 422 if row.expect[role] == Reached => Reached,
                    200..=299 => Ok,
                    401 => E401,
                    403 => E403,
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
