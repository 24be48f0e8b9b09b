//! Printing for the person at the desk, on demand, as A4 PDF: a case's receipt, a summary of
//! the case, the list of missing documents, a copy of the decision (`/agents/dossiers/{ref}/…
//! .pdf`), and the « où aller » sheet of an orientation (`/agents/orienter/fiche.pdf`).
//!
//! Every document is a `guichet_letters::Letter`, laid out by the letters crate like the post's
//! letters: large print and easy-to-read layout when the person asked for them. The case
//! documents take their frame — the sender block from the procedure's definition, the person's
//! address checked against the postal standard, the reference and follow-up code, size and
//! wording from the person's preferences — from `CaseService::letter`, the same code as the
//! receipt a person downloads; the summary and the missing documents then say their own text.
//! Printing changes nothing: reading the case is enough (`View` on the case).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use guichet_domain::access::Action;
use guichet_domain::{Case, CaseState, EventKind, Notice, Outcome, Silence};
use guichet_letters::{Letter, LetterKind, PostalAddress, PrintSize, Sender, Signature, Wording};
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;
use crate::routes::desk::case_for;
use crate::routes::follow::{date_fr, deadline_sentence};
use crate::staff::SignedIn;

/// Lays a letter out as a tagged PDF (off the async runtime) and answers it inline.
async fn pdf(letter: Letter, filename: String) -> Result<Response, AppError> {
    let rendered = tokio::task::spawn_blocking(move || {
        guichet_letters::render(&letter, guichet_letters::Output::Accessible)
    })
    .await
    .map_err(|e| AppError::Internal(format!("desk printing: {e}")))?
    .map_err(|e| AppError::BadRequest {
        message: format!("Le document ne peut pas être mis en page : {e}"),
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        rendered.pdf,
    )
        .into_response())
}

/// The letter `notice` gives for the case, or a French error saying why it cannot be printed.
async fn notice_letter(
    state: &AppState,
    case: &Case,
    notice: &Notice,
    at: DateTime<Utc>,
) -> Result<Letter, AppError> {
    state
        .cases
        .letter(&case.reference, notice, at)
        .await?
        .map_err(|e| AppError::BadRequest {
            message: format!(
                "Ce document ne peut pas être produit : {e}. Vérifiez l’adresse postale de la personne depuis son dossier (« Modifier vos coordonnées »)."
            ),
        })
}

/// The frame every case document shares (see the module doc): the receipt's, whose values
/// are all known for any case; its text is replaced.
async fn frame(state: &AppState, case: &Case) -> Result<Letter, AppError> {
    let now = state.clock.now();
    let notice = Notice::Receipt {
        due: Some(now),
        silence: Some(Silence::Accord),
    };
    let mut letter = notice_letter(state, case, &notice, now).await?;
    letter.kind = LetterKind::Information;
    Ok(letter)
}

/// The case named in the path, once the signed-in agent may see it (`View`: printing for the
/// person is part of seeing their case); `what` names the document in a refusal's journal line.
async fn printable(
    state: &AppState,
    headers: &HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    what: &str,
) -> Result<Case, AppError> {
    let me = SignedIn::require(state, headers).await?;
    case_for(state, &me, reference, Action::View, what).await
}

/// `GET /agents/dossiers/{ref}/recepisse.pdf`: the receipt, as the person downloads it.
pub async fn receipt(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let case = printable(&state, &headers, reference, "imprimer le récépissé de").await?;
    let Some(submitted) = case.submitted_at else {
        return Err(AppError::BadRequest {
            message: "Cette demande n’est pas encore envoyée : il n’y a pas encore de récépissé. Imprimez plutôt le résumé du dossier.".into(),
        });
    };
    let notice = Notice::Receipt {
        due: case.due_at_submission(),
        silence: case.deadline_rule.map(|r| r.silence),
    };
    let letter = notice_letter(&state, &case, &notice, submitted).await?;
    pdf(letter, format!("recepisse-{}.pdf", case.reference)).await
}

