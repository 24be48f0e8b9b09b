//! What Guichet tells people, and the one rule that says through which channels it may.
//!
//! The rule comes from the right to refuse digital and from paper being a right: a person who
//! refuses digital never gets an email or an SMS; a decision on a right always produces a postal
//! letter as well; a person with no usable channel gets a letter; an address that returned mail
//! made suspect counts as no address; a person who cannot be reached at all is never dropped
//! silently, an agent is alerted. [`Person::reach`] is the only place this is decided; the
//! notification planner and the outbox carry out what it returns.

use serde::{Deserialize, Serialize};

use crate::case::Notice;
use crate::channel::ContactChannel;
use crate::person::Person;

/// What is being notified; decides whether paper is mandatory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Acknowledgement of receipt of a request, with its legal deadline.
    Receipt,
    /// A request for missing documents.
    DocumentsRequest,
    /// A decision on a right: attribution, suppression, revision or refusal.
    Decision,
    /// A reminder (deadline, appointment).
    Reminder,
    /// A mandate given to a helper, or its revocation.
    MandateNotice,
    /// Confirmation that a request was withdrawn.
    Withdrawal,
    /// A closed case was reopened (after an appeal, for example).
    Reopening,
    /// A message from the case officer about the case.
    Message,
    /// About a person's portal account, not a case (confirming the address, choosing a new
    /// password): email only, written by the portal when the person asks, never planned by
    /// the case service nor rendered from the administrators' templates.
    Account,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 9] = [
        NotificationKind::Receipt,
        NotificationKind::DocumentsRequest,
        NotificationKind::Decision,
        NotificationKind::Reminder,
        NotificationKind::MandateNotice,
        NotificationKind::Withdrawal,
        NotificationKind::Reopening,
        NotificationKind::Message,
        NotificationKind::Account,
    ];

    /// Stable name stored in the database and used in template files.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Receipt => "receipt",
            NotificationKind::DocumentsRequest => "documents_request",
            NotificationKind::Decision => "decision",
            NotificationKind::Reminder => "reminder",
            NotificationKind::MandateNotice => "mandate_notice",
            NotificationKind::Withdrawal => "withdrawal",
            NotificationKind::Reopening => "reopening",
            NotificationKind::Message => "message",
            NotificationKind::Account => "account",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Decisions on rights always reach people on paper.
    pub fn requires_paper(self) -> bool {
        matches!(self, NotificationKind::Decision)
    }

    /// French name, for agents' alerts and the command line.
    pub fn label_fr(self) -> &'static str {
        match self {
            NotificationKind::Receipt => "accusé de réception",
            NotificationKind::DocumentsRequest => "demande de pièces",
            NotificationKind::Decision => "décision",
            NotificationKind::Reminder => "rappel",
            NotificationKind::MandateNotice => "avis de mandat",
            NotificationKind::Withdrawal => "confirmation d’abandon",
            NotificationKind::Reopening => "avis de réexamen",
            NotificationKind::Message => "message du service",
            NotificationKind::Account => "message sur le compte en ligne",
        }
    }

    /// Whether this kind is about a case (every kind but [`NotificationKind::Account`]): the
    /// kinds the case service plans and administrators' templates cover.
    pub fn is_about_a_case(self) -> bool {
        !matches!(self, NotificationKind::Account)
    }
}

impl Notice {
    /// The kind of notification this notice is.
    pub fn kind(&self) -> NotificationKind {
        match self {
            Notice::Receipt { .. } => NotificationKind::Receipt,
            Notice::DocumentsRequested { .. } => NotificationKind::DocumentsRequest,
            Notice::Decision { .. } => NotificationKind::Decision,
            Notice::Withdrawn => NotificationKind::Withdrawal,
            Notice::Reopened => NotificationKind::Reopening,
            Notice::Message { .. } => NotificationKind::Message,
        }
    }
}

