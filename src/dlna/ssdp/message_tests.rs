//! Unit tests of the SSDP parser and the messages built (no network).

use super::*;

fn search(lines: &[&str]) -> Vec<u8> {
    let mut s = lines.join("\r\n");
    s.push_str("\r\n\r\n");
    s.into_bytes()
}

fn device() -> Device {
    Device {
        uuid: "uuid:12345678-1234-4234-8234-123456789abc".into(),
        http_port: 8080,
        max_age_secs: 1800,
        server: server_string(),
    }
}

#[test]
fn a_well_formed_multicast_search_is_read_with_mx_clamped_to_five() {
    let got = parse_search(&search(&[
        "M-SEARCH * HTTP/1.1",
        "HOST: 239.255.255.250:1900",
        "MAN: \"ssdp:discover\"",
        "mx: 120",
        "ST: ssdp:all",
    ]))
    .expect("a search");
    assert_eq!(
        got,
        Search {
            target: "ssdp:all".into(),
            mx: Some(5)
        }
    );
}

#[test]
fn a_search_without_mx_is_read_as_having_none() {
    let got = parse_search(&search(&[
        "M-SEARCH * HTTP/1.1",
        "HOST: 10.0.0.1:1900",
        "MAN: \"ssdp:discover\"",
        "ST: upnp:rootdevice",
    ]))
    .expect("a search");
    assert_eq!(got.mx, None);
}

#[test]
fn malformed_and_foreign_packets_are_ignored() {
    let base = ["HOST: 239.255.255.250:1900", "MX: 2", "ST: ssdp:all"];
    let with = |first: &str, man: &str| {
        let mut l = vec![first, man];
        l.extend(base);
        search(&l)
    };
    let man = "MAN: \"ssdp:discover\"";
    assert_eq!(
        parse_search(&with("M-SEARCH / HTTP/1.1", man)),
        Err(Ignored::BadRequestLine)
    );
    assert_eq!(
        parse_search(&with("M-SEARCH * HTTP/1.0", man)),
        Err(Ignored::BadRequestLine)
    );
    assert_eq!(
        parse_search(&with("NOTIFY * HTTP/1.1", man)),
        Err(Ignored::NotASearch)
    );
    assert_eq!(
        parse_search(&with("M-SEARCH * HTTP/1.1", "MAN: ssdp:alive")),
        Err(Ignored::BadMan)
    );
    assert_eq!(
        parse_search(&with("M-SEARCH * HTTP/1.1", "X: y")),
        Err(Ignored::BadMan)
    );
    assert_eq!(
        parse_search(b"HTTP/1.1 200 OK\r\nST: ssdp:all\r\n\r\n"),
        Err(Ignored::NotASearch)
    );
    assert_eq!(parse_search(b"\x00\xff garbage"), Err(Ignored::Malformed));
    // No blank line at the end: a truncated head.
    assert_eq!(
        parse_search(b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n"),
        Err(Ignored::Malformed)
    );
    let bad_mx = search(&["M-SEARCH * HTTP/1.1", man, "MX: soon", "ST: ssdp:all"]);
    assert_eq!(parse_search(&bad_mx), Err(Ignored::BadMx));
    let two_st = search(&["M-SEARCH * HTTP/1.1", man, "MX: 1", "ST: a", "ST: b"]);
    assert_eq!(parse_search(&two_st), Err(Ignored::BadTarget));
    let mut long = with("M-SEARCH * HTTP/1.1", man);
    long.resize(MAX_PACKET + 1, b' ');
    assert_eq!(parse_search(&long), Err(Ignored::TooLong));
}

#[test]
fn searches_are_answered_for_what_the_server_is_and_nothing_else() {
    let d = device();
    assert_eq!(d.answers("ssdp:all").len(), 6);
    let root = d.answers("upnp:rootdevice");
    assert_eq!(root.len(), 1);
    assert_eq!(root[0].usn, format!("{}::upnp:rootdevice", d.uuid));
    let by_uuid = d.answers(&d.uuid.to_uppercase().replace("UUID:", "uuid:"));
    assert_eq!(by_uuid.len(), 1);
    assert_eq!(by_uuid[0].usn, d.uuid);
    let cds = d.answers("urn:schemas-upnp-org:service:ContentDirectory:1");
    assert_eq!(
        cds,
        vec![Target {
            nt: "urn:schemas-upnp-org:service:ContentDirectory:1".into(),
            usn: format!(
                "{}::urn:schemas-upnp-org:service:ContentDirectory:1",
                d.uuid
            ),
        }]
    );
    for other in [
        "urn:schemas-upnp-org:device:MediaServer:2",
        "urn:schemas-upnp-org:device:MediaServer:0",
        "urn:schemas-upnp-org:device:MediaRenderer:1",
        "urn:schemas-upnp-org:service:AVTransport:1",
        "uuid:00000000-0000-4000-8000-000000000000",
        "ssdp:everything",
    ] {
        assert!(d.answers(other).is_empty(), "{other}");
    }
}

#[test]
fn an_alive_carries_location_max_age_and_usn_and_reads_back_as_http() {
    let d = device();
    let t = &d.all_targets()[2];
    let to = SocketAddr::from((GROUP, PORT));
    let msg = d.alive(t, Ipv4Addr::new(10, 1, 2, 3), to);
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut req = httparse::Request::new(&mut headers);
    assert!(req.parse(msg.as_bytes()).expect("parses").is_complete());
    assert_eq!(req.method, Some("NOTIFY"));
    let get = |n: &str| one_header(req.headers, n).expect(n).to_owned();
    assert_eq!(get("HOST"), "239.255.255.250:1900");
    assert_eq!(get("LOCATION"), "http://10.1.2.3:8080/dlna/description.xml");
    assert_eq!(get("CACHE-CONTROL"), "max-age=1800");
    assert_eq!(get("NTS"), "ssdp:alive");
    assert_eq!(get("NT"), "urn:schemas-upnp-org:device:MediaServer:1");
    assert_eq!(
        get("USN"),
        format!("{}::urn:schemas-upnp-org:device:MediaServer:1", d.uuid)
    );
    assert!(get("SERVER").contains("UPnP/1.0"));
    assert!(d.byebye(t, to).contains("NTS: ssdp:byebye\r\n"));
}

#[test]
fn an_answer_has_the_headers_a_control_point_needs() {
    let d = device();
    let t = &d.answers("upnp:rootdevice")[0];
    let msg = d.answer(
        t,
        Ipv4Addr::new(192, 168, 1, 2),
        "Thu, 03 Dec 2026 23:00:00 GMT",
    );
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut res = httparse::Response::new(&mut headers);
    assert!(res.parse(msg.as_bytes()).expect("parses").is_complete());
    assert_eq!(res.code, Some(200));
    let names: Vec<String> = res.headers.iter().map(|h| h.name.to_owned()).collect();
    for n in [
        "CACHE-CONTROL",
        "DATE",
        "EXT",
        "LOCATION",
        "SERVER",
        "ST",
        "USN",
    ] {
        assert!(names.iter().any(|h| h == n), "{n} in {names:?}");
    }
    assert!(msg.contains("LOCATION: http://192.168.1.2:8080/dlna/description.xml\r\n"));
    assert!(msg.contains("ST: upnp:rootdevice\r\n"));
}
