//! Who may do what: the one authorization rule of Guichet's staff.
//!
//! Every page and command an agent reaches asks [`may`] before acting, with the agent's role,
//! operator and place, the action and the resource. A refusal is an error value the caller
//! journals (`security_journal`, event `access_refused`) and shows in plain French. The rule
//! is pure: the caller loads the facts (the operator in charge of a case, the operators a
//! person is known to) and passes them in.

use std::fmt;

use crate::{AgentId, AgentRole, OperatorId};

/// The role of a staff account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StaffRole {
    /// Counter and phone: finds and registers people, opens and continues cases for them,
    /// records post, calls and visits, prints, orients. Never decides.
    FrontDesk,
    /// Examines the cases of their operator's procedures, asks for documents, decides.
    CaseOfficer,
    /// Manages the accounts of their operator and sees its figures; does not work on cases.
    Administrator,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [Self::FrontDesk, Self::CaseOfficer, Self::Administrator];

    /// Stable code, stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::FrontDesk => "front_desk",
            Self::CaseOfficer => "case_officer",
            Self::Administrator => "administrator",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// « agent d’accueil », as shown to agents and in journals.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::FrontDesk => "agent d’accueil",
            Self::CaseOfficer => "instructeur ou instructrice",
            Self::Administrator => "administrateur ou administratrice",
        }
    }

    /// The actor role this account acts with on cases; an administrator acts on none.
    pub fn case_role(self) -> Option<AgentRole> {
        match self {
            Self::FrontDesk => Some(AgentRole::FrontDesk),
            Self::CaseOfficer => Some(AgentRole::CaseOfficer),
            Self::Administrator => None,
        }
    }
}

/// A signed-in staff member, as the rule sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: AgentId,
    pub role: StaffRole,
    pub operator: OperatorId,
    /// The place (France Services site, counter) the account is attached to, if any.
    pub place: Option<String>,
}

/// What an agent wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// See a person or a case (search results, person page, case page, documents).
    View,
    /// Register a new person.
    Register,
    /// Change a person's address, contact preferences or accessible-format needs.
    EditPerson,
    /// Open a case for a person, or continue one (answers, documents), at the counter or by phone.
    ServeCase,
    /// Register incoming post, record a call or a visit on a case.
    RecordContact,
    /// Record an orientation to another operator.
    Orient,
    /// Ask for missing documents, exchange messages as the examining service.
    Examine,
    /// Grant, refuse, revise, withdraw, reopen.
    Decide,
    /// Close an alert with a note.
    HandleAlert,
    /// See and export a place's or operator's figures.
    SeeFigures,
    /// Create, suspend, reactivate or reset staff accounts.
    ManageAccounts,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Self::View,
        Self::Register,
        Self::EditPerson,
        Self::ServeCase,
        Self::RecordContact,
        Self::Orient,
        Self::Examine,
        Self::Decide,
        Self::HandleAlert,
        Self::SeeFigures,
        Self::ManageAccounts,
    ];

    /// Stable code, for the security journal.
    pub fn code(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Register => "register",
            Self::EditPerson => "edit_person",
            Self::ServeCase => "serve_case",
            Self::RecordContact => "record_contact",
            Self::Orient => "orient",
            Self::Examine => "examine",
            Self::Decide => "decide",
            Self::HandleAlert => "handle_alert",
            Self::SeeFigures => "see_figures",
            Self::ManageAccounts => "manage_accounts",
        }
    }
}

/// What the action is on, with the facts the rule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// The directory of people as a whole (searching it, registering someone new).
    People,
    /// One person, with the operators they are known to (registered by, or with a case there).
    Person { known_to: &'a [OperatorId] },
    /// One case, with the operator in charge of its procedure.
    Case { operator: &'a OperatorId },
    /// An operator's alerts, figures or accounts (optionally one place's).
    Operator {
        operator: &'a OperatorId,
        place: Option<&'a str>,
    },
}

/// Why an action was refused, in plain French.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The role never does this (a front-desk agent deciding).
    Role,
    /// The resource belongs to another operator (or another place).
    Operator,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::Role => {
                "Votre rôle ne permet pas cette action. Elle est réservée à un autre métier : \
                 demandez à un ou une collègue habilité·e."
            }
            Refusal::Operator => {
                "Ce dossier ou cette personne relève d’un autre organisme que le vôtre : vous \
                 ne pouvez pas y accéder. Orientez la personne vers l’organisme compétent."
            }
        })
    }
}