/// What happens next, said to the person on paper.
fn next_on_paper(case: &Case) -> &'static str {
    match case.state {
        CaseState::Draft => {
            "Votre demande n’est pas encore envoyée. Vous pouvez la terminer en ligne avec la référence et le code de suivi ci-dessus, ou au guichet."
        }
        CaseState::Submitted => {
            "Votre demande a été reçue. Elle va être examinée ; vous n’avez rien à faire pour l’instant."
        }
        CaseState::UnderExamination => {
            "Votre demande est en cours d’examen. Vous n’avez rien à faire pour l’instant."
        }
        CaseState::WaitingForDocuments => {
            "Des pièces vous sont demandées (voir ci-dessous). L’examen reprendra dès leur réception."
        }
        CaseState::Decided(_) => {
            "Une décision a été prise. Elle vous a été envoyée par courrier, avec la manière de la contester si vous n’êtes pas d’accord."
        }
        CaseState::Withdrawn => "Cette demande a été abandonnée.",
    }
}

fn outcome_fr(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Granted => "accord",
        Outcome::Refused => "refus",
        Outcome::Revised => "révision",
        Outcome::Revoked => "retrait du droit",
    }
}

/// The summary's paragraphs. Pure, for testing.
pub fn summary_body(
    case: &Case,
    title: &str,
    answers: &[(String, String)],
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut body = vec![format!(
        "Voici où en est votre demande « {title} » le {}.",
        date_fr(now)
    )];
    body.push(format!("Où en est-elle ? {}.", case.state.label_fr()));
    let mut dates = format!("Ouverte le {}", date_fr(case.opened_at));
    if let Some(s) = case.submitted_at {
        dates.push_str(&format!(", envoyée le {}", date_fr(s)));
    }
    dates.push_str(&format!(", mise à jour le {}.", date_fr(case.updated_at)));
    body.push(dates);
    if let Some(d) = &case.decision {
        body.push(format!(
            "Décision du {} : {}{}.",
            date_fr(d.at),
            outcome_fr(d.outcome),
            if d.implicit {
                " (décision implicite, faute de réponse dans le délai)"
            } else {
                ""
            }
        ));
    }
    body.push(format!("Et maintenant ? {}", next_on_paper(case)));
    if let Some(deadline) = deadline_sentence(case, now) {
        body.push(deadline);
    }
    if answers.is_empty() {
        body.push("Vos réponses : aucune pour l’instant.".into());
    } else {
        body.push("Vos réponses :".into());
        for (q, a) in answers {
            let a = if a.trim().is_empty() {
                "(pas de réponse)"
            } else {
                a
            };
            body.push(format!("– {q} : {a}"));
        }
    }
    if case.documents.is_empty() {
        body.push("Pièces reçues : aucune pour l’instant.".into());
    } else {
        body.push("Pièces reçues :".into());
        for d in &case.documents {
            body.push(format!(
                "– {}{}",
                d.name,
                if d.scanned_from_paper {
                    " (reçue sur papier)"
                } else {
                    ""
                }
            ));
        }
    }
    if case.state == CaseState::WaitingForDocuments && !case.requested_documents.is_empty() {
        body.push(format!(
            "Pièces demandées : {}.",
            case.requested_documents.join(" ; ")
        ));
    }
    body.push(
        "Pour toute question, indiquez la référence et le code de suivi ci-dessus, au guichet, par téléphone ou en ligne."
            .into(),
    );
    body
}

/// `GET /agents/dossiers/{ref}/resume.pdf`: the case in one letter.
pub async fn summary(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let case = printable(&state, &headers, reference, "imprimer le résumé de").await?;
    let definition = state.cases.definition(&case.procedure).await?;
    let title = definition.as_ref().map_or_else(
        || case.procedure.id.to_string(),
        |d| d.procedure().title().to_owned(),
    );
    let answers: Vec<(String, String)> = definition
        .as_ref()
        .map(|d| {
            crate::routes::online::rows(d, &case, case.procedure.id.as_str())
                .into_iter()
                .map(|r| (r.question, r.answer))
                .collect()
        })
        .unwrap_or_default();
    let mut letter = frame(&state, &case).await?;
    letter.subject = format!("Résumé de votre dossier {}", case.reference);
    letter.body = summary_body(&case, &title, &answers, state.clock.now());
    pdf(letter, format!("resume-{}.pdf", case.reference)).await
}

