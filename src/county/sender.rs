//! The township's sender: pushes the ledger's new entries to the county (`county_url`) every
//! `county_push_secs` and when the office asks (`POST /api/v1/county/send`). Each request is
//! signed with the ledger's key ([`super::auth`]).
//!
//! Resumable by design: a push first asks the county how much it has verified
//! (`POST /api/v1/county/status`), then sends from there in batches of `county_push_batch`
//! entries, each ending with a checkpoint signed for exactly its last entry, so every batch
//! the county took is final and a cut connection loses at most the batch in flight; the next
//! push starts where the county stopped. When the county's last entry is not this ledger's
//! (the history here changed), it sends from seq 0 so the county can name the first
//! entry that differs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth;
use super::{Refusal, TownshipState};
use crate::ledger::{ChainHash, Ledger, LedgerError};

/// A batch's body stops growing past this many bytes, whatever `county_push_batch` says.
const MAX_BATCH_BYTES: usize = 2 << 20;
/// The county's answer must come within this long.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What the last push did, for the office.
#[derive(Clone, Debug, Serialize)]
pub struct PushReport {
    /// When it ended (RFC 3339 UTC).
    pub at: String,
    pub ok: bool,
    /// Where it started sending (`None`: nothing to send).
    pub from_seq: Option<u64>,
    /// Entries the county added.
    pub added: u64,
    /// Entries the county holds verified now (as far as this push knows).
    pub county_len: u64,
    /// Entries in this ledger.
    pub own_len: u64,
    /// The county's state for this township: `ok`, `refused`, `unconfirmed`.
    pub state: Option<TownshipState>,
    /// Why it failed, in words for the clerk.
    pub message: Option<String>,
}

/// Why a push stopped.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("连不上县里的服务器（cannot reach the county server: {0}）")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("县里拒绝了（the county answered {status}: {message}）")]
    County { status: u16, message: String },
    #[error("推送任务失败（the push task failed）")]
    Task,
}

/// The county's answer to `status`.
#[derive(Deserialize)]
struct Status {
    state: TownshipState,
    verified_len: u64,
    root: ChainHash,
    refusal: Option<Refusal>,
}

/// Pushes this ledger's entries to the county.
pub struct Sender {
    ledger: Arc<Ledger>,
    url: String,
    batch: usize,
    client: reqwest::Client,
    last: Mutex<Option<PushReport>>,
    /// One push at a time (the schedule's and the office's).
    running: tokio::sync::Mutex<()>,
}

impl Sender {
    /// A sender to `url` (the county's base address), or `None` when it is empty.
    pub fn new(ledger: Arc<Ledger>, url: &str, batch: usize) -> Option<Sender> {
        let url = url.trim().trim_end_matches('/');
        if url.is_empty() {
            return None;
        }
        let client = reqwest::Client::builder().timeout(TIMEOUT).build().ok()?;
        Some(Sender {
            ledger,
            url: url.to_owned(),
            batch: batch.clamp(1, 5000),
            client,
            last: Mutex::new(None),
            running: tokio::sync::Mutex::new(()),
        })
    }

