//! The demo's office account `demo`, made once with a random password that is printed at
//! that start and nowhere else (not logged, not stored but as its hash).

use rand::Rng;

use crate::accounts::{Accounts, AccountsError, Role};

/// The demo account's name.
pub const DEMO_USER: &str = "demo";

/// Letters and digits that cannot be mistaken for one another when typed from a screen.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Makes the admin account `demo` unless it exists; returns its new password.
pub fn ensure_account(accounts: &Accounts) -> Result<Option<String>, AccountsError> {
    if accounts.users()?.iter().any(|u| u.name == DEMO_USER) {
        return Ok(None);
    }
    let password = new_password();
    accounts.add_user(DEMO_USER, Role::Admin, &password)?;
    Ok(Some(password))
}

/// Three groups of four (`abcd-efgh-jkmn`): about 59 bits, easy to read off a terminal.
fn new_password() -> String {
    let mut rng = rand::thread_rng();
    let group = |rng: &mut rand::rngs::ThreadRng| -> String {
        (0..4)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect()
    };
    let groups: Vec<String> = (0..3).map(|_| group(&mut rng)).collect();
    groups.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_three_groups_of_four_and_differ() {
        let (a, b) = (new_password(), new_password());
        assert_eq!(a.len(), 14);
        assert!(a.split('-').all(|g| g.len() == 4));
        assert_ne!(a, b);
    }
}
