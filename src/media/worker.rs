//! How the server starts a `dianjiao-worker` process: the limits it passes on the worker's
//! command line ([`WorkerOptions`]). The worker's own request loop, which runs FFmpeg, is
//! [`executors::worker`](super::executors::worker), reached only from that program.

use super::limits::MediaLimits;

/// How a worker process limits itself and the files it opens.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerOptions {
    /// Address-space limit (RLIMIT_AS) in MiB; 0 leaves it unlimited.
    pub memory_mb: u64,
    /// Niceness to run at (0 = unchanged, 19 = lowest priority).
    pub nice: i32,
    /// Caps on the files the worker opens.
    pub limits: MediaLimits,
    /// Test hook: sleep this long before each probe, and after the first progress report
    /// of a preparation (its first files already written), so a test can kill or time out
    /// a worker in the middle of a request. Always 0 in production.
    pub debug_delay_ms: u64,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            memory_mb: 2048,
            nice: 10,
            limits: MediaLimits::default(),
            debug_delay_ms: 0,
        }
    }
}

/// A worker command line that could not be understood.
#[derive(Debug, thiserror::Error)]
pub enum WorkerArgsError {
    #[error("unknown worker option {0:?}")]
    Unknown(String),
    #[error("worker option {0} needs a value")]
    MissingValue(String),
    #[error("worker option {flag} has a bad value {value:?}")]
    BadValue { flag: String, value: String },
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
        .flat_map(|(flag, value)| [flag.to_owned(), value])
        .collect()
    }

    /// Parses the arguments after `dianjiao-worker` (`--flag value` or `--flag=value`);
    /// options not given keep their defaults.
    pub fn from_args<I, S>(args: I) -> Result<WorkerOptions, WorkerArgsError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut opts = WorkerOptions::default();
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            let (flag, value) = match arg.split_once('=') {
                Some((f, v)) => (f.to_owned(), v.to_owned()),
                None => {
                    let v = args
                        .next()
                        .ok_or_else(|| WorkerArgsError::MissingValue(arg.clone()))?;
                    (arg, v)
                }
            };
            opts.set(&flag, &value)?;
        }
        Ok(opts)
    }

    fn set(&mut self, flag: &str, value: &str) -> Result<(), WorkerArgsError> {
        let l = &mut self.limits;
        match flag {
            "--memory-mb" => self.memory_mb = parse(flag, value)?,
            "--nice" => self.nice = parse(flag, value)?,
            "--max-width" => l.max_width = parse(flag, value)?,
            "--max-height" => l.max_height = parse(flag, value)?,
            "--max-streams" => l.max_streams = parse(flag, value)?,
            "--max-duration-s" => l.max_duration_s = parse(flag, value)?,
            "--probe-bytes" => l.probe_bytes = parse(flag, value)?,
            "--debug-delay-ms" => self.debug_delay_ms = parse(flag, value)?,
            _ => return Err(WorkerArgsError::Unknown(flag.to_owned())),
        }
        Ok(())
    }
}

fn parse<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, WorkerArgsError> {
    value.trim().parse().map_err(|_| WorkerArgsError::BadValue {
        flag: flag.to_owned(),
        value: value.to_owned(),
    })
}

#[cfg(test)]
mod tests {
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
    }

    #[test]
    fn bad_worker_arguments_are_named() {
        assert!(matches!(
            WorkerOptions::from_args(["--colour", "red"]),
            Err(WorkerArgsError::Unknown(_))
        ));
        assert!(matches!(
            WorkerOptions::from_args(["--nice"]),
            Err(WorkerArgsError::MissingValue(_))
        ));
        assert!(matches!(
            WorkerOptions::from_args(["--nice", "x"]),
            Err(WorkerArgsError::BadValue { .. })
        ));
    }
}
