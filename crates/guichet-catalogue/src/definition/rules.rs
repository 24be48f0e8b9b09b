//! The publishing rules and the refusals they produce: every refusal names the file, the line
//! and the rule (by a stable code), with a French explanation for whoever wrote the file.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A publishing rule. Its code is stable: it appears in messages and in documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Rule {
    /// The file is not valid TOML, or has an unknown key, type or value.
    Syntax,
    /// A procedure must be open on at least one non-digital channel.
    NeverDigitalOnly,
    /// A procedure that decides on rights notifies its decisions by post.
    RightsDecisionsByPost,
    /// A procedure that cannot be digitised names the places where it is done.
    NonDigitisableNamesPlaces,
    /// Form conditions reference existing fields and never form a cycle.
    ConditionsAcyclic,
    /// Field identifiers, choices and groups are well formed.
    FormWellFormed,
    /// Identifiers, titles, versions and deadlines are well formed.
    Identity,
    /// The postal address ends with a five-digit postcode and a town, in at most five parts,
    /// so that letters can print it as their return address.
    PostalAddress,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::Syntax => "syntax",
            Rule::NeverDigitalOnly => "never-digital-only",
            Rule::RightsDecisionsByPost => "rights-decisions-by-post",
            Rule::NonDigitisableNamesPlaces => "non-digitisable-names-places",
            Rule::ConditionsAcyclic => "conditions-acyclic",
            Rule::FormWellFormed => "form-well-formed",
            Rule::Identity => "identity",
            Rule::PostalAddress => "postal-address",
        }
    }
}

/// One refusal: which file, which line, which rule, and a French explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line, when the problem is attached to a place in the file.
    pub line: Option<usize>,
    pub rule: Rule,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.file.display())?,
            None => write!(f, "{}: ", self.file.display())?,
        }
        write!(f, "[{}] {}", self.rule.code(), self.message)
    }
}

/// Everything wrong with one or several files; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}