/// A channel a notification is delivered on. Phone and counter are conversations, not
/// deliveries: a person who prefers them is reached by the next channel they accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Email,
    Sms,
    Letter,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Delivery::Email, Delivery::Sms, Delivery::Letter];

    /// Stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Email => "email",
            Delivery::Sms => "sms",
            Delivery::Letter => "letter",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// French name with its article, to start a sentence (« Le courrier … »).
    pub fn label_fr(self) -> &'static str {
        match self {
            Delivery::Email => "Le courriel",
            Delivery::Sms => "Le SMS",
            Delivery::Letter => "Le courrier",
        }
    }

    fn of(channel: ContactChannel) -> Option<Delivery> {
        match channel {
            ContactChannel::Post => Some(Delivery::Letter),
            ContactChannel::Email => Some(Delivery::Email),
            ContactChannel::Sms => Some(Delivery::Sms),
            ContactChannel::Phone | ContactChannel::Counter => None,
        }
    }
}

/// Why an agent must act. Stored with each alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// No channel at all: no usable address and no permitted digital channel.
    Unreachable,
    /// Paper is required (a decision) but the postal address is missing or suspect.
    PaperWithoutAddress,
    /// A message could not be prepared (an address that breaks the postal standard, a template
    /// that needs a value the case does not have).
    NotificationUnprepared,
    /// A delivery was abandoned after a permanent error or 48 hours of retries.
    Parked,
    /// A letter could not be typeset for the printer.
    LetterRejected,
    /// A letter came back undelivered.
    ReturnedMail,
}

impl AlertKind {
    pub const ALL: [AlertKind; 6] = [
        AlertKind::Unreachable,
        AlertKind::PaperWithoutAddress,
        AlertKind::NotificationUnprepared,
        AlertKind::Parked,
        AlertKind::LetterRejected,
        AlertKind::ReturnedMail,
    ];

    /// Stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Unreachable => "unreachable",
            AlertKind::PaperWithoutAddress => "paper_without_address",
            AlertKind::NotificationUnprepared => "notification_unprepared",
            AlertKind::Parked => "parked",
            AlertKind::LetterRejected => "letter_rejected",
            AlertKind::ReturnedMail => "returned_mail",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Through which channels one notification goes, and whether an agent must step in
/// ([`AlertKind::Unreachable`] or [`AlertKind::PaperWithoutAddress`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    pub deliveries: Vec<Delivery>,
    pub alert: Option<AlertKind>,
}

