//! The HTTP API both binaries serve on `--metrics-listen`: `/metrics` (Prometheus), `/health`
//! (the process answers), `/ready` (200, or 503 naming what is not ready), `/status` (JSON), and
//! the control routes a binary adds.
//!
//! Read-only routes need nothing. Control routes need `Authorization: Bearer <token>` when
//! `--http-token-file` is set; without a token file they are served on a loopback address only,
//! and refused (403) on any other, since anyone who reaches the port could call them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::{Value, json};
use thiserror::Error;
use tracing::{error, warn};

/// What a binary tells the API about itself.
pub trait Probe: Send + Sync + 'static {
    /// What is not ready, in a few words each; empty when ready.
    fn not_ready(&self) -> Vec<String>;

    /// The binary's state, as JSON.
    fn status(&self) -> Value;
}

/// Problems starting the API, each saying what to do.
#[derive(Debug, Error)]
pub enum HttpError {
    #[error("cannot record metrics: {0}")]
    Metrics(#[from] BuildError),
    #[error("cannot listen on {listen}; choose another --metrics-listen (METRICS_LISTEN) or `off`")]
    Listen {
        listen: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the token file {path}; check --http-token-file (HTTP_TOKEN_FILE)")]
    TokenFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the token file {path} is empty; write a token (e.g. `openssl rand -hex 32`) in it")]
    EmptyToken { path: PathBuf },
}

/// Installs the Prometheus recorder, with these buckets for the named histograms (the others are
/// summaries), and keeps its histograms drained. Must run inside the tokio runtime.
pub fn install_metrics(histograms: &[(&str, &[f64])]) -> Result<PrometheusHandle, HttpError> {
    let mut builder = PrometheusBuilder::new();
    for (name, buckets) in histograms {
        builder = builder.set_buckets_for_metric(Matcher::Full((*name).to_owned()), buckets)?;
    }
    let handle = builder.install_recorder()?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// Who may call the control routes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone who reaches the port: it is on loopback, and no token file is set.
    Local,
    /// Callers presenting this token.
    Token(String),
    /// Nobody: the port is exposed and no token file is set.
    Refused,
}

impl Access {
    /// The access `listen` and the token file give; reads the token (surrounding whitespace
    /// trimmed).
    pub fn new(listen: SocketAddr, token_file: Option<&Path>) -> Result<Self, HttpError> {
        let Some(path) = token_file else {
            return Ok(if listen.ip().is_loopback() { Access::Local } else { Access::Refused });
        };
        let text = std::fs::read_to_string(path)
            .map_err(|source| HttpError::TokenFile { path: path.to_owned(), source })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(HttpError::EmptyToken { path: path.to_owned() });
        }
        Ok(Access::Token(token.to_owned()))
    }

    /// `None` if a request with these headers may call a control route, else the refusal.
    fn check(&self, headers: &HeaderMap) -> Option<Response> {
        match self {
            Access::Local => None,
            Access::Refused => Some(refuse(
                StatusCode::FORBIDDEN,
                "control calls are refused on an address other than loopback without a token; \
                 set --http-token-file (HTTP_TOKEN_FILE) and send Authorization: Bearer <token>",
            )),
            Access::Token(token) => {
                let given = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .map(str::trim);
                match given {
                    Some(given) if same(given.as_bytes(), token.as_bytes()) => None,
                    Some(_) => Some(refuse(StatusCode::UNAUTHORIZED, "wrong token")),
                    None => Some(refuse(
                        StatusCode::UNAUTHORIZED,
                        "control calls need Authorization: Bearer <the token of the token file>",
                    )),
                }
            }
        }
    }
}

/// Whether `a` and `b` are equal, in a time that depends on their lengths only, so that a caller
/// cannot find the token byte by byte from how long a refusal takes.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// An error answer: `{"error": message}`.
pub fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// A time for a status: `{"unix_ms": .., "utc": "2024-06-01T00:00:00.000Z"}`.
pub fn time(unix_ms: i64) -> Value {
    let utc = u64::try_from(unix_ms)
        .ok()
        .map(|ms| humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)));
    json!({ "unix_ms": unix_ms, "utc": utc.map(|t| t.to_string()) })
}

#[derive(Clone)]
struct Shared {
    metrics: PrometheusHandle,
    probe: Arc<dyn Probe>,
}

/// Control routes, and who may call them.
pub struct Control {
    pub routes: Router,
    pub access: Access,
}

/// Serves the API on `listen` until the process ends: the read-only routes, and `control`'s
/// routes, if any, behind its access. Warns when control calls are refused for want of a token.
pub async fn serve(
    listen: SocketAddr,
    metrics: PrometheusHandle,
    probe: Arc<dyn Probe>,
    control: Option<Control>,
) -> Result<(), HttpError> {
    let guarded = control.map(|Control { routes, access }| {
        if access == Access::Refused {
            warn!(
                %listen,
                "the HTTP API listens beyond loopback without a token file: control calls are \
                 refused; set --http-token-file (HTTP_TOKEN_FILE) to allow them"
            );
        }
        let access = Arc::new(access);
        routes.route_layer(middleware::from_fn(move |request: Request, next: Next| {
            let access = Arc::clone(&access);
            async move {
                match access.check(request.headers()) {
                    Some(refusal) => refusal,
                    None => next.run(request).await,
                }
            }
        }))
    });
    let app = Router::new()
        .route("/metrics", get(metrics_text))
        .route("/health", get(|| async { Json(json!({ "status": "alive" })) }))
        .route("/ready", get(ready))
        .route("/status", get(status))
        .with_state(Shared { metrics, probe })
        .merge(guarded.unwrap_or_default());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| HttpError::Listen { listen, source })?;
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            error!(%error, "the HTTP API stopped");
        }
    });
    Ok(())
}

async fn metrics_text(State(shared): State<Shared>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], shared.metrics.render())
}

async fn ready(State(shared): State<Shared>) -> Response {
    let missing = shared.probe.not_ready();
    if missing.is_empty() {
        Json(json!({ "ready": true })).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "ready": false, "not_ready": missing })))
            .into_response()
    }
}

async fn status(State(shared): State<Shared>) -> Json<Value> {
    Json(shared.probe.status())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
        assert!(!same(b"", b"secret"));
    }

    #[test]
    fn exposed_without_a_token_refuses_control() {
        let exposed: SocketAddr = "0.0.0.0:9187".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:9187".parse().unwrap();
        assert_eq!(Access::new(exposed, None).unwrap(), Access::Refused);
        assert_eq!(Access::new(local, None).unwrap(), Access::Local);
        let refusal = Access::Refused.check(&HeaderMap::new()).unwrap();
        assert_eq!(refusal.status(), StatusCode::FORBIDDEN);
        let token = Access::Token("t0k".into());
        let mut headers = HeaderMap::new();
        assert_eq!(token.check(&headers).unwrap().status(), StatusCode::UNAUTHORIZED);
        headers.insert(header::AUTHORIZATION, "Bearer nope".parse().unwrap());
        assert_eq!(token.check(&headers).unwrap().status(), StatusCode::UNAUTHORIZED);
        headers.insert(header::AUTHORIZATION, "Bearer t0k".parse().unwrap());
        assert!(token.check(&headers).is_none());
    }
}
