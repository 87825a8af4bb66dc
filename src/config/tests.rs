//! Settings: defaults, the file, the environment, and their order.

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn environment_overrides_file_and_file_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nworkers = 3\n").unwrap();
    let s = Settings::load(
        Some(&file),
        env(&[
            ("DIANJIAO_WORKERS", "4"),
            ("DIANJIAO_LIBRARY", "/a:/b"),
            ("DIANJIAO_DLNA", "on"),
            ("DIANJIAO_DLNA_INTERFACES", "eth0,wlan0"),
            ("HOME", "/root"),
        ]),
    )
    .unwrap();
    assert_eq!(s.listen, "127.0.0.1:9000");
    assert_eq!(s.workers, 4);
    assert_eq!(s.library, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
    assert!(s.dlna);
    assert_eq!(s.dlna_interfaces, ["eth0", "wlan0"]);
    assert_eq!(s.play_idle_secs, 600);
}

#[test]
fn dlna_is_off_unless_turned_on() {
    assert!(!Settings::load(None, env(&[])).unwrap().dlna);
}

#[test]
fn a_wrongly_typed_environment_value_is_an_error_naming_the_variable() {
    let err = Settings::load(None, env(&[("DIANJIAO_WORKERS", "many")])).unwrap_err();
    assert!(err.to_string().contains("DIANJIAO_WORKERS"), "{err}");
}

#[test]
fn an_unknown_key_in_the_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "listenn = \"x\"\n").unwrap();
    assert!(matches!(
        Settings::load(Some(&file), env(&[])),
        Err(ConfigError::Invalid(_))
    ));
}

#[test]
fn preparation_retry_waits_come_from_the_file_or_a_comma_separated_variable() {
    let defaults = Settings::load(None, env(&[])).unwrap();
    assert_eq!(defaults.prepare_retry_after_secs, [60.0, 600.0, 3600.0]);
    let from_env = env(&[("DIANJIAO_PREPARE_RETRY_AFTER_SECS", "30,300")]);
    let s = Settings::load(None, from_env).unwrap();
    assert_eq!(s.prepare_retry_after_secs, [30.0, 300.0]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(&file, "prepare_retry_after_secs = [5, 0.5]\n").unwrap();
    let s = Settings::load(Some(&file), env(&[])).unwrap();
    assert_eq!(s.prepare_retry_after_secs, [5.0, 0.5]);
    let bad = env(&[("DIANJIAO_PREPARE_RETRY_AFTER_SECS", "soon")]);
    assert!(Settings::load(None, bad).is_err());
}
