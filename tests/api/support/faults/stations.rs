//! What the fault tests write and check afterwards: stations, each creation one ledger
//! entry, so "acknowledged" and "kept" can be compared id by id.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::Server;

impl Server {
    /// `GET path` as `client`: the JSON body.
    pub async fn get_json(&self, client: &reqwest::Client, path: &str) -> Value {
        client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: not JSON: {e}"))
    }

    /// Creates the village station `code` named `name` as `client`: the status and the
    /// body (`Null` when it is not JSON).
    pub async fn create_station(
        &self,
        client: &reqwest::Client,
        code: &str,
        name: &str,
    ) -> (u16, Value) {
        let body = json!({"code": code, "name": name, "kind": "village"});
        let res = client
            .post(format!("{}/api/v1/stations", self.base))
            .json(&body)
            .send()
            .await
            .expect("answer");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Station ids of every `created` station change in the ledger, read page by page.
    pub async fn stations_in_ledger(&self, client: &reqwest::Client) -> HashSet<String> {
        let mut ids = HashSet::new();
        let mut from = 0;
        loop {
            let path = format!("/api/v1/ledger?from_seq={from}&limit=1000");
            let page = self.get_json(client, &path).await;
            for e in page["entries"].as_array().expect("entries") {
                if e["kind"] == "station_change" && e["payload"]["action"] == "created" {
                    ids.insert(e["station"].as_str().expect("station").to_owned());
                }
            }
            match page["next_seq"].as_u64() {
                Some(next) => from = next,
                None => return ids,
            }
        }
    }

    /// Station ids in the store, as the station list shows them.
    pub async fn stations_stored(&self, client: &reqwest::Client) -> HashSet<String> {
        let listed = self.get_json(client, "/api/v1/stations").await;
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|s| s["id"].as_str().map(str::to_owned))
            .collect()
    }

    /// Asserts that every station in `acked` is in the ledger and in the store; `when`
    /// names the moment in the message.
    pub async fn assert_kept(&self, client: &reqwest::Client, acked: &[String], when: &str) {
        let in_ledger = self.stations_in_ledger(client).await;
        let stored = self.stations_stored(client).await;
        for id in acked {
            assert!(
                in_ledger.contains(id),
                "{when}: acknowledged station {id} is not in the ledger"
            );
            assert!(
                stored.contains(id),
                "{when}: acknowledged station {id} is not stored"
            );
        }
    }
}
