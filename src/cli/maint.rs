//! `dianjiao backup`, `restore` and `doctor`: the commands of a server kept for years.

use std::path::Path;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use super::commands::{exe, CliError};
use crate::backup::{self, BackupOptions, Progress};
use crate::config::Settings;

/// A byte-counting bar on stderr (hidden when stderr is not a terminal).
struct ByteBar(Mutex<Option<ProgressBar>>);

impl Progress for ByteBar {
    fn begin(&self, phase: &str, total_bytes: u64) {
        let bar = ProgressBar::new(total_bytes);
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {wide_msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(phase.to_owned());
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar);
    }

    fn advance(&self, bytes: u64, item: &str) {
        if let Some(bar) = &*self.0.lock().unwrap_or_else(|p| p.into_inner()) {
            bar.set_message(item.to_owned());
            bar.inc(bytes);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.0.lock().unwrap_or_else(|p| p.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}

/// `dianjiao backup --data DIR --to BACKUP_DIR [--renditions]`
pub fn backup(settings: &Settings, to: &Path, renditions: bool) -> Result<(), CliError> {
    let options = BackupOptions { renditions };
    let s = backup::backup(settings, to, &options, &ByteBar(Mutex::new(None)))?;
    let m = &s.manifest;
    println!(
        "备份完成 (backup done): {} — ledger {} entries, database {} records in {} trees ({}), files: {} copied ({} bytes), {} unchanged, {} removed",
        s.folder.display(),
        m.ledger_len,
        m.db.records,
        m.db.trees,
        if m.from_server { "snapshot from the running server" } else { "server not running: read directly" },
        m.files.copied,
        m.files.bytes_copied,
        m.files.unchanged,
        m.files.removed,
    );
    Ok(())
}

/// `dianjiao restore --from BACKUP_DIR --data NEW_DIR`
pub fn restore(from: &Path, data: &Path) -> Result<(), CliError> {
    let r = backup::restore(from, data, &ByteBar(Mutex::new(None)))?;
    println!(
        "恢复完成 (restore done): {} — ledger {} entries verified against the backup's signed checkpoint, {} database records, {} films ({} back in the preparation queue), {} files",
        data.display(),
        r.ledger_len,
        r.records,
        r.films,
        r.requeued,
        r.files.copied,
    );
    println!(
        "启动服务器 (start the server): dianjiao serve --data {}",
        data.display()
    );
    Ok(())
}

/// `dianjiao doctor [--data DIR] [--library DIR]... [--json]`
pub fn doctor(settings: &Settings, json: bool) -> Result<(), CliError> {
    let report = crate::doctor::run(settings, &exe());
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{}", report.to_text());
    }
    match report.needs_action() {
        0 => Ok(()),
        n => Err(CliError::DoctorFound(n)),
    }
}