    /// The county's address.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The last push's report.
    pub fn last(&self) -> Option<PushReport> {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Pushes every `every` from now on (the first after one period).
    pub fn start(self: Arc<Self>, every: Duration) {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let report = self.push().await;
                if !report.ok {
                    tracing::warn!(message = ?report.message, "push to the county failed; the next one resumes");
                }
            }
        });
    }

    /// One push now; its report is also kept as [`Sender::last`].
    pub async fn push(&self) -> PushReport {
        let _one = self.running.lock().await;
        let mut report = PushReport {
            at: String::new(),
            ok: false,
            from_seq: None,
            added: 0,
            county_len: 0,
            own_len: self.ledger.len(),
            state: None,
            message: None,
        };
        if let Err(e) = self.run(&mut report).await {
            report.message = Some(e.to_string());
        } else {
            report.ok = report.state == Some(TownshipState::Ok);
        }
        report.at = super::store::now();
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(report.clone());
        report
    }

    async fn run(&self, report: &mut PushReport) -> Result<(), SendError> {
        let status = self.status().await?;
        report.state = Some(status.state);
        report.county_len = status.verified_len;
        if status.state != TownshipState::Ok {
            report.message = status.refusal.map(|r| r.reason).or_else(|| {
                Some("县里还没有确认本乡镇的密钥指纹（the county has not confirmed this township's key fingerprint yet）".into())
            });
            return Ok(());
        }
        let own_len = report.own_len;
        let mut cursor = self.resume_from(&status, own_len).await?;
        if cursor < own_len {
            report.from_seq = Some(cursor);
        }
        while cursor < own_len {
            let (ledger, batch) = (self.ledger.clone(), self.batch);
            let (body, end) =
                tokio::task::spawn_blocking(move || body(&ledger, cursor, own_len, batch))
                    .await
                    .map_err(|_| SendError::Task)??;
            let (code, answer) = self.post("/api/v1/county/push", body).await?;
            match code {
                200 => {
                    report.added += answer["added"].as_u64().unwrap_or(0);
                    report.county_len = answer["verified_len"].as_u64().unwrap_or(end);
                    cursor = end;
                }
                409 if answer["error"] == "county_refused" => {
                    report.state = Some(TownshipState::Refused);
                    report.message = answer["message"].as_str().map(str::to_owned);
                    return Ok(());
                }
                status => {
                    let message = answer["message"].as_str().unwrap_or("").to_owned();
                    return Err(SendError::County { status, message });
                }
            }
        }
        Ok(())
    }

    /// Where to send from: the county's length when its last entry is ours, else 0.
    async fn resume_from(&self, status: &Status, own_len: u64) -> Result<u64, SendError> {
        let Some(last) = status.verified_len.checked_sub(1) else {
            return Ok(0);
        };
        if last >= own_len {
            return Ok(0);
        }
        let ledger = self.ledger.clone();
        let ours =
            tokio::task::spawn_blocking(move || -> Result<Option<ChainHash>, LedgerError> {
                Ok(ledger.iter(last)?.next().transpose()?.map(|e| e.hash))
            })
            .await
            .map_err(|_| SendError::Task)??;
        Ok(if ours == Some(status.root) {
            status.verified_len
        } else {
            0
        })
    }

    async fn status(&self) -> Result<Status, SendError> {
        let (code, answer) = self.post("/api/v1/county/status", b"{}".to_vec()).await?;
        if code != 200 {
            let message = answer["message"].as_str().unwrap_or("").to_owned();
            return Err(SendError::County {
                status: code,
                message,
            });
        }
        serde_json::from_value(answer).map_err(|e| SendError::County {
            status: code,
            message: format!("unreadable answer: {e}"),
        })
    }

    /// A signed POST of `body` to `path` at the county: its status and JSON answer.
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<(u16, Value), SendError> {
        let time = time::OffsetDateTime::now_utc().unix_timestamp();
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let message = auth::message("POST", path, time, &nonce, &body);
        let signature = self.ledger.sign_request(&message)?;
        let key = self
            .ledger
            .public_key()
            .map(|k| k.to_string())
            .unwrap_or_default();
        let res = self
            .client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .header(auth::KEY_HEADER, key)
            .header(auth::TIME_HEADER, time.to_string())
            .header(auth::NONCE_HEADER, nonce)
            .header(auth::SIGNATURE_HEADER, B64.encode(signature))
            .body(body)
            .send()
            .await?;
        let code = res.status().as_u16();
        let bytes = res.bytes().await?;
        Ok((code, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }
}

/// The body of one batch from `from` (at most `batch` entries and about 2 MiB, not past
/// `len`) and its end: `{"checkpoint": note of exactly that end, "entries": [...]}`.
fn body(ledger: &Ledger, from: u64, len: u64, batch: usize) -> Result<(Vec<u8>, u64), LedgerError> {
    let mut lines = Vec::new();
    let mut bytes = 0;
    let mut end = from;
    for entry in ledger.iter(from)?.take(batch) {
        let entry = entry?;
        if entry.seq >= len {
            break;
        }
        let line = serde_json::to_value(&entry).unwrap_or(Value::Null);
        bytes += line.to_string().len();
        end = entry.seq + 1;
        lines.push(line);
        if bytes > MAX_BATCH_BYTES {
            break;
        }
    }
    let checkpoint = ledger.checkpoint_at(end)?;
    let body = serde_json::json!({ "checkpoint": checkpoint.as_note(), "entries": lines });
    Ok((body.to_string().into_bytes(), end))
}
