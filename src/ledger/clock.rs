//! The clock that stamps entries, and the watch that keeps their time honest when the
//! server's own clock is not: a dead CMOS battery boots the machine in 2000 after a power
//! cut, a mistyped date puts it in 2062. Every time the ledger's clock hands out (an entry's
//! `at`, a play's start and end, "today" for the same-day rule) goes through the watch,
//! under one lock:
//!
//! * **Monotonic.** A time handed out is never earlier than one handed out before (nor than
//!   the last entry's `at`, on open). A reading at most [`BACK_SLACK`] behind (an NTP step)
//!   is held at the last time, without a mark.
//! * **Behind.** A reading further behind than that, or before [`NOT_BEFORE`], makes the
//!   clock suspect: times go on from the last one at the clock's pace (reading + the offset
//!   found when it jumped), and every entry carries [`CLOCK_SUSPECT_FIELD`]
//!   `{"fault": "behind", "system_at": <the reading>}` in its payload.
//! * **Ahead.** A reading after [`NOT_AFTER`], or one that leapt more than [`AHEAD_BOUND`]
//!   past the machine's boot-time counter (`CLOCK_BOOTTIME`, which also counts suspend)
//!   since the previous reading, makes it suspect the same way (`"fault": "ahead"`): times
//!   go on from the previous one plus the time that really passed, so a wrong future date
//!   is never written and never becomes the floor of later entries.
//! * **Recovery.** Behind: once a reading is no earlier than the last time handed out (and
//!   plausible), the clock is trusted again. Ahead: once a reading is back within
//!   [`AHEAD_BOUND`] of the times handed out. A restart trusts a plausible clock that is not
//!   behind the last entry: a forward jump made while the server was down is seen only when
//!   it passes [`NOT_AFTER`] (the boot-time counter starts again at each boot).
//!
//! The mark is part of the payload, so it is hashed and exported like every other field.
//! Tests that lay out entries out of time order use [`LedgerClock::unchecked`].

use std::sync::{Arc, Mutex};

use serde_json::Value;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The payload field that marks an entry made while the clock was suspect.
pub const CLOCK_SUSPECT_FIELD: &str = "clock_suspect";
/// No clock reading before this is right: this program did not exist yet (a dead CMOS
/// battery gives 2000, 1970 or the firmware's date).
pub const NOT_BEFORE: OffsetDateTime = datetime!(2020-01-01 00:00 UTC);
/// Nor after this: decades past any server this release will run on.
pub const NOT_AFTER: OffsetDateTime = datetime!(2060-01-01 00:00 UTC);
/// A reading this far behind the last time is held there silently (an NTP step back).
pub const BACK_SLACK: Duration = Duration::minutes(5);
/// A forward leap beyond the time that really passed, larger than this, is a jump.
pub const AHEAD_BOUND: Duration = Duration::days(1);

type Source = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;
type Steady = Arc<dyn Fn() -> Option<Duration> + Send + Sync>;

/// Which way the clock went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockFault {
    /// Earlier than entries already made (or before 2020).
    Behind,
    /// Far later than the time that passed (or after 2060).
    Ahead,
}

/// The clock is suspect: what the server does meanwhile and what its clock says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockSuspect {
    pub fault: ClockFault,
    /// The time handed out when the fault was found (from then on, times are estimated).
    pub since: OffsetDateTime,
    /// What the clock said at the latest reading.
    pub system_at: OffsetDateTime,
    /// The time handed out at the latest reading.
    pub used_at: OffsetDateTime,
}

impl ClockSuspect {
    /// The sentence for the dashboard and `doctor`, Chinese first with an English gloss.
    pub fn sentence(&self) -> String {
        let (said, used) = (
            super::entry::rfc3339(self.system_at),
            super::entry::rfc3339(self.used_at),
        );
        match self.fault {
            ClockFault::Behind => format!(
                "时钟可能不准：服务器时钟显示 {said}，比账本已有的记录还早（可能是主板电池没电、停电后时间被重置）。新记录按账本时间顺延为 {used}，并标明“时钟可疑”。请校正服务器时间（timedatectl set-ntp true 或 date -s），校正后自动恢复。(the clock may be wrong: it reads {said}, before entries already made; entries go on from {used}, marked clock_suspect, until the clock is set right)"
            ),
            ClockFault::Ahead => format!(
                "时钟可能不准：服务器时钟突然跳到 {said}，远超实际经过的时间。新记录按估计时间 {used} 记，并标明“时钟可疑”。请核对服务器时间：时间错了就改回，改回后自动恢复；若现在的时间是对的，重启服务即可采用。(the clock may be wrong: it jumped to {said}; entries use the estimate {used}, marked clock_suspect; set the clock right, or restart the server if the new time is right)"
            ),
        }
    }

