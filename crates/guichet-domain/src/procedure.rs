//! Hosted procedures: what cases need to know about the procedure they follow.
//!
//! The full declarative definition (form fields, documents, fees) is the catalogue's business;
//! here lives the part that decides how a case may move: its channels and its legal deadline.
//! A procedure that can only be done online cannot be built: the right to refuse digital is
//! enforced by construction.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::InvalidValue;
use crate::channel::ProcedureChannel;
use crate::operator::{OperatorId, parse_slug};

/// A procedure identifier such as `aide-sociale-urgence`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcedureId(String);

impl ProcedureId {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        parse_slug(raw, "procedure").map(Self).map_err(|_| {
            InvalidValue::new(
                "procedure",
                format!("« {raw} » n’est pas un identifiant de démarche valide (lettres minuscules, chiffres et tirets)."),
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProcedureId {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ProcedureId> for String {
    fn from(value: ProcedureId) -> Self {
        value.0
    }
}

impl std::fmt::Display for ProcedureId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One version of one procedure: cases keep the version they were filed under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcedureRef {
    pub id: ProcedureId,
    pub version: u32,
}

/// What the administration's silence means once the legal deadline has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Silence {
    /// Silence vaut accord: the request is granted.
    Accord,
    /// Silence vaut rejet: the request is refused (and can be contested).
    Rejet,
}

impl Silence {
    pub fn label_fr(self) -> &'static str {
        match self {
            Silence::Accord => "silence vaut accord",
            Silence::Rejet => "silence vaut rejet",
        }
    }
}

/// A legal deadline length. French law counts most of them in months ("deux mois").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineDuration {
    Days(u16),
    Months(u8),
}

impl DeadlineDuration {
    pub fn label_fr(self) -> String {
        match self {
            DeadlineDuration::Days(1) => "1 jour".to_owned(),
            DeadlineDuration::Days(n) => format!("{n} jours"),
            DeadlineDuration::Months(n) => format!("{n} mois"),
        }
    }
}

/// The legal deadline to decide, counted from submission, and what silence means after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LegalDeadline {
    pub duration: DeadlineDuration,
    pub silence: Silence,
}

impl LegalDeadline {
    /// The sentence pages and printed forms give people, worded once: the deadline runs from
    /// receipt of a complete file, which is the legal wording.
    pub fn sentence_fr(&self) -> String {
        format!(
            "Réponse sous {} à compter de la réception du dossier complet ; sans réponse dans ce délai, {}.",
            self.duration.label_fr(),
            self.silence.label_fr()
        )
    }
}

/// How a procedure is done on one channel: a short French instruction for people
/// ("Déposez le formulaire à l’accueil de la mairie, du lundi au vendredi de 9 h à 12 h").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAccess {
    pub how: String,
}

/// A procedure instructed in this Guichet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "HostedProcedureFields")]
pub struct HostedProcedure {
    id: ProcedureId,
    version: u32,
    title: String,
    summary: String,
    operator: OperatorId,
    channels: BTreeMap<ProcedureChannel, ChannelAccess>,
    deadline: Option<LegalDeadline>,
    decides_rights: bool,
}

/// The raw fields of a procedure, before the rules are checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostedProcedureFields {
    pub id: ProcedureId,
    pub version: u32,
    pub title: String,
    pub summary: String,
    pub operator: OperatorId,
    pub channels: BTreeMap<ProcedureChannel, ChannelAccess>,
    pub deadline: Option<LegalDeadline>,
    /// Whether decisions grant, withdraw or revise a right (which then always go out on paper).
    pub decides_rights: bool,
}

impl TryFrom<HostedProcedureFields> for HostedProcedure {
    type Error = InvalidValue;