/// What each role may do at all, whatever the resource.
fn role_allows(role: StaffRole, action: Action) -> bool {
    use Action::*;
    match role {
        StaffRole::FrontDesk => matches!(
            action,
            View | Register | EditPerson | ServeCase | RecordContact | Orient | HandleAlert
        ),
        StaffRole::CaseOfficer => matches!(
            action,
            View | EditPerson | RecordContact | Orient | Examine | Decide | HandleAlert
        ),
        StaffRole::Administrator => matches!(action, SeeFigures | ManageAccounts),
    }
}

/// The one rule: may `staff` do `action` on `resource`?
///
/// First the role (what the job includes), then the scope: an agent works on the people and
/// cases of their own operator, and a place-bound agent sees only their place's figures. A
/// person not yet known to any operator (just registered elsewhere, by a helper or online)
/// may be seen by any front-desk agent: a France Services counsellor helps whoever comes in.
pub fn may(staff: &Staff, action: Action, resource: Resource<'_>) -> Result<(), Refusal> {
    // Figures are also a place manager's: the front desk of a place sees its own figures.
    let figures_of_own_place = action == Action::SeeFigures
        && staff.role == StaffRole::FrontDesk
        && matches!(resource, Resource::Operator { place: Some(p), .. } if staff.place.as_deref() == Some(p));
    if !role_allows(staff.role, action) && !figures_of_own_place {
        return Err(Refusal::Role);
    }
    // Figures and accounts are an operator's, never one case's or one person's.
    if matches!(action, Action::SeeFigures | Action::ManageAccounts)
        && !matches!(resource, Resource::Operator { .. })
    {
        return Err(Refusal::Role);
    }
    let in_scope = match resource {
        Resource::People => matches!(action, Action::View | Action::Register),
        // An alert about a person is the business of the operators who know them: one known
        // to nobody is no front desk's in particular (it waits for the operator who will).
        Resource::Person { known_to } => {
            known_to.contains(&staff.operator)
                || (known_to.is_empty()
                    && staff.role == StaffRole::FrontDesk
                    && action != Action::HandleAlert)
        }
        Resource::Case { operator } => operator == &staff.operator,
        Resource::Operator { operator, place } => {
            operator == &staff.operator
                && match (&staff.place, place) {
                    // A place-bound agent sees only their place.
                    (Some(mine), Some(p)) => mine == p,
                    (Some(_), None) => staff.role == StaffRole::Administrator,
                    (None, _) => true,
                }
        }
    };
    if in_scope {
        Ok(())
    } else {
        Err(Refusal::Operator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str) -> OperatorId {
        OperatorId::parse(id).unwrap()
    }

    fn staff(role: StaffRole, place: Option<&str>) -> Staff {
        Staff {
            id: AgentId::from_uuid(uuid::Uuid::nil()),
            role,
            operator: op("ccas-saint-clair"),
            place: place.map(str::to_owned),
        }
    }

    /// The whole matrix, role × action, on a case of the agent's own operator and on one of
    /// another operator: written out, so a change of the rule shows here.
    #[test]
    fn role_action_matrix_on_cases() {
        use Action::*;
        let own = op("ccas-saint-clair");
        let other = op("mairie-autre");
        let expected: &[(StaffRole, &[Action])] = &[
            (
                StaffRole::FrontDesk,
                &[
                    View,
                    Register,
                    EditPerson,
                    ServeCase,
                    RecordContact,
                    Orient,
                    HandleAlert,
                ],
            ),
            (
                StaffRole::CaseOfficer,
                &[
                    View,
                    EditPerson,
                    RecordContact,
                    Orient,
                    Examine,
                    Decide,
                    HandleAlert,
                ],
            ),
            (StaffRole::Administrator, &[]),
        ];
        for (role, allowed) in expected {
            let s = staff(*role, None);
            for action in Action::ALL {
                let got = may(&s, action, Resource::Case { operator: &own });
                let want = allowed.contains(&action);
                assert_eq!(got.is_ok(), want, "{role:?} {action:?} on own case");
                let got = may(&s, action, Resource::Case { operator: &other });
                assert!(
                    got.is_err(),
                    "{role:?} {action:?} on another operator's case"
                );
            }
        }
    }

    #[test]
    fn a_front_desk_agent_never_decides_nor_examines() {
        let s = staff(StaffRole::FrontDesk, Some("france-services-lille"));
        let own = op("ccas-saint-clair");
        for action in [Action::Decide, Action::Examine, Action::ManageAccounts] {
            assert_eq!(
                may(&s, action, Resource::Case { operator: &own }),
                Err(Refusal::Role)
            );
        }
    }

    #[test]
    fn people_are_seen_by_the_operators_they_are_known_to() {
        let own = [op("ccas-saint-clair")];
        let other = [op("mairie-autre")];
        let front = staff(StaffRole::FrontDesk, None);
        let officer = staff(StaffRole::CaseOfficer, None);
        assert!(may(&front, Action::View, Resource::Person { known_to: &own }).is_ok());
        assert_eq!(
            may(&front, Action::View, Resource::Person { known_to: &other }),
            Err(Refusal::Operator)
        );
        // Nobody's yet: the front desk may help; an officer has no case of theirs.
        assert!(
            may(
                &front,
                Action::ServeCase,
                Resource::Person { known_to: &[] }
            )
            .is_ok()
        );
        assert!(may(&officer, Action::View, Resource::Person { known_to: &[] }).is_err());
        assert!(may(&front, Action::Register, Resource::People).is_ok());
        assert_eq!(
            may(&officer, Action::Register, Resource::People),
            Err(Refusal::Role)
        );
    }

    /// Alerts: an agent handles those of their operator's cases and of the people known to
    /// it; never another operator's, never those of a person known to nobody; an
    /// administrator handles none.
    #[test]
    fn alerts_are_handled_within_the_operator_only() {
        let own = op("ccas-saint-clair");
        let other = op("mairie-autre");
        let matrix: &[(StaffRole, bool)] = &[
            (StaffRole::FrontDesk, true),
            (StaffRole::CaseOfficer, true),
            (StaffRole::Administrator, false),
        ];
        for (role, allowed) in matrix {
            let s = staff(*role, None);
            let case = |operator| Resource::Case { operator };
            let person = |known_to| Resource::Person { known_to };
            assert_eq!(
                may(&s, Action::HandleAlert, case(&own)).is_ok(),
                *allowed,
                "{role:?} own case"
            );
            assert!(
                may(&s, Action::HandleAlert, case(&other)).is_err(),
                "{role:?} other case"
            );
            assert_eq!(
                may(&s, Action::HandleAlert, person(std::slice::from_ref(&own))).is_ok(),
                *allowed,
                "{role:?} own person"
            );
            assert!(
                may(
                    &s,
                    Action::HandleAlert,
                    person(std::slice::from_ref(&other))
                )
                .is_err(),
                "{role:?} other person"
            );
            assert!(
                may(&s, Action::HandleAlert, person(&[])).is_err(),
                "{role:?} person known to nobody"
            );
        }
        // The front desk still serves a person known to nobody.
        let front = staff(StaffRole::FrontDesk, None);
        assert!(may(&front, Action::View, Resource::Person { known_to: &[] }).is_ok());
    }

    #[test]
    fn figures_and_accounts_stay_within_operator_and_place() {
        let own = op("ccas-saint-clair");
        let other = op("mairie-autre");
        let admin = staff(StaffRole::Administrator, None);
        let res = |operator, place| Resource::Operator { operator, place };
        assert!(may(&admin, Action::ManageAccounts, res(&own, None)).is_ok());
        assert!(may(&admin, Action::ManageAccounts, res(&other, None)).is_err());
        assert!(may(&admin, Action::SeeFigures, res(&own, Some("accueil"))).is_ok());
        let desk = staff(StaffRole::FrontDesk, Some("accueil"));
        assert!(may(&desk, Action::SeeFigures, res(&own, Some("accueil"))).is_ok());
        assert!(may(&desk, Action::SeeFigures, res(&own, Some("annexe"))).is_err());
        assert!(may(&desk, Action::SeeFigures, res(&own, None)).is_err());
        assert_eq!(
            may(&desk, Action::ManageAccounts, res(&own, Some("accueil"))),
            Err(Refusal::Role)
        );
    }

    #[test]
    fn codes_round_trip() {
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.code()), Some(r));
        }
        assert_eq!(StaffRole::parse("root"), None);
    }
}
