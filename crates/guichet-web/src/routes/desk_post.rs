//! Incoming post at the front desk: `/agents/dossiers/{reference}/courrier` registers a letter
//! received for a case — the day it arrived, its scanned pages attached as documents received
//! on paper, and what it says recorded as a message from the person in the case's thread.
//! Documents a case was waiting for resume its examination (and its legal clock), as they do
//! when they come online or at the counter. The reference is found from the letter through the
//! people search (its check character catches a mistyped reference).
//!
//! A new request received by post is opened from the person's page with « courrier reçu » as
//! the channel: it is submitted as of the day of receipt (`Command::SubmitByPost`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use guichet_domain::access::Action;
use guichet_domain::{Channel, Command};

use crate::AppState;
use crate::error::AppError;
use crate::form_input::FormInput;
use crate::staff::SignedIn;

/// The day a letter arrived, typed `AAAA-MM-JJ` (empty: now), as 10:00 UTC that day (late
/// morning in France, so the day is the same in both), never later than now.
pub(crate) fn received_on(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(now);
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| AppError::BadRequest {
        message: "La date de réception est illisible : indiquez le jour où le courrier est arrivé (JJ/MM/AAAA).".into(),
    })?;
    let at = day
        .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default())
        .and_utc()
        .min(now);
    if at.date_naive() > now.date_naive() {
        return Err(AppError::BadRequest {
            message: "La date de réception ne peut pas être dans le futur.".into(),
        });
    }
    Ok(at)
}

/// `POST /agents/dossiers/{reference}/courrier`.
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    form: FormInput,
) -> Result<Response, AppError> {
    let me = SignedIn::require(&state, &headers).await?;
    me.0.check_csrf(form.get("csrf"))?;
    let case = crate::routes::desk::case_for(
        &state,
        &me,
        reference,
        Action::RecordContact,
        "enregistrer un courrier reçu pour",
    )
    .await?;
    let now = state.clock.now();
    let text = form.get("contenu").unwrap_or_default().trim().to_owned();
    // A refusal shows the person's page again, this form open with what was typed.
    let refuse = |message: String| {
        let typed = crate::routes::desk::CaseForms {
            error: Some(("courrier", message)),
            received: form.get("recu_le").unwrap_or_default().to_owned(),
            content: text.clone(),
            ..Default::default()
        };
        crate::routes::desk::refused_case_form(&state, &me, &case, typed)
    };
    let received = match received_on(form.get("recu_le").unwrap_or_default(), now) {
        Ok(r) => r,
        Err(AppError::BadRequest { message }) => return refuse(message).await,
        Err(e) => return Err(e),
    };
    let field = guichet_catalogue::definition::Field {
        id: "scans".to_owned(),
        label: "Pages numérisées".to_owned(),
        help: None,
        required: false,
        show_if: None,
        kind: guichet_catalogue::definition::FieldKind::Attachment { document: None },
    };
    let files = match crate::routes::online::read_files(&field, &form, 0) {
        Ok(files) => files,
        Err(errors) => {
            return refuse(format!(
                "Le courrier n’a pas été enregistré : {} Rien n’a été modifié sur le dossier ; choisissez de nouveau les fichiers.",
                errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" ")
            ))
            .await;
        }
    };
    if files.is_empty() && text.is_empty() {
        return refuse("Joignez les pages numérisées du courrier, ou écrivez ce qu’il dit, puis enregistrez de nouveau.".to_owned()).await;
    }
    let ctx = me.context(Channel::Post, now)?;
    let day = guichet_letters::french_date(received.date_naive());
    // Every file is stored before any event, so a refused file leaves the case untouched.
    for (doc, bytes) in &files {
        state
            .store
            .put_attachment(
                &guichet_store::portal::Attachment {
                    sha256: doc.sha256.clone(),
                    media_type: doc.media_type.clone(),
                    content: bytes.clone(),
                },
                now,
            )
            .await?;
    }
    let mut commands: Vec<Command> = files
        .into_iter()
        .map(|(mut doc, _)| {
            doc.scanned_from_paper = true;
            Command::AttachDocument { document: doc }
        })
        .collect();
    commands.push(if text.is_empty() {
        Command::AddNote {
            text: format!("Courrier reçu le {day}, pièces numérisées jointes."),
        }
    } else {
        Command::ReceiveMessage {
            text: format!("(Courrier reçu le {day}) {text}"),
        }
    });
    for command in commands {
        state
            .cases
            .execute(&case.reference, command, ctx)
            .await
            .map_err(crate::routes::online::command_error)?;
    }
    Ok(Redirect::to(&format!(
        "/agents/personnes/{}?courrier=1#dossiers",
        case.person
    ))
    .into_response())
}