impl Person {
    /// The one reachability rule: which channels may carry a notification of `kind` to this
    /// person. `address_suspect` is what returned mail taught: a suspect address counts as none.
    ///
    /// The first preference that can be honoured wins (phone and counter fall through to the
    /// next); a refused digital channel is never used, even if its detail is known; a decision
    /// adds a letter, or an alert when there is no usable address; someone with no usable
    /// preference gets a letter, else any digital channel they did not refuse, else an alert.
    pub fn reach(&self, kind: NotificationKind, address_suspect: bool) -> Reach {
        let digital_allowed = !self.preferences.refuses_digital();
        let usable = |d: Delivery| match d {
            Delivery::Email => digital_allowed && self.email.is_some(),
            Delivery::Sms => digital_allowed && self.phone.as_ref().is_some_and(|p| p.is_mobile()),
            Delivery::Letter => self.address.is_some() && !address_suspect,
        };
        let mut deliveries = Vec::new();
        let first = self
            .preferences
            .channels()
            .iter()
            .filter_map(|c| Delivery::of(*c))
            .find(|d| usable(*d));
        deliveries.extend(first);
        let mut alert = None;
        if kind.requires_paper() && !deliveries.contains(&Delivery::Letter) {
            if usable(Delivery::Letter) {
                deliveries.push(Delivery::Letter);
            } else {
                alert = Some(AlertKind::PaperWithoutAddress);
            }
        }
        if deliveries.is_empty() {
            if usable(Delivery::Letter) {
                deliveries.push(Delivery::Letter);
            } else {
                // Someone who stated no usable preference but gave digital details and did not
                // refuse digital is still reached rather than dropped.
                deliveries.extend(
                    [Delivery::Email, Delivery::Sms]
                        .into_iter()
                        .find(|d| usable(*d)),
                );
                if alert.is_none() && deliveries.is_empty() {
                    alert = Some(AlertKind::Unreachable);
                }
            }
        }
        Reach { deliveries, alert }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::{
        AccessibleFormats, ContactPreferences, Email, PersonId, PersonName, PhoneNumber,
        PostalAddress,
    };
    use proptest::prelude::*;

    fn person(
        prefs: &[ContactChannel],
        refuses: bool,
        email: bool,
        mobile: bool,
        address: bool,
    ) -> Person {
        Person {
            id: PersonId::from_uuid(uuid::Uuid::nil()),
            name: PersonName::parse("Jeanne", "Martin").unwrap(),
            birth_date: None,
            address: address
                .then(|| PostalAddress::parse(&["3 rue des Lilas"], "69001", "Lyon").unwrap()),
            email: email.then(|| Email::parse("jeanne@example.fr").unwrap()),
            phone: mobile.then(|| PhoneNumber::parse("06 12 34 56 78").unwrap()),
            preferences: ContactPreferences::new(
                prefs.iter().copied(),
                refuses,
                AccessibleFormats::default(),
            ),
        }
    }

    use ContactChannel::*;

    #[test]
    fn first_usable_preference_wins() {
        let p = person(&[Phone, Sms, Email], false, true, true, true);
        assert_eq!(
            p.reach(NotificationKind::Receipt, false).deliveries,
            vec![Delivery::Sms]
        );
    }

    #[test]
    fn refusing_digital_falls_back_to_post_even_with_digital_details() {
        let p = person(&[Email, Sms], true, true, true, true);
        let reach = p.reach(NotificationKind::Reminder, false);
        assert_eq!(reach.deliveries, vec![Delivery::Letter]);
        assert_eq!(reach.alert, None);
    }

    #[test]
    fn a_landline_gets_no_sms() {
        let mut p = person(&[Sms, Post], false, false, false, true);
        p.phone = Some(PhoneNumber::parse("04 72 00 00 00").unwrap());
        assert_eq!(
            p.reach(NotificationKind::Receipt, false).deliveries,
            vec![Delivery::Letter]
        );
    }

    #[test]
    fn decision_adds_a_letter_to_email() {
        let p = person(&[Email], false, true, false, true);
        let reach = p.reach(NotificationKind::Decision, false);
        assert_eq!(reach.deliveries, vec![Delivery::Email, Delivery::Letter]);
    }

    #[test]
    fn decision_with_a_suspect_address_alerts_an_agent() {
        let p = person(&[Email], false, true, false, true);
        let reach = p.reach(NotificationKind::Decision, true);
        assert_eq!(reach.deliveries, vec![Delivery::Email]);
        assert_eq!(reach.alert, Some(AlertKind::PaperWithoutAddress));
    }

    #[test]
    fn nobody_to_reach_alerts_an_agent() {
        let p = person(&[Counter], true, true, true, false);
        let reach = p.reach(NotificationKind::Receipt, false);
        assert!(reach.deliveries.is_empty());
        assert_eq!(reach.alert, Some(AlertKind::Unreachable));
    }

    #[test]
    fn stored_names_round_trip() {
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        for d in Delivery::ALL {
            assert_eq!(Delivery::parse(d.as_str()), Some(d));
        }
        for a in AlertKind::ALL {
            assert_eq!(AlertKind::parse(a.as_str()), Some(a));
        }
    }

    fn any_pref() -> impl Strategy<Value = ContactChannel> {
        proptest::sample::select(ContactChannel::ALL.to_vec())
    }

    fn any_kind() -> impl Strategy<Value = NotificationKind> {
        proptest::sample::select(NotificationKind::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn rules_hold(prefs in proptest::collection::vec(any_pref(), 0..6), refuses: bool, email: bool,
                      mobile: bool, address: bool, suspect: bool, kind in any_kind()) {
            let p = person(&prefs, refuses, email, mobile, address);
            let reach = p.reach(kind, suspect);
            if refuses {
                prop_assert!(!reach.deliveries.contains(&Delivery::Email));
                prop_assert!(!reach.deliveries.contains(&Delivery::Sms));
            }
            if kind.requires_paper() {
                prop_assert!(reach.deliveries.contains(&Delivery::Letter)
                    || reach.alert == Some(AlertKind::PaperWithoutAddress));
            }
            // Never silently dropped.
            prop_assert!(!reach.deliveries.is_empty() || reach.alert.is_some());
            // Never a channel without its contact detail; never a suspect address.
            for d in &reach.deliveries {
                match d {
                    Delivery::Email => prop_assert!(email),
                    Delivery::Sms => prop_assert!(mobile),
                    Delivery::Letter => prop_assert!(address && !suspect),
                }
            }
            let mut sorted = reach.deliveries.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), reach.deliveries.len());
        }
    }
}
