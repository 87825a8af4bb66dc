//! Request helpers on [`TestApp`], zero2prod style: a request made as one client (with the
//! cookies the test gave it: a signed-in session, a paired TV's device cookie, or none),
//! answered with its status and its JSON body.

use reqwest::{Client, RequestBuilder};
use serde::Serialize;
use serde_json::Value;

use super::TestApp;

/// Sends a request; returns its status and JSON body (`Null` when the body is not JSON).
/// For the methods and headers the helpers below do not cover.
pub async fn send(req: RequestBuilder) -> (u16, Value) {
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

impl TestApp {
    /// `GET path` as `client`: the status and the JSON body (`Null` when not JSON).
    pub async fn get(&self, client: &Client, path: &str) -> (u16, Value) {
        send(client.get(self.url(path))).await
    }

    /// `GET path` as `client`, which must succeed: the JSON body.
    pub async fn get_json_as(&self, client: &Client, path: &str) -> Value {
        let res = client.get(self.url(path)).send().await.expect("get");
        assert!(res.status().is_success(), "GET {path}: {}", res.status());
        res.json().await.expect("json")
    }

    /// `POST path` with `body` as JSON, as `client`: the status and the JSON body (`Null`
    /// when not JSON).
    pub async fn post_json(
        &self,
        client: &Client,
        path: &str,
        body: impl Serialize,
    ) -> (u16, Value) {
        send(client.post(self.url(path)).json(&body)).await
    }
}
