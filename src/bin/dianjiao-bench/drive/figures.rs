//! What a load run measured, and the server's RSS and CPU time from `/proc`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::Value;

use super::Tally;

/// A load run's figures.
#[derive(Debug, Default)]
pub struct Figures {
    pub viewers: usize,
    pub tvs: usize,
    /// Seconds the run lasted.
    pub seconds: f64,
    /// Requests of every kind sent.
    pub requests: u64,
    /// Segments fetched whole with 200.
    pub segments: u64,
    /// Segment latencies (request to last byte), ms, sorted once the run is over.
    pub latencies_ms: Vec<f64>,
    /// Every request that failed or answered other than expected (the first 20 kept).
    pub errors: u64,
    pub first_errors: Vec<String>,
    /// Ledger and report reads answered.
    pub reads: u64,
    /// Play ids the TVs started and ended.
    pub played: Vec<String>,
    /// Ledger entries written during the run (and the wait for the plays' entries).
    pub ledger_written: usize,
    /// Viewing entries written, and how many of them name a play of `played`.
    pub viewings: usize,
    /// Viewing entries by `source` (and `inferred` when set).
    pub viewings_by_source: BTreeMap<String, usize>,
    /// Plays of `played` with exactly one viewing entry; plays with more than one.
    pub plays_recorded_once: usize,
    pub plays_recorded_twice: usize,
    /// CPU seconds (user + system) of the measured process during the run.
    pub cpu_s: f64,
    /// The highest VmRSS of the measured process seen, KiB.
    pub peak_rss_kb: u64,
    /// The clerk's tus uploads: started, completed (last byte acknowledged), bytes sent.
    pub uploads: (u64, u64, u64),
}

impl Figures {
    pub(super) fn add(&mut self, t: Tally) {
        self.requests += t.requests;
        self.segments += t.segments;
        self.latencies_ms.extend(t.latencies_ms);
        self.errors += t.errors.len() as u64;
        let room = 20usize.saturating_sub(self.first_errors.len());
        self.first_errors.extend(t.errors.into_iter().take(room));
        self.played.extend(t.played);
        self.reads += t.reads;
    }

    /// Counts the viewing entries among `written`, and how many plays each play id got.
    pub(super) fn count_viewings(&mut self, written: &[Value]) {
        let mut per_play: HashMap<&str, usize> = HashMap::new();
        for e in written.iter().filter(|e| e["kind"] == "viewing") {
            self.viewings += 1;
            let mut source = e["payload"]["source"].as_str().unwrap_or("?").to_owned();
            if e["payload"]["inferred"] == true {
                source.push_str(" inferred");
            }
            *self.viewings_by_source.entry(source).or_default() += 1;
            if let Some(p) = e["payload"]["play_id"].as_str() {
                *per_play.entry(p).or_default() += 1;
            }
        }
        for p in &self.played {
            match per_play.get(p.as_str()) {
                Some(1) => self.plays_recorded_once += 1,
                Some(_) => self.plays_recorded_twice += 1,
                None => {}
            }
        }
        self.latencies_ms.sort_by(f64::total_cmp);
    }

    /// The `q` quantile of the segment latencies, ms (0 when there were none).
    pub fn latency_ms(&self, q: f64) -> f64 {
        let n = self.latencies_ms.len();
        if n == 0 {
            return 0.0;
        }
        let i = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
        self.latencies_ms[i]
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds.max(0.001);
        writeln!(f, "  viewers            {} (HLS at real-time pace) + {} paired TVs reporting plays + 1 clerk reading and uploading", self.viewers, self.tvs)?;
        writeln!(f, "  duration           {:.1} s", self.seconds)?;
        writeln!(
            f,
            "  requests           {} ({:.0}/s), errors {}",
            self.requests,
            self.requests as f64 / s,
            self.errors
        )?;
        writeln!(
            f,
            "  segment requests   {} ({:.1}/s)",
            self.segments,
            self.segments as f64 / s
        )?;
        writeln!(
            f,
            "  segment latency    p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.latency_ms(0.5),
            self.latency_ms(0.99),
            self.latency_ms(1.0)
        )?;
        writeln!(f, "  TV plays           {} started and ended; {} recorded by exactly one viewing entry, {} by more than one", self.played.len(), self.plays_recorded_once, self.plays_recorded_twice)?;
        writeln!(
            f,
            "  ledger             {} entries written ({} viewing, by source {:?}); {} ledger/report reads answered",
            self.ledger_written, self.viewings, self.viewings_by_source, self.reads
        )?;
        writeln!(
            f,
            "  uploads (tus)      {} started, {} completed, {:.1} MB sent in 64 KiB chunks",
            self.uploads.0,
            self.uploads.1,
            self.uploads.2 as f64 / 1e6
        )?;
        writeln!(
            f,
            "  server             CPU {:.1} s ({:.0}% of one core), peak RSS {:.1} MB",
            self.cpu_s,
            100.0 * self.cpu_s / s,
            self.peak_rss_kb as f64 / 1024.0
        )?;
        for e in &self.first_errors {
            writeln!(f, "  error: {e}")?;
        }
        Ok(())
    }
}

/// User + system CPU ticks (USER_HZ, 100/s) of `pid`, all its threads; 0 when unreadable.
pub(super) fn cpu_ticks(pid: u32) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum()
}

/// VmRSS of `pid`, KiB; 0 when unreadable.
pub(super) fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
