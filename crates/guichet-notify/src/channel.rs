//! Which channels a notification goes out on: a pure function of the person's
//! stated preferences, what contact details are usable, and what is notified.
//!
//! The rules come from the right to refuse digital and from paper being a right:
//! a person who refuses digital never gets an email or an SMS; a decision on a
//! right always produces a postal letter as well; a person with no usable
//! channel gets a letter; a person who cannot be reached at all is not dropped
//! silently, an agent is alerted.

use serde::{Deserialize, Serialize};

/// A contact channel a person can state a preference for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreferredChannel {
    Post,
    Phone,
    Counter,
    Email,
    Sms,
}

/// A channel the outbox can deliver on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Email,
    Sms,
    Letter,
}

impl Delivery {
    /// Stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Email => "email",
            Delivery::Sms => "sms",
            Delivery::Letter => "letter",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Delivery::Email),
            "sms" => Some(Delivery::Sms),
            "letter" => Some(Delivery::Letter),
            _ => None,
        }
    }
}

/// What is being notified; decides whether paper is mandatory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 7] = [
        NotificationKind::Receipt,
        NotificationKind::DocumentsRequest,
        NotificationKind::Decision,
        NotificationKind::Reminder,
        NotificationKind::MandateNotice,
        NotificationKind::Withdrawal,
        NotificationKind::Reopening,
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
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Decisions on rights always reach the person on paper.
    pub fn requires_paper(self) -> bool {
        matches!(self, NotificationKind::Decision)
    }
}

/// What the outbox knows about how a person can be reached.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactProfile {
    /// Channels in the person's order of preference.
    pub preferences: Vec<PreferredChannel>,
    /// The right to refuse digital: never email, never SMS.
    pub refuses_digital: bool,
    pub has_email: bool,
    pub has_mobile: bool,
    /// A postal address that is known and not marked suspect after returned mail.
    pub has_usable_address: bool,
}

/// Why an agent must step in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentAlert {
    /// No channel at all: no usable address and no permitted digital channel.
    Unreachable,
    /// Paper is required (a decision) but the postal address is missing or suspect.
    PaperRequiredButNoAddress,
}

/// The outcome: the deliveries to enqueue, and whether an agent must act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelPlan {
    pub deliveries: Vec<Delivery>,
    pub alert: Option<AgentAlert>,
}

