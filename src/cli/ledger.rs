//! `dianjiao ledger …`: verify the ledger or an exported file, export, print a checkpoint;
//! and the hidden `stress` writer that the crash test kills.
//!
//! `export` writes JSON Lines to stdout and the signed checkpoint of exactly that export to
//! `--checkpoint FILE`, or to stderr without it. While the server holds the ledger, export
//! and checkpoint read it without the lock (what was durable when they started).

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;

use super::DataArg;
use crate::config::Settings;
use crate::ledger::{
    verify_export, Checkpoint, CheckpointError, Draft, EntryKind, ExportError, KeyError, Ledger,
    LedgerError, VerifierKey, PUBLIC_KEY_FILE,
};

/// `dianjiao ledger …`
#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Check the ledger (exit 0 intact; exit 1 naming the first bad seq), or with --file an
    /// exported JSON Lines file, optionally against a checkpoint it must extend.
    Verify {
        #[command(flatten)]
        data: DataArg,
        /// An exported JSON Lines file to check instead of the ledger.
        #[arg(long)]
        file: Option<PathBuf>,
        /// A checkpoint (from this or an earlier export) the file must extend.
        #[arg(long, requires = "file")]
        against: Option<PathBuf>,
        /// The ledger's verifier key (default: DATA/ledger/ledger.pub).
        #[arg(long, requires = "against")]
        key: Option<PathBuf>,
    },
    /// Write entries as JSON Lines to stdout, and the signed checkpoint of that export to
    /// --checkpoint FILE (or to stderr).
    Export {
        #[command(flatten)]
        data: DataArg,
        /// The first seq to export.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Where to write the checkpoint (default: stderr).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Print the ledger's public (verifier) key and its fingerprint: what the county
    /// registers, and the fingerprint its admin confirms.
    Key {
        #[command(flatten)]
        data: DataArg,
    },
    /// Print a signed checkpoint (C2SP tlog-checkpoint note) of the ledger.
    Checkpoint {
        #[command(flatten)]
        data: DataArg,
    },
    /// Drop the report indexes (by station, month, film, kind; corrections), rebuild them
    /// from the log and check them against it (exit 1 on any difference). Stop the server
    /// first: it holds the database.
    Reindex {
        #[command(flatten)]
        data: DataArg,
        /// Only catch the indexes up and check them; rebuild nothing.
        #[arg(long)]
        check: bool,
    },
    /// Test support: append from many threads as fast as possible, printing each
    /// acknowledged seq on its own line, until killed (or --count entries).
    #[command(hide = true)]
    Stress {
        #[command(flatten)]
        data: DataArg,
        #[arg(long, default_value_t = 8)]
        threads: usize,
        /// Stop after this many entries (0: never).
        #[arg(long, default_value_t = 0)]
        count: u64,
    },
}

impl LedgerCommand {
    /// The `--data` option every ledger command has.
    pub(super) fn data(&self) -> &DataArg {
        match self {
            LedgerCommand::Verify { data, .. }
            | LedgerCommand::Export { data, .. }
            | LedgerCommand::Checkpoint { data }
            | LedgerCommand::Key { data }
            | LedgerCommand::Reindex { data, .. }
            | LedgerCommand::Stress { data, .. } => data,
        }
    }
}

