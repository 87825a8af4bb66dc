//! `dianjiao`: parse the command line and run the command; print the cause chain on failure.

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Everything the server writes (database, ledger, renditions, worker outputs) is for
    // its own account only: password hashes and the signing key must not be world-readable.
    // SAFETY: umask only sets this process's file-creation mask; it cannot fail.
    unsafe { libc::umask(0o077) };
    let cli = dianjiao::cli::Cli::parse();
    match dianjiao::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dianjiao: {:#}", anyhow::Error::new(e));
            std::process::ExitCode::FAILURE
        }
    }
}
