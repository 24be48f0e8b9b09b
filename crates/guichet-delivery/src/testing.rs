//! Test peers for this crate's tests and the binary's (feature `testing`): a real SMTP server
//! (aiosmtpd, a Python process) recording what it receives, and an in-process stand-in for the SMS
//! gateway, the one part that lives outside this machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)] // test support: a panic is a failed test

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::sms_gateway::{GatewayRequest, GatewayResponse};

/// A real SMTP server (aiosmtpd) recording messages to a JSON-lines file.
pub struct SmtpRecorder {
    child: Child,
    pub port: u16,
    pub out: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpRecorder {
    pub fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("messages.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_recorder.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("port line");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("aiosmtpd did not start: {line:?}"));
        Self {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    pub fn messages(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }
}

impl Drop for SmtpRecorder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An in-process stand-in for the SMS gateway, which lives outside the machine. Like the
/// providers' APIs it honours the client reference: a message submitted again with a reference
/// it already accepted gets the same id and is not sent twice (`received` holds each sent
/// message once; `requests` counts every accepted submission).
#[derive(Clone)]
pub struct FakeGateway {
    pub url: String,
    pub received: Arc<Mutex<Vec<GatewayRequest>>>,
    pub requests: Arc<Mutex<usize>>,
}

#[derive(Clone)]
struct GatewayState {
    received: Arc<Mutex<Vec<GatewayRequest>>>,
    requests: Arc<Mutex<usize>>,
    seen: Arc<Mutex<std::collections::HashSet<String>>>,
    fail_left: Arc<Mutex<usize>>,
    failure_status: u16,
}

async fn gateway_handler(
    axum::extract::State(state): axum::extract::State<GatewayState>,
    headers: axum::http::HeaderMap,
    axum::Json(req): axum::Json<GatewayRequest>,
) -> Result<axum::Json<GatewayResponse>, axum::http::StatusCode> {
    use axum::http::StatusCode;
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer secret-token") {
        return Err(StatusCode::UNAUTHORIZED);
    }
    {
        let mut left = state.fail_left.lock().expect("lock");
        if *left > 0 {
            *left -= 1;
            return Err(StatusCode::from_u16(state.failure_status)
                .unwrap_or(StatusCode::SERVICE_UNAVAILABLE));
        }
    }
    let id = format!("sms-{}", req.reference);
    *state.requests.lock().expect("lock") += 1;
    if state
        .seen
        .lock()
        .expect("lock")
        .insert(req.reference.clone())
    {
        state.received.lock().expect("lock").push(req);
    }
    Ok(axum::Json(GatewayResponse { id }))
}

impl FakeGateway {
    /// Answers `failure_status` to the first `fail_first` requests, then accepts.
    pub async fn start(fail_first: usize, failure_status: u16) -> Self {
        let state = GatewayState {
            received: Arc::new(Mutex::new(Vec::new())),
            requests: Arc::new(Mutex::new(0)),
            seen: Arc::new(Mutex::new(std::collections::HashSet::new())),
            fail_left: Arc::new(Mutex::new(fail_first)),
            failure_status,
        };
        let received = state.received.clone();
        let requests = state.requests.clone();
        let app = axum::Router::new()
            .route("/v1/messages", axum::routing::post(gateway_handler))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/v1/messages"),
            received,
            requests,
        }
    }
}
