//! A settable clock for the server under test. The ledger's clock stamps entries and is the
//! plays' clock too (heartbeat credit, idle closing, the grace time after a showing), so a
//! test that lets time pass for them moves this clock instead of sleeping.

use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use dianjiao::ledger::LedgerClock;
use time::{Duration, OffsetDateTime};

use super::TestApp;

/// The wall clock and the counter of time that really passed (the boot-time counter the
/// ledger's clock watch compares with), both moved by the test. Clones share the time.
#[derive(Clone)]
pub struct TestClock {
    wall: Arc<Mutex<OffsetDateTime>>,
    boot: Arc<Mutex<Duration>>,
}

impl TestClock {
    /// A clock reading `at`, on a machine booted an hour before.
    pub fn at(at: OffsetDateTime) -> TestClock {
        TestClock {
            wall: Arc::new(Mutex::new(at)),
            boot: Arc::new(Mutex::new(Duration::hours(1))),
        }
    }

    /// A clock reading the real time now (and standing still until the test moves it).
    pub fn now() -> TestClock {
        TestClock::at(OffsetDateTime::now_utc())
    }

    /// The ledger clock that reads this one, for [`super::spawn_app_on_clock`].
    pub fn ledger_clock(&self) -> LedgerClock {
        let (wall, boot) = (self.wall.clone(), self.boot.clone());
        LedgerClock::scripted(move || *lock(&wall)).with_steady(move || Some(*lock(&boot)))
    }

    /// Lets `secs` seconds pass: the wall clock and the time that really passed move on.
    pub fn pass(&self, secs: f64) {
        let d = Duration::seconds_f64(secs);
        *lock(&self.wall) += d;
        *lock(&self.boot) += d;
    }

    /// Sets the wall clock alone to `at` (a clock set wrong, or set right); no time passes.
    pub fn set(&self, at: OffsetDateTime) {
        *lock(&self.wall) = at;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TestApp {
    /// Lets `secs` pass on `clock`, then sweeps the plays once, as the server's sweeper does
    /// about every second: the pace of a player between two of its requests.
    pub async fn let_pass(&self, clock: &TestClock, secs: f64) {
        clock.pass(secs);
        let plays = self.app.plays.clone();
        // The sweep waits on the ledger's fsync: off the test's async thread.
        tokio::task::spawn_blocking(move || plays.sweep())
            .await
            .expect("join");
    }

    /// Closes the plays idle by the server's clock now, as its sweeper would within a
    /// second: sweeps until no play is open at two sweeps in a row (at most 10 s; a play
    /// still open then fails the test).
    pub async fn close_idle_plays(&self) {
        let deadline = Instant::now() + StdDuration::from_secs(10);
        let mut quiet = 0;
        while quiet < 2 {
            let plays = self.app.plays.clone();
            // The sweep waits on the ledger's fsync: off the test's async thread.
            let open = tokio::task::spawn_blocking(move || {
                plays.sweep();
                plays.active().len()
            })
            .await
            .expect("join");
            quiet = if open == 0 { quiet + 1 } else { 0 };
            assert!(
                Instant::now() < deadline,
                "{open} plays still open after 10 s of sweeps"
            );
            // Lets a sweep of the server's own sweeper thread that began meanwhile finish.
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
    }
}
