//! Path traversal, swept from the route table: every placeholder of every route the server
//! has (`dianjiao::http::routes::table()`, DLNA's included) gets each hostile value below in
//! turn — encoded, double-encoded and overlong-UTF-8 dots and slashes, backslashes, NUL,
//! absolute paths, trailing slashes — sent raw on the wire as an office admin and as an
//! anonymous viewer. No answer is a 500, and none carries a byte of a file outside what the
//! route serves: a marker file beside the data folder, the ledger's signing key inside it, or
//! `/etc/passwd`.

use dianjiao::accounts::Role;
use dianjiao::http::routes::table;
use futures_util::StreamExt;

use super::raw;
use crate::support::{spawn_app_with, TestApp};

/// The hostile values for a placeholder whose good value is `good`; `abs` is the absolute
/// path of the marker file.
fn hostile(good: &str, abs: &str) -> Vec<String> {
    let enc = |p: &str| p.replace('/', "%2f");
    let rel = abs.trim_start_matches('/');
    let up = |step: &str| step.repeat(12);
    vec![
        format!("{}etc%2fpasswd", up("..%2f")),
        format!("{}etc%5cpasswd", up("..%5c")),
        format!("{}etc%252fpasswd", up("%252e%252e%252f")),
        format!("{}etc%c0%afpasswd", up("%c0%ae%c0%ae%c0%af")),
        format!("{}etc%2fpasswd", up("%2e%2e%2f")),
        format!("{}etc%2fpasswd", up("....%2f%2f")),
        format!("{}etc%2fpasswd", up("..;%2f")),
        format!("{}{}", up("..%2f"), enc(rel)),
        format!("{}{}", up("..%5c"), rel.replace('/', "%5c")),
        enc(abs),
        format!("%2f%2f{}", enc(rel)),
        format!("{}{}", up("../"), rel),
        "..".into(),
        ".".into(),
        "%2e%2e".into(),
        "%2e".into(),
        "%00".into(),
        format!("{good}%00"),
        format!("{good}%00.m3u8"),
        format!("{good}/"),
        format!("{good}%2f"),
        format!("{good}%2f..%2f..%2f..%2fledger%2fledger.key"),
        format!("{good}/../../../../ledger/ledger.key"),
        "C:%5cWindows%5cwin.ini".into(),
        "%u002e%u002e%u2215etc%u2215passwd".into(),
        "x".repeat(4096),
    ]
}

/// A good value for each placeholder (the one not under attack).
struct Good {
    film: String,
    rung: String,
    station: String,
}

impl Good {
    fn fill(&self, pattern: &str, name: &str) -> String {
        match name {
            "id" if ["/hls/", "/media/", "/api/v1/films/", "/api/v1/preparation"]
                .iter()
                .any(|p| pattern.starts_with(p)) =>
            {
                self.film.clone()
            }
            "id" if pattern.starts_with("/api/v1/stations/") => self.station.clone(),
            "id" => "x1".into(),
            "rung" => self.rung.clone(),
            "file" => "index.m3u8".into(),
            "tail:.*" => "index.html".into(),
            "name" => "hls.min.js".into(),
            "icon" => "icon-48.png".into(),
            "series" => "党章电视教材".into(),
            "register" => "all".into(),
            "item" => "sign".into(),
            "user" => "nobody".into(),
            "address" => "192.168.9.9".into(),
            "device_id" | "code" => "x1".into(),
            "sha256" => "0".repeat(64),
            other => panic!("no good value for {{{other}}}: add it to Good::fill"),
        }
    }
}

/// The pattern's placeholders, in order.
fn placeholders(pattern: &str) -> Vec<&str> {
    pattern
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}

/// `pattern` with placeholder `attacked` set to `value` (raw) and the others good (encoded).
fn target(pattern: &str, good: &Good, attacked: usize, value: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    let mut i = 0;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("closing brace") + open;
        let name = &rest[open + 1..close];
        if i == attacked {
            out.push_str(value);
        } else {
            let v = good.fill(pattern, name);
            out.push_str(&encode(&v));
        }
        rest = &rest[close + 1..];
        i += 1;
    }
    out.push_str(rest);
    out
}

