//! Accounts and sign-in: users with argon2id password hashes, server-side sessions, roles,
//! and throttling of failed sign-ins per (account, address) and per address, with password
//! checks on a small bounded pool. Owns the sled trees `users` and `sessions`.

mod hashing;
mod sessions;
mod throttle;
mod users;

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use hashing::HashPool;
pub use sessions::SessionToken;
pub use throttle::{Reservation, Throttle};
pub use users::{User, UserName};

/// What a signed-in person may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: accounts, settings, uploads, stations.
    Admin,
    /// Catalog reading, stations, ledger entries and reports.
    Clerk,
}

impl Role {
    /// The machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clerk => "clerk",
        }
    }
}

/// Who is making a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// Nobody signed in: an anonymous LAN viewer.
    Anonymous,
    /// A signed-in office user.
    User { name: String, role: Role },
    /// A paired TV of one station: its station and its own device id (plays it starts are
    /// its own; revoking it ends them).
    Device { station: String, device: String },
}

/// Why an accounts operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("account storage failed")]
    Store(#[from] sled::Error),
    #[error("an account record is unreadable")]
    Record(#[from] serde_json::Error),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(
        "the user name {0:?} is not allowed (1–32 letters, digits, Chinese characters, _ . -)"
    )]
    BadName(String),
    #[error("the password is too short (at least 8 characters)")]
    WeakPassword,
    #[error("user {0:?} already exists")]
    Exists(String),
    #[error("no user {0:?}")]
    UnknownUser(String),
    #[error("wrong name or password")]
    InvalidCredentials,
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// Every password-check thread is busy and the queue is full: nothing was checked.
    #[error("too many sign-ins at once; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
}

/// Users, sessions and the sign-in throttle.
pub struct Accounts {
    users: sled::Tree,
    sessions: sled::Tree,
    throttle: Throttle,
    checks: HashPool,
    session_ttl: Duration,
}

impl Accounts {
    /// Opens the account trees in `db`; sign-in passwords are checked `hash_threads` at a
    /// time.
    pub fn open(
        db: &sled::Db,
        session_ttl: Duration,
        throttle: Throttle,
        hash_threads: usize,
    ) -> Result<Self, AccountsError> {
        Ok(Accounts {
            users: db.open_tree("users")?,
            sessions: db.open_tree("sessions")?,
            throttle,
            checks: HashPool::new(hash_threads),
            session_ttl,
        })
    }

    /// Creates a user. Blocking: hashing takes tens of milliseconds on purpose.
    pub fn add_user(&self, name: &str, role: Role, password: &str) -> Result<User, AccountsError> {
        users::add(&self.users, name, role, password)
    }

    /// Sets a new password (an admin's reset) and ends the user's open sessions, so an old
    /// password that leaked stops working everywhere at once. Blocking (argon2).
    pub fn reset_password(&self, name: &str, password: &str) -> Result<User, AccountsError> {
        let user = users::set_password(&self.users, name, password)?;
        sessions::remove_user(&self.sessions, &user.name)?;
        Ok(user)
    }

    /// Every user, by name (no password hashes leave this module's callers' reach: the
    /// field is private).
    pub fn users(&self) -> Result<Vec<User>, AccountsError> {
        users::list(&self.users)
    }

    /// The number of users.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Checks a name and password and opens a session. Blocking (argon2, on the pool).
    ///
    /// The attempt is reserved in the throttle before the password is checked, so many
    /// concurrent guesses get no more checks than the limit; `Busy` when the check pool and
    /// its queue are full (nothing checked, nothing counted).
    pub fn sign_in(
        &self,
        name: &str,
        password: &str,
        from: IpAddr,
    ) -> Result<(User, SessionToken), AccountsError> {
        let attempt = self.throttle.reserve(name, from)?;
        let (tree, n, p) = (self.users.clone(), name.to_owned(), password.to_owned());
        let checked = match self.checks.run(move || users::verify(&tree, &n, &p)) {
            Ok(checked) => checked,
            Err(busy) => {
                attempt.release();
                return Err(busy);
            }
        };
        // A store error leaves the attempt counted, like a wrong password.
        match checked? {
            Some(user) => {
                attempt.succeeded();
                let token = sessions::create(&self.sessions, &user, self.session_ttl)?;
                Ok((user, token))
            }
            None => {
                attempt.failed();
                Err(AccountsError::InvalidCredentials)
            }
        }
    }

    /// The user behind a session cookie, if it is valid and not expired.
    pub fn principal_for(&self, token: &str) -> Result<Principal, AccountsError> {
        sessions::lookup(&self.sessions, token)
    }

    /// Ends a session.
    pub fn sign_out(&self, token: &str) -> Result<(), AccountsError> {
        sessions::remove(&self.sessions, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> (tempfile::TempDir, Accounts) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = sled::open(dir.path().join("db")).expect("sled");
        let throttle = Throttle::new(5, 20, Duration::from_secs(60));
        let accounts = Accounts::open(&db, Duration::from_secs(3600), throttle, 2).expect("open");
        (dir, accounts)
    }

    #[test]
    fn a_reset_password_replaces_the_old_one_and_ends_open_sessions() {
        let (_dir, accounts) = accounts();
        let ip: IpAddr = "10.0.0.9".parse().expect("ip");
        accounts
            .add_user("zhang", Role::Clerk, "old-password")
            .expect("add");
        let (_, token) = accounts
            .sign_in("zhang", "old-password", ip)
            .expect("sign in");
        accounts
            .reset_password("zhang", "new-password")
            .expect("reset");
        assert_eq!(
            accounts.principal_for(&token.0).expect("lookup"),
            Principal::Anonymous
        );
        assert!(matches!(
            accounts.sign_in("zhang", "old-password", ip),
            Err(AccountsError::InvalidCredentials)
        ));
        accounts
            .sign_in("zhang", "new-password", ip)
            .expect("new works");
    }

    #[test]
    fn a_reset_needs_a_known_user_and_a_long_enough_password() {
        let (_dir, accounts) = accounts();
        accounts
            .add_user("li", Role::Admin, "password-1")
            .expect("add");
        assert!(matches!(
            accounts.reset_password("nobody", "password-2"),
            Err(AccountsError::UnknownUser(_))
        ));
        assert!(matches!(
            accounts.reset_password("li", "short"),
            Err(AccountsError::WeakPassword)
        ));
        let names: Vec<String> = accounts
            .users()
            .expect("users")
            .into_iter()
            .map(|u| u.name)
            .collect();
        assert_eq!(names, ["li"]);
    }
}