/// Why a ledger command failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerCliError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Reports(#[from] crate::reports::ReportsError),
    #[error(transparent)]
    Open(#[from] Box<crate::app::OpenError>),
    #[error("无法读取 {path}（cannot read {path}）")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("无法写入 {what}（cannot write {what}）")]
    Write {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// Runs one `ledger` command against `settings.ledger_dir()`.
pub fn run(settings: &Settings, command: LedgerCommand) -> Result<(), LedgerCliError> {
    let dir = settings.ledger_dir();
    match command {
        LedgerCommand::Verify {
            file: Some(file),
            against,
            key,
            ..
        } => {
            let key = key.unwrap_or_else(|| dir.join(PUBLIC_KEY_FILE));
            verify_file(&file, against.as_deref(), &key)
        }
        LedgerCommand::Verify { file: None, .. } => {
            // Opening checks every frame and every link (and changes nothing read-only).
            let ledger = Ledger::open_read_only(&dir)?;
            match ledger.len() {
                0 => println!("账本完好，尚无条目（ledger intact, no entries yet）"),
                n => println!(
                    "账本完好（ledger intact）: {n} entries, seq 0 to {}, head {}",
                    n - 1,
                    ledger.head()
                ),
            }
            Ok(())
        }
        LedgerCommand::Export {
            from, checkpoint, ..
        } => export(&dir, from, checkpoint.as_deref()),
        LedgerCommand::Checkpoint { .. } => {
            print!("{}", open_for_reading(&dir)?.checkpoint()?);
            Ok(())
        }
        LedgerCommand::Key { .. } => {
            let ledger = open_for_reading(&dir)?;
            let key = ledger
                .public_key()
                .ok_or_else(|| KeyError::Missing(dir.clone()))?;
            println!("{key}");
            println!("指纹（fingerprint）: {}", key.fingerprint());
            Ok(())
        }
        LedgerCommand::Stress { threads, count, .. } => stress(&dir, threads, count),
        LedgerCommand::Reindex { check, .. } => reindex(settings, check),
    }
}

/// Rebuilds the report indexes from the log and checks them against it.
fn reindex(settings: &Settings, check_only: bool) -> Result<(), LedgerCliError> {
    let db = crate::app::open_db(settings).map_err(Box::new)?;
    let ledger = open_for_reading(&settings.ledger_dir())?;
    let days = crate::records::Days::new(settings.utc_offset_minutes);
    let mut index = crate::reports::Index::open(&db)?;
    let started = std::time::Instant::now();
    let (indexed, done) = match check_only {
        true => (index.catch_up(&ledger, &days)?, "已补齐"),
        false => (index.rebuild(&ledger, &days)?, "已重建"),
    };
    db.flush().map_err(crate::reports::ReportsError::from)?;
    let checked = index.check(&ledger, &days)?;
    println!(
        "索引{done}并与账本核对一致（indexes {} and checked against the ledger）: {} entries, {indexed} indexed now, in {:.2} s",
        if check_only { "caught up" } else { "rebuilt" },
        checked.entries,
        started.elapsed().as_secs_f64()
    );
    for (tree, keys) in checked.keys {
        println!("  {tree:<18} {keys:>9} keys");
    }
    Ok(())
}

/// The ledger for appending when no server holds it (making its key on first use),
/// otherwise read-only.
fn open_for_reading(dir: &Path) -> Result<Ledger, LedgerError> {
    match Ledger::open(dir) {
        Err(LedgerError::InUse(_)) => Ledger::open_read_only(dir),
        other => other,
    }
}

fn export(dir: &Path, from: u64, checkpoint_path: Option<&Path>) -> Result<(), LedgerCliError> {
    let ledger = open_for_reading(dir)?;
    let stdout = std::io::stdout();
    let checkpoint = ledger.export(from, &mut stdout.lock())?;
    let write_err = |what: String| move |source| LedgerCliError::Write { what, source };
    match checkpoint_path {
        Some(path) => std::fs::write(path, checkpoint.as_note())
            .map_err(write_err(path.display().to_string()))?,
        None => std::io::stderr()
            .write_all(checkpoint.as_note().as_bytes())
            .map_err(write_err("stderr".into()))?,
    }
    Ok(())
}

fn verify_file(file: &Path, against: Option<&Path>, key: &Path) -> Result<(), LedgerCliError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| LedgerCliError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let checkpoint = match against {
        Some(path) => {
            let key: VerifierKey = read(key)?.parse()?;
            Some(Checkpoint::open(&read(path)?, &key)?)
        }
        None => None,
    };
    let reader = std::fs::File::open(file).map_err(|source| LedgerCliError::Read {
        path: file.to_owned(),
        source,
    })?;
    let report = verify_export(BufReader::new(reader), checkpoint.as_ref())?;
    let span = match (report.first_seq, report.entries) {
        (Some(first), n) => format!("{n} entries, seq {first} to {}", first + n - 1),
        (None, _) => "no entries".to_owned(),
    };
    println!("导出文件完好（export intact）: {span}");
    match (report.extends, &checkpoint) {
        (Some(size), Some(cp)) => println!(
            "  它延续了检查点（it extends the checkpoint of {}）: {size} entries, nothing in them changed, inserted or removed",
            cp.origin()
        ),
        _ => println!(
            "  没有对照检查点：末尾被截掉无法发现（no checkpoint given: a cut tail cannot be seen; use --against）"
        ),
    }
    if let Some(first) = report.first_seq.filter(|&s| s > 0) {
        println!(
            "  注意：从第 {first} 条开始，之前的条目不在此文件中（note: the export starts at seq {first}; \
             the entries before it are not in this file: made with --from {first}, or its first lines were removed）"
        );
    }
    Ok(())
}

/// Appends from `threads` threads until killed; each acknowledged seq is printed (and
/// flushed) only after `append` returned, so every printed seq must survive a `kill -9`.
fn stress(dir: &Path, threads: usize, count: u64) -> Result<(), LedgerCliError> {
    let ledger = Ledger::open(dir)?;
    let stdout = std::io::stdout();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|t| {
                let (ledger, stdout) = (&ledger, &stdout);
                s.spawn(move || -> Result<(), LedgerCliError> {
                    for i in 0.. {
                        let payload =
                            json!({"writer": t, "n": i, "play_id": format!("stress-{t}-{i}")});
                        let draft = Draft::new(EntryKind::Viewing, Some("stress"), payload);
                        let entry = ledger.append(draft)?;
                        if count > 0 && entry.seq >= count {
                            return Ok(());
                        }
                        let mut out = stdout.lock();
                        writeln!(out, "{}", entry.seq)
                            .and_then(|()| out.flush())
                            .map_err(|source| LedgerCliError::Write {
                                what: "stdout".into(),
                                source,
                            })?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().unwrap_or(Ok(())))
    })
}
