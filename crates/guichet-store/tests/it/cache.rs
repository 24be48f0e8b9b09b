//! Two servers on one PostgreSQL: what one keeps in memory follows the other's changes
//! (`src/cache.rs`). SQLite keeps nothing it does not check against the file at each read
//! (`src/journals.rs`).

use std::time::Duration;

use guichet_domain::*;
use guichet_store::portal::SessionRow;
use guichet_store::testing::TestDb;
use guichet_store::{Engine, Store};

use crate::fixtures::procedure as fixtures_procedure;
use crate::fixtures::*;

const WAIT: Duration = Duration::from_secs(10);

/// Polls `check` until it holds, at most [`WAIT`]: a notification takes milliseconds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = tokio::time::Instant::now();
    while !check().await {
        assert!(start.elapsed() < WAIT, "never saw: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn latest_version(store: &Store, id: &ProcedureId) -> u32 {
    store
        .get_procedure(id, None)
        .await
        .unwrap()
        .unwrap()
        .version()
}

fn session(id: &str, data: &str) -> SessionRow {
    SessionRow {
        id: id.to_owned(),
        csrf: "jeton".to_owned(),
        data: data.to_owned(),
        created_at: t(0),
        last_seen_at: t(0),
    }
}

/// A fresh PostgreSQL database and two stores on it (two servers), both listening.
async fn two_servers() -> (TestDb, Store, Store) {
    let db = TestDb::new(Engine::Postgres).await;
    let a = db.store.clone();
    let url = db.postgres_url().unwrap();
    let b = Store::connect_postgres(&url, 2).await.unwrap();
    assert!(a.wait_until_listening(WAIT).await);
    assert!(b.wait_until_listening(WAIT).await);
    (db, a, b)
}

#[tokio::test]
async fn a_server_sees_the_changes_another_server_makes() {
    let (db, a, b) = two_servers().await;

    // A case's journal, read by A (and kept), changed by B.
    let (procedure, person) = seed(&a).await;
    let (reference, _) = open_at_counter(&a, &procedure, &person, 4242).await;
    assert_eq!(a.journal(&reference).await.unwrap().len(), 1);
    assert_eq!(a.journal(&reference).await.unwrap().len(), 1);
    b.execute(
        &reference,
        Command::Submit,
        ctx(front_desk(), Channel::Counter, 1),
    )
    .await
    .unwrap();
    eventually("A sees B's event", || async {
        a.journal(&reference).await.unwrap().len() == 2
    })
    .await;
    // A changes it from its stale-free copy, B sees it.
    assert_eq!(b.journal(&reference).await.unwrap().len(), 2);
    a.execute(
        &reference,
        Command::StartExamination,
        ctx(officer(), Channel::Web, 2),
    )
    .await
    .unwrap();
    eventually("B sees A's event", || async {
        b.load_case(&reference).await.unwrap().state == CaseState::UnderExamination
    })
    .await;

    // A session, read by A, changed then ended by B.
    a.insert_session(&session("s1", "{}")).await.unwrap();
    let got = a.get_session("s1", t(-1), t(-1)).await.unwrap().unwrap();
    assert_eq!(got.data, "{}");
    b.touch_session("s1", r#"{"suivis":["x"]}"#, t(1))
        .await
        .unwrap();
    eventually("A sees the session's new data", || async {
        a.get_session("s1", t(-1), t(-1))
            .await
            .unwrap()
            .is_some_and(|s| s.data.contains("suivis"))
    })
    .await;
    b.delete_session("s1").await.unwrap();
    eventually("A sees the session ended", || async {
        a.get_session("s1", t(-1), t(-1)).await.unwrap().is_none()
    })
    .await;

    // A person, read by A, changed by B.
    assert_eq!(a.get_person(person.id).await.unwrap().unwrap().phone, None);
    let mut changed = person.clone();
    changed.phone = Some(PhoneNumber::parse("06 12 34 56 78").unwrap());
    b.update_person(&changed).await.unwrap();
    eventually("A sees the person's phone", || async {
        a.get_person(person.id)
            .await
            .unwrap()
            .unwrap()
            .phone
            .is_some()
    })
    .await;

    // The operators and the latest procedures, read by A, changed by B.
    let listed = a.list_operators().await.unwrap();
    assert_eq!(a.list_operators().await.unwrap(), listed);
    let mut renamed = operator();
    renamed.name = "CCAS renommé".to_owned();
    b.save_operator(&renamed).await.unwrap();
    eventually("A sees the operator's new name", || async {
        a.list_operators()
            .await
            .unwrap()
            .iter()
            .any(|o| o.name == "CCAS renommé")
    })
    .await;
    assert_eq!(a.list_procedures().await.unwrap().len(), 1);
    assert_eq!(latest_version(&a, procedure.id()).await, 1);
    b.publish_procedure(&fixtures_procedure(2, "Aide sociale d’urgence"), t(3))
        .await
        .unwrap();
    eventually("A sees version 2 published", || async {
        latest_version(&a, procedure.id()).await == 2
            && a.list_procedures().await.unwrap()[0].version() == 2
    })
    .await;

    b.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn rows_are_kept_until_a_change_is_announced() {
    let db = TestDb::new(Engine::Postgres).await;
    let store = db.store.clone();
    assert!(store.wait_until_listening(WAIT).await);
    store.insert_session(&session("s2", "{}")).await.unwrap();
    let read = || async {
        store
            .get_session("s2", t(-1), t(-1))
            .await
            .unwrap()
            .unwrap()
            .data
    };
    assert_eq!(read().await, "{}");
    // Changed behind Guichet's back (by hand, no announcement): the kept copy is still
    // served, which shows the page did not read the database...
    store
        .raw_execute("UPDATE web_sessions SET data = '{\"a\":1}' WHERE id = 's2'")
        .await
        .unwrap();
    assert_eq!(read().await, "{}");
    // ...until the change is announced.
    store
        .raw_execute("NOTIFY guichet_changes, 's:s2'")
        .await
        .unwrap();
    eventually("the announced change", || async {
        read().await == "{\"a\":1}"
    })
    .await;
    // Anything else announced (a bulk change) forgets everything.
    store
        .raw_execute("UPDATE web_sessions SET data = '{\"b\":2}' WHERE id = 's2'")
        .await
        .unwrap();
    store
        .raw_execute("NOTIFY guichet_changes, '*'")
        .await
        .unwrap();
    eventually("the bulk change", || async { read().await == "{\"b\":2}" }).await;
    db.cleanup().await;
}

#[tokio::test]
async fn a_server_keeps_what_it_changed_when_its_own_notification_comes_back() {
    let (db, a, b) = two_servers().await;
    let read = |store: &Store, id: &'static str| {
        let store = store.clone();
        async move {
            store
                .get_session(id, t(-1), t(-1))
                .await
                .unwrap()
                .unwrap()
                .data
        }
    };
    a.insert_session(&session("own", "{}")).await.unwrap();
    a.insert_session(&session("marker", "{}")).await.unwrap();
    assert_eq!(read(&b, "own").await, "{}");
    assert_eq!(read(&a, "marker").await, "{}");
    // A changes a row and reads it again (kept).
    a.touch_session("own", r#"{"n":1}"#, t(1)).await.unwrap();
    assert_eq!(read(&a, "own").await, r#"{"n":1}"#);
    // Its notification has reached B, so it stands in the queue A listens to...
    eventually("B hears A's change", || async {
        read(&b, "own").await == r#"{"n":1}"#
    })
    .await;
    // ...before a marker announced after it: once A has heard the marker, it has heard its own
    // notification too.
    a.raw_execute("UPDATE web_sessions SET data = '{\"n\":2}' WHERE id = 'own'")
        .await
        .unwrap();
    a.raw_execute("UPDATE web_sessions SET data = '{\"m\":1}' WHERE id = 'marker'")
        .await
        .unwrap();
    a.raw_execute("NOTIFY guichet_changes, 's:marker'")
        .await
        .unwrap();
    eventually("A hears the marker", || async {
        read(&a, "marker").await == r#"{"m":1}"#
    })
    .await;
    // A still serves what it kept after its own change (the row changed behind its back
    // since shows it did not read the database again).
    assert_eq!(read(&a, "own").await, r#"{"n":1}"#);
    b.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_keeps_nothing_in_memory() {
    let db = TestDb::new(Engine::Sqlite).await;
    assert!(!db.store.wait_until_listening(Duration::ZERO).await);
    db.store.insert_session(&session("s3", "{}")).await.unwrap();
    db.store.get_session("s3", t(-1), t(-1)).await.unwrap();
    db.store
        .raw_execute("UPDATE web_sessions SET data = 'changé' WHERE id = 's3'")
        .await
        .unwrap();
    let got = db.store.get_session("s3", t(-1), t(-1)).await.unwrap();
    assert_eq!(got.unwrap().data, "changé");
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_journals_kept_in_memory_follow_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("guichet.db");
    let a = Store::open_sqlite(&path).await.unwrap();
    a.migrate().await.unwrap();
    // Another process writing the same file (`guichet worker`, a command).
    let b = Store::open_sqlite(&path).await.unwrap();
    let (procedure, person) = seed(&a).await;
    let (reference, _) = open_at_counter(&a, &procedure, &person, 4343).await;
    assert_eq!(a.journal(&reference).await.unwrap().len(), 1);
    // What the other process appends is seen at the next read, without waiting.
    b.execute(
        &reference,
        Command::Submit,
        ctx(front_desk(), Channel::Counter, 1),
    )
    .await
    .unwrap();
    let journal = a.journal(&reference).await.unwrap();
    assert_eq!(journal.len(), 2);
    assert_eq!(a.journal(&reference).await.unwrap(), journal);
    assert_eq!(
        a.load_case(&reference).await.unwrap().state,
        CaseState::Submitted
    );

    // A file that no longer holds the kept journal (an older copy put back): its own events
    // are read, whole. Here the last event is rewritten by hand, past the triggers that
    // forbid it.
    b.raw_execute(&format!(
        "DROP TRIGGER case_events_no_update; DROP TRIGGER case_events_no_delete;
         UPDATE case_events SET at = at + 1 WHERE case_reference = '{reference}' AND seq = 2"
    ))
    .await
    .unwrap();
    let moved = a.journal(&reference).await.unwrap();
    assert_eq!(moved.len(), 2);
    assert_eq!(
        (moved[1].at - journal[1].at).num_microseconds(),
        Some(1),
        "the rewritten event is read again"
    );
    b.raw_execute(&format!(
        "DELETE FROM case_events WHERE case_reference = '{reference}' AND seq = 2"
    ))
    .await
    .unwrap();
    assert_eq!(a.journal(&reference).await.unwrap().len(), 1);
    assert_eq!(
        a.load_case(&reference).await.unwrap().state,
        CaseState::Draft
    );
    b.close().await;
    a.close().await;
}
