//! Pushing to a TV in a routed village (server — router — TV, no multicast routing): the
//! TV's renderer (the real `gmediarender`) is not found by searching — libupnp answers no
//! search from another subnet — so the office registers it by its description's location;
//! then the push works as on the LAN and makes the same exact record.

use super::exact::Pushing;
use super::netns::{Renderer, Routed};
use super::push::{first_episode, office, push_server, register};

#[test]
fn a_tv_in_a_routed_village_registered_by_its_location_plays_a_pushed_film_exactly() {
    let test = "push-routed";
    let Some(net) = Routed::new(test) else {
        return;
    };
    let Some(tv) = Renderer::start(&net.tv, "lan0", "Beicun TV", test) else {
        return;
    };
    let server = push_server(&net.server);
    let station = register(&net.server, Routed::TV_IP);
    let film = first_episode(&net.server);

    // What libupnp does with a unicast search from the server's subnet (for the log: the
    // server searches the registered address too, in case a TV answers).
    let search = net
        .server
        .peer(&["raw", Routed::SERVER_IP, Routed::TV_IP, "2", "-", "3"]);
    eprintln!(
        "unicast M-SEARCH to gmediarender from another subnet: {}",
        search[0]
    );

    // Only the TV's own address is accepted, at the station it is registered to.
    let location = Renderer::location(Routed::TV_IP);
    let add = |station: &str, location: &str| {
        office(
            &net.server,
            "POST",
            &format!("/api/v1/stations/{station}/renderers"),
            &format!(r#"{{"location":"{location}"}}"#),
        )
    };
    let elsewhere = Renderer::location(Routed::SERVER_IP);
    let (status, body) = add(&station, &elsewhere);
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("address_not_registered")),
        "{body}"
    );
    let (status, body) = add(&station, "file:///etc/passwd");
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid")),
        "{body}"
    );
    let (status, body) = add(&station, &location);
    assert_eq!(status, 201, "{body}\n{}", server.log());
    assert_eq!(body["id"], format!("uuid:{}", Renderer::UUID), "{body}");
    assert_eq!(body["address"], Routed::TV_IP, "{body}");
    let (status, again) = add(&station, &location);
    assert_eq!(status, 200, "{again}");

    // The list shows it, and still does after the next search rounds re-read it.
    std::thread::sleep(std::time::Duration::from_secs(5));
    let (_, list) = office(
        &net.server,
        "GET",
        &format!("/api/v1/renderers?station={station}"),
        "",
    );
    let list = list.as_array().expect("a list").clone();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["location"], location.as_str(), "{list:?}");

    let setup = Pushing {
        ns: &net.server,
        server: &server,
        tv: &tv,
        tv_ns: &net.tv,
        tv_ip: Routed::TV_IP,
        station: &station,
    };
    setup.plays_exactly(&format!("uuid:{}", Renderer::UUID), &film);
}
