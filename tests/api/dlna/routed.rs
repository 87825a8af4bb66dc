//! A routed village (server — router — TV, no multicast routing): the TV hears of the server
//! only once its address is registered to a station, from a unicast `alive`; its unicast
//! searches are answered then, and not before.

use super::netns::{location, Routed, Server, ADMIN, HTTP_PORT};

fn header<'a>(v: &'a serde_json::Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {v}"))
}

#[test]
fn a_tv_in_a_routed_village_learns_of_the_server_once_its_address_is_registered() {
    let Some(net) = Routed::new("routed") else {
        return;
    };
    let server = Server::start(&net.server);
    let uuid = server.uuid();
    let unicast_search = || {
        let out = net
            .tv
            .peer(&["raw", Routed::TV_IP, Routed::SERVER_IP, "2", "-", "3"]);
        out.into_iter().next().expect("a summary")
    };

    let before = unicast_search();
    assert_eq!(
        before["answers"], 0,
        "an off-link, unregistered address is not answered: {before}"
    );

    let (mut listener, mut heard) = net.tv.spawn_peer(&["listen", Routed::TV_IP, "60"]);
    assert_eq!(heard.next(), Some("ready".into()));
    let base = format!("http://127.0.0.1:{HTTP_PORT}");
    net.server
        .peer(&["admin-register", &base, ADMIN.0, ADMIN.1, Routed::TV_IP]);
    let alive = heard.next().unwrap_or_else(|| {
        panic!(
            "no alive reached the registered TV within 60 s\n{}",
            server.log()
        )
    });
    let _ = listener.wait();
    assert_eq!(header(&alive, "NTS"), "ssdp:alive");
    assert_eq!(header(&alive, "NT"), "upnp:rootdevice");
    assert_eq!(header(&alive, "USN"), format!("{uuid}::upnp:rootdevice"));
    assert_eq!(header(&alive, "LOCATION"), location(Routed::SERVER_IP));

    let after = unicast_search();
    assert_eq!(after["answers"], 2, "a registered TV is answered: {after}");
    let first = after["first"].as_str().expect("an answer");
    let expected = format!("LOCATION: {}\r\n", location(Routed::SERVER_IP));
    assert!(first.contains(&expected), "{first}");
}
