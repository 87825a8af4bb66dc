//! A disk whose sync fails under the ledger (injected through the ledger's storage seam,
//! `ledger_debug_fail_sync_after`, in the real server process): the write that met it and
//! every later one get an error naming the stopped ledger, nothing refused is acknowledged
//! or stored, and after a restart the chain verifies with every acknowledged entry in it.

use serde_json::json;

use crate::support::faults::{add_admin, verify_ledger, Server};

/// Station `n` of this test: its code and name.
fn station(n: usize) -> (String, String) {
    (format!("S-{n}"), format!("同步{n}村"))
}

#[tokio::test]
async fn a_failed_sync_stops_the_ledger_and_refuses_every_later_write_until_restart() {
    let data = tempfile::tempdir().expect("dir");
    add_admin(data.path());
    let server = Server::start(
        data.path(),
        &[("DIANJIAO_LEDGER_DEBUG_FAIL_SYNC_AFTER", "3")],
    )
    .await;
    let admin = server.admin().await;
    let mut acked = Vec::new();
    let mut n = 0;
    let first_refusal = loop {
        let (code, name) = station(n);
        let (status, body) = server.create_station(&admin, &code, &name).await;
        n += 1;
        if status != 201 {
            break (status, body);
        }
        acked.push(body["id"].as_str().expect("id").to_owned());
        assert!(n < 10, "the injected sync failure never came");
    };
    assert_eq!(first_refusal.0, 503, "{first_refusal:?}");
    assert_eq!(
        first_refusal.1["error"], "ledger_stopped",
        "{first_refusal:?}"
    );
    // Later writes do not silently succeed over the broken file.
    for _ in 0..3 {
        let (code, name) = station(n);
        let (status, body) = server.create_station(&admin, &code, &name).await;
        n += 1;
        assert_eq!(
            (status, &body["error"]),
            (503, &json!("ledger_stopped")),
            "{body}"
        );
    }
    let stored = server.stations_stored(&admin).await;
    assert_eq!(
        stored.len(),
        acked.len(),
        "only acknowledged stations are stored: {stored:?}"
    );
    server.kill();

    verify_ledger(data.path(), "after the failed sync");
    let server = Server::start(data.path(), &[]).await;
    let admin = server.admin().await;
    server
        .assert_kept(&admin, &acked, "after the restart")
        .await;
    let (code, name) = station(n);
    let (status, body) = server.create_station(&admin, &code, &name).await;
    assert_eq!(
        status, 201,
        "a restarted server on a sound disk writes again: {body}"
    );
}
