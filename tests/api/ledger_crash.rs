//! The server itself, `kill -9`ed at a random moment while eight clients write as fast as
//! they can, loses nothing it acknowledged: every write that got a 2xx is in the ledger
//! (and in the store) after a restart, and `dianjiao ledger verify` passes. Twenty rounds
//! on one data folder. The pauses before each kill come from a printed seed
//! (`DIANJIAO_TEST_SEED` replays a run).

use std::time::Duration;

use rand::Rng;
use serde_json::{json, Value};

use crate::support::faults::{add_admin, verify_ledger, Server};

const ROUNDS: usize = 20;
const WRITERS: usize = 8;

/// Creates stations as fast as the server answers until it stops answering; returns the
/// ids of those acknowledged with 201.
async fn writer(base: String, client: reqwest::Client, round: usize, w: usize) -> Vec<String> {
    let mut acked = Vec::new();
    for n in 0.. {
        let body = json!({"code": format!("R{round}-W{w}-{n}"), "name": format!("第{round}轮{w}号村{n}"), "kind": "village"});
        let Ok(r) = client
            .post(format!("{base}/api/v1/stations"))
            .json(&body)
            .send()
            .await
        else {
            break;
        };
        if r.status().as_u16() != 201 {
            break;
        }
        let Ok(created) = r.json::<Value>().await else {
            break;
        };
        acked.push(created["id"].as_str().expect("an id").to_owned());
    }
    acked
}

/// Entries in the ledger now (one small page read).
async fn ledger_len(server: &Server, client: &reqwest::Client) -> u64 {
    let page = server.get_json(client, "/api/v1/ledger?limit=1").await;
    page["len"].as_u64().expect("len")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_at_random_twenty_times_loses_no_acknowledged_write() {
    let (mut rng, seed) = crate::support::faults::seeded("ledger_crash");
    let started = std::time::Instant::now();
    let data = tempfile::tempdir().expect("dir");
    add_admin(data.path());
    let mut previous: Vec<String> = Vec::new();
    let mut total = 0;
    for round in 0..=ROUNDS {
        let server = Server::start(data.path(), &[]).await;
        let client = server.admin().await;
        let when = format!("round {round}");
        server.assert_kept(&client, &previous, &when).await;
        if round == ROUNDS {
            server.kill();
            break;
        }
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| tokio::spawn(writer(server.base.clone(), client.clone(), round, w)))
            .collect();
        // Kill while they write: once the ledger has grown this round, after a random pause.
        let before = ledger_len(&server, &client).await;
        for _ in 0..500 {
            if ledger_len(&server, &client).await > before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let pause = rng.gen_range(50..=400);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.kill();
        previous.clear();
        for w in writers {
            previous.extend(w.await.expect("writer"));
        }
        assert!(
            !previous.is_empty(),
            "round {round}: no write was acknowledged before the kill"
        );
        total += previous.len();
        verify_ledger(data.path(), &format!("round {round}"));
    }
    assert!(
        total >= ROUNDS,
        "only {total} acknowledged writes in {ROUNDS} rounds"
    );
    eprintln!(
        "ledger_crash: seed {seed}, {ROUNDS} kills, {WRITERS} writers, {total} writes acknowledged, all recovered, chain verified, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
