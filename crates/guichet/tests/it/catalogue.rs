//! `guichet procedures …` and `guichet search …` end to end: the demo definition files, the
//! embedded database, the shipped national catalogue.

use std::path::PathBuf;

use crate::support::guichet;

fn demo_definitions() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../guichet-catalogue/demo"
    ))
}

fn run(args: &[&str], data_dir: &std::path::Path) -> std::process::Output {
    guichet()
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .unwrap()
}

#[test]
fn procedures_check_then_publish_into_the_database() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(demo_definitions()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let dir_arg = dir.path().to_str().unwrap();
    let output = run(&["procedures", "check", dir_arg], data.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("ok  inscription-cantine v1  "), "{stdout}");
    assert!(stdout.contains("5 définition(s) conforme(s)."), "{stdout}");

    // The demo creates the operators and publishes the same files: nothing changes.
    assert!(run(&["demo"], data.path()).status.success());
    let output = run(&["procedures", "publish", dir_arg], data.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("inchangée  inscription-cantine v1"),
        "{stdout}"
    );

    // A published version edited in place is refused; a new version number goes through.
    let cantine = dir.path().join("inscription-cantine.toml");
    let edited = std::fs::read_to_string(&cantine)
        .unwrap()
        .replace("Inscription à la restauration scolaire", "Cantine");
    std::fs::write(&cantine, &edited).unwrap();
    let output = run(&["procedures", "publish", dir_arg], data.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("la version 1 est déjà publiée"), "{stderr}");
    std::fs::write(&cantine, edited.replace("version = 1", "version = 2")).unwrap();
    let output = run(&["procedures", "publish", dir_arg], data.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("publiée    inscription-cantine v2"),
        "{stdout}"
    );

    // A digital-only file is refused with its file, line and rule.
    std::fs::write(
        dir.path().join("web-only.toml"),
        "id = \"x\"\nversion = 1\ntitle = \"X\"\nsummary = \"\"\noperator = \"o\"\n[channels.web]\nhow = \"en ligne\"\n",
    )
    .unwrap();
    let output = run(&["procedures", "check", dir_arg], data.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("web-only.toml:6: [never-digital-only]"),
        "{stderr}"
    );
}

#[test]
fn search_query_eval_and_bench_need_no_database() {
    let data = tempfile::tempdir().unwrap();
    let output = run(&["search", "query", "carte vitale"], data.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let first: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert!(first.get("id").is_some(), "{first}");

    let output = run(&["search", "eval"], data.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("queries: "), "{stdout}");
    assert!(
        stdout.contains("guichet    top-1 ") && stdout.contains("fts5-bm25  top-1 "),
        "{stdout}"
    );

    let output = run(&["search", "bench", "--rounds", "1"], data.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let bench: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(bench["documents"].as_u64().unwrap() > 3000, "{bench}");
    assert!(bench["p50_us"].as_f64().unwrap() > 0.0, "{bench}");
    // Nothing was written: no database was opened.
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), 0);
}