    fn mark(&self) -> Value {
        serde_json::json!({
            "fault": self.fault,
            "system_at": super::entry::rfc3339(self.system_at),
        })
    }
}

/// The clock that stamps entries: the server's own, never a client's, through the watch
/// described in the module docs. Clones share one watch. Tests and the benchmark may set a
/// scripted one ([`LedgerClock::scripted`]).
#[derive(Clone)]
pub struct LedgerClock {
    source: Option<Source>,
    steady: Option<Steady>,
    checked: bool,
    watch: Arc<Mutex<Watch>>,
}

impl Default for LedgerClock {
    fn default() -> Self {
        LedgerClock {
            source: None,
            steady: Some(Arc::new(boot_time)),
            checked: true,
            watch: Arc::default(),
        }
    }
}

impl LedgerClock {
    /// A clock that reads what `now` returns (checked, without a boot-time counter: only
    /// backward jumps and implausible dates are seen, see [`LedgerClock::with_steady`]).
    pub fn scripted(now: impl Fn() -> time::OffsetDateTime + Send + Sync + 'static) -> Self {
        LedgerClock {
            source: Some(Arc::new(now)),
            steady: None,
            ..LedgerClock::default()
        }
    }

    /// The same clock with `steady` as its counter of time that really passed (the system
    /// clock's is `CLOCK_BOOTTIME`); `None` from it skips the forward check for that reading.
    pub fn with_steady(
        mut self,
        steady: impl Fn() -> Option<Duration> + Send + Sync + 'static,
    ) -> Self {
        self.steady = Some(Arc::new(steady));
        self
    }

    /// The same clock without the watch: times as read, in any order. For tests and
    /// benchmarks that lay out a year of entries out of time order.
    pub fn unchecked(mut self) -> Self {
        self.checked = false;
        self
    }

    /// Now, in UTC, as the watch hands it out.
    pub fn now(&self) -> time::OffsetDateTime {
        self.read().0
    }

    /// Now as an entry's `at`: RFC 3339 in UTC to the second.
    pub(crate) fn now_rfc3339(&self) -> String {
        super::entry::rfc3339(self.now())
    }

    /// Now as the next entry's `at`, marking `payload` (an object) while the clock is suspect.
    pub(crate) fn stamp(&self, payload: &mut Value) -> String {
        let (at, suspect) = self.read();
        if let (Some(s), Value::Object(fields)) = (suspect, payload) {
            fields.insert(CLOCK_SUSPECT_FIELD.into(), s.mark());
        }
        super::entry::rfc3339(at)
    }

    /// Whether the clock is suspect now (as of its latest reading).
    pub fn suspect(&self) -> Option<ClockSuspect> {
        lock(&self.watch).fault.map(|f| f.suspect)
    }

    /// Nothing is handed out earlier than `at` (the last entry's, on open).
    pub(crate) fn not_before(&self, at: OffsetDateTime) {
        let mut w = lock(&self.watch);
        w.last = Some(w.last.map_or(at, |l| l.max(at)));
    }

    fn read(&self) -> (OffsetDateTime, Option<ClockSuspect>) {
        let raw = match &self.source {
            Some(now) => now(),
            None => OffsetDateTime::now_utc(),
        };
        if !self.checked {
            return (raw, None);
        }
        let steady = self.steady.as_ref().and_then(|s| s());
        lock(&self.watch).read(raw, steady)
    }
}

impl std::fmt::Debug for LedgerClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.source.is_some() {
            "LedgerClock(scripted)"
        } else {
            "LedgerClock(system)"
        })
    }
}

fn lock(watch: &Mutex<Watch>) -> std::sync::MutexGuard<'_, Watch> {
    watch.lock().unwrap_or_else(|e| e.into_inner())
}

