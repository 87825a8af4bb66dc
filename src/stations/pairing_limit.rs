//! How many pairing codes may be tried: per client address (the sign-in throttle's
//! mechanism, 5 wrong codes lock the address) and for the whole server (so many wrong codes
//! in an hour, from all addresses together, pause pairing until that hour is over: six
//! digits are a million codes, and a LAN has many addresses). Every try is reserved before
//! the code is looked at, so a burst of concurrent guesses gets no more than the limits.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::StationsError;
use crate::accounts::{AccountsError, Reservation, Throttle};

/// The window of the server-wide count.
const WINDOW: Duration = Duration::from_secs(3600);
/// The throttle's account key: pairing failures are counted per address only.
const THROTTLE_KEY: &str = "pairing";

/// The per-address throttle and the server-wide hourly count of wrong codes.
pub(super) struct PairingLimit {
    per_address: Throttle,
    per_hour: u32,
    window: Mutex<Window>,
}

#[derive(Clone, Copy)]
struct Window {
    /// When the first wrong code of this window came (monotonic and wall clock).
    since: Instant,
    since_wall: OffsetDateTime,
    /// Wrong codes in the window, including tries still being checked.
    wrong: u32,
}

/// Whether pairing is paused, for the admin page.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PairingStatus {
    /// Pairing is refused for everyone until `paused_until`.
    pub paused: bool,
    /// RFC 3339 UTC, when paused.
    pub paused_until: Option<String>,
    /// Wrong codes in the current hour, from all addresses.
    pub wrong_codes: u32,
    /// The setting `pairing_max_wrong_per_hour`.
    pub max_wrong_per_hour: u32,
}

/// One reserved try: a wrong code unless [`Try::release`] says no code was looked at or it
/// paired.
pub(super) struct Try<'a> {
    limit: &'a PairingLimit,
    address: Reservation<'a>,
}

impl PairingLimit {
    pub(super) fn new(per_address: u32, lockout: Duration, per_hour: u32) -> PairingLimit {
        PairingLimit {
            per_address: Throttle::new(u32::MAX, per_address, lockout),
            per_hour,
            window: Mutex::new(Window {
                since: Instant::now(),
                since_wall: OffsetDateTime::now_utc(),
                wrong: 0,
            }),
        }
    }

    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if w.since.elapsed() >= WINDOW {
            w.wrong = 0;
        }
        w
    }

    /// Reserves one try from `from`; refuses while the address is locked or pairing is
    /// paused for everyone.
    pub(super) fn reserve(&self, from: IpAddr) -> Result<Try<'_>, StationsError> {
        let address = self
            .per_address
            .reserve(THROTTLE_KEY, from)
            .map_err(|e| match e {
                AccountsError::Throttled { retry_after_secs } => {
                    StationsError::Throttled { retry_after_secs }
                }
                other => StationsError::Invalid(other.to_string()),
            })?;
        let mut w = self.window();
        if w.wrong >= self.per_hour {
            let left = WINDOW.saturating_sub(w.since.elapsed());
            drop(w);
            address.release();
            return Err(StationsError::PairingPaused {
                retry_after_secs: left.as_secs().max(1),
            });
        }
        if w.wrong == 0 {
            w.since = Instant::now();
            w.since_wall = OffsetDateTime::now_utc();
        }
        w.wrong += 1;
        Ok(Try {
            limit: self,
            address,
        })
    }

    /// Whether pairing is paused, and until when.
    pub(super) fn status(&self) -> PairingStatus {
        let w = *self.window();
        let paused = w.wrong >= self.per_hour;
        let until = w.since_wall + WINDOW;
        PairingStatus {
            paused,
            paused_until: paused.then(|| super::store::stamp(until)),
            wrong_codes: w.wrong,
            max_wrong_per_hour: self.per_hour,
        }
    }
}

impl Try<'_> {
    /// The code was wrong, used or expired: the try stays counted, for the address and for
    /// the server.
    pub(super) fn wrong(self) {
        self.address.failed();
    }

    /// The code paired, or was never looked at: the try counts for nothing.
    pub(super) fn release(self) {
        let mut w = self.limit.window();
        w.wrong = w.wrong.saturating_sub(1);
        drop(w);
        self.address.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_codes_from_many_addresses_pause_pairing_for_everyone() {
        let limit = PairingLimit::new(5, Duration::from_secs(900), 3);
        for i in 1..=3 {
            let ip = IpAddr::from([10, 0, 0, i]);
            limit.reserve(ip).expect("a try").wrong();
        }
        assert!(matches!(
            limit.reserve(IpAddr::from([10, 0, 0, 9])),
            Err(StationsError::PairingPaused { .. })
        ));
        let status = limit.status();
        assert!(status.paused && status.paused_until.is_some());
        assert_eq!(status.wrong_codes, 3);
    }

    #[test]
    fn tries_that_paired_or_were_not_looked_at_do_not_count() {
        let limit = PairingLimit::new(2, Duration::from_secs(900), 2);
        let ip = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..5 {
            limit.reserve(ip).expect("a try").release();
        }
        assert!(!limit.status().paused);
        assert_eq!(limit.status().wrong_codes, 0);
    }
}
