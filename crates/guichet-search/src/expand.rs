//! Query expansion from reviewed data: synonyms and abbreviations people use
//! (`data/synonyms.toml`) and life-event situations (`data/situations.toml`).
//!
//! Both tables are compiled into the binary and matched on folded text ([`crate::text::fold`]),
//! whole words only, so "cni" matches "ma CNI" but not "cnil".

use serde::Deserialize;

use crate::SearchError;
use crate::text::fold;

const SYNONYMS: &str = include_str!("../data/synonyms.toml");
const SITUATIONS: &str = include_str!("../data/situations.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsRaw {
    groups: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Situation {
    pub name: String,
    pub triggers: Vec<String>,
    #[serde(default)]
    pub sheets: Vec<String>,
    /// Words of the hosted procedures that answer this situation (their title or keywords),
    /// since every instance hosts its own: « secours » finds a CCAS's emergency aid.
    #[serde(default)]
    pub hosted: Vec<String>,
    /// Distress (nothing left to eat, an eviction, the street, violence at home): the sheets and
    /// procedures the table names keep their places when the sentence vectors are fused in,
    /// since a person in distress must meet help first, not a sheet that only sounds alike
    /// (« je vais être expulsé » found foreigners' expulsion). Other life events are fused as
    /// any result: their triggers are broad (« décès de mon mari » in a question on the
    /// widow's pension), and the vectors often know the precise sheet better.
    #[serde(default)]
    pub distress: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SituationsRaw {
    situation: Vec<Situation>,
}

/// The synonym and situation tables, folded once.
#[derive(Debug, Clone)]
pub struct Expansions {
    /// (folded expression, its group's other expressions as written)
    synonyms: Vec<(String, Vec<String>)>,
    situations: Vec<(Vec<String>, Situation)>,
}

impl Expansions {
    /// The tables shipped with Guichet.
    pub fn shipped() -> Result<Self, SearchError> {
        Self::parse(SYNONYMS, SITUATIONS)
    }

    /// The shipped tables with only the synonyms, only the situations, or neither: to measure
    /// what each brings (`guichet search eval --tables`).
    pub fn shipped_parts(synonyms: bool, situations: bool) -> Result<Self, SearchError> {
        Self::parse(
            if synonyms { SYNONYMS } else { "groups = []" },
            if situations {
                SITUATIONS
            } else {
                "situation = []"
            },
        )
    }

    pub fn parse(synonyms: &str, situations: &str) -> Result<Self, SearchError> {
        let syn: SynonymsRaw = toml::from_str(synonyms)
            .map_err(|e| SearchError::Data(format!("synonymes : {}", e.message())))?;
        let sit: SituationsRaw = toml::from_str(situations)
            .map_err(|e| SearchError::Data(format!("situations : {}", e.message())))?;
        let mut out = Vec::new();
        for group in syn.groups {
            if group.len() < 2 {
                return Err(SearchError::Data(format!(
                    "synonymes : groupe d’un seul terme {group:?}"
                )));
            }
            for (i, expr) in group.iter().enumerate() {
                let others: Vec<String> = group
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, e)| e.clone())
                    .collect();
                // Only the first expression of a group triggers the others, plus any single
                // abbreviation-like word: "carte d'identité" should not pull in "cni" noise,
                // but "cni" must pull in "carte d'identité".
                if i == 0 {
                    out.push((fold(expr), others));
                }
            }
        }
        let situations = sit
            .situation
            .into_iter()
            .map(|s| (s.triggers.iter().map(|t| fold(t)).collect(), s))
            .collect();
        Ok(Self {
            synonyms: out,
            situations,
        })
    }

    /// The expressions to add to a query (already folded by the caller).
    pub fn synonyms_for(&self, folded_query: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (_, o) in self.synonym_pairs_for(folded_query) {
            if !out.contains(&o) {
                out.push(o);
            }
        }
        out
    }

    /// Each expression of the query that has synonyms (folded), with one of its synonyms.
    pub fn synonym_pairs_for(&self, folded_query: &str) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        for (expr, others) in &self.synonyms {
            if folded_query.contains(expr.as_str()) {
                out.extend(others.iter().map(|o| (expr.as_str(), o.as_str())));
            }
        }
        out
    }

    /// The life events a query names, in table order.
    pub fn situations_for(&self, folded_query: &str) -> Vec<&Situation> {
        self.situations
            .iter()
            .filter(|(triggers, _)| triggers.iter().any(|t| folded_query.contains(t.as_str())))
            .map(|(_, s)| s)
            .collect()
    }

    /// Whether the situation of this name is one of distress ([`Situation::distress`]).
    pub fn is_distress(&self, name: &str) -> bool {
        self.situations
            .iter()
            .any(|(_, s)| s.distress && s.name == name)
    }

    pub fn situations(&self) -> impl Iterator<Item = &Situation> {
        self.situations.iter().map(|(_, s)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_expand_on_whole_words_only() {
        let e = Expansions::shipped().unwrap();
        assert!(
            e.synonyms_for(&fold("j'ai perdu ma CNI"))
                .contains(&"carte d'identité")
        );
        assert!(e.synonyms_for(&fold("la CNIL")).is_empty());
        assert!(
            e.synonyms_for(&fold("refaire ma carte grise"))
                .contains(&"certificat d'immatriculation")
        );
    }

    #[test]
    fn situations_match_triggers_without_accents() {
        let e = Expansions::shipped().unwrap();
        let s = e.situations_for(&fold("Je déménage à Lyon"));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].sheets[0], "F14128");
        assert!(e.situations_for(&fold("carte grise")).is_empty());
    }

    #[test]
    fn distress_is_said_by_the_table() {
        let e = Expansions::shipped().unwrap();
        let s = e.situations_for(&fold("je vais être expulsé"));
        assert!(s.iter().all(|s| s.distress) && !s.is_empty(), "{s:?}");
        assert!(e.is_distress(&s[0].name));
        assert!(!e.is_distress("Décès d'un proche"));
        assert!(!e.is_distress("pas une situation"));
        let mut parsed = Expansions::parse(
            "groups = []",
            "[[situation]]\nname = \"A\"\ntriggers = [\"a\"]\n[[situation]]\nname = \"B\"\ntriggers = [\"b\"]\ndistress = true",
        )
        .unwrap()
        .situations()
        .map(|s| (s.name.clone(), s.distress))
        .collect::<Vec<_>>();
        parsed.sort();
        assert_eq!(parsed, [("A".to_owned(), false), ("B".to_owned(), true)]);
    }

    #[test]
    fn malformed_tables_are_refused() {
        assert!(Expansions::parse("groups = [[\"seul\"]]", "situation = []").is_err());
        assert!(Expansions::parse("groups = 3", "situation = []").is_err());
    }
}
