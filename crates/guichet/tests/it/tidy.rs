//! Architecture rules, checked by reading the `Cargo.toml` files: the domain crate performs no
//! I/O, and adapters depend on the domain, never the reverse.

use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The names under `[dependencies]` of a crate (not dev-dependencies: tests may do I/O).
fn dependencies(krate: &str) -> Vec<String> {
    let text = std::fs::read_to_string(crates_dir().join(krate).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
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

#[test]
fn the_rule_reads_real_manifests() {
    // Guards against a vacuous pass: the store really does depend on the domain and on sqlx.
    let store = dependencies("guichet-store");
    assert!(store.contains(&"guichet-domain".to_owned()));
    assert!(store.contains(&"sqlx".to_owned()));
}
