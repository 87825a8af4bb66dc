//! DLNA discovery cannot be turned into a datagram amplifier: a multicast search without MX
//! is not answered, MX is clamped to 5 s, and one source gets a bounded number of answers.
//! Driven by plain sockets in `peer.py raw`: these are searches no library would send.

use serde_json::Value;

use super::netns::{Lan, Server};

const GROUP: &str = "239.255.255.250";

/// `count` searches for upnp:rootdevice from the TV to `to`, MX `mx` (`-`: none); the
/// answers that came within `seconds`.
fn searches(lan: &Lan, to: &str, count: u32, mx: &str, seconds: u32) -> Value {
    let (count, seconds) = (count.to_string(), seconds.to_string());
    let out = lan.tv.peer(&["raw", Lan::TV_IP, to, &count, mx, &seconds]);
    out.into_iter().next().expect("a summary")
}

#[test]
fn a_multicast_search_without_mx_gets_no_answer() {
    let Some(lan) = Lan::new("no-mx") else {
        return;
    };
    let server = Server::start(&lan.server);
    let without = searches(&lan, GROUP, 3, "-", 6);
    assert_eq!(without["answers"], 0, "{without}\n{}", server.log());
    // The same search with MX is answered: the silence above was the missing MX.
    let with = searches(&lan, GROUP, 1, "1", 4);
    assert_eq!(with["answers"], 1, "{with}\n{}", server.log());
}

#[test]
fn a_search_asking_for_a_two_minute_mx_is_answered_within_five_seconds() {
    let Some(lan) = Lan::new("huge-mx") else {
        return;
    };
    let server = Server::start(&lan.server);
    // Five searches, each answered at a random moment within its (clamped) MX: all five in
    // a 10 s window is what MX ≤ 5 guarantees; an MX of 120 s honoured would miss most.
    let got = searches(&lan, GROUP, 5, "120", 10);
    assert_eq!(got["answers"], 5, "{got}\n{}", server.log());
}

#[test]
fn a_flood_of_searches_from_one_source_gets_at_most_the_limits_answers() {
    let Some(lan) = Lan::new("flood") else {
        return;
    };
    let server = Server::start(&lan.server);
    let got = searches(&lan, GROUP, 200, "1", 5);
    let answers = got["answers"].as_u64().expect("a count");
    assert!(
        (1..=10).contains(&answers),
        "10 searches per 10 s per address are answered, not {answers}: {got}\n{}",
        server.log()
    );
}
