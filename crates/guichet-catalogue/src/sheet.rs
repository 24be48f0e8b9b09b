//! National information sheets ("fiches") from service-public.fr, reduced to what Guichet uses:
//! what the sheet is about (for search), where to go (for orientation), and what can be done
//! online or on paper (for the channels shown with each result).
//!
//! A sheet is plain data: it is built by the importer from the official corpus and read back
//! from the compact extract shipped in the repository.

use serde::{Deserialize, Serialize};

use crate::definition::Audience;

/// A service-public.fr sheet identifier: `F` followed by digits (`F1341`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SheetId(String);

impl SheetId {
    pub fn parse(raw: &str) -> Option<Self> {
        let digits = raw.strip_prefix('F')?;
        let ok =
            !digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SheetId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("« {value} » n’est pas un identifiant de fiche"))
    }
}

impl From<SheetId> for String {
    fn from(value: SheetId) -> Self {
        value.0
    }
}

impl std::fmt::Display for SheetId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of place an `OuSAdresser` block names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A local office (town hall, CAF…): the person goes to the one near them.
    Local,
    /// A national body, reached by web or post.
    National,
    /// A phone or contact centre.
    ContactCentre,
}

/// One "where to go" block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetPlace {
    pub title: String,
    /// The service-public.fr local directory code (`mairie`, `caf`, `cpam`…), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pivot: Option<String>,
    pub kind: PlaceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// For contact centres: the phone number and hours, as written in the sheet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// What an online resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineKind {
    /// Téléservice: the procedure can be done online.
    Teleservice,
    /// Formulaire: a form (often a Cerfa) to print, fill and post or bring.
    Form,
    /// Modèle de document: a letter template.
    Template,
    Simulator,
    SearchTool,
}

/// One online service, form or tool cited by a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineService {
    pub kind: OnlineKind,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cerfa: Option<String>,
    /// The body that publishes it (`Agence nationale des titres sécurisés (ANTS)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A legal text a sheet is based on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalReference {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The sheets' descriptions write an ordinal's superscript after a caret (« une 1^ère
/// demande », « le 1^er janvier »), which a page would show as is: the caret goes (« 1ère »,
/// « 1er »). A caret elsewhere stays.
pub fn plain_superscripts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let ordinal = c == '^'
            && previous.is_some_and(|p| p.is_ascii_digit())
            && chars.peek().is_some_and(|n| n.is_alphabetic());
        if !ordinal {
            out.push(c);
        }
        previous = Some(c);
    }
    out
}

/// One national information sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sheet {
    pub id: SheetId,
    /// Who the sheet is for; a few sheets are published for several audiences.
    pub audiences: Vec<Audience>,
    /// The sheet type as published ("Fiche d'information", "Fiche Question-réponse",
    /// "Fiche Comment faire si"…).
    pub kind: String,
    pub title: String,
    pub description: String,
    pub subject: String,
    /// The breadcrumb, from the audience home to the sheet's parent folder.
    pub breadcrumb: Vec<String>,
    /// Acronyms the sheet defines, as "SIGLE : expansion".
    #[serde(default)]
    pub abbreviations: Vec<String>,
    /// The text of the body, shortened, for search.
    pub body: String,
    pub places: Vec<SheetPlace>,
    pub online: Vec<OnlineService>,
    pub references: Vec<LegalReference>,
    pub related: Vec<SheetId>,
    /// The date of the sheet's last update by its publisher (`dc:date`, « modified
    /// 2019-08-28 »), ISO `YYYY-MM-DD`; the licence asks reusers to show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
}

impl Sheet {
    /// Whether this sheet describes a life event ("Je déménage", "J'attends un enfant").
    pub fn is_life_event(&self) -> bool {
        self.kind.starts_with("Fiche Comment faire si")
    }

    /// The public page of the sheet on service-public.fr.
    pub fn public_url(&self) -> String {
        let section = match self.audiences.first() {
            Some(Audience::Professionnels) => "professionnels-entreprises",
            Some(Audience::Associations) => "associations",
            _ => "particuliers",
        };
        format!(
            "https://www.service-public.fr/{section}/vosdroits/{}",
            self.id
        )
    }
}
