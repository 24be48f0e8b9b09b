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

#[test]
fn serve_demo_with_the_worker_prints_letters_keeps_emails_waiting_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let server = Server::start(&["--demo", "--worker"], &data);
    let (status, _) = server.get("/health");
    assert_eq!(status, 200);
    // The demo's letters (receipts and decisions) go into a print batch in the demo folder.
    let print = data.join("print");
    let manifest = (0..600).find_map(|_| {
        let found = std::fs::read_dir(&print).ok().and_then(|batches| {
            batches.flatten().find_map(|b| {
                std::fs::read_dir(b.path())
                    .ok()?
                    .flatten()
                    .map(|f| f.path())
                    .find(|p| p.to_string_lossy().ends_with("manifest.csv"))
            })
        });
        if found.is_none() {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        found
    });
    let manifest = manifest.expect("a print batch was written");
    assert!(
        server.terminate(),
        "exits 0 on SIGTERM with the worker running"
    );

    let rows = std::fs::read_to_string(&manifest).unwrap();
    assert!(rows.lines().count() > 1, "{rows}");
    let output = crate::support::guichet()
        .args(["notifications", "status", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Without SMTP relay or SMS gateway in the demo, emails and texts wait in the outbox.
    assert!(stdout.contains("pending"), "{stdout}");
    assert!(stdout.contains("handed_over"), "{stdout}");
}
