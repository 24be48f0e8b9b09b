//! The legal-deadline sweep: applies implicit decisions ("silence vaut accord / rejet") to cases
//! whose deadline has passed. The domain decides (`Case::next_actions`); this module only finds
//! candidate cases and runs the command as the system.
//!
//! The implicit decision is notified like any other: its letter (and the person's preferred
//! channel) is written to the outbox in the same transaction, by the case service.
//!
//! Safe to run on several servers at once: two sweeps racing on one case both decide on the same
//! version, and the store lets only one append; the loser decides again on the newer case, which
//! the domain refuses (already decided), and moves on.

use chrono::{DateTime, Utc};
use guichet_cases::{CaseService, CommandError};
use guichet_domain::{Action, Actor, CaseState, Channel, Command, Context};
use guichet_store::{CaseFilter, StoreError};

/// How many open cases one sweep looks at per state.
const BATCH: u32 = 10_000;

/// Applies every implicit decision due at `now`; returns how many were recorded.
pub async fn sweep(cases: &CaseService, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let store = cases.store();
    let mut applied = 0;
    for state in [CaseState::Submitted, CaseState::UnderExamination] {
        let filter = CaseFilter {
            state: Some(state),
            limit: BATCH,
            ..Default::default()
        };
        for summary in store.list_cases(&filter).await? {
            let case = store.load_case(&summary.reference).await?;
            let due = case
                .next_actions(now)
                .iter()
                .any(|a| matches!(a, Action::ApplyImplicitDecision { .. }));
            if !due {
                continue;
            }
            let ctx = Context {
                actor: Actor::System,
                channel: Channel::System,
                now,
            };
            match cases
                .execute(&case.reference, Command::ApplyImplicitDecision, ctx)
                .await
            {
                Ok(_) => {
                    applied += 1;
                    tracing::info!(case = %case.reference, "implicit decision recorded");
                }
                // Someone acted on the case meanwhile: the next sweep looks again.
                Err(CommandError::Store(StoreError::Conflict { .. }))
                | Err(CommandError::Case(_))
                | Err(CommandError::Stale { .. }) => {}
                Err(CommandError::Store(e)) => return Err(e),
            }
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use guichet_domain::*;
    use guichet_store::Store;
    use guichet_store::testing::on_both_engines;

    use super::*;

    #[tokio::test]
    async fn silence_decides_once_the_deadline_has_passed_and_only_once() {
        on_both_engines(|store: Store| async move {
            let start = Utc.with_ymd_and_hms(2026, 1, 10, 10, 0, 0).unwrap();
            let procedures = crate::demo::demo_procedures().unwrap();
            // Portage de repas: two months, silence vaut accord.
            let procedure = procedures
                .iter()
                .find(|p| p.id().as_str() == "portage-repas-domicile")
                .unwrap();
            store
                .save_operator(&Operator {
                    id: procedure.operator().clone(),
                    name: "CCAS".into(),
                    kind: OperatorKind::Ccas,
                })
                .await
                .unwrap();
            store.publish_procedure(procedure, start).await.unwrap();
            // Nobody decides a decision by silence: the operator's delegation signs it.
            store
                .set_signature_delegation(
                    &guichet_store::SignatureDelegation {
                        operator: procedure.operator().clone(),
                        mention: "Pour le président et par délégation".into(),
                        name: "Hélène Vasseur".into(),
                        title: "Vice-présidente du CCAS".into(),
                        every_decision: false,
                    },
                    start,
                )
                .await
                .unwrap();
            // Refuses digital although her mobile is on file: letters only.
            let person = Person {
                id: PersonId::from_uuid(uuid::Uuid::from_u128(9)),
                name: PersonName::parse("Yvette", "Roux").unwrap(),
                birth_date: None,
                address: Some(
                    PostalAddress::parse(&["2 rue Pasteur"], "59990", "Saint-Clair-sur-Lys")
                        .unwrap(),
                ),
                email: None,
                phone: Some(PhoneNumber::parse("06 55 66 77 88").unwrap()),
                preferences: ContactPreferences::new(
                    [ContactChannel::Sms, ContactChannel::Post],
                    true,
                    AccessibleFormats::default(),
                ),
            };
            store.insert_person(&person, start).await.unwrap();
            let agent = Actor::Agent {
                id: AgentId::from_uuid(uuid::Uuid::from_u128(1)),
                role: AgentRole::FrontDesk,
            };
            let ctx = Context {
                actor: agent,
                channel: Channel::Phone,
                now: start,
            };
            let cases = CaseService::new(store.clone());
            let case = cases
                .open(CaseReference::from_random(3), procedure, person.id, ctx)
                .await
                .unwrap()
                .case;
            cases
                .execute(&case.reference, Command::Submit, ctx)
                .await
                .unwrap();

            assert_eq!(
                sweep(&cases, start + Duration::days(58)).await.unwrap(),
                0,
                "not yet"
            );
            let later = start + Duration::days(61);
            assert_eq!(sweep(&cases, later).await.unwrap(), 1);
            let decided = store.load_case(&case.reference).await.unwrap();
            assert_eq!(decided.state, CaseState::Decided(Outcome::Granted));
            assert!(decided.decision.unwrap().implicit);
            assert_eq!(sweep(&cases, later).await.unwrap(), 0, "only once");

            // The receipt and the implicit decision each went out as a letter, and only that.
            let intents = store.list_intents(None, 100).await.unwrap();
            let sent: Vec<(NotificationKind, Delivery)> =
                intents.iter().map(|i| (i.kind, i.channel)).collect();
            assert_eq!(
                sent,
                vec![
                    (NotificationKind::Receipt, Delivery::Letter),
                    (NotificationKind::Decision, Delivery::Letter)
                ]
            );
            let decision =
                guichet_notify::payload::Payload::from_json(&intents[1].payload).unwrap();
            let guichet_notify::payload::Payload::Letter { letter, .. } = decision else {
                panic!("not a letter");
            };
            assert!(
                letter
                    .body
                    .iter()
                    .any(|p| p.contains("son silence vaut accord")),
                "{:?}",
                letter.body
            );
            assert_eq!(letter.signature.name, "Hélène Vasseur");
            assert_eq!(
                intents[1].idempotency_key,
                format!("{}:3:decision:letter", case.reference)
            );
        })
        .await;
    }
}