/// `GET /agents/dossiers/{ref}/pieces.pdf`: what is asked, since when, how to send it.
pub async fn missing_documents(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let case = printable(
        &state,
        &headers,
        reference,
        "imprimer les pièces manquantes de",
    )
    .await?;
    if case.state != CaseState::WaitingForDocuments || case.requested_documents.is_empty() {
        return Err(AppError::BadRequest {
            message: "Aucune pièce n’est demandée pour ce dossier en ce moment. Imprimez plutôt le résumé du dossier.".into(),
        });
    }
    let journal = state.store.journal(&case.reference).await?;
    let (asked_at, message) = journal
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::DocumentsRequested { message, .. } => Some((e.at, message.clone())),
            _ => None,
        })
        .unwrap_or((case.updated_at, String::new()));
    // The documents-request letter the post carried, dated of the request; printed today.
    let mut letter = notice_letter(
        &state,
        &case,
        &Notice::DocumentsRequested {
            documents: case.requested_documents.clone(),
            reply_by: case.reply_by,
        },
        asked_at,
    )
    .await?;
    let now = state.clock.now();
    letter.date = guichet_places::local_time(now, None).date();
    if !message.trim().is_empty() {
        letter
            .body
            .push(format!("Le message du service : {}", message.trim()));
    }
    letter.body.push("Comment nous les faire parvenir :".into());
    let counter = state
        .cases
        .definition(&case.procedure)
        .await?
        .and_then(|d| d.channels().counter.clone());
    match counter {
        Some(c) if !c.counters.is_empty() => letter.body.push(format!(
            "– au guichet : {}{} ;",
            c.counters.join(", "),
            c.hours.map(|h| format!(" ({h})")).unwrap_or_default()
        )),
        _ => letter
            .body
            .push("– au guichet où vous avez déposé votre demande ;".into()),
    }
    letter.body.push(format!(
        "– par courrier, à {}, à l’adresse indiquée en haut de cette lettre, en rappelant la référence du dossier ;",
        letter.sender.name
    ));
    letter.body.push(format!(
        "– en ligne, sur le site {}, page « Suivre un dossier », avec la référence et le code de suivi indiqués en haut de cette lettre.",
        state.site.name
    ));
    letter.body.push(match deadline_sentence(&case, now) {
        Some(d) => {
            format!("Envoyez-les dès que possible : l’examen reprendra à leur réception. {d}")
        }
        None => "Envoyez-les dès que possible : l’examen reprendra à leur réception.".into(),
    });
    pdf(letter, format!("pieces-{}.pdf", case.reference)).await
}

/// `GET /agents/dossiers/{ref}/decision.pdf`: a copy of the decision letter (returned mail,
/// no usable address: the person gets it in hand).
pub async fn decision(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let case = printable(&state, &headers, reference, "imprimer la décision de").await?;
    let Some(d) = case.decision.clone() else {
        return Err(AppError::BadRequest {
            message: "Aucune décision n’a encore été prise sur ce dossier.".into(),
        });
    };
    let notice = Notice::Decision {
        outcome: d.outcome,
        implicit: d.implicit,
    };
    let mut letter = notice_letter(&state, &case, &notice, d.at).await?;
    letter.subject = format!("Copie — {}", letter.subject);
    pdf(letter, format!("decision-{}.pdf", case.reference)).await
}

#[derive(Debug, Deserialize, Default)]
pub struct SheetQuery {
    /// Words of the procedure, searched in the catalogue (« APL », « carte grise »).
    #[serde(default)]
    demarche: String,
    /// The person's commune or postcode, for the places nearby.
    #[serde(default)]
    commune: String,
    /// The person, when the orientation is for someone known: their address and formats.
    #[serde(default)]
    personne: String,
    /// « oui » when the person asks for large print at the counter.
    #[serde(default)]
    gros: String,
}

/// Places on the sheet at most.
const SHEET_PLACES: usize = 4;

