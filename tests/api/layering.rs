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

/// A file's module path (`src/web/http/auth.rs` → `crate::web::http::auth`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    std::iter::once("crate".to_string())
        .chain(parts)
        .collect::<Vec<_>>()
        .join("::")
}

/// Every `crate::…` and `super::…` path a file's code (not its tests) names, made absolute;
/// `a::{b, c::d}` counts as `a::b` and `a::c::d`.
fn paths_named(module: &str, is_mod_file: bool, text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let boundary = i == 0
            || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_' || bytes[i - 1] == ':');
        if boundary && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let mut j = i;
            while j < bytes.len()
                && (bytes[j].is_alphanumeric() || bytes[j] == '_' || bytes[j] == ':')
            {
                j += 1;
            }
            let mut path: String = bytes[i..j].iter().collect();
            path = path.trim_end_matches(':').to_string();
            // Make `super::` absolute: a mod.rs is its folder's module, so its `super` is one up.
            let mut base: Vec<&str> = module.split("::").collect();
            if !is_mod_file || path.starts_with("super") {
                let mut p = path.as_str();
                let mut ups = 0;
                while let Some(r) = p.strip_prefix("super::") {
                    ups += 1;
                    p = r;
                }
                if p == "super" {
                    ups += 1;
                    p = "";
                }
                if ups > 0 {
                    for _ in 0..ups {
                        base.pop();
                    }
                    path = if p.is_empty() {
                        base.join("::")
                    } else {
                        format!("{}::{p}", base.join("::"))
                    };
                }
            }
            if bytes.get(j) == Some(&'{') {
                let end = bytes[j..]
                    .iter()
                    .position(|c| *c == '}')
                    .map_or(bytes.len(), |e| j + e);
                let group: String = bytes[j + 1..end].iter().collect();
                for item in group.split(',') {
                    let item = item.trim().split(' ').next().unwrap_or_default();
                    if !item.is_empty() && item != "self" && item != "*" {
                        out.push(format!("{path}::{item}"));
                    }
                }
                out.push(path);
                i = end;
            } else {
                out.push(path);
                i = j;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The import graph between the files of `src/`: file module → modules it names (the longest
/// prefix of each path that is a module), leaving out a file's own ancestors and descendants
/// (a folder's `mod.rs` and its files belong together).
fn import_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: std::collections::BTreeMap<String, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let related = |a: &str, b: &str| {
        a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"))
    };
    let mut graph = std::collections::BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        let is_mod_file = file.file_name().is_some_and(|n| n == "mod.rs");
        let mut deps = std::collections::BTreeSet::new();
        for path in paths_named(module, is_mod_file, &text) {
            let parts: Vec<&str> = path.split("::").collect();
            if let Some(target) = (2..=parts.len())
                .rev()
                .map(|k| parts[..k].join("::"))
                .find(|candidate| modules.contains_key(candidate))
                && !related(module, &target)
            {
                deps.insert(target);
            }
        }
        graph.insert(module.clone(), deps);
    }
    graph
}

/// Groups of modules that import each other, directly or round a circle (Tarjan's algorithm).
fn circles(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        index: std::collections::HashMap<&'a str, usize>,
        low: std::collections::HashMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a str) {
        let n = w.index.len();
        w.index.insert(v, n);
        w.low.insert(v, n);
        w.stack.push(v);
        for dep in w.graph.get(v).into_iter().flatten() {
            let dep = dep.as_str();
            if !w.index.contains_key(dep) {
                visit(w, dep);
                let l = w.low[dep].min(w.low[v]);
                w.low.insert(v, l);
            } else if w.stack.contains(&dep) {
                let l = w.index[dep].min(w.low[v]);
                w.low.insert(v, l);
            }
        }
        if w.low[v] == w.index[v] {
            let mut group = Vec::new();
            while let Some(top) = w.stack.pop() {
                group.push(top.to_string());
                if top == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                w.found.push(group);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: Default::default(),
        low: Default::default(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            visit(&mut walk, v);
        }
    }
    walk.found
}

#[test]
fn no_two_files_import_each_other_round_a_circle() {
    let found = circles(&import_graph());
    assert!(found.is_empty(), "import circles: {found:#?}");
}

#[test]
fn the_circle_check_sees_a_circle() {
    let mut graph = import_graph();
    graph
        .get_mut("crate::domain::memberships")
        .unwrap()
        .insert("crate::domain::chapters".into());
    assert_eq!(
        circles(&graph),
        vec![vec![
            "crate::domain::chapters".to_string(),
            "crate::domain::memberships".to_string()
        ]]
    );
}
