//! Running the Node scripts of `tests/browser/` (playwright-core, tus-js-client): each takes
//! the server's base URL and one JSON argument and prints one JSON result line last.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// What a script run gave.
pub struct NodeRun {
    /// Its last stdout line, parsed.
    pub result: Value,
    /// It exited 0.
    pub success: bool,
    /// Its exit status, for messages.
    pub status: String,
    pub stderr: String,
}

/// Runs `tests/browser/<script> BASE ARG` (Node.js 20+, `make web-deps`) off the async
/// threads the server shares; panics with its output when it printed no JSON line.
pub async fn run_node(script: &str, base: &str, arg: String) -> NodeRun {
    let (script, base) = (script.to_owned(), base.to_owned());
    tokio::task::spawn_blocking(move || run_node_with(Command::new("node"), &script, &base, arg))
        .await
        .expect("join")
}

/// [`run_node`] by `node`, a command that runs Node.js (e.g. inside a network namespace),
/// on this thread.
pub fn run_node_with(mut node: Command, script: &str, base: &str, arg: String) -> NodeRun {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser")
        .join(script);
    let out = node
        .arg(&path)
        .args([base, &arg])
        .output()
        .expect("node runs (Node.js 20+: see deploy/bootstrap.sh)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let result =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| {
            panic!(
                "{script} printed no JSON line ({e}; {}):\n{stderr}\n{stdout}",
                out.status
            )
        });
    NodeRun {
        result,
        success: out.status.success(),
        status: out.status.to_string(),
        stderr,
    }
}