/// `GET /agents/orienter/fiche.pdf`: « où aller » — the operator in charge of a procedure and
/// how to reach them (from the catalogue), and the nearest places with their hours (from the
/// territory), for a person sent to another operator.
pub async fn orientation_sheet(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<SheetQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.may(
        &state,
        Action::Orient,
        guichet_domain::Resource::Operator {
            operator: &me.account().operator,
            place: me.account().place.as_deref(),
        },
        "fiche où aller",
    )
    .await?;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let words: String = q.demarche.trim().chars().take(200).collect();
    let commune: String = q.commune.trim().chars().take(100).collect();
    if words.is_empty() || commune.is_empty() {
        return Err(AppError::BadRequest {
            message: "Indiquez la démarche (par exemple : APL) et la commune ou le code postal de la personne, puis imprimez de nouveau.".into(),
        });
    }
    // The person, if known and seen by this agent: their address and their formats.
    let mut person = None;
    if let Ok(id) = q.personne.parse::<guichet_domain::PersonId>()
        && let Some(p) = state.store.get_person(id).await?
    {
        let known_to = state.store.person_operators(id).await?;
        me.may(
            &state,
            Action::View,
            guichet_domain::Resource::Person {
                known_to: &known_to,
            },
            &format!("fiche où aller pour {id}"),
        )
        .await?;
        person = Some(p);
    }

    // Who is in charge, and how to reach them: the catalogue's best answer.
    let index = state.catalogue.clone();
    let searched = words.clone();
    let hit = tokio::task::spawn_blocking(move || index.index.search(&searched, 1))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::BadRequest {
            message: e.to_string(),
        })?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::BadRequest {
            message: format!(
                "Aucune démarche du catalogue ne correspond à « {words} ». Essayez d’autres mots."
            ),
        })?;

    // The places nearby.
    let crate::territory::TerritoryStatus::Ready(data) = state.territory.status() else {
        return Err(AppError::BadRequest {
            message: "La liste des lieux n’est pas disponible sur ce serveur pour le moment : réessayez dans quelques instants.".into(),
        });
    };
    let i = match data.report.directory().lookup(&commune) {
        guichet_territory::Lookup::One(i) => i,
        guichet_territory::Lookup::Several { .. } => {
            return Err(AppError::BadRequest {
                message: format!(
                    "Plusieurs communes correspondent à « {commune} » : indiquez le code postal et le nom de la commune."
                ),
            });
        }
        _ => {
            return Err(AppError::BadRequest {
                message: format!(
                    "La commune « {commune} » n’est pas connue ici : vérifiez son nom ou son code postal."
                ),
            });
        }
    };
    let now = state.clock.now();
    let (commune_name, postcode, places) = {
        let data = std::sync::Arc::clone(&data);
        tokio::task::spawn_blocking(move || {
            let report = &data.report;
            let c = &report.communes()[i];
            let postcode = report.directory().postcodes(i).first().cloned();
            let mut cards = crate::routes::places::cards(report, i, None, now);
            cards.truncate(SHEET_PLACES);
            (c.name.clone(), postcode, cards)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    };

    let mut body = vec![format!("Pour votre démarche « {} » :", hit.title)];
    match &hit.operator {
        Some(o) => body.push(format!("Qui s’en occupe : {}.", o.name)),
        None => body.push("Qui s’en occupe : l’organisme n’est pas indiqué par le catalogue ; les lieux ci-dessous peuvent vous le dire.".into()),
    }
    for c in &hit.channels {
        let label = match c.channel {
            "web" => "En ligne",
            "phone" => "Par téléphone",
            "counter" => "Sur place",
            "post" => "Par courrier",
            _ => "Autrement",
        };
        body.push(match &c.url {
            Some(url) => format!("{label} : {} ({url})", c.how),
            None => format!("{label} : {}", c.how),
        });
    }
    body.push(format!("Pour en savoir plus : {}", hit.url));
    if places.is_empty() {
        body.push(format!(
            "Aucun lieu d’accueil n’est connu près de {commune_name} : demandez à la mairie de votre commune."
        ));
    } else {
        body.push(format!(
            "Les lieux qui peuvent vous aider près de {commune_name} :"
        ));
        for p in &places {
            let mut line = format!("– {} ({})", p.name, p.kind.to_lowercase());
            let address = [p.address.as_str(), p.town.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if !address.is_empty() {
                line.push_str(&format!(", {address}"));
            }
            if let Some(phone) = &p.phone {
                line.push_str(&format!(", téléphone {}", phone.text));
            }
            line.push_str(&format!(" — {}.", p.travel));
            if !p.week.is_empty() {
                let hours: Vec<String> = p
                    .week
                    .iter()
                    .map(|w| {
                        if w.spans.is_empty() {
                            format!("{} : fermé", w.days)
                        } else {
                            format!("{} : {}", w.days, w.spans.join(", "))
                        }
                    })
                    .collect();
                line.push_str(&format!(" Horaires : {}.", hours.join(" ; ")));
            } else if let Some(raw) = &p.unreadable_hours {
                line.push_str(&format!(" Horaires publiés : {raw}."));
            } else {
                line.push_str(if p.phone.is_some() {
                    " Horaires non connus : appelez avant de vous déplacer."
                } else {
                    " Horaires non connus : renseignez-vous avant de vous déplacer."
                });
            }
            if let Some(f) = &p.format {
                line.push_str(&format!(" {f}."));
            }
            body.push(line);
        }
    }
    body.push(format!(
        "Fiche préparée le {} par l’accueil. Les horaires peuvent changer : en cas de doute, appelez avant de vous déplacer.",
        date_fr(now)
    ));

    let operator_name = state
        .store
        .list_operators()
        .await?
        .into_iter()
        .find(|o| o.id == me.account().operator)
        .map_or_else(|| me.account().operator.to_string(), |o| o.name);
    let formats = person
        .as_ref()
        .map(|p| p.preferences.formats)
        .unwrap_or_default();
    let recipient = sheet_recipient(person.as_ref(), postcode.as_deref(), &commune_name)?;
    let letter = Letter {
        sender: Sender {
            name: operator_name,
            lines: me.account().place.iter().cloned().collect(),
        },
        recipient,
        place: commune_name,
        date: guichet_places::local_time(now, None).date(),
        reference: None,
        subject: format!("Où aller pour votre démarche « {} »", hit.title),
        salutation: "Madame, Monsieur,".into(),
        body,
        closing: "Nous restons à votre disposition à l’accueil.".into(),
        signature: Signature {
            mention: None,
            name: me.account().display_name.clone(),
            title: me.account().title.clone(),
            by: guichet_letters::model::Signer::Person,
        },
        kind: LetterKind::Information,
        size: if formats.large_print || q.gros == "oui" {
            PrintSize::LargePrint
        } else {
            PrintSize::Standard
        },
        wording: if formats.easy_read {
            Wording::EasyToRead
        } else {
            Wording::Standard
        },
    };
    pdf(letter, "ou-aller.pdf".into()).await
}

/// The window of the sheet: the person's postal address when known; else « remis au guichet »
/// and the commune, as the sheet is handed over, not posted.
fn sheet_recipient(
    person: Option<&guichet_domain::Person>,
    postcode: Option<&str>,
    commune: &str,
) -> Result<PostalAddress, AppError> {
    let from_person = person.and_then(|p| {
        let a = p.address.as_ref()?;
        let mut lines = vec![p.name.display()];
        lines.extend(a.lines().iter().cloned());
        lines.push(format!(
            "{} {}",
            a.postcode().as_str(),
            guichet_letters::postal_town(a.town())
        ));
        PostalAddress::new(lines).ok()
    });
    if let Some(a) = from_person {
        return Ok(a);
    }
    let town = guichet_letters::postal_town(commune);
    let last = match postcode {
        Some(p) => format!("{p} {town}"),
        None => town,
    };
    PostalAddress::new(["Document remis à l’accueil".to_owned(), last]).map_err(|e| {
        AppError::BadRequest {
            message: format!("La fiche ne peut pas être mise en page : {e}"),
        }
    })
}
