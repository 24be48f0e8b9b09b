//! What an outbox intent carries: the fully rendered message, fixed when the
//! intent is written, so a template edited later never changes a message
//! already decided, and a retry sends exactly the same bytes.

use guichet_letters::Letter;
use serde::{Deserialize, Serialize};

/// The content of one intent, stored as JSON in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum Payload {
    Email {
        to: String,
        subject: String,
        text: String,
        html: String,
        /// The letter, attached as a tagged PDF (decisions sent by email too).
        letter: Option<Box<Letter>>,
    },
    Sms {
        to: String,
        text: String,
    },
    Letter {
        letter: Box<Letter>,
        postage: PostageClass,
    },
}

impl Payload {
    pub fn to_json(&self) -> Result<String, crate::NotifyError> {
        serde_json::to_string(self)
            .map_err(|e| crate::NotifyError::Permanent(format!("contenu illisible : {e}")))
    }

    pub fn from_json(json: &str) -> Result<Self, crate::NotifyError> {
        serde_json::from_str(json)
            .map_err(|e| crate::NotifyError::Permanent(format!("contenu illisible : {e}")))
    }
}

/// La Poste's postage classes the provider sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostageClass {
    /// "Lettre verte", the default.
    Standard,
    /// "Lettre recommandée avec accusé de réception".
    Registered,
}

impl PostageClass {
    pub fn as_str(self) -> &'static str {
        match self {
            PostageClass::Standard => "standard",
            PostageClass::Registered => "registered",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "standard" => Some(PostageClass::Standard),
            "registered" => Some(PostageClass::Registered),
            _ => None,
        }
    }
}
