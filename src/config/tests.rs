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
