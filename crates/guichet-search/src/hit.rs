//! What a search returns: for each result, what to do and where — the operator in charge and,
//! channel by channel, how to do it. This is the JSON contract of `GET /api/search`.

use guichet_catalogue::definition::ChannelsRaw;
use guichet_catalogue::sheet::{OnlineKind, PlaceKind};
use guichet_catalogue::{OperatorDirectory, ProcedureDefinition, Sheet};
use serde::Serialize;

/// A sheet of the national catalogue or a procedure hosted here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Sheet,
    Procedure,
}

/// An operator as shown in a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorView {
    pub id: String,
    pub name: String,
}

/// One way to do the procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelHint {
    /// `web`, `phone`, `counter` or `post`.
    pub channel: &'static str,
    /// A French sentence saying what to do.
    pub how: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The sheet id (`F1341`) or the hosted procedure id.
    pub id: String,
    pub kind: HitKind,
    pub title: String,
    pub description: String,
    /// `particuliers`, `professionnels`, `associations`.
    pub audiences: Vec<&'static str>,
    /// The operator in charge, if known.
    pub operator: Option<OperatorView>,
    /// Other operators involved, after the one in charge.
    pub other_operators: Vec<OperatorView>,
    pub channels: Vec<ChannelHint>,
    /// Where to read more (the service-public.fr page, or the procedure's page here).
    pub url: String,
    /// The life event this result was ranked first for, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub situation: Option<String>,
    /// Who publishes the information: « service-public.fr » for a national sheet, the
    /// operator's name for a procedure hosted here.
    pub source: String,
    /// A national sheet's last update by its publisher (ISO date), when the corpus gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
}

fn view(op: &guichet_catalogue::NationalOperator) -> OperatorView {
    OperatorView {
        id: op.id.clone(),
        name: op.name.clone(),
    }
}

/// Builds the result shown for a sheet.
pub fn for_sheet(sheet: &Sheet, operators: &OperatorDirectory) -> Hit {
    let ops = operators.for_sheet(sheet);
    let mut channels = Vec::new();
    for s in sheet
        .online
        .iter()
        .filter(|s| s.kind == OnlineKind::Teleservice)
        .take(2)
    {
        channels.push(ChannelHint {
            channel: "web",
            how: format!("En ligne : {}", s.title),
            url: s.url.clone(),
        });
    }
    if let Some(form) = sheet
        .online
        .iter()
        .find(|s| s.kind == OnlineKind::Form && s.cerfa.is_some())
    {
        channels.push(ChannelHint {
            channel: "post",
            how: format!(
                "Sur papier : formulaire cerfa n° {} ({}), à remplir puis à envoyer ou déposer",
                form.cerfa.as_deref().unwrap_or_default(),
                form.title
            ),
            url: form.url.clone(),
        });
    }
    if let Some(place) = sheet.places.iter().find(|p| p.kind == PlaceKind::Local) {
        channels.push(ChannelHint {
            channel: "counter",
            how: format!("Sur place : {}", place.title),
            url: place.url.clone(),
        });
    }
    // Every help line the sheet names, in its order (« Violence conjugale » names the 15, the
    // 18, the 115, the 3919, the 116 006, the 17, the 112 and the 114): the first alone would
    // hide the one the person needs. With a single line, what the sheet says of it as well.
    let lines: Vec<_> = sheet
        .places
        .iter()
        .filter(|p| p.kind == PlaceKind::ContactCentre)
        .collect();
    for place in &lines {
        let how = match &place.details {
            Some(d) if lines.len() == 1 => {
                format!("Par téléphone : {} — {}", place.title, whole_sentences(d))
            }
            _ => format!("Par téléphone : {}", place.title),
        };
        channels.push(ChannelHint {
            channel: "phone",
            how,
            url: place.url.clone(),
        });
    }
    Hit {
        id: sheet.id.to_string(),
        kind: HitKind::Sheet,
        title: sheet.title.clone(),
        description: sheet.description.clone(),
        audiences: sheet.audiences.iter().map(|a| a.code()).collect(),
        operator: ops.first().map(|o| view(o)),
        other_operators: ops.iter().skip(1).take(3).map(|o| view(o)).collect(),
        channels,
        url: sheet.public_url(),
        situation: None,
        source: "service-public.fr (Direction de l’information légale et administrative)".into(),
        updated: sheet.updated.clone(),
    }
}

