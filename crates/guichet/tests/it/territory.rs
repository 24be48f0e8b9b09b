//! `guichet territory …` end to end on real French data, into a temporary folder.

use std::path::PathBuf;

use crate::support::guichet;

fn data(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(name)
}

#[test]
fn territory_report_on_real_french_data() {
    let out = tempfile::tempdir().unwrap();
    let output = guichet()
        .args(["territory", "report", "--communes"])
        .arg(data("communes-2026.csv"))
        .arg("--france-services")
        .arg(data("france-services-2024-08-01.csv"))
        .args(["--k", "5", "--out-dir"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("rapport complet dans"), "{stdout}");
    let out = out.path();
    for f in [
        "acces.csv",
        "acces.geojson",
        "couverture.csv",
        "sites.csv",
        "carte.svg",
        "carte.png",
    ] {
        assert!(out.join(f).metadata().unwrap().len() > 100, "{f}");
    }
    assert!(out.join("departements/23.svg").exists());
    let sites = std::fs::read_to_string(out.join("sites.csv")).unwrap();
    assert_eq!(sites.lines().count(), 6, "{sites}");
    let cov = std::fs::read_to_string(out.join("couverture.csv")).unwrap();
    // The first row is the area the file covers, named (never « France » by default).
    let first = cov.lines().nth(1).unwrap();
    assert!(
        first.starts_with("zone,\"France métropolitaine, Guadeloupe"),
        "{first}"
    );
}

#[test]
fn territory_refuses_missing_inputs_with_a_french_message() {
    let output = guichet()
        .args(["territory", "access", "--communes"])
        .arg(data("communes-2026.csv"))
        .args(["--out", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--france-services requis"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let bad_pbf = dir.path().join("bad.osm.pbf");
    std::fs::write(&bad_pbf, b"not a pbf").unwrap();
    let output = guichet()
        .args(["territory", "graph", "--pbf"])
        .arg(&bad_pbf)
        .args(["--out", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("illisible"), "{stderr}");
}
