//! Server-side sessions. The cookie holds a random token; the store holds only its SHA-256,
//! so a copy of the database does not hand out live sessions.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::users::{now_unix, User};
use super::{AccountsError, Principal, Role};

/// A fresh session token, to be set as an HttpOnly cookie.
#[derive(Clone, Debug)]
pub struct SessionToken(pub String);

#[derive(Serialize, Deserialize)]
enum SessionRecord {
    V1 {
        user: String,
        role: Role,
        expires_at: i64,
    },
}

fn key(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub(super) fn create(
    tree: &sled::Tree,
    user: &User,
    ttl: Duration,
) -> Result<SessionToken, AccountsError> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let record = SessionRecord::V1 {
        user: user.name.clone(),
        role: user.role,
        expires_at: now_unix() + ttl.as_secs() as i64,
    };
    tree.insert(key(&token), serde_json::to_vec(&record)?)?;
    Ok(SessionToken(token))
}

pub(super) fn lookup(tree: &sled::Tree, token: &str) -> Result<Principal, AccountsError> {
    let Some(bytes) = tree.get(key(token))? else {
        return Ok(Principal::Anonymous);
    };
    let SessionRecord::V1 {
        user,
        role,
        expires_at,
    } = serde_json::from_slice(&bytes)?;
    if expires_at <= now_unix() {
        tree.remove(key(token))?;
        return Ok(Principal::Anonymous);
    }
    Ok(Principal::User { name: user, role })
}

pub(super) fn remove(tree: &sled::Tree, token: &str) -> Result<(), AccountsError> {
    tree.remove(key(token))?;
    Ok(())
}

/// Ends every session of `user` (after a password reset); returns how many.
pub(super) fn remove_user(tree: &sled::Tree, user: &str) -> Result<usize, AccountsError> {
    let mut gone = 0;
    for item in tree.iter() {
        let (key, bytes) = item?;
        let SessionRecord::V1 { user: owner, .. } = serde_json::from_slice(&bytes)?;
        if owner == user {
            tree.remove(key)?;
            gone += 1;
        }
    }
    Ok(gone)
}
