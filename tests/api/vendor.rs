//! The browser libraries in `web/vendor/` (what `make run` serves without Node) are the pinned
//! npm builds, byte for byte, with their licences and versions: they cannot drift apart.

use std::path::{Path, PathBuf};

fn web() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); web/node_modules comes from `make web-deps`",
            path.display()
        )
    })
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(path)).expect("package.json parses")
}

/// One line of `web/vendor/VERSIONS`: file, package, version, source under node_modules,
/// licence file (and its name in parentheses).
struct Vendored {
    file: String,
    package: String,
    version: String,
    from: String,
    licence: String,
}

fn listed() -> Vec<Vendored> {
    let text = String::from_utf8(read(&web().join("vendor/VERSIONS"))).expect("utf-8");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert!(f.len() >= 5, "VERSIONS line has five columns: {l:?}");
            Vendored {
                file: f[0].into(),
                package: f[1].into(),
                version: f[2].into(),
                from: f[3].into(),
                licence: f[4].into(),
            }
        })
        .collect()
}

#[test]
fn vendored_browser_libraries_match_the_pinned_npm_builds() {
    let web = web();
    let pins = json(&web.join("package.json"));
    let list = listed();
    assert!(
        list.iter().any(|v| v.file == "hls.min.js") && list.iter().any(|v| v.file == "tus.min.js"),
        "VERSIONS names hls.min.js and tus.min.js"
    );
    for v in &list {
        let pinned = pins["devDependencies"][&v.package].as_str();
        assert_eq!(
            pinned,
            Some(v.version.as_str()),
            "{}: web/package.json pin",
            v.package
        );
        let installed = json(
            &web.join("node_modules")
                .join(&v.package)
                .join("package.json"),
        );
        assert_eq!(
            installed["version"].as_str(),
            Some(v.version.as_str()),
            "{}: the installed package's version",
            v.package
        );
        assert!(
            v.from.starts_with(&format!("{}/", v.package)),
            "{} is copied from its own package",
            v.file
        );
        assert!(
            read(&web.join("vendor").join(&v.file)) == read(&web.join("node_modules").join(&v.from)),
            "web/vendor/{} differs from web/node_modules/{}: copy it again (see web/vendor/VERSIONS)",
            v.file,
            v.from
        );
        assert!(
            read(&web.join("vendor").join(&v.licence))
                == read(&web.join("node_modules").join(&v.package).join("LICENSE")),
            "web/vendor/{} is {}'s licence",
            v.licence,
            v.package
        );
    }
    // Nothing in the folder that the list does not account for.
    for entry in std::fs::read_dir(web.join("vendor")).expect("web/vendor") {
        let name = entry
            .expect("entry")
            .file_name()
            .into_string()
            .expect("name");
        assert!(
            name == "VERSIONS" || list.iter().any(|v| v.file == name || v.licence == name),
            "web/vendor/{name} is not listed in VERSIONS"
        );
    }
}

#[tokio::test]
async fn the_pages_load_the_vendored_files() {
    let app = crate::support::spawn_app().await;
    for v in listed() {
        let res = reqwest::get(app.url(&format!("/vendor/{}", v.file)))
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "/vendor/{}", v.file);
        let body = res.bytes().await.expect("body");
        assert!(
            body.as_ref() == read(&web().join("vendor").join(&v.file)).as_slice(),
            "/vendor/{} serves web/vendor/{}",
            v.file,
            v.file
        );
    }
}
