//! `dianjiao doctor`: checks the installation and the data folder and says in plain words
//! (Chinese first, the technical detail after) what is fine and what needs action — FFmpeg
//! and a worker process, disk space, the clock against the ledger, the ledger's chain,
//! the key and folder permissions, the library folders, the listen address.
//!
//! It only reads: the ledger is opened read-only (it works beside a running server), and
//! the one file written is a short test clip in a temporary folder, removed afterwards.

mod checks;
mod system;

use std::path::Path;

use serde::Serialize;

use crate::config::Settings;

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Worth knowing; nothing to do yet.
    Warn,
    /// Something needs doing: `doctor` exits 1.
    Action,
}

impl Status {
    /// The word printed before the check.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "正常",
            Status::Warn => "注意",
            Status::Action => "需处理",
        }
    }
}

/// One check's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// A stable name (`ledger`, `clock`, `library:/srv/films`, …) for the dashboard.
    pub id: String,
    pub status: Status,
    /// What it means, in Chinese, for a township clerk.
    pub summary: String,
    /// The technical detail (paths, numbers, error text), in English.
    pub detail: String,
}

impl Check {
    pub(crate) fn new(
        id: impl Into<String>,
        status: Status,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Check {
        Check {
            id: id.into(),
            status,
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}

/// All checks, in the order printed.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// How many checks need action (0: all is well).
    pub needs_action: usize,
    pub checks: Vec<Check>,
}

impl Report {
    /// How many checks need action.
    pub fn needs_action(&self) -> usize {
        self.needs_action
    }

    fn count_action(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Action)
            .count()
    }

    /// The report as lines for a terminal: `[正常] 摘要 — detail`, then a verdict.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            out.push_str(&format!(
                "[{}] {}\n       {}\n",
                c.status.word(),
                c.summary,
                c.detail
            ));
        }
        match self.needs_action() {
            0 => out.push_str("全部正常，无需处理。(all checks passed)\n"),
            n => out.push_str(&format!(
                "有 {n} 项需要处理，见上面标 [需处理] 的行。({n} checks need action)\n"
            )),
        }
        out
    }
}

/// Runs every check. `exe` is this program (started as a worker). Blocking: it starts a
/// worker process and reads the whole ledger.
pub fn run(settings: &Settings, exe: &Path) -> Report {
    let listen = system::listen(settings);
    assemble(settings, exe, listen)
}

/// The same checks from inside the running server (the office dashboard): the listen
/// address is the one this answer came through, and the clock is the server's own as its
/// watch sees it (`clock`). One run at a time in the process: each starts a worker and
/// reads the whole ledger.
pub fn run_in_server(
    settings: &Settings,
    exe: &Path,
    clock: &crate::ledger::LedgerClock,
) -> Report {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let listen = Check::new(
        "listen",
        Status::Ok,
        "服务器正在运行，并在监听地址上应答（本页就是它答的）。",
        format!("listen = {}", settings.listen),
    );
    let mut report = assemble(settings, exe, listen);
    let live = checks::live_clock(clock);
    match report.checks.iter_mut().find(|c| c.id == "clock") {
        Some(c) => *c = live,
        None => report.checks.push(live),
    }
    report.needs_action = report.count_action();
    report
}

fn assemble(settings: &Settings, exe: &Path, listen: Check) -> Report {
    let mut checks = vec![system::worker(settings, exe)];
    checks.extend(system::disk_space(settings));
    checks.extend(checks::ledger_and_clock(settings));
    checks.push(crate::data_format::doctor_check(&settings.data));
    checks.extend(checks::permissions(settings));
    checks.extend(checks::libraries(settings));
    checks.push(listen);
    let mut report = Report {
        needs_action: 0,
        checks,
    };
    report.needs_action = report.count_action();
    report
}
