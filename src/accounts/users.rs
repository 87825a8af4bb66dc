//! User records: name, role and an argon2id password hash (PHC string).

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use super::{hashing, AccountsError, Role};

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

/// Checks `password` for `name`: the user when it is right. Run on the check pool: the
/// argon2 memory is that thread's, reused (see [`hashing::with_memory`]).
pub(super) fn verify(
    tree: &sled::Tree,
    name: &str,
    password: &str,
) -> Result<Option<User>, AccountsError> {
    let Some(bytes) = tree.get(name.as_bytes())? else {
        // Spend the same effort as a real check so a missing account is not revealed by timing.
        let salt: [u8; 16] = rand::random();
        let argon2 = Argon2::default();
        let len = Params::DEFAULT_OUTPUT_LEN;
        let _ = argon2_output(&argon2, password, &salt, len);
        return Ok(None);
    };
    let UserRecord::V1(user) = serde_json::from_slice(&bytes)?;
    Ok(matches(&user.password_phc, password)?.then_some(user))
}

/// Whether `password` hashes to the PHC string `phc`: what argon2's `verify_password` does,
/// with the crate's own parsing, but hashing into reused memory (its own allocates ~19 MiB
/// per call, which the allocator did not give back under a flood).
fn matches(phc: &str, password: &str) -> Result<bool, AccountsError> {
    let bad = |e: argon2::password_hash::Error| AccountsError::Hash(e.to_string());
    let hash = PasswordHash::new(phc).map_err(bad)?;
    let algorithm = Algorithm::try_from(hash.algorithm).map_err(bad)?;
    let version = match hash.version {
        Some(v) => Version::try_from(v).map_err(|e| AccountsError::Hash(e.to_string()))?,
        None => Version::default(),
    };
    let params = Params::try_from(&hash).map_err(bad)?;
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return Err(AccountsError::Hash("no salt or hash in the record".into()));
    };
    let mut salt_buf = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buf).map_err(bad)?;
    let argon2 = Argon2::new(algorithm, version, params);
    let got = argon2_output(&argon2, password, salt, expected.len())?;
    // `Output`'s equality is constant-time.
    Ok(got == expected)
}

fn argon2_output(
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    len: usize,
) -> Result<Output, AccountsError> {
    let blocks = argon2.params().block_count();
    Output::init_with(len, |out| {
        hashing::with_memory(blocks, |memory| {
            argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, memory)
        })
        .map_err(|_| argon2::password_hash::Error::Password)
    })
    .map_err(|e| AccountsError::Hash(e.to_string()))
}

pub(super) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
