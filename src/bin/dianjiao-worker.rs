//! `dianjiao-worker`: one media worker process, fed by the server over pipes.

fn main() -> std::process::ExitCode {
    // SAFETY: umask only sets this process's file-creation mask; it cannot fail.
    unsafe { libc::umask(0o077) };
    dianjiao::telemetry_init("warn");
    // A command line it cannot read: clap says which option and why, and exits non-zero.
    let opts = dianjiao::media::worker::WorkerOptions::from_args(std::env::args().skip(1))
        .unwrap_or_else(|e| e.exit());
    match dianjiao::media::executors::worker::run(opts) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dianjiao-worker: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
