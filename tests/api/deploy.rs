//! The systemd units in `deploy/` pass `systemd-analyze verify` (every key known, every
//! command present: the installed path is pointed at this build's binary), and the
//! server's unit keeps its sandbox: `systemd-analyze security` rates it 5.0 or better.

use std::path::Path;
use std::process::Command;

const UNITS: [&str; 3] = [
    "dianjiao.service",
    "dianjiao-backup.service",
    "dianjiao-backup.timer",
];

fn systemd_analyze() -> bool {
    Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The units copied into `dir` with `/usr/local/bin/dianjiao` → this build's binary.
fn units_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    UNITS
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(name)).expect("unit");
            let text = text.replace("/usr/local/bin/dianjiao", env!("CARGO_BIN_EXE_dianjiao"));
            let path = dir.join(name);
            std::fs::write(&path, text).expect("copy");
            path
        })
        .collect()
}

#[test]
fn the_systemd_units_verify_and_the_server_unit_is_sandboxed() {
    if !systemd_analyze() {
        eprintln!("skipped: systemd-analyze is not installed (apt-get install systemd)");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let units = units_in(dir.path());
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&units)
        .output()
        .expect("verify runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Unknown or misspelt keys are only warned about: none may be.
    for unit in UNITS {
        assert!(!stderr.contains(unit), "{stderr}");
    }
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--threshold=50"])
        .arg(&units[0])
        .output()
        .expect("security runs");
    assert!(
        out.status.success(),
        "exposure above 5.0:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
