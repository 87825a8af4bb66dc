//! A TV on the server's own subnet finds it by M-SEARCH, with two control points we did not
//! write: async-upnp-client and upnpclient (each with its own SSDP code).

use std::collections::BTreeSet;

use serde_json::Value;

use super::netns::{location, Lan, Server};

fn header<'a>(answer: &'a Value, name: &str) -> &'a str {
    let found = answer.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    });
    found.unwrap_or_else(|| panic!("no {name} in {answer}"))
}

#[test]
fn async_upnp_client_finds_the_server_by_m_search_with_its_location_st_and_usn() {
    let Some(lan) = Lan::new("asyncupnp-search") else {
        return;
    };
    let server = Server::start(&lan.server);
    let uuid = server.uuid();

    let answers = lan.tv.peer(&["search", Lan::TV_IP, "ssdp:all", "3"]);
    let ours: Vec<&Value> = answers
        .iter()
        .filter(|a| header(a, "USN").starts_with(&uuid))
        .collect();
    let targets: BTreeSet<&str> = ours.iter().map(|a| header(a, "ST")).collect();
    let expected = BTreeSet::from([
        "upnp:rootdevice",
        uuid.as_str(),
        "urn:schemas-upnp-org:device:MediaServer:1",
        "urn:schemas-upnp-org:service:ContentDirectory:1",
        "urn:schemas-upnp-org:service:ConnectionManager:1",
        "urn:microsoft.com:service:X_MS_MediaReceiverRegistrar:1",
    ]);
    assert_eq!(targets, expected, "answers: {answers:?}\n{}", server.log());
    for a in &ours {
        assert_eq!(header(a, "LOCATION"), location(Lan::SERVER_IP), "{a}");
        assert_eq!(header(a, "CACHE-CONTROL"), "max-age=1800", "{a}");
        assert_eq!(header(a, "EXT"), "", "{a}");
        assert!(header(a, "SERVER").contains("UPnP/1.0"), "{a}");
        assert!(!header(a, "DATE").is_empty(), "{a}");
        let st = header(a, "ST");
        let usn = header(a, "USN");
        if st == uuid {
            assert_eq!(usn, uuid);
        } else {
            assert_eq!(usn, format!("{uuid}::{st}"));
        }
    }

    let media_server = "urn:schemas-upnp-org:device:MediaServer:1";
    let answers = lan.tv.peer(&["search", Lan::TV_IP, media_server, "2"]);
    assert_eq!(answers.len(), 1, "one answer for one type: {answers:?}");
    assert_eq!(header(&answers[0], "ST"), media_server);
    let renderer = "urn:schemas-upnp-org:device:MediaRenderer:1";
    let answers = lan.tv.peer(&["search", Lan::TV_IP, renderer, "2"]);
    assert!(answers.is_empty(), "we are no renderer: {answers:?}");
}

#[test]
fn upnpclient_finds_the_servers_location_with_its_own_ssdp_search() {
    let Some(lan) = Lan::new("upnpclient-scan") else {
        return;
    };
    let server = Server::start(&lan.server);
    // upnpclient.discover() is this scan followed by fetching each LOCATION's description;
    // the description (and browsing to an episode) is tested with the HTTP side.
    let found = lan.tv.peer(&["upnpclient-scan", "3"]);
    let locations = found[0].as_array().expect("a list");
    assert!(
        locations.contains(&Value::from(location(Lan::SERVER_IP))),
        "{found:?}\n{}",
        server.log()
    );
}

#[test]
fn a_tv_on_the_subnet_hears_alive_when_the_server_starts_and_byebye_when_it_stops() {
    let Some(lan) = Lan::new("alive-byebye") else {
        return;
    };
    let (mut listener, mut heard) = lan.tv.spawn_peer(&["listen", Lan::TV_IP, "60"]);
    assert_eq!(heard.next(), Some("ready".into()));
    let server = Server::start(&lan.server);
    let uuid = server.uuid();
    let alive = heard
        .next()
        .unwrap_or_else(|| panic!("no alive\n{}", server.log()));
    let _ = listener.wait();
    assert_eq!(header(&alive, "NTS"), "ssdp:alive");
    assert_eq!(header(&alive, "LOCATION"), location(Lan::SERVER_IP));
    assert_eq!(header(&alive, "CACHE-CONTROL"), "max-age=1800");
    assert_eq!(header(&alive, "USN"), format!("{uuid}::upnp:rootdevice"));

    let (mut listener, mut heard) = lan.tv.spawn_peer(&["listen", Lan::TV_IP, "60", "byebye"]);
    assert_eq!(heard.next(), Some("ready".into()));
    server.stop();
    let byebye = heard.next().expect("a byebye when the server stops");
    let _ = listener.wait();
    assert_eq!(header(&byebye, "NTS"), "ssdp:byebye");
    assert_eq!(header(&byebye, "USN"), format!("{uuid}::upnp:rootdevice"));
}