    fn try_from(f: HostedProcedureFields) -> Result<Self, Self::Error> {
        if f.title.trim().is_empty() {
            return Err(InvalidValue::new(
                "procedure",
                "Une démarche doit avoir un titre.",
            ));
        }
        if f.version == 0 {
            return Err(InvalidValue::new(
                "procedure",
                "Les versions d’une démarche commencent à 1.",
            ));
        }
        if f.channels.is_empty() {
            return Err(InvalidValue::new(
                "procedure",
                format!("La démarche « {} » n’est ouverte sur aucun canal.", f.id),
            ));
        }
        if f.channels.keys().all(|c| c.is_digital()) {
            return Err(InvalidValue::new(
                "procedure",
                format!(
                    "La démarche « {} » ne peut se faire qu’en ligne : elle doit aussi être ouverte par téléphone, au guichet ou par courrier (droit au refus du numérique).",
                    f.id
                ),
            ));
        }
        if let Some((channel, _)) = f.channels.iter().find(|(_, a)| a.how.trim().is_empty()) {
            return Err(InvalidValue::new(
                "procedure",
                format!(
                    "La démarche « {} » doit expliquer comment la faire sur le canal « {} ».",
                    f.id,
                    channel.label_fr()
                ),
            ));
        }
        Ok(Self {
            id: f.id,
            version: f.version,
            title: f.title.trim().to_owned(),
            summary: f.summary.trim().to_owned(),
            operator: f.operator,
            channels: f.channels,
            deadline: f.deadline,
            decides_rights: f.decides_rights,
        })
    }
}

impl HostedProcedure {
    pub fn id(&self) -> &ProcedureId {
        &self.id
    }
    pub fn version(&self) -> u32 {
        self.version
    }
    pub fn reference(&self) -> ProcedureRef {
        ProcedureRef {
            id: self.id.clone(),
            version: self.version,
        }
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn summary(&self) -> &str {
        &self.summary
    }
    pub fn operator(&self) -> &OperatorId {
        &self.operator
    }
    pub fn channels(&self) -> &BTreeMap<ProcedureChannel, ChannelAccess> {
        &self.channels
    }
    pub fn offers(&self, channel: ProcedureChannel) -> bool {
        self.channels.contains_key(&channel)
    }
    pub fn deadline(&self) -> Option<LegalDeadline> {
        self.deadline
    }
    pub fn decides_rights(&self) -> bool {
        self.decides_rights
    }

    /// The raw fields, e.g. to store them.
    pub fn to_fields(&self) -> HostedProcedureFields {
        HostedProcedureFields {
            id: self.id.clone(),
            version: self.version,
            title: self.title.clone(),
            summary: self.summary.clone(),
            operator: self.operator.clone(),
            channels: self.channels.clone(),
            deadline: self.deadline,
            decides_rights: self.decides_rights,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(channels: &[ProcedureChannel]) -> HostedProcedureFields {
        HostedProcedureFields {
            id: ProcedureId::parse("cantine").unwrap(),
            version: 1,
            title: "Inscription à la cantine".into(),
            summary: String::new(),
            operator: OperatorId::parse("mairie").unwrap(),
            channels: channels
                .iter()
                .map(|c| {
                    (
                        *c,
                        ChannelAccess {
                            how: "ainsi".into(),
                        },
                    )
                })
                .collect(),
            deadline: None,
            decides_rights: false,
        }
    }

    #[test]
    fn a_digital_only_procedure_cannot_be_built() {
        let err = HostedProcedure::try_from(fields(&[ProcedureChannel::Web])).unwrap_err();
        assert!(
            err.message.contains("refus du numérique"),
            "{}",
            err.message
        );
        assert!(HostedProcedure::try_from(fields(&[])).is_err());
        let ok =
            HostedProcedure::try_from(fields(&[ProcedureChannel::Web, ProcedureChannel::Post]))
                .unwrap();
        assert!(ok.offers(ProcedureChannel::Post));
    }

    #[test]
    fn deserialising_applies_the_same_rules() {
        let json = serde_json::json!({
            "id": "cantine", "version": 1, "title": "T", "summary": "", "operator": "mairie",
            "channels": {"web": {"how": "en ligne"}}, "deadline": null, "decides_rights": false
        });
        assert!(serde_json::from_value::<HostedProcedure>(json).is_err());
    }

    #[test]
    fn the_deadline_sentence_runs_from_receipt_of_a_complete_file() {
        let d = LegalDeadline {
            duration: DeadlineDuration::Months(2),
            silence: Silence::Rejet,
        };
        assert_eq!(
            d.sentence_fr(),
            "Réponse sous 2 mois à compter de la réception du dossier complet ; sans réponse dans ce délai, silence vaut rejet."
        );
    }
}
