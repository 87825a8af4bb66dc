//! Counters and gauges exposed at `/metrics` in the Prometheus text format. Plain atomics:
//! a township server needs a handful of numbers, not a metrics framework.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// The server's counters. Shared behind an `Arc`.
#[derive(Default)]
pub struct Metrics {
    pub http_requests: AtomicU64,
    pub http_errors: AtomicU64,
    pub bytes_served: AtomicU64,
    pub files_probed: AtomicU64,
    pub files_rejected: AtomicU64,
    pub files_failed: AtomicU64,
    pub scans: AtomicU64,
    pub worker_restarts: AtomicU64,
    pub films_prepared: AtomicU64,
    pub prepare_failures: AtomicU64,
    /// 1 when the OS file watcher is not working and periodic rescans stand in for it.
    pub watcher_fallback: AtomicU64,
    pub active_plays: AtomicU64,
}

/// Values computed at scrape time by the caller (they live in other stores).
pub struct Snapshot<'a> {
    pub films_by_state: &'a [(&'static str, u64)],
    pub films_missing: u64,
    pub prepare_queue: u64,
    pub ledger_length: u64,
    /// Just-in-time transcodes running now.
    pub jit_transcodes: u64,
    /// Just-in-time producers started, and segments they made, since the server started.
    pub jit_producers_started: u64,
    pub jit_segments_made: u64,
    /// Of those producers, the ones that found a worker started ahead waiting.
    pub jit_producers_warm: u64,
    /// 1 while the ledger's clock is suspect (entries marked `clock_suspect`).
    pub clock_suspect: u64,
}

impl Metrics {
    /// Adds one to a counter.
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders every metric as Prometheus text.
    pub fn render(&self, snap: &Snapshot<'_>) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, &AtomicU64); 10] = [
            (
                "dianjiao_http_requests_total",
                "HTTP requests answered",
                &self.http_requests,
            ),
            (
                "dianjiao_http_errors_total",
                "HTTP answers with a 5xx status",
                &self.http_errors,
            ),
            (
                "dianjiao_bytes_served_total",
                "Media bytes sent",
                &self.bytes_served,
            ),
            (
                "dianjiao_files_probed_total",
                "Files probed successfully",
                &self.files_probed,
            ),
            (
                "dianjiao_files_rejected_total",
                "Files refused as not usable media",
                &self.files_rejected,
            ),
            (
                "dianjiao_files_failed_total",
                "Files whose probe failed (timeout, crash)",
                &self.files_failed,
            ),
            (
                "dianjiao_scans_total",
                "Library scans completed",
                &self.scans,
            ),
            (
                "dianjiao_worker_restarts_total",
                "Media worker processes restarted",
                &self.worker_restarts,
            ),
            (
                "dianjiao_films_prepared_total",
                "Films made TV-ready",
                &self.films_prepared,
            ),
            (
                "dianjiao_prepare_failures_total",
                "Preparations that failed",
                &self.prepare_failures,
            ),
        ];
        for (name, help, v) in counters {
            metric(&mut out, name, help, "counter", v.load(Ordering::Relaxed));
        }
        metric(
            &mut out,
            "dianjiao_watcher_fallback",
            "1 when periodic rescans replace the file watcher",
            "gauge",
            self.watcher_fallback.load(Ordering::Relaxed),
        );
        metric(
            &mut out,
            "dianjiao_active_plays",
            "Play sessions open now",
            "gauge",
            self.active_plays.load(Ordering::Relaxed),
        );
        metric(
            &mut out,
            "dianjiao_prepare_queue",
            "Films waiting for preparation",
            "gauge",
            snap.prepare_queue,
        );
        metric(
            &mut out,
            "dianjiao_jit_transcodes",
            "Films being transcoded just in time for viewers now",
            "gauge",
            snap.jit_transcodes,
        );
        metric(
            &mut out,
            "dianjiao_jit_producers_started_total",
            "Just-in-time producers started (first requests, seeks, viewers far apart)",
            "counter",
            snap.jit_producers_started,
        );
        metric(
            &mut out,
            "dianjiao_jit_producers_warm_total",
            "Just-in-time producers that found a worker started ahead (no wait for FFmpeg to load)",
            "counter",
            snap.jit_producers_warm,
        );
        metric(
            &mut out,
            "dianjiao_jit_segments_made_total",
            "Segments made just in time (each counted once for all its renditions)",
            "counter",
            snap.jit_segments_made,
        );
        metric(
            &mut out,
            "dianjiao_ledger_length",
            "Entries in the ledger",
            "gauge",
            snap.ledger_length,
        );
        metric(
            &mut out,
            "dianjiao_clock_suspect",
            "1 while the server's clock looks wrong (behind the ledger or leapt ahead): entries are marked clock_suspect",
            "gauge",
            snap.clock_suspect,
        );
        metric(
            &mut out,
            "dianjiao_films_missing",
            "Films whose file has gone from the library",
            "gauge",
            snap.films_missing,
        );
        let _ = writeln!(
            out,
            "# HELP dianjiao_films Films in the catalog by state\n# TYPE dianjiao_films gauge"
        );
        for (state, n) in snap.films_by_state {
            let _ = writeln!(out, "dianjiao_films{{state=\"{state}\"}} {n}");
        }
        out
    }
}

fn metric(out: &mut String, name: &str, help: &str, kind: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}
