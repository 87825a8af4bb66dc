//! A disk whose sync fails under the ledger (injected through the ledger's storage seam,
//! `ledger_debug_fail_sync_after`, in the real server process): the write that met it and
//! every later one get an error naming the stopped ledger, nothing refused is acknowledged
//! or stored, and after a restart the chain verifies with every acknowledged entry in it.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::support::faults::{add_admin, verify_ledger, Server};

/// Station ids of every `created` station change in the ledger.
async fn created_in_ledger(server: &Server, client: &reqwest::Client) -> HashSet<String> {
    let url = format!("{}/api/v1/ledger?limit=1000", server.base);
    let page: Value = client
        .get(url)
        .send()
        .await
        .expect("ledger")
        .json()
        .await
        .expect("json");
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] == "station_change" && e["payload"]["action"] == "created")
        .filter_map(|e| e["station"].as_str().map(str::to_owned))
        .collect()
}

async fn create_station(server: &Server, client: &reqwest::Client, n: usize) -> (u16, Value) {
    let body = json!({"code": format!("S-{n}"), "name": format!("同步{n}村"), "kind": "village"});
    let res = client
        .post(format!("{}/api/v1/stations", server.base))
        .json(&body)
        .send()
        .await
        .expect("answer");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
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
        let (status, body) = create_station(&server, &admin, n).await;
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
        let (status, body) = create_station(&server, &admin, n).await;
        n += 1;
        assert_eq!(
            (status, &body["error"]),
            (503, &json!("ledger_stopped")),
            "{body}"
        );
    }
    let listed: Value = admin
        .get(format!("{}/api/v1/stations", server.base))
        .send()
        .await
        .expect("stations")
        .json()
        .await
        .expect("json");
    assert_eq!(
        listed["items"].as_array().expect("items").len(),
        acked.len(),
        "only acknowledged stations are stored: {listed}"
    );
    server.kill();

    verify_ledger(data.path(), "after the failed sync");
    let server = Server::start(data.path(), &[]).await;
    let admin = server.admin().await;
    let in_ledger = created_in_ledger(&server, &admin).await;
    for id in &acked {
        assert!(
            in_ledger.contains(id),
            "acknowledged station {id} is in the ledger"
        );
    }
    let (status, body) = create_station(&server, &admin, n).await;
    assert_eq!(
        status, 201,
        "a restarted server on a sound disk writes again: {body}"
    );
}
