//! A definition file as written: serde structures that mirror the TOML keys one for one, with
//! the spans that let refusals name a line. Nothing here is checked yet: that is `check`'s job.

use guichet_domain::{ProcedureChannel, Silence};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::form::Condition;

/// Who a procedure is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Particuliers,
    Professionnels,
    Associations,
}

impl Audience {
    pub fn code(self) -> &'static str {
        match self {
            Audience::Particuliers => "particuliers",
            Audience::Professionnels => "professionnels",
            Audience::Associations => "associations",
        }
    }
    pub fn label_fr(self) -> &'static str {
        match self {
            Audience::Particuliers => "Particuliers",
            Audience::Professionnels => "Professionnels",
            Audience::Associations => "Associations",
        }
    }
}

/// A form field as written in the file: every type's options are optional keys, and
/// [`super::ProcedureDefinition::parse`] turns them into a [`super::Field`] or says which key is wrong.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRaw {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub help: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub show_if: Option<Spanned<Condition>>,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub multiline: Option<bool>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub past_only: Option<bool>,
    #[serde(default)]
    pub choices: Option<Vec<String>>,
    #[serde(default)]
    pub multiple: Option<bool>,
    #[serde(default)]
    pub document: Option<String>,
    #[serde(default)]
    pub fields: Option<Vec<FieldRaw>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRaw {
    pub name: String,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRaw {
    pub label: String,
    /// Amount in euro cents, so that no rounding ever happens.
    pub amount_cents: u32,
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRaw {
    #[serde(default)]
    pub days: Option<u16>,
    #[serde(default)]
    pub months: Option<u8>,
    pub silence: Silence,
}

/// How one channel is open. Only `how` is required; the other keys say where and when.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRaw {
    pub how: String,
    /// Web: the address of the online service.
    #[serde(default)]
    pub url: Option<String>,
    /// Phone: the number to call.
    #[serde(default)]
    pub number: Option<String>,
    /// Phone and counter: opening hours, in plain French.
    #[serde(default)]
    pub hours: Option<String>,
    /// Counter: the counters where it is done.
    #[serde(default)]
    pub counters: Vec<String>,
    /// Post: the address to write to.
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelsRaw {
    #[serde(default)]
    pub web: Option<ChannelRaw>,
    #[serde(default)]
    pub phone: Option<ChannelRaw>,
    #[serde(default)]
    pub counter: Option<ChannelRaw>,
    #[serde(default)]
    pub post: Option<ChannelRaw>,
}

impl ChannelsRaw {
    pub fn iter(&self) -> impl Iterator<Item = (ProcedureChannel, &ChannelRaw)> {
        [
            (ProcedureChannel::Web, self.web.as_ref()),
            (ProcedureChannel::Phone, self.phone.as_ref()),
            (ProcedureChannel::Counter, self.counter.as_ref()),
            (ProcedureChannel::Post, self.post.as_ref()),
        ]
        .into_iter()
        .filter_map(|(c, raw)| raw.map(|r| (c, r)))
    }
}

/// How decisions are notified. `post` is implied for rights decisions but must be written, so
/// that the file says what happens.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionsRaw {
    /// Channels used to notify decisions: `post`, `email`, `sms`, `counter`.
    pub notify: Vec<String>,
}

/// The whole file, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionRaw {
    pub id: Spanned<String>,
    pub version: Spanned<u32>,
    pub title: Spanned<String>,
    pub summary: String,
    pub operator: Spanned<String>,
    #[serde(default = "default_audience")]
    pub audience: Vec<Audience>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Whether decisions grant, withdraw or revise a right.
    #[serde(default = "spanned_false")]
    pub decides_rights: Spanned<bool>,
    /// False when the procedure needs physical presence (a hospital, a care home…).
    #[serde(default = "spanned_true")]
    pub digitisable: Spanned<bool>,
    /// Where a non-digitisable procedure is done.
    #[serde(default)]
    pub places: Vec<String>,
    #[serde(default)]
    pub deadline: Option<Spanned<DeadlineRaw>>,
    #[serde(default)]
    pub decisions: Option<Spanned<DecisionsRaw>>,
    pub channels: Spanned<ChannelsRaw>,
    #[serde(default)]
    pub fields: Vec<FieldRaw>,
    #[serde(default)]
    pub documents: Vec<DocumentRaw>,
    #[serde(default)]
    pub fees: Vec<FeeRaw>,
}

fn yes() -> bool {
    true
}
fn default_audience() -> Vec<Audience> {
    vec![Audience::Particuliers]
}
fn spanned_true() -> Spanned<bool> {
    Spanned::new(0..0, true)
}
fn spanned_false() -> Spanned<bool> {
    Spanned::new(0..0, false)
}
