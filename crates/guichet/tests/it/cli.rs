//! Other subcommands and bad input.

use crate::support::guichet;

#[test]
fn bad_configuration_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let output = guichet()
        .args(["serve", "--listen", "not-an-address", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid listen address"), "{stderr}");
    assert!(!stderr.contains("panicked"));

    let config = dir.path().join("guichet.toml");
    std::fs::write(&config, "listen = [\n").unwrap();
    let output = guichet()
        .args(["migrate", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid configuration file"), "{stderr}");

    let output = guichet()
        .arg("migrate")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("database unavailable"), "{stderr}");
}

#[test]
fn migrate_and_demo_work_on_postgresql_too() {
    let admin = guichet_store::testing::postgres_admin_url();
    let name = format!("guichet_cli_{}", std::process::id());
    let psql = |sql: &str| {
        let ok = std::process::Command::new("psql")
            .args([admin.as_str(), "-q", "-c", sql])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "psql {sql}");
    };
    psql(&format!("DROP DATABASE IF EXISTS {name}"));
    psql(&format!("CREATE DATABASE {name}"));
    let url = guichet_store::testing::database_url(&admin, &name);
    let output = guichet()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = guichet()
        .arg("demo")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("5 procedures, 12 people, 12 cases"),
        "{stdout}"
    );
    // Loading twice does not duplicate anything.
    let output = guichet()
        .arg("demo")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("already loaded"));
    psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

#[test]
fn the_deadline_sweep_records_implicit_decisions_once() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = guichet()
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    run(&["demo"]);
    // The demo's cases are recent: none is past its deadline except the one already decided by
    // silence when the demo was built.
    assert!(run(&["deadlines"]).starts_with("0 implicit"));
}

#[test]
fn demo_cases_have_their_notifications_in_the_outbox_and_in_their_history() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = guichet()
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    run(&["demo"]);
    let all = run(&["notifications", "list", "--status", "all", "--limit", "500"]);
    // Receipts, requests for documents and decisions, on letters, emails and texts.
    for channel in ["\tletter\t", "\temail\t", "\tsms\t"] {
        assert!(all.contains(channel), "{channel}: {all}");
    }
    let reference = all
        .lines()
        .find(|l| l.contains("\temail\t"))
        .and_then(|l| l.split('\t').nth(3))
        .unwrap()
        .to_owned();
    let history = run(&["notifications", "case", &reference]);
    assert!(history.contains("Dossier ouvert"), "{history}");
    assert!(
        history.contains("courriel : en attente d’envoi"),
        "{history}"
    );
    // Every page scanned at the desk can be opened: its PDF is stored under its digest.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = guichet_store::Store::open_sqlite(&dir.path().join("guichet.db"))
            .await
            .unwrap();
        let cases = store
            .list_cases(&guichet_store::CaseFilter {
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut scans = 0;
        for c in &cases {
            let case = store.load_case(&c.reference).await.unwrap();
            for d in case.documents.iter().filter(|d| d.scanned_from_paper) {
                let stored = store.get_attachment(&d.sha256).await.unwrap();
                let stored = stored.unwrap_or_else(|| panic!("{} has no content", d.name));
                assert!(stored.content.starts_with(b"%PDF-"), "{}", d.name);
                assert_eq!(stored.content.len() as u64, d.size);
                scans += 1;
            }
        }
        assert!(scans >= 3, "{scans} scanned pages in the demo");
        store.close().await;
    });
}
