//! What a worker gives up before it touches a file. At start, for the whole process:
//! `no_new_privs` (no set-uid program it could run gains rights). Per request, on the thread
//! that does the request (and the decoder threads it starts): a Landlock domain that may
//! read only that request's input files — the very descriptors checked, not their paths —
//! and the system's libraries and fonts, and write only in the request's output folders.
//! A kernel without Landlock runs the request unrestricted, with one logged note.
//!
//! Why per thread and not per process: a worker lives for many requests, each with other
//! files, and a Landlock domain can only ever narrow. The request thread is the one that
//! parses hostile bytes; the main thread only relays JSON lines to the server.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use landlock::{
    path_beneath_rules, Access, AccessFs, PathBeneath, Ruleset, RulesetAttr, RulesetCreatedAttr,
    RulesetError, RulesetStatus, ABI,
};

/// The newest Landlock ABI this code was written against; older kernels get what they have.
const ABI_WANTED: ABI = ABI::V5;

/// What every request may read: libraries loaded late, fonts for title cards, CPU counts.
const SYSTEM_READ: &[&str] = &[
    "/usr",
    "/lib",
    "/lib64",
    "/etc/fonts",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/var/cache/fontconfig",
    "/sys/devices/system/cpu",
    "/dev/null",
    "/dev/zero",
    "/dev/urandom",
];

/// Sets `no_new_privs` for this process's threads (call before starting any thread: the
/// flag is inherited, not shared).
pub fn no_new_privs() {
    // SAFETY: prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) only sets a flag on this thread.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        let error = std::io::Error::last_os_error();
        tracing::warn!(%error, "worker could not set no_new_privs");
    }
}

/// How far the restriction took hold on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confined {
    /// Every rule is enforced by the kernel.
    Fully,
    /// Enforced, without the rights newer kernels add (e.g. truncate, ioctl).
    Partly,
    /// The kernel has no Landlock (or it is disabled): nothing is enforced.
    Not,
}

/// Restricts the calling thread to reading `inputs` and the system files, and writing in
/// `out_dirs`. Irreversible for this thread and the threads it starts.
pub fn restrict_thread(inputs: &[Arc<File>], out_dirs: &[&Path]) -> Result<Confined, RulesetError> {
    let abi = ABI_WANTED;
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))?
        .create()?
        .add_rules(path_beneath_rules(SYSTEM_READ, AccessFs::from_read(abi)))?
        .add_rules(
            inputs
                .iter()
                .map(|f| Ok::<_, RulesetError>(PathBeneath::new(f.as_ref(), AccessFs::ReadFile))),
        )?
        .add_rules(path_beneath_rules(out_dirs, AccessFs::from_all(abi)))?
        .restrict_self()?;
    let confined = match status.ruleset {
        RulesetStatus::FullyEnforced => Confined::Fully,
        RulesetStatus::PartiallyEnforced => Confined::Partly,
        RulesetStatus::NotEnforced => Confined::Not,
    };
    if confined == Confined::Not && !NOTED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "this kernel has no Landlock: media workers run without a file system sandbox"
        );
    }
    Ok(confined)
}

/// The missing-Landlock note is logged once per worker.
static NOTED: AtomicBool = AtomicBool::new(false);

#[cfg(test)]
mod tests;
