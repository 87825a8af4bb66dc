//! Signed requests from a township to the county. A township has no account at the county:
//! it proves who it is by signing each request with its ledger key, the key the county
//! registered. Headers:
//!
//! * `x-dianjiao-key`: the township's verifier key (`dianjiao ledger key`'s first line);
//! * `x-dianjiao-time`: Unix seconds when it was signed;
//! * `x-dianjiao-nonce`: 16–64 hex digits, new for every request;
//! * `x-dianjiao-signature`: base64 Ed25519 signature (see
//!   [`Ledger::sign_request`](crate::ledger::Ledger::sign_request)) over
//!   [`message`]`(method, path, time, nonce, body)`.
//!
//! The county takes a request only within `county_request_window_secs` of its clock and
//! each nonce only once (kept, durable, for twice that window), so a captured request
//! cannot be replayed.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::{County, CountyError, Township};
use crate::ledger::VerifierKey;

pub const KEY_HEADER: &str = "x-dianjiao-key";
pub const TIME_HEADER: &str = "x-dianjiao-time";
pub const NONCE_HEADER: &str = "x-dianjiao-nonce";
pub const SIGNATURE_HEADER: &str = "x-dianjiao-signature";

/// The bytes a request signature covers: method, path, time, nonce and the body's SHA-256.
pub fn message(method: &str, path: &str, time: i64, nonce: &str, body: &[u8]) -> Vec<u8> {
    let digest = hex::encode(Sha256::digest(body));
    format!("{method} {path}\n{time}\n{nonce}\n{digest}\n").into_bytes()
}

/// The four header values of a signed request, as received.
pub struct Signed<'a> {
    pub key: &'a str,
    pub time: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
}

impl County {
    /// Checks a signed request and returns the township that made it. The nonce is spent
    /// only when the signature verifies (nobody else can use up a township's nonces).
    pub fn authenticate(
        &self,
        signed: &Signed,
        (method, path, body): (&str, &str, &[u8]),
        window_secs: u64,
    ) -> Result<Township, CountyError> {
        let township = self.by_key(signed.key)?;
        let key: VerifierKey = township.key.parse().map_err(CountyError::BadKey)?;
        let time: i64 = signed
            .time
            .parse()
            .map_err(|_| CountyError::BadSignature("x-dianjiao-time is not Unix seconds"))?;
        let nonce = signed.nonce;
        if !(16..=64).contains(&nonce.len()) || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CountyError::BadSignature(
                "x-dianjiao-nonce must be 16 to 64 hex digits",
            ));
        }
        let signature: [u8; 64] = B64
            .decode(signed.signature.trim())
            .ok()
            .and_then(|raw| raw.try_into().ok())
            .ok_or(CountyError::BadSignature(
                "x-dianjiao-signature is not 64 bytes of base64",
            ))?;
        let signed_over = message(method, path, time, nonce, body);
        if !key.verifies_request(&signed_over, &signature) {
            return Err(CountyError::BadSignature(
                "not signed by the township's registered ledger key",
            ));
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let window = i64::try_from(window_secs).unwrap_or(i64::MAX);
        if (now - time).abs() > window {
            return Err(CountyError::Replay(
                "signed too long ago or in the future: check both servers' clocks",
            ));
        }
        self.spend_nonce(&township.id, nonce, now, window)?;
        Ok(township)
    }

    /// Records a nonce as used; refuses one used before. Drops nonces older than two windows.
    fn spend_nonce(&self, id: &str, nonce: &str, now: i64, window: i64) -> Result<(), CountyError> {
        let key = [id.as_bytes(), b"\0", nonce.to_ascii_lowercase().as_bytes()].concat();
        let fresh = self.nonces.compare_and_swap(
            key,
            None as Option<&[u8]>,
            Some(&now.to_be_bytes()[..]),
        )?;
        if fresh.is_err() {
            return Err(CountyError::Replay("this nonce was used before"));
        }
        if rand::random::<u8>() < 8 {
            let old = now.saturating_sub(window.saturating_mul(2));
            for kv in self.nonces.iter() {
                let (k, v) = kv?;
                let at = <[u8; 8]>::try_from(v.as_ref()).map_or(0, i64::from_be_bytes);
                if at < old {
                    self.nonces.remove(k)?;
                }
            }
        }
        self.nonces.flush()?;
        Ok(())
    }
}
