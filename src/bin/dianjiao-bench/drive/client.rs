//! A small HTTP client for the load driver: one connection pool per simulated client and
//! its session or device cookie kept by hand (the server's reqwest is built without the
//! cookie store and JSON features; one cookie is all a client here ever holds).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::Value;

/// One simulated client: a TV, a viewer or the clerk.
#[derive(Clone)]
pub(super) struct Http {
    client: reqwest::Client,
    base: String,
    cookie: Arc<Mutex<Option<String>>>,
}

impl Http {
    pub(super) fn new(base: &str) -> Http {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Http {
            client,
            base: base.to_owned(),
            cookie: Arc::default(),
        }
    }

    /// GET `path`: status and body.
    pub(super) async fn get(&self, path: &str) -> Result<(u16, Vec<u8>), reqwest::Error> {
        let req = self.with_cookie(self.client.get(format!("{}{path}", self.base)));
        let res = req.send().await?;
        self.keep_cookie(&res);
        let status = res.status().as_u16();
        Ok((status, res.bytes().await?.to_vec()))
    }

    /// POST `body` as JSON to `path`: status and the JSON answer (null when not JSON).
    pub(super) async fn post(
        &self,
        path: &str,
        body: Value,
    ) -> Result<(u16, Value), reqwest::Error> {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        let res = self.with_cookie(req).send().await?;
        self.keep_cookie(&res);
        let status = res.status().as_u16();
        let bytes = res.bytes().await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// A tus request (`Tus-Resumable: 1.0.0`) with `headers` and `body`: status and the
    /// answer's `Location`.
    pub(super) async fn tus(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<(u16, Option<String>), reqwest::Error> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Tus-Resumable", "1.0.0")
            .body(body);
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let res = self.with_cookie(req).send().await?;
        let location = res
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((res.status().as_u16(), location))
    }

    fn with_cookie(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self
            .cookie
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_deref()
        {
            Some(c) => req.header(COOKIE, c),
            None => req,
        }
    }

    /// Keeps the `name=value` of a `Set-Cookie` answer.
    fn keep_cookie(&self, res: &reqwest::Response) {
        let set = res.headers().get_all(SET_COOKIE).iter().filter_map(|v| {
            let pair = v.to_str().ok()?.split(';').next()?.trim();
            Some(pair.to_owned())
        });
        let pairs: Vec<String> = set.collect();
        if !pairs.is_empty() {
            *self.cookie.lock().unwrap_or_else(|e| e.into_inner()) = Some(pairs.join("; "));
        }
    }
}
