//! `dianjiao bench …`: hands the command line to the `dianjiao-bench` program beside this
//! one, so the benchmarks keep their documented command while the server carries none of
//! their code (as it finds `dianjiao-worker`).

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use super::CliError;

/// The benchmark program's name, beside `dianjiao`.
const BENCH_PROGRAM: &str = "dianjiao-bench";

/// Replaces this process with `dianjiao-bench <args>`; returns only when it cannot start.
pub(super) fn run(args: &[OsString]) -> Result<(), CliError> {
    let exe: PathBuf = super::commands::exe().with_file_name(BENCH_PROGRAM);
    let source = Command::new(&exe).args(args).exec();
    Err(CliError::Bench { exe, source })
}
