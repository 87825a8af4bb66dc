//! How the server starts a `dianjiao-worker` process: the limits it passes on the worker's
//! command line ([`WorkerOptions`]). The worker's own request loop, which runs FFmpeg, is
//! [`executors::worker`](super::executors::worker), reached only from that program.

use clap::Parser;

use super::limits::MediaLimits;

/// How a worker process limits itself and the files it opens; its command line, parsed
/// by `clap` (`--flag value` or `--flag=value`; options not given keep their defaults).
#[derive(Clone, Debug, PartialEq, clap::Parser)]
#[command(
    name = "dianjiao-worker",
    about = "One media worker process, fed by the server over pipes"
)]
pub struct WorkerOptions {
    /// Address-space limit (RLIMIT_AS) in MiB; 0 leaves it unlimited.
    #[arg(long, default_value_t = 2048)]
    pub memory_mb: u64,
    /// Niceness to run at (0 = unchanged, 19 = lowest priority).
    #[arg(long, default_value_t = 10, allow_negative_numbers = true)]
    pub nice: i32,
    /// Caps on the files the worker opens.
    #[command(flatten)]
    pub limits: MediaLimits,
    /// Test hook: sleep this long before each probe, and after the first progress report
    /// of a preparation (its first files already written), so a test can kill or time out
    /// a worker in the middle of a request. Always 0 in production.
    #[arg(long, default_value_t = 0)]
    pub debug_delay_ms: u64,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions::parse_from(["dianjiao-worker"])
    }
}

impl WorkerOptions {
    /// The options as command-line arguments, to follow `dianjiao-worker`.
    pub fn to_args(&self) -> Vec<String> {
        let l = &self.limits;
        [
            ("--memory-mb", self.memory_mb.to_string()),
            ("--nice", self.nice.to_string()),
            ("--max-width", l.max_width.to_string()),
            ("--max-height", l.max_height.to_string()),
            ("--max-streams", l.max_streams.to_string()),
            ("--max-duration-s", l.max_duration_s.to_string()),
            ("--probe-bytes", l.probe_bytes.to_string()),
            ("--debug-delay-ms", self.debug_delay_ms.to_string()),
        ]
        .into_iter()
        .map(|(flag, value)| format!("{flag}={value}"))
        .collect()
    }

    /// Parses the arguments after `dianjiao-worker`; the error names the option and why.
    pub fn from_args<I, S>(args: I) -> Result<WorkerOptions, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let program = std::iter::once("dianjiao-worker".to_owned());
        WorkerOptions::try_parse_from(program.chain(args.into_iter().map(Into::into)))
    }
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;

    use super::*;

    #[test]
    fn options_survive_the_command_line() {
        let opts = WorkerOptions {
            memory_mb: 512,
            nice: 5,
            limits: MediaLimits {
                max_width: 100,
                max_duration_s: 2.5,
                ..MediaLimits::default()
            },
            debug_delay_ms: 1500,
        };
        assert_eq!(WorkerOptions::from_args(opts.to_args()).unwrap(), opts);
        let eq = WorkerOptions::from_args(["--nice=3"]).unwrap();
        assert_eq!(eq.nice, 3);
        let spaced = WorkerOptions::from_args(["--nice", "-2", "--max-width", "640"]).unwrap();
        assert_eq!((spaced.nice, spaced.limits.max_width), (-2, 640));
        let defaults = WorkerOptions::default();
        assert_eq!(spaced.memory_mb, defaults.memory_mb);
        assert_eq!(
            (defaults.memory_mb, defaults.nice, defaults.debug_delay_ms),
            (2048, 10, 0)
        );
        assert_eq!(defaults.limits, MediaLimits::default());
    }

    #[test]
    fn bad_worker_arguments_are_named() {
        let kind = |args: &[&str]| {
            WorkerOptions::from_args(args.iter().copied())
                .map(|_| ())
                .map_err(|e| e.kind())
        };
        assert_eq!(kind(&["--colour", "red"]), Err(ErrorKind::UnknownArgument));
        assert_eq!(kind(&["--nice"]), Err(ErrorKind::InvalidValue));
        assert_eq!(kind(&["--nice", "x"]), Err(ErrorKind::ValueValidation));
    }
}
