//! Architecture rules, checked by reading the `Cargo.toml` files: the domain crate performs no
//! I/O, adapters depend on the domain, never the reverse, shell crates (command line, logging
//! set-up, `anyhow`) stay in the binary, and the pure engines link no I/O crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn manifest(krate: &str) -> toml::Table {
    let text = std::fs::read_to_string(crates_dir().join(krate).join("Cargo.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// The `[dependencies]` table of a crate (not dev-dependencies: tests may do I/O).
fn dependency_table(krate: &str) -> toml::Table {
    manifest(krate)
        .get("dependencies")
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default()
}

/// The names under `[dependencies]` of a crate.
fn dependencies(krate: &str) -> Vec<String> {
    dependency_table(krate).keys().cloned().collect()
}

fn is_optional(spec: &toml::Value) -> bool {
    spec.get("optional").and_then(toml::Value::as_bool) == Some(true)
}

/// Every crate of the workspace, by folder name.
fn workspace_crates() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(crates_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| crates_dir().join(name).join("Cargo.toml").exists())
        .collect();
    names.sort();
    names
}

/// The dependencies a crate really builds with when these features are on: every
/// non-optional one, and the optional ones the features turn on (`dep:x`, `x`, `x/f`, through
/// other features of the crate). Each comes with the features the edge enables on it.
fn active_dependencies(
    krate: &str,
    features: &BTreeSet<String>,
) -> Vec<(String, toml::Value, BTreeSet<String>)> {
    let manifest = manifest(krate);
    let table = dependency_table(krate);
    let declared = manifest
        .get("features")
        .and_then(|f| f.as_table())
        .cloned()
        .unwrap_or_default();
    let mut enabled_deps = BTreeSet::new();
    let mut dep_features: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = features.iter().cloned().collect();
    while let Some(feature) = todo.pop() {
        if !seen.insert(feature.clone()) {
            continue;
        }
        if let Some(entries) = declared.get(&feature).and_then(|e| e.as_array()) {
            for entry in entries.iter().filter_map(toml::Value::as_str) {
                if let Some(dep) = entry.strip_prefix("dep:") {
                    enabled_deps.insert(dep.to_owned());
                } else if let Some((dep, f)) = entry.split_once('/') {
                    // `x?/f` turns f on only if x is on anyway; `x/f` turns x on too.
                    let weak = dep.ends_with('?');
                    let dep = dep.trim_end_matches('?');
                    if !weak {
                        enabled_deps.insert(dep.to_owned());
                    }
                    dep_features
                        .entry(dep.to_owned())
                        .or_default()
                        .insert(f.to_owned());
                } else {
                    todo.push(entry.to_owned());
                }
            }
        } else {
            // An optional dependency's implicit feature.
            enabled_deps.insert(feature);
        }
    }
    table
        .into_iter()
        .filter(|(name, spec)| !is_optional(spec) || enabled_deps.contains(name))
        .map(|(name, spec)| {
            let mut on: BTreeSet<String> = spec
                .get("features")
                .and_then(|f| f.as_array())
                .map(|f| {
                    f.iter()
                        .filter_map(toml::Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if spec.get("default-features").and_then(toml::Value::as_bool) != Some(false) {
                on.insert("default".to_owned());
            }
            on.extend(dep_features.get(&name).cloned().unwrap_or_default());
            (name, spec, on)
        })
        .collect()
}

/// The chain of active dependencies, with default features, from `from` to any crate of
/// `targets`, following path dependencies (workspace crates), if there is one.
fn path_to(from: &str, targets: &[&str]) -> Option<Vec<String>> {
    fn walk(
        krate: &str,
        features: &BTreeSet<String>,
        targets: &[&str],
        chain: &mut Vec<String>,
    ) -> bool {
        for (name, spec, on) in active_dependencies(krate, features) {
            chain.push(name.clone());
            if targets.contains(&name.as_str()) {
                return true;
            }
            if let Some(path) = spec.get("path").and_then(toml::Value::as_str) {
                let folder = crates_dir().join(krate).join(path);
                let folder = folder.file_name().unwrap().to_string_lossy().into_owned();
                if walk(&folder, &on, targets, chain) {
                    return true;
                }
            }
            chain.pop();
        }
        false
    }
    let mut chain = vec![from.to_owned()];
    let default = BTreeSet::from(["default".to_owned()]);
    walk(from, &default, targets, &mut chain).then_some(chain)
}

/// Pure crates: values in, values out. No async runtime, database, HTTP or template engine.
const PURE: &[&str] = &["guichet-domain"];
const IO_CRATES: &[&str] = &[
    "tokio",
    "sqlx",
    "axum",
    "hyper",
    "reqwest",
    "askama",
    "askama_web",
    "tower",
    "tower-http",
    "lettre",
    "rusqlite",
    "tantivy",
    "async-std",
    "mio",
];

#[test]
fn the_domain_crate_performs_no_io() {
    for krate in PURE {
        let deps = dependencies(krate);
        assert!(!deps.is_empty() || krate.is_empty());
        for dep in &deps {
            assert!(
                !IO_CRATES.contains(&dep.as_str()),
                "{krate} must not depend on {dep}"
            );
            assert!(
                !dep.starts_with("guichet-"),
                "{krate} must not depend on another Guichet crate ({dep})"
            );
        }
    }
}

#[test]
fn nothing_but_the_binary_depends_on_the_web_crate_and_the_store_never_on_the_web() {
    let store = dependencies("guichet-store");
    assert!(
        !store.iter().any(|d| d == "guichet-web" || d == "axum"),
        "store depends on the web layer"
    );
    for entry in std::fs::read_dir(crates_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "guichet"
            || name == "guichet-web"
            || !crates_dir().join(&name).join("Cargo.toml").exists()
        {
            continue;
        }
        assert!(
            !dependencies(&name)
                .iter()
                .any(|d| d == "guichet-web" || d == "guichet"),
            "{name} must not depend on the web crate or the binary"
        );
    }
}

/// Crates that belong in the binary: argument parsing, error context for people at a
/// terminal, installing a log subscriber. A library takes values and returns typed errors.
const SHELL_CRATES: &[&str] = &["clap", "anyhow", "tracing-subscriber"];

#[test]
fn only_the_binary_depends_on_shell_crates() {
    let crates = workspace_crates();
    assert!(crates.len() > 5, "no crates found: {crates:?}");
    for krate in crates.iter().filter(|k| *k != "guichet") {
        let shell: Vec<String> = dependencies(krate)
            .into_iter()
            .filter(|d| SHELL_CRATES.contains(&d.as_str()))
            .collect();
        assert!(
            shell.is_empty(),
            "{krate} is a library and must not depend on {shell:?}: its command line \
             belongs in crates/guichet (src/cli, src/bench), errors stay thiserror enums"
        );
    }
}

/// Engines: values in, values out. They may use their own kind of machinery (search: tantivy
/// in RAM) but no runtime, database, network or template engine.
const ENGINES: &[(&str, &[&str])] = &[
    ("guichet-routing", &[]),
    ("guichet-letters", &[]),
    ("guichet-search", &["tantivy"]),
    // Planning messages: compile-time HTML templates for emails, nothing that touches the world.
    ("guichet-notify", &["askama"]),
];

/// I/O crates an engine may have as an optional dependency behind a feature, never by default.
const ONLY_BEHIND_A_FEATURE: &[&str] = &["rusqlite"];

#[test]
fn the_engines_perform_no_io() {
    for (krate, allowed) in ENGINES {
        let deps = dependency_table(krate);
        assert!(!deps.is_empty(), "{krate}: no [dependencies] read");
        for (dep, spec) in &deps {
            if !IO_CRATES.contains(&dep.as_str()) || allowed.contains(&dep.as_str()) {
                continue;
            }
            assert!(
                ONLY_BEHIND_A_FEATURE.contains(&dep.as_str()) && is_optional(spec),
                "{krate} is a pure engine and must not depend on {dep}{}",
                if ONLY_BEHIND_A_FEATURE.contains(&dep.as_str()) {
                    " except as an optional dependency behind a feature"
                } else {
                    ""
                }
            );
        }
    }
}

#[test]
fn the_search_engine_never_links_the_database_layer() {
    // Optional dependencies count only when a feature on the way turns them on, so
    // guichet-catalogue's `store` feature is fine as long as search does not enable it.
    let chain = path_to("guichet-search", &["guichet-store", "sqlx"]);
    assert!(
        chain.is_none(),
        "guichet-search must not depend on the database layer, even through another crate: {}",
        chain.unwrap_or_default().join(" -> ")
    );
}

#[test]
fn the_rule_reads_real_manifests() {
    // Guards against a vacuous pass: the store really does depend on the domain and on sqlx.
    let store = dependencies("guichet-store");
    assert!(store.contains(&"guichet-domain".to_owned()));
    assert!(store.contains(&"sqlx".to_owned()));
    // The walk does follow path dependencies and the features enabled on them: the web crate
    // reaches sqlx through the store, and the catalogue with its `store` feature does too.
    assert!(path_to("guichet-web", &["sqlx"]).is_some());
    let with_store = BTreeSet::from(["store".to_owned()]);
    assert!(
        active_dependencies("guichet-catalogue", &with_store)
            .iter()
            .any(|(name, _, _)| name == "guichet-store")
    );
    assert!(
        !active_dependencies("guichet-catalogue", &BTreeSet::new())
            .iter()
            .any(|(name, _, _)| name == "guichet-store")
    );
    // And an engine's optional rusqlite is read as optional.
    assert!(
        dependency_table("guichet-search")
            .get("rusqlite")
            .is_some_and(is_optional)
    );
}

/// Every `.rs` file under a crate's folder, with its path.
fn rust_files(krate: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path
                    .file_name()
                    .is_some_and(|n| n != "target" && n != "node_modules")
                {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&crates_dir().join(krate), &mut out);
    out
}

/// The store's write primitive for cases. Only the case service may call it (and the store's
/// own tests, which check the journal without notifications): a page or a tool that wrote a
/// case change through it would store the change without the notifications it causes.
/// (Spelt in two halves so that this file does not count as a caller.)
const CASE_WRITE_PRIMITIVES: &[&str] = &[concat!("commit_case_", "change(")];

fn calls_to_case_writes(krate: &str) -> Vec<String> {
    rust_files(krate)
        .into_iter()
        .flat_map(|(path, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, line)| CASE_WRITE_PRIMITIVES.iter().any(|p| line.contains(p)))
                .filter(|(_, line)| !line.contains(concat!("pub async fn commit_case_", "change(")))
                .map(|(i, _)| format!("{}:{}", path.display(), i + 1))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn only_the_case_service_writes_case_changes() {
    for krate in workspace_crates() {
        if krate == "guichet-cases" || krate == "guichet-store" {
            continue;
        }
        let calls = calls_to_case_writes(&krate);
        assert!(
            calls.is_empty(),
            "{krate} writes case changes without the case service (use guichet_cases::CaseService): {calls:?}"
        );
    }
    // Guards against a vacuous pass: the service does call it.
    assert!(!calls_to_case_writes("guichet-cases").is_empty());
}

#[test]
fn the_store_depends_on_no_guichet_crate_but_the_domain() {
    for dep in dependencies("guichet-store") {
        assert!(
            !dep.starts_with("guichet-") || dep == "guichet-domain",
            "guichet-store must not depend on {dep}: other crates depend on the store, not the reverse"
        );
    }
}

#[test]
fn time_is_an_input_outside_the_binary() {
    // clippy.toml bans the wall clock (`disallowed-methods`); this checks the ban is there, so
    // that removing it fails a test rather than passing silently.
    let text = std::fs::read_to_string(crates_dir().join("../clippy.toml")).unwrap();
    let config: toml::Table = toml::from_str(&text).unwrap();
    let banned: Vec<String> = config["disallowed-methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap().to_owned())
        .collect();
    for path in [
        "chrono::Utc::now",
        "std::time::SystemTime::now",
        "std::time::Instant::now",
    ] {
        assert!(
            banned.iter().any(|b| b == path),
            "clippy.toml must ban {path}"
        );
    }
}