/// What a sheet says of a help line, without the broken end the import's length limit may have
/// left (« … il sera mis en relation avec u »): its whole sentences, or, when the first sentence
/// is itself cut, its whole words and « … ».
fn whole_sentences(details: &str) -> String {
    let details = details.trim();
    if details.ends_with(['.', '!', '?', ')', '»', '…']) {
        return details.to_owned();
    }
    if let Some(end) = details.rfind(". ") {
        return details[..=end].to_owned();
    }
    match details.rfind(char::is_whitespace) {
        Some(end) => format!(
            "{} …",
            details[..end].trim_end_matches([',', ';', ':', ' '])
        ),
        None => details.to_owned(),
    }
}

/// Builds the result shown for a hosted procedure: every open channel with its instructions.
pub fn for_procedure(def: &ProcedureDefinition, operator_name: Option<&str>) -> Hit {
    let p = def.procedure();
    let ChannelsRaw {
        web,
        phone,
        counter,
        post,
    } = def.channels();
    let mut channels = Vec::new();
    if let Some(c) = web {
        channels.push(ChannelHint {
            channel: "web",
            how: c.how.clone(),
            url: Some(
                c.url
                    .clone()
                    .unwrap_or_else(|| format!("/demarches/{}", p.id())),
            ),
        });
    }
    if let Some(c) = phone {
        // The number and the hours, unless the sentence already gives them.
        let mut how = c.how.clone();
        if let Some(n) = c.number.as_ref().filter(|n| !c.how.contains(n.as_str())) {
            how.push_str(&format!(" — {n}"));
        }
        if let Some(h) = c.hours.as_ref().filter(|h| !c.how.contains(h.as_str())) {
            how.push_str(&format!(" ({h})"));
        }
        channels.push(ChannelHint {
            channel: "phone",
            how,
            url: None,
        });
    }
    if let Some(c) = counter {
        let mut how = c.how.clone();
        if !c.counters.is_empty() {
            how.push_str(&format!(" — {}", c.counters.join(" ; ")));
        }
        channels.push(ChannelHint {
            channel: "counter",
            how,
            url: None,
        });
    }
    if let Some(c) = post {
        let mut how = c.how.clone();
        if let Some(a) = &c.address {
            how.push_str(&format!(" — {a}"));
        }
        channels.push(ChannelHint {
            channel: "post",
            how,
            url: Some(format!("/demarches/{}/formulaire-papier", p.id())),
        });
    }
    Hit {
        id: p.id().to_string(),
        kind: HitKind::Procedure,
        title: p.title().to_owned(),
        description: p.summary().to_owned(),
        audiences: def.audience().iter().map(|a| a.code()).collect(),
        operator: Some(OperatorView {
            id: p.operator().to_string(),
            name: operator_name.unwrap_or(p.operator().as_str()).to_owned(),
        }),
        other_operators: Vec::new(),
        channels,
        url: format!("/demarches/{}", p.id()),
        situation: None,
        source: operator_name.unwrap_or(p.operator().as_str()).to_owned(),
        updated: None,
    }
}

#[cfg(test)]
mod tests {
    use super::whole_sentences;

    #[test]
    fn a_help_line_s_details_end_on_a_whole_sentence_or_word() {
        assert_eq!(
            whole_sentences(
                "Serveur vocal national. Si l'usager n'obtient pas la réponse, il sera mis en relation avec u"
            ),
            "Serveur vocal national."
        );
        assert_eq!(
            whole_sentences(
                "Accueil téléphonique du lundi au vendredi, de 9 h à 18 h, pour les particuliers et les profess"
            ),
            "Accueil téléphonique du lundi au vendredi, de 9 h à 18 h, pour les particuliers et les …"
        );
        assert_eq!(whole_sentences("Appel gratuit."), "Appel gratuit.");
        assert_eq!(
            whole_sentences("Numéro (appel gratuit)"),
            "Numéro (appel gratuit)"
        );
    }
}
