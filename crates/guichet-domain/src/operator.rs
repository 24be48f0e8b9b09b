//! Operators: the bodies in charge of procedures (town hall, CCAS, CAF, CPAM, département…).

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// A short, stable identifier such as `mairie-villeneuve` or `caf-69`: lowercase ASCII letters,
/// digits and dashes, so it can appear in addresses and files.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OperatorId(String);

impl OperatorId {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        parse_slug(raw, "operator")
            .map(Self)
            .map_err(|_| InvalidValue::new("operator", format!("« {raw} » n’est pas un identifiant d’opérateur valide (lettres minuscules, chiffres et tirets).")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OperatorId {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OperatorId> for String {
    fn from(value: OperatorId) -> Self {
        value.0
    }
}

impl std::fmt::Display for OperatorId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of body, which tells people what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorKind {
    TownHall,
    /// Centre communal d'action sociale.
    Ccas,
    Departement,
    Caf,
    Cpam,
    Msa,
    FranceTravail,
    Prefecture,
    TaxOffice,
    Other,
}

impl OperatorKind {
    pub fn label_fr(self) -> &'static str {
        match self {
            OperatorKind::TownHall => "Mairie",
            OperatorKind::Ccas => "Centre communal d’action sociale",
            OperatorKind::Departement => "Conseil départemental",
            OperatorKind::Caf => "Caisse d’allocations familiales",
            OperatorKind::Cpam => "Caisse primaire d’assurance maladie",
            OperatorKind::Msa => "Mutualité sociale agricole",
            OperatorKind::FranceTravail => "France Travail",
            OperatorKind::Prefecture => "Préfecture",
            OperatorKind::TaxOffice => "Centre des finances publiques",
            OperatorKind::Other => "Administration",
        }
    }
}

/// A body in charge of procedures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub id: OperatorId,
    pub name: String,
    pub kind: OperatorKind,
}

/// Shared rule for slugs: 1–64 chars of `[a-z0-9-]`, not starting or ending with a dash.
pub(crate) fn parse_slug(raw: &str, _what: &'static str) -> Result<String, ()> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !raw.starts_with('-')
        && !raw.ends_with('-');
    if ok { Ok(raw.to_owned()) } else { Err(()) }
}