async fn setup() -> (TestApp, Good, Vec<Vec<u8>>, String) {
    let app = spawn_app_with(|s| s.dlna = true).await;
    app.synth_clip("党章电视教材 第一集.mp4", 2.0).await;
    app.scan(&app.library.clone()).await;
    assert_eq!(crate::prepare::prepare_all(&app).await, 1);
    let film = app.app.catalog.films().expect("films").remove(0);
    let rung = app
        .app
        .preparation
        .outcome(&film.id)
        .expect("outcome")
        .expect("prepared")
        .rungs
        .remove(0);
    let station = app
        .app
        .stations
        .create(dianjiao::stations::NewStation {
            code: "T-01".into(),
            name: "七里村".into(),
            kind: dianjiao::stations::StationKind::Village,
            township: None,
            broadcaster: None,
        })
        .expect("station");
    // A marker beside the data folder (outside everything the server serves).
    let marker = app.data.path().join("secret-hostile-clock.txt");
    let secret = format!("SECRET-{:032x}", rand::random::<u128>());
    std::fs::write(&marker, &secret).expect("marker");
    let key = std::fs::read(app.app.settings.ledger_dir().join("ledger.key")).expect("key");
    let secrets = vec![
        secret.into_bytes(),
        key[..32.min(key.len())].to_vec(),
        b"root:x:0:".to_vec(),
    ];
    let good = Good {
        film: film.id.to_string(),
        rung,
        station: station.id,
    };
    (app, good, secrets, marker.to_string_lossy().into_owned())
}

/// Percent-encodes all but unreserved bytes (RFC 3986), for the good values.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `name=value` of the session cookie a sign-in sets.
async fn admin_cookie(app: &TestApp) -> String {
    app.add_user("admin", Role::Admin).await;
    let res = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"name": "admin", "password": crate::support::PASSWORD}))
        .send()
        .await
        .expect("sign in");
    let set = res
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .expect("ascii");
    set.split(';').next().expect("name=value").to_owned()
}

#[tokio::test]
async fn hostile_paths_in_every_placeholder_of_every_route_get_no_500_and_no_outside_bytes() {
    let (app, good, secrets, marker) = setup().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let cookie = format!("Cookie: {}", admin_cookie(&app).await);
    let mut cases = Vec::new();
    for route in table() {
        for (i, _) in placeholders(route.path).iter().enumerate() {
            let good_value = {
                let names = placeholders(route.path);
                good.fill(route.path, names[i])
            };
            for value in hostile(&good_value, &marker) {
                let target = target(route.path, &good, i, &value);
                for who in [Some(cookie.clone()), None] {
                    cases.push((route.method.to_string(), target.clone(), who));
                }
            }
        }
    }
    assert!(cases.len() > 1000, "only {} cases", cases.len());
    // The good values are real: with them, the file-serving routes serve.
    for pattern in [
        "/tv/{tail:.*}",
        "/vendor/{name}",
        "/hls/{id}/{rung}/{file}",
        "/media/{id}/original",
        "/dlna/icons/{icon}",
    ] {
        let target = target(pattern, &good, usize::MAX, "");
        let a = raw::request(&addr, "GET", &target, std::slice::from_ref(&cookie))
            .await
            .expect("answer");
        assert_eq!(a.status, 200, "{target}: {}", a.head);
        assert!(!a.body.is_empty(), "{target}");
    }
    eprintln!("{} hostile path cases", cases.len());
    let answers: Vec<_> = futures_util::stream::iter(cases.iter())
        .map(|(method, target, who)| {
            let headers: Vec<String> = who.iter().cloned().collect();
            let addr = addr.clone();
            async move {
                (
                    method,
                    target,
                    raw::request(&addr, method, target, &headers).await,
                )
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut failures = Vec::new();
    for (method, target, answer) in answers {
        let Some(a) = answer else {
            failures.push(format!("{method} {target}: no answer"));
            continue;
        };
        if a.status >= 500 && a.status != 501 {
            failures.push(format!("{method} {target}: {}", a.status));
        }
        if let Some(s) = secrets.iter().find(|s| a.contains(s)) {
            failures.push(format!(
                "{method} {target}: {} with {:?}",
                a.status,
                String::from_utf8_lossy(&s[..8])
            ));
        }
    }
    let health = raw::request(&addr, "GET", "/healthz", &[])
        .await
        .expect("health");
    assert_eq!(health.status, 200);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