/// `CLOCK_BOOTTIME`: time since boot, suspend included, never stepped (the system
/// clock's counter of time that really passed).
pub fn boot_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through the valid pointer it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec, ts.tv_nsec as i32))
}

#[derive(Clone, Copy)]
struct Fault {
    suspect: ClockSuspect,
    /// Added to a reading to make the time handed out.
    offset: Duration,
}

/// What the watch remembers between readings.
#[derive(Default)]
struct Watch {
    /// The latest time handed out.
    last: Option<OffsetDateTime>,
    /// The previous reading and the steady counter then.
    prev: Option<(OffsetDateTime, Duration)>,
    fault: Option<Fault>,
}

impl Watch {
    fn read(
        &mut self,
        raw: OffsetDateTime,
        steady: Option<Duration>,
    ) -> (OffsetDateTime, Option<ClockSuspect>) {
        // How much further the clock went than the time that really passed.
        let leapt = match (self.prev, steady) {
            (Some((prev_raw, prev_steady)), Some(steady)) => {
                Some((raw - prev_raw) - (steady - prev_steady))
            }
            _ => None,
        };
        self.prev = steady.map(|s| (raw, s));
        let plausible = (NOT_BEFORE..=NOT_AFTER).contains(&raw);
        if let Some(f) = self.fault {
            let last = self.last.unwrap_or(raw);
            let back = match f.suspect.fault {
                ClockFault::Behind => raw >= last,
                ClockFault::Ahead => raw >= last - BACK_SLACK && raw <= last + AHEAD_BOUND,
            };
            if plausible && back {
                tracing::warn!(clock = %raw, "the server's clock is right again: entries use it, unmarked");
                self.fault = None;
            } else {
                return self.hand_out(raw, Some(f.offset), Some(f));
            }
        } else if let Some(kind) = self.fault_in(raw, leapt) {
            let base = match kind {
                ClockFault::Behind => self.last.map_or(NOT_BEFORE, |l| l.max(NOT_BEFORE)),
                ClockFault::Ahead => {
                    let passed = leapt.map(|l| raw - l);
                    match (passed, self.last) {
                        (Some(p), Some(l)) => p.max(l),
                        (Some(p), None) => p,
                        (None, l) => l.unwrap_or(NOT_AFTER).min(NOT_AFTER),
                    }
                }
            };
            let since = self.last.unwrap_or(base).max(base);
            tracing::error!(clock = %raw, used = %since, ?kind, "the server's clock looks wrong: entries go on from the ledger's time, marked clock_suspect");
            let suspect = ClockSuspect {
                fault: kind,
                since,
                system_at: raw,
                used_at: since,
            };
            let fault = Fault {
                suspect,
                offset: base - raw,
            };
            return self.hand_out(raw, Some(fault.offset), Some(fault));
        }
        self.hand_out(raw, None, None)
    }

    fn fault_in(&self, raw: OffsetDateTime, leapt: Option<Duration>) -> Option<ClockFault> {
        let behind_last = self.last.is_some_and(|l| raw < l - BACK_SLACK);
        if raw < NOT_BEFORE || behind_last {
            Some(ClockFault::Behind)
        } else if raw > NOT_AFTER || leapt.is_some_and(|l| l > AHEAD_BOUND) {
            Some(ClockFault::Ahead)
        } else {
            None
        }
    }

    /// Hands out `raw` (+ `offset`), never earlier than the last time, and keeps the fault.
    fn hand_out(
        &mut self,
        raw: OffsetDateTime,
        offset: Option<Duration>,
        fault: Option<Fault>,
    ) -> (OffsetDateTime, Option<ClockSuspect>) {
        let moved = offset.map_or(Some(raw), |o| raw.checked_add(o));
        let at = match (moved, self.last) {
            (Some(m), Some(l)) => m.max(l),
            (Some(m), None) => m,
            (None, l) => l.unwrap_or(NOT_BEFORE),
        };
        self.last = Some(at);
        self.fault = fault.map(|mut f| {
            f.suspect.system_at = raw;
            f.suspect.used_at = at;
            f
        });
        (at, self.fault.map(|f| f.suspect))
    }
}

#[cfg(test)]
mod tests;
