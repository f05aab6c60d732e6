//! Every catalog key the code can produce exists in both catalogs: keys an enum lists, keys
//! built with `format!`, and every literal key in `src/` (the template scan lives in `i18n`).

use ogug::domain::applications::{self, ApplicationStatus, STOCK_REASONS};
use ogug::domain::events::EventMode;
use ogug::domain::memberships::Role;
use ogug::i18n::{EN_CATALOG, ZH_CN_CATALOG, parse_catalog};
use std::collections::HashMap;

fn both() -> [HashMap<&'static str, String>; 2] {
    [parse_catalog(ZH_CN_CATALOG), parse_catalog(EN_CATALOG)]
}

fn missing(keys: impl IntoIterator<Item = String>) -> Vec<String> {
    let catalogs = both();
    keys.into_iter()
        .filter(|k| catalogs.iter().any(|c| !c.contains_key(k.as_str())))
        .collect()
}

#[test]
fn every_key_an_enum_or_list_produces_exists() {
    let mut keys: Vec<String> = ApplicationStatus::ALL
        .iter()
        .map(|s| s.label_key())
        .collect();
    keys.extend(STOCK_REASONS.iter().map(|r| applications::reason_key(r)));
    keys.extend(Role::ALL.iter().map(|r| r.label_key().to_string()));
    keys.extend(Role::ALL.iter().map(|r| format!("{}.about", r.label_key())));
    keys.extend(
        EventMode::ALL
            .iter()
            .map(|m| format!("mode.{}", m.as_str())),
    );
    keys.extend(
        ["saved", "published", "cancelled", "rsvp"]
            .iter()
            .map(|d| format!("event.done_{d}")),
    );
    // The audit log: a sentence for every action, a label for every kind of action.
    keys.extend(
        ogug::domain::audit::AuditAction::ALL
            .iter()
            .map(|a| format!("audit.say.{}", a.as_str())),
    );
    keys.extend(
        ogug::domain::audit::Kind::ALL
            .iter()
            .map(|k| format!("audit.kind.{}", k.as_str())),
    );
    assert_eq!(missing(keys), Vec::<String>::new());
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A string literal in the code whose first segment names a catalog namespace (`"queue.…"`,
/// `"error.…"`) is a key: it must exist in both catalogs.
#[test]
fn every_literal_key_in_the_code_exists() {
    let [zh, _] = both();
    let namespaces: std::collections::HashSet<&str> =
        zh.keys().filter_map(|k| k.split('.').next()).collect();
    let mut files = Vec::new();
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut keys = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for literal in text.split('"').skip(1).step_by(2) {
            let is_file = [
                ".html", ".txt", ".css", ".png", ".svg", ".ics", ".json", ".atom",
            ]
            .iter()
            .any(|ext| literal.ends_with(ext));
            let looks_like_key = literal.contains('.')
                && !is_file
                && !literal.ends_with('.')
                && literal
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
            if looks_like_key && namespaces.contains(literal.split('.').next().unwrap_or_default())
            {
                keys.push(literal.to_string());
            }
        }
    }
    assert!(
        keys.len() > 50,
        "the scan finds the code's keys ({})",
        keys.len()
    );
    assert_eq!(missing(keys), Vec::<String>::new());
}
