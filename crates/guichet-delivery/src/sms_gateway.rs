//! SMS through a configurable HTTP gateway. The gateway's own HTTP API differs by provider;
//! this client speaks a small JSON contract that a provider adapter or the provider itself can
//! accept, and it classifies failures as transient or permanent. The text's GSM-7 length is
//! `guichet_notify::sms_text`'s.

use std::time::Duration;

use guichet_notify::NotifyError;
use guichet_notify::sms_text::measure;
use serde::{Deserialize, Serialize};

/// Where and how to reach the gateway. The token never prints.
#[derive(Clone, Deserialize)]
pub struct SmsGatewayConfig {
    /// For example `https://sms.example.gouv.fr/v1/messages`.
    pub url: String,
    pub token: String,
    /// Sender name shown on the phone (11 characters at most).
    pub sender: String,
}

impl std::fmt::Debug for SmsGatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsGatewayConfig")
            .field("url", &self.url)
            .field("token", &"***")
            .field("sender", &self.sender)
            .finish()
    }
}

/// What the client posts to the gateway.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq)]
pub struct GatewayRequest {
    pub to: String,
    pub sender: String,
    pub text: String,
    /// The idempotency key: a gateway that honours it never sends twice.
    pub reference: String,
}

/// What the gateway answers on success.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq)]
pub struct GatewayResponse {
    pub id: String,
}

/// An HTTP client for the SMS gateway.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    config: SmsGatewayConfig,
    http: reqwest::Client,
}

impl SmsGateway {
    pub fn new(config: SmsGatewayConfig) -> Result<Self, NotifyError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| NotifyError::Config(e.to_string()))?;
        Ok(Self { config, http })
    }

    /// Sends one SMS to a French mobile number; returns the gateway's id.
    pub async fn send(
        &self,
        to: &str,
        text: &str,
        idempotency_key: &str,
    ) -> Result<String, NotifyError> {
        let measured = measure(text);
        let request = GatewayRequest {
            to: to.to_owned(),
            sender: self.config.sender.clone(),
            text: measured.text,
            reference: idempotency_key.to_owned(),
        };
        let response = self
            .http
            .post(&self.config.url)
            .bearer_auth(&self.config.token)
            .json(&request)
            .send()
            .await
            .map_err(|e| NotifyError::Transient(format!("passerelle SMS injoignable : {e}")))?;
        let status = response.status();
        if status.is_success() {
            let body: GatewayResponse = response.json().await.map_err(|e| {
                NotifyError::Transient(format!("réponse de la passerelle SMS illisible : {e}"))
            })?;
            Ok(body.id)
        } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(NotifyError::Transient(format!(
                "passerelle SMS : HTTP {status}"
            )))
        } else {
            let body = response.text().await.unwrap_or_default();
            Err(NotifyError::Permanent(format!(
                "passerelle SMS : HTTP {status} {}",
                body.chars().take(200).collect::<String>()
            )))
        }
    }
}
