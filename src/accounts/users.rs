//! User records: name, role and an argon2id password hash (PHC string).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use serde::{Deserialize, Serialize};

use super::{AccountsError, Role};

/// A valid user name: 1–32 letters, digits, CJK characters, `_`, `.`, `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    /// Checks a proposed name.
    pub fn parse(s: &str) -> Result<Self, AccountsError> {
        let ok = !s.is_empty()
            && s.chars().count() <= 32
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if ok {
            Ok(UserName(s.to_owned()))
        } else {
            Err(AccountsError::BadName(s.chars().take(40).collect()))
        }
    }
}

/// A stored user.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// argon2id PHC string; never leaves the server.
    #[serde(rename = "password_phc")]
    pub(super) password_phc: String,
    pub created_at: i64,
}

/// The on-disk record, versioned.
#[derive(Serialize, Deserialize)]
enum UserRecord {
    V1(User),
}

pub(super) fn add(
    tree: &sled::Tree,
    name: &str,
    role: Role,
    password: &str,
) -> Result<User, AccountsError> {
    let name = UserName::parse(name)?;
    if password.chars().count() < 8 {
        return Err(AccountsError::WeakPassword);
    }
    let phc = hash(password)?;
    let user = User {
        name: name.0.clone(),
        role,
        password_phc: phc,
        created_at: now_unix(),
    };
    let bytes = serde_json::to_vec(&UserRecord::V1(user.clone()))?;
    let inserted = tree.compare_and_swap(name.0.as_bytes(), None::<&[u8]>, Some(bytes))?;
    if inserted.is_err() {
        return Err(AccountsError::Exists(name.0));
    }
    tree.flush()?;
    Ok(user)
}

/// Sets a new password for an existing user.
pub(super) fn set_password(
    tree: &sled::Tree,
    name: &str,
    password: &str,
) -> Result<User, AccountsError> {
    if password.chars().count() < 8 {
        return Err(AccountsError::WeakPassword);
    }
    let Some(bytes) = tree.get(name.as_bytes())? else {
        return Err(AccountsError::UnknownUser(name.chars().take(40).collect()));
    };
    let UserRecord::V1(mut user) = serde_json::from_slice(&bytes)?;
    user.password_phc = hash(password)?;
    tree.insert(
        name.as_bytes(),
        serde_json::to_vec(&UserRecord::V1(user.clone()))?,
    )?;
    tree.flush()?;
    Ok(user)
}

/// Every user, by name.
pub(super) fn list(tree: &sled::Tree) -> Result<Vec<User>, AccountsError> {
    let mut out = Vec::new();
    for item in tree.iter() {
        let (_, bytes) = item?;
        let UserRecord::V1(user) = serde_json::from_slice(&bytes)?;
        out.push(user);
    }
    Ok(out)
}

fn hash(password: &str) -> Result<String, AccountsError> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AccountsError::Hash(e.to_string()))?
        .to_string())
}

pub(super) fn verify(
    tree: &sled::Tree,
    name: &str,
    password: &str,
) -> Result<Option<User>, AccountsError> {
    let Some(bytes) = tree.get(name.as_bytes())? else {
        // Spend the same effort as a real check so a missing account is not revealed by timing.
        let _ =
            Argon2::default().hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng));
        return Ok(None);
    };
    let UserRecord::V1(user) = serde_json::from_slice(&bytes)?;
    let parsed =
        PasswordHash::new(&user.password_phc).map_err(|e| AccountsError::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        .then_some(user))
}

pub(super) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
