//! `dianjiao`: parse the command line and run the command; print the cause chain on failure.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = dianjiao::cli::Cli::parse();
    match dianjiao::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dianjiao: {:#}", anyhow::Error::new(e));
            std::process::ExitCode::FAILURE
        }
    }
}
