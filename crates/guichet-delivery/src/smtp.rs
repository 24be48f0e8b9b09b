//! Email through SMTP with `lettre` and rustls.
//!
//! Each message is plain text plus a simple accessible HTML part (one column,
//! real paragraphs, `lang="fr"`), and optionally the letter as a tagged PDF.
//! Its Message-ID is derived from the outbox idempotency key, so a message sent
//! twice after a crash carries the same id and receiving systems can drop the
//! duplicate; the outbox itself makes sure it is sent at most once per success.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use guichet_notify::NotifyError;

/// How to connect to the SMTP relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection: only for a relay on the same host or in tests.
    None,
    /// STARTTLS on the submission port (587), required.
    #[default]
    StartTls,
    /// TLS from the first byte (465).
    Tls,
}

/// SMTP settings. The password never prints.
#[derive(Clone, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Sender address, for example `ne-pas-repondre@mairie-villeurbanne.fr`.
    pub from: String,
    /// Domain used on the right of Message-IDs.
    pub message_id_domain: String,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

/// An email ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub idempotency_key: String,
    /// The letter as a tagged PDF, with its file name.
    pub attachment: Option<(String, Vec<u8>)>,
}

/// The Message-ID for an idempotency key: stable, opaque, unique per key.
pub fn message_id(idempotency_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("<{hex}.guichet@{domain}>")
}

/// Sends email through one SMTP relay, reusing connections.
#[derive(Debug, Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl SmtpSender {
    pub fn new(config: &SmtpConfig) -> Result<Self, NotifyError> {
        let cfg = |e: &dyn std::fmt::Display| NotifyError::Config(format!("SMTP : {e}"));
        let tls = || TlsParameters::new(config.host.clone()).map_err(|e| cfg(&e));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(std::time::Duration::from_secs(30)));
        builder = match config.security {
            SmtpSecurity::None => builder.tls(Tls::None),
            SmtpSecurity::StartTls => builder.tls(Tls::Required(tls()?)),
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
        };
        if let (Some(user), Some(pass)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        let from: Mailbox = config.from.parse().map_err(|e| cfg(&e))?;
        Ok(Self {
            transport: builder.build(),
            from,
            domain: config.message_id_domain.clone(),
        })
    }

    /// Builds the MIME message (also used by previews and tests).
    pub fn build(&self, email: &Email) -> Result<Message, NotifyError> {
        let to: Mailbox = email.to.parse().map_err(|e| {
            NotifyError::Permanent(format!(
                "adresse électronique invalide « {} » : {e}",
                email.to
            ))
        })?;
        let alternative = MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(email.text.clone()),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(email.html.clone()),
            );
        let body = match &email.attachment {
            Some((name, pdf)) => {
                let content_type = ContentType::parse("application/pdf")
                    .map_err(|e| NotifyError::Config(format!("type MIME : {e}")))?;
                MultiPart::mixed()
                    .multipart(alternative)
                    .singlepart(Attachment::new(name.clone()).body(pdf.clone(), content_type))
            }
            None => alternative,
        };
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(message_id(&email.idempotency_key, &self.domain)))
            .multipart(body)
            .map_err(|e| NotifyError::Permanent(format!("message invalide : {e}")))
    }

    /// Sends one email. SMTP 4xx and connection problems are transient, 5xx permanent.
    pub async fn send(&self, email: &Email) -> Result<(), NotifyError> {
        let message = self.build(email)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(NotifyError::Permanent(format!("SMTP : {e}"))),
            Err(e) => Err(NotifyError::Transient(format!("SMTP : {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_stable_and_distinct() {
        assert_eq!(message_id("k1", "x.fr"), message_id("k1", "x.fr"));
        assert_ne!(message_id("k1", "x.fr"), message_id("k2", "x.fr"));
        assert!(message_id("k1", "x.fr").ends_with(".guichet@x.fr>"));
    }
}
