//! What a form sent, whatever its encoding: `application/x-www-form-urlencoded` (every form
//! without a file) or `multipart/form-data` (a step with a file input). Handlers read fields by
//! name, several values per name for checkboxes, and files with their declared name and type.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;

use crate::error::AppError;

/// A file a form sent.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The input's name.
    pub input: String,
    /// The file's name as the browser gave it (never used as a path).
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The fields and files of a submitted form.
#[derive(Debug, Clone, Default)]
pub struct FormInput {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
}

/// The most fields a form may send (a large repeated group stays far below).
const MAX_FIELDS: usize = 2000;

impl FormInput {
    /// Every value sent for `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The first value sent for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The non-empty files sent for `name`.
    pub fn files(&self, name: &str) -> Vec<&UploadedFile> {
        self.files
            .iter()
            .filter(|f| f.input == name && !f.bytes.is_empty())
            .collect()
    }
}

fn bad(message: &str) -> AppError {
    AppError::BadRequest {
        message: message.to_owned(),
    }
}

impl<S: Send + Sync> FromRequest<S> for FormInput {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let too_large = "Le formulaire envoyé est trop volumineux : chaque fichier doit faire moins de 10 Mo. Rien n’a été enregistré de cet envoi.";
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(req, state).await.map_err(|_| {
                bad("Le formulaire envoyé est illisible. Rechargez la page et recommencez.")
            })?;
            let mut input = FormInput::default();
            while let Some(field) = multipart.next_field().await.map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    bad(too_large)
                } else {
                    bad("Le formulaire envoyé est incomplet. Rechargez la page et recommencez.")
                }
            })? {
                let name = field.name().unwrap_or("").to_owned();
                match field.file_name().map(str::to_owned) {
                    Some(file_name) => {
                        let bytes = field.bytes().await.map_err(|_| bad(too_large))?;
                        input.files.push(UploadedFile {
                            input: name,
                            file_name,
                            bytes: bytes.to_vec(),
                        });
                    }
                    None => {
                        let text = field.text().await.map_err(|_| {
                            bad("Le formulaire contient un texte illisible. Rechargez la page et recommencez.")
                        })?;
                        input.fields.push((name, text));
                    }
                }
                if input.fields.len() + input.files.len() > MAX_FIELDS {
                    return Err(bad("Le formulaire envoyé contient trop de champs."));
                }
            }
            Ok(input)
        } else {
            let bytes = axum::body::Bytes::from_request(req, state)
                .await
                .map_err(|_| bad(too_large))?;
            let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .take(MAX_FIELDS + 1)
                .collect();
            if fields.len() > MAX_FIELDS {
                return Err(bad("Le formulaire envoyé contient trop de champs."));
            }
            Ok(FormInput {
                fields,
                files: Vec::new(),
            })
        }
    }
}
