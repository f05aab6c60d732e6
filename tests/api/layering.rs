//! The layers of README "Layout" stay layers: the domain knows no HTTP, no email and no flows;
//! mail knows no HTTP and no flows; flows know no HTTP; settings know nothing above them.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::<module>` a layer's files name, as (file, line).
fn uses_of(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let root = src.join(layer);
    let mut files = Vec::new();
    if root.is_dir() {
        rust_files(&root, &mut files);
    } else {
        files.push(src.join(format!("{layer}.rs")));
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for module in forbidden {
                if line.contains(&format!("crate::{module}")) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    for (layer, forbidden) in [
        ("domain", &["web", "flows", "mail", "jobs", "cli"][..]),
        ("mail", &["web", "flows", "jobs", "cli"][..]),
        ("flows", &["web", "jobs", "cli"][..]),
        ("db", &["web", "flows", "mail", "domain"][..]),
        ("config", &["web", "flows", "mail", "domain", "jobs"][..]),
        ("i18n", &["web", "flows", "mail", "domain"][..]),
    ] {
        let found = uses_of(layer, forbidden);
        assert!(
            found.is_empty(),
            "{layer} reaches up:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_layering_check_sees_a_violation() {
    // The check itself must be able to fail: the web layer does use flows.
    assert!(!uses_of("web", &["flows"]).is_empty());
}
