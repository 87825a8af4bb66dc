//! The demo year's clock and mark. The server's ledger, play sessions and manual entries
//! are opened on [`Script::ledger_options`]: the system clock and no mark, except while
//! [`Script::run`] writes the demo year, when the clock says what the script sets and every
//! entry gets `"origin": "demo"`. Nothing else runs then (the server is not serving yet).

use std::sync::{Arc, Mutex, MutexGuard};

use time::{Duration, OffsetDateTime};

use crate::ledger::{LedgerClock, LedgerOptions, OriginMark};

/// The mark the demo year's entries carry in `origin`.
pub const DEMO_ORIGIN: &str = "demo";

/// A clock that is the system's unless a script is running, and the mark that goes with it.
#[derive(Clone, Default)]
pub struct Script {
    now: Arc<Mutex<Option<OffsetDateTime>>>,
    origin: OriginMark,
}

impl Script {
    /// The ledger options the server opens with (`App::open_with`).
    pub fn ledger_options(&self) -> LedgerOptions {
        let (now, scripting) = (self.now.clone(), self.now.clone());
        LedgerOptions {
            clock: LedgerClock::scripted(move || {
                let set = *now.lock().unwrap_or_else(|e| e.into_inner());
                set.unwrap_or_else(OffsetDateTime::now_utc)
            })
            // The system clock's jumps are watched once the script is done.
            .with_steady(move || {
                let set = scripting
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .is_some();
                if set {
                    None
                } else {
                    crate::ledger::boot_time()
                }
            }),
            origin: self.origin.clone(),
            ..LedgerOptions::default()
        }
    }

    /// Starts the scripted time at `from`; the system clock and no mark come back when the
    /// returned guard is dropped, whatever happened meanwhile.
    pub(super) fn run(&self, from: OffsetDateTime) -> Running<'_> {
        *self.lock() = Some(from);
        self.origin.set(Some(DEMO_ORIGIN));
        Running(self)
    }

    fn lock(&self) -> MutexGuard<'_, Option<OffsetDateTime>> {
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The script running: moves its clock, only forwards.
pub(super) struct Running<'a>(&'a Script);

impl Running<'_> {
    /// The scripted now.
    pub fn now(&self) -> OffsetDateTime {
        self.0.lock().unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Moves the clock to `at`, or leaves it where it is if that is later.
    pub fn at(&self, at: OffsetDateTime) {
        let mut now = self.0.lock();
        *now = Some(now.map_or(at, |n| n.max(at)));
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: Duration) {
        let next = self.now() + by;
        self.at(next);
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *self.0.lock() = None;
        self.0.origin.set(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_scripted_only_while_the_script_runs() {
        let script = Script::default();
        let options = script.ledger_options();
        let past = OffsetDateTime::now_utc() - Duration::days(300);
        {
            let running = script.run(past);
            assert_eq!(options.clock.now(), past);
            assert_eq!(options.origin.get(), Some(DEMO_ORIGIN));
            running.advance(Duration::minutes(5));
            running.at(past);
            assert_eq!(
                options.clock.now(),
                past + Duration::minutes(5),
                "only forwards"
            );
        }
        assert!(options.clock.now() - OffsetDateTime::now_utc() < Duration::seconds(5));
        assert!(options.clock.now() > past + Duration::days(299));
        assert_eq!(options.origin.get(), None);
    }
}
