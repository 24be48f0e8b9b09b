//! Staff accounts: creation, lockout counted across servers, TOTP replay, sessions, journal.

use chrono::Duration;
use guichet_domain::{AgentId, OperatorId, StaffRole};
use guichet_store::agents::{AgentAccount, AgentSession, SecurityEvent, SessionStage};
use guichet_store::testing::on_both_engines;
use guichet_store::{Store, StoreError};

use crate::fixtures::*;

fn account(login: &str) -> AgentAccount {
    AgentAccount {
        id: AgentId::from_uuid(uuid::Uuid::new_v4()),
        login: login.to_owned(),
        display_name: "Claire Dubois".to_owned(),
        title: "Agente d’accueil".to_owned(),
        role: StaffRole::FrontDesk,
        operator: OperatorId::parse("ccas-saint-clair").unwrap(),
        place: Some("accueil-ccas".to_owned()),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        totp_secret: None,
        totp_last_step: None,
        failed_attempts: 0,
        locked_until: None,
        suspended: false,
        created_at: t(0),
    }
}

#[tokio::test]
async fn an_account_reads_back_whole_and_a_login_is_taken_once() {
    on_both_engines(|store: Store| async move {
        let a = account("claire.dubois@saint-clair.example");
        store.insert_agent(&a).await.unwrap();
        assert_eq!(store.get_agent(a.id).await.unwrap(), Some(a.clone()));
        assert_eq!(
            store
                .agent_by_login("  Claire.Dubois@Saint-Clair.example ")
                .await
                .unwrap(),
            Some(a.clone())
        );
        let mut twin = account("claire.dubois@saint-clair.example");
        twin.display_name = "Autre".into();
        let err = store.insert_agent(&twin).await.unwrap_err();
        assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
        assert_eq!(store.list_agents(&a.operator).await.unwrap(), vec![a]);
    })
    .await;
}

#[tokio::test]
async fn failures_lock_the_account_at_the_limit_and_a_success_clears_them() {
    on_both_engines(|store: Store| async move {
        let a = account("a@x.example");
        store.insert_agent(&a).await.unwrap();
        let until = t(0) + Duration::minutes(15);
        for _ in 0..4 {
            assert_eq!(
                store.record_agent_failure(a.id, 5, until).await.unwrap(),
                None
            );
        }
        let locked = store.record_agent_failure(a.id, 5, until).await.unwrap();
        assert_eq!(locked, Some(until));
        let back = store.get_agent(a.id).await.unwrap().unwrap();
        assert_eq!((back.failed_attempts, back.locked_until), (0, Some(until)));
        store.clear_agent_failures(a.id).await.unwrap();
        assert_eq!(
            store.get_agent(a.id).await.unwrap().unwrap().locked_until,
            None
        );
    })
    .await;
}

