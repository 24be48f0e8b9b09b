//! `guichet serve`, with and without demonstration data.

use crate::support::Server;

#[test]
fn serve_demo_starts_with_a_banner_and_demo_procedures_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let server = Server::start(&["--demo"], &data);
    let (status, body) = server.get("/health");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get("/");
    assert_eq!(status, 200);
    assert!(body.contains("Démonstration"), "{body}");
    assert!(body.contains("Aide sociale d’urgence"));
    assert!(body.contains("Portage de repas à domicile"));
    let (status, body) = server.get("/demarches/portage-repas-domicile");
    assert_eq!(status, 200);
    assert!(body.contains("Par téléphone"));
    assert!(
        !body.contains("En ligne"),
        "this procedure is not offered online"
    );
    assert!(server.terminate(), "exits 0 on SIGTERM");

    // A second demo start resets the directory instead of failing or duplicating data.
    let server = Server::start(&["--demo"], &data);
    let (status, _) = server.get("/");
    assert_eq!(status, 200);
    assert!(server.terminate());
}

#[test]
fn serve_without_demo_has_no_demo_data_and_never_resets_a_real_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("prod");
    let server = Server::start(&[], &data);
    let (_, body) = server.get("/");
    assert!(body.contains("Aucune démarche"), "{body}");
    assert!(!body.contains("Démonstration"));
    assert!(server.terminate());
    assert!(data.join("guichet.db").exists());

    // --demo refuses to reset a directory holding a real instance.
    let output = crate::support::guichet()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a demonstration directory"), "{stderr}");
    assert!(data.join("guichet.db").exists(), "nothing was deleted");
}