/// Chooses the channels for one notification.
pub fn choose_channels(profile: &ContactProfile, kind: NotificationKind) -> ChannelPlan {
    let digital_allowed = !profile.refuses_digital;
    let usable = |d: Delivery| match d {
        Delivery::Email => digital_allowed && profile.has_email,
        Delivery::Sms => digital_allowed && profile.has_mobile,
        Delivery::Letter => profile.has_usable_address,
    };
    let mut deliveries = Vec::new();
    // The first preference the outbox can honour; phone and counter are
    // conversations, not deliveries, so they fall through to the next choice.
    let first = profile.preferences.iter().find_map(|p| {
        let d = match p {
            PreferredChannel::Post => Delivery::Letter,
            PreferredChannel::Email => Delivery::Email,
            PreferredChannel::Sms => Delivery::Sms,
            PreferredChannel::Phone | PreferredChannel::Counter => return None,
        };
        usable(d).then_some(d)
    });
    if let Some(d) = first {
        deliveries.push(d);
    }
    let mut alert = None;
    if kind.requires_paper() && !deliveries.contains(&Delivery::Letter) {
        if usable(Delivery::Letter) {
            deliveries.push(Delivery::Letter);
        } else {
            alert = Some(AgentAlert::PaperRequiredButNoAddress);
        }
    }
    if deliveries.is_empty() {
        if usable(Delivery::Letter) {
            deliveries.push(Delivery::Letter);
        } else {
            // Someone who stated no usable preference but gave digital details
            // and did not refuse digital is still reached rather than dropped.
            if let Some(d) = [Delivery::Email, Delivery::Sms]
                .into_iter()
                .find(|d| usable(*d))
            {
                deliveries.push(d);
            }
            if alert.is_none() && deliveries.is_empty() {
                alert = Some(AgentAlert::Unreachable);
            }
        }
    }
    ChannelPlan { deliveries, alert }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn profile(
        prefs: &[PreferredChannel],
        refuses: bool,
        email: bool,
        mobile: bool,
        address: bool,
    ) -> ContactProfile {
        ContactProfile {
            preferences: prefs.to_vec(),
            refuses_digital: refuses,
            has_email: email,
            has_mobile: mobile,
            has_usable_address: address,
        }
    }

    #[test]
    fn first_usable_preference_wins() {
        use PreferredChannel::*;
        let p = profile(&[Phone, Sms, Email], false, true, true, true);
        assert_eq!(
            choose_channels(&p, NotificationKind::Receipt).deliveries,
            vec![Delivery::Sms]
        );
    }

    #[test]
    fn refusing_digital_falls_back_to_post() {
        use PreferredChannel::*;
        let p = profile(&[Email, Sms], true, true, true, true);
        let plan = choose_channels(&p, NotificationKind::Reminder);
        assert_eq!(plan.deliveries, vec![Delivery::Letter]);
        assert_eq!(plan.alert, None);
    }

    #[test]
    fn decision_adds_a_letter_to_email() {
        use PreferredChannel::*;
        let p = profile(&[Email], false, true, false, true);
        let plan = choose_channels(&p, NotificationKind::Decision);
        assert_eq!(plan.deliveries, vec![Delivery::Email, Delivery::Letter]);
    }

    #[test]
    fn decision_without_address_alerts_an_agent() {
        use PreferredChannel::*;
        let p = profile(&[Email], false, true, false, false);
        let plan = choose_channels(&p, NotificationKind::Decision);
        assert_eq!(plan.deliveries, vec![Delivery::Email]);
        assert_eq!(plan.alert, Some(AgentAlert::PaperRequiredButNoAddress));
    }

    #[test]
    fn nobody_to_reach_alerts_an_agent() {
        let p = profile(&[PreferredChannel::Counter], true, true, true, false);
        let plan = choose_channels(&p, NotificationKind::Receipt);
        assert!(plan.deliveries.is_empty());
        assert_eq!(plan.alert, Some(AgentAlert::Unreachable));
    }

    fn any_pref() -> impl Strategy<Value = PreferredChannel> {
        prop_oneof![
            Just(PreferredChannel::Post),
            Just(PreferredChannel::Phone),
            Just(PreferredChannel::Counter),
            Just(PreferredChannel::Email),
            Just(PreferredChannel::Sms),
        ]
    }

    fn any_kind() -> impl Strategy<Value = NotificationKind> {
        proptest::sample::select(NotificationKind::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn rules_hold(prefs in proptest::collection::vec(any_pref(), 0..6), refuses: bool, email: bool,
                      mobile: bool, address: bool, kind in any_kind()) {
            let p = profile(&prefs, refuses, email, mobile, address);
            let plan = choose_channels(&p, kind);
            if refuses {
                prop_assert!(!plan.deliveries.contains(&Delivery::Email));
                prop_assert!(!plan.deliveries.contains(&Delivery::Sms));
            }
            if kind.requires_paper() {
                prop_assert!(plan.deliveries.contains(&Delivery::Letter)
                    || plan.alert == Some(AgentAlert::PaperRequiredButNoAddress));
            }
            // Never silently dropped.
            prop_assert!(!plan.deliveries.is_empty() || plan.alert.is_some());
            // Never a channel without its contact detail.
            for d in &plan.deliveries {
                match d {
                    Delivery::Email => prop_assert!(email),
                    Delivery::Sms => prop_assert!(mobile),
                    Delivery::Letter => prop_assert!(address),
                }
            }
            // No duplicates.
            let mut sorted = plan.deliveries.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), plan.deliveries.len());
        }
    }
}