#[tokio::test]
async fn a_totp_step_is_accepted_once() {
    on_both_engines(|store: Store| async move {
        let a = account("b@x.example");
        store.insert_agent(&a).await.unwrap();
        store
            .set_agent_totp(a.id, Some("JBSWY3DPEHPK3PXP"), None)
            .await
            .unwrap();
        assert!(store.use_totp_step(a.id, 100).await.unwrap());
        assert!(!store.use_totp_step(a.id, 100).await.unwrap(), "replay");
        assert!(!store.use_totp_step(a.id, 99).await.unwrap(), "older step");
        assert!(store.use_totp_step(a.id, 101).await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn sessions_expire_and_a_suspension_ends_them() {
    on_both_engines(|store: Store| async move {
        let a = account("c@x.example");
        store.insert_agent(&a).await.unwrap();
        let s = AgentSession {
            id: "f".repeat(64),
            agent_id: a.id,
            csrf: "jeton".into(),
            stage: SessionStage::Password,
            pending_secret: None,
            created_at: t(0),
            last_seen_at: t(0),
        };
        store.insert_agent_session(&s).await.unwrap();
        let got = store.get_agent_session(&s.id, t(-1), t(-1)).await.unwrap();
        assert_eq!(got, Some(s.clone()));
        store
            .update_agent_session(&s.id, SessionStage::SignedIn, None, t(5))
            .await
            .unwrap();
        let got = store
            .get_agent_session(&s.id, t(1), t(-1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.stage, SessionStage::SignedIn);
        // Idle since before t(6): expired and deleted.
        assert_eq!(
            store.get_agent_session(&s.id, t(6), t(-1)).await.unwrap(),
            None
        );
        store.insert_agent_session(&s).await.unwrap();
        store.set_agent_suspended(a.id, true).await.unwrap();
        assert_eq!(
            store.get_agent_session(&s.id, t(-1), t(-1)).await.unwrap(),
            None
        );
        assert!(store.get_agent(a.id).await.unwrap().unwrap().suspended);
    })
    .await;
}

#[tokio::test]
async fn the_security_journal_lists_newest_first_per_agent() {
    on_both_engines(|store: Store| async move {
        let a = account("d@x.example");
        store.insert_agent(&a).await.unwrap();
        for (i, event) in ["sign_in_failed", "sign_in", "access_refused"]
            .iter()
            .enumerate()
        {
            store
                .record_security_event(&SecurityEvent {
                    at: t(i as i64),
                    agent_id: Some(a.id),
                    login: a.login.clone(),
                    event: (*event).to_owned(),
                    detail: String::new(),
                })
                .await
                .unwrap();
        }
        store
            .record_security_event(&SecurityEvent {
                at: t(9),
                agent_id: None,
                login: "inconnu".into(),
                event: "sign_in_failed".into(),
                detail: "compte inconnu".into(),
            })
            .await
            .unwrap();
        let mine = store.security_events(Some(a.id), 10).await.unwrap();
        assert_eq!(
            mine.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(),
            ["access_refused", "sign_in", "sign_in_failed"]
        );
        assert_eq!(store.security_events(None, 10).await.unwrap().len(), 4);
    })
    .await;
}

#[tokio::test]
async fn agents_find_the_people_of_their_operator_by_name_birth_date_or_postcode() {
    on_both_engines(|store: Store| async move {
        use guichet_domain::PersonName;
        use guichet_store::PersonFilter;
        let ours = OperatorId::parse("ccas-saint-clair").unwrap();
        let theirs = OperatorId::parse("mairie-autre").unwrap();
        let mut accented = offline_person(1);
        accented.name = PersonName::parse("Hélène", "Lefèvre").unwrap();
        let other = offline_person(2);
        let nobody_yet = offline_person(3);
        for p in [&accented, &other, &nobody_yet] {
            store.insert_person(p, t(0)).await.unwrap();
        }
        store.attach_person(accented.id, &ours, t(0)).await.unwrap();
        store.attach_person(accented.id, &ours, t(1)).await.unwrap(); // idempotent
        store.attach_person(other.id, &theirs, t(0)).await.unwrap();
        let filter = |prefix: Option<&str>, unattached| PersonFilter {
            operator: ours.clone(),
            include_unattached: unattached,
            name_prefix: prefix.map(str::to_owned),
            other_words: Vec::new(),
            birth_date: None,
            postcode: None,
            limit: 10,
        };
        let ids = |v: Vec<guichet_domain::Person>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
        assert_eq!(
            ids(store
                .find_persons(&filter(Some("lefevre h"), false))
                .await
                .unwrap()),
            [accented.id]
        );
        // The other words typed must each start a word of the name.
        let mut both = filter(Some("lef"), false);
        both.other_words = vec!["hel".into()];
        assert_eq!(ids(store.find_persons(&both).await.unwrap()), [accented.id]);
        both.other_words = vec!["mar".into()];
        assert_eq!(ids(store.find_persons(&both).await.unwrap()), []);
        // Another operator's person is never found; one known to nobody only when asked.
        assert_eq!(
            ids(store
                .find_persons(&filter(Some("dupont"), false))
                .await
                .unwrap()),
            []
        );
        assert_eq!(
            ids(store
                .find_persons(&filter(Some("dupont"), true))
                .await
                .unwrap()),
            [nobody_yet.id]
        );
        let mut by_birth = filter(None, true);
        by_birth.birth_date = accented.birth_date;
        by_birth.postcode = Some("26000".into());
        assert_eq!(
            ids(store.find_persons(&by_birth).await.unwrap()),
            [nobody_yet.id, accented.id]
        );
        // A wildcard typed by someone is a letter, not a wildcard.
        assert!(
            store
                .find_persons(&filter(Some("%"), true))
                .await
                .unwrap()
                .len()
                <= 2
        );
        assert_eq!(
            store.person_operators(accented.id).await.unwrap(),
            vec![ours]
        );
        assert_eq!(store.person_operators(nobody_yet.id).await.unwrap(), []);
    })
    .await;
}

#[tokio::test]
async fn an_operators_journal_holds_its_accounts_events_only() {
    on_both_engines(|store: Store| async move {
        let mine = account("e@x.example");
        let mut theirs = account("f@y.example");
        theirs.operator = OperatorId::parse("mairie-autre").unwrap();
        store.insert_agent(&mine).await.unwrap();
        store.insert_agent(&theirs).await.unwrap();
        let event = |at: i64, agent: Option<&AgentAccount>, event: &str| SecurityEvent {
            at: t(at),
            agent_id: agent.map(|a| a.id),
            login: agent.map_or_else(|| "inconnu".to_owned(), |a| a.login.clone()),
            event: event.to_owned(),
            detail: String::new(),
        };
        for e in [
            event(1, Some(&mine), "sign_in"),
            event(2, Some(&theirs), "sign_in"),
            event(3, None, "sign_in_failed"),
            event(4, Some(&mine), "account_created"),
            event(5, Some(&mine), "sign_out"),
        ] {
            store.record_security_event(&e).await.unwrap();
        }
        let got = store
            .operator_security_events(&mine.operator, 2)
            .await
            .unwrap();
        assert_eq!(
            got.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(),
            ["sign_out", "account_created"]
        );
        assert!(got.iter().all(|e| e.agent_id == Some(mine.id)));
        let all = store
            .operator_security_events(&mine.operator, 20)
            .await
            .unwrap();
        assert_eq!(all.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_reset_can_end_every_session_of_an_account() {
    on_both_engines(|store: Store| async move {
        let a = account("g@x.example");
        let b = account("h@x.example");
        store.insert_agent(&a).await.unwrap();
        store.insert_agent(&b).await.unwrap();
        let session = |id: char, agent: AgentId| AgentSession {
            id: id.to_string().repeat(64),
            agent_id: agent,
            csrf: "jeton".into(),
            stage: SessionStage::SignedIn,
            pending_secret: None,
            created_at: t(0),
            last_seen_at: t(0),
        };
        for s in [session('a', a.id), session('b', a.id), session('c', b.id)] {
            store.insert_agent_session(&s).await.unwrap();
        }
        store.delete_agent_sessions(a.id).await.unwrap();
        for (id, alive) in [('a', false), ('b', false), ('c', true)] {
            let got = store
                .get_agent_session(&id.to_string().repeat(64), t(-1), t(-1))
                .await
                .unwrap();
            assert_eq!(got.is_some(), alive, "session {id}");
        }
    })
    .await;
}
