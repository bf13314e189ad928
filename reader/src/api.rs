//! The reader's part of the HTTP API ([`gnss_common::http`]): readiness and status from each
//! source's [`SourceStatus`] and the Kafka producer; and the control routes, `PUT /filter` (a new
//! log filter, as SIGHUP with a new config file) and `POST /command` (a command line to a live
//! receiver, answered with its reply).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{post, put};
use gnss_common::http::{Probe, refuse};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use tracing::info;

use crate::filter::LogFilter;
use crate::kafka::FrameProducer;
use crate::source::link::CommandError;
use crate::status::SourceStatus;

/// How long a receiver has to answer a command: NovAtel receivers answer within milliseconds.
const REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// What the API reads and controls.
pub struct Reader {
    pub sources: Vec<Arc<SourceStatus>>,
    /// The filter in force; SIGHUP and `PUT /filter` replace it.
    pub filter: Arc<watch::Sender<LogFilter>>,
    /// Set once Kafka is connected.
    pub kafka: OnceLock<Arc<FrameProducer>>,
    pub brokers: String,
    pub topic: String,
}

impl Probe for Reader {
    fn not_ready(&self) -> Vec<String> {
        let mut missing: Vec<String> = self.sources.iter().filter_map(|s| s.not_ready()).collect();
        match self.kafka.get() {
            None => missing.push(format!("Kafka at {} is not connected yet", self.brokers)),
            Some(kafka) => {
                if let Some(error) = kafka.unreachable() {
                    missing.push(format!("Kafka at {} does not answer: {error}", self.brokers));
                }
            }
        }
        missing
    }

    fn status(&self) -> Value {
        let kafka = match self.kafka.get() {
            None => json!({ "brokers": self.brokers, "topic": self.topic, "connected": false }),
            Some(kafka) => {
                let report = kafka.report();
                let error = kafka.unreachable();
                json!({
                    "brokers": self.brokers,
                    "topic": self.topic,
                    "connected": true,
                    "reachable": error.is_none(),
                    "error": error,
                    "produced": report.produced,
                    "delivered": report.delivered,
                    "failed": report.failed,
                    "dropped": report.dropped,
                    "in_flight": report.in_flight,
                })
            }
        };
        json!({
            "filter": *self.filter.borrow(),
            "kafka": kafka,
            "sources": self.sources.iter().map(|s| s.json()).collect::<Vec<_>>(),
        })
    }
}

/// The control routes.
pub fn control(reader: Arc<Reader>) -> Router {
    Router::new()
        .route("/filter", put(replace_filter).post(replace_filter))
        .route("/command", post(command))
        .with_state(reader)
}

/// The body of `PUT /filter`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterBody {
    /// Only these logs; absent or null for all.
    include: Option<Vec<String>>,
    #[serde(default)]
    exclude: Vec<String>,
}

async fn replace_filter(State(reader): State<Arc<Reader>>, body: Bytes) -> Response {
    let body: FilterBody = match parse(&body, r#"{"include": [names] or null, "exclude": [names]}"#)
    {
        Ok(body) => body,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, message),
    };
    let filter = LogFilter::new(body.include, body.exclude);
    info!(%filter, "HTTP API: replaced the log filter");
    reader.filter.send_replace(filter.clone());
    Json(json!({ "filter": filter })).into_response()
}

/// A JSON body, or what was `expected` and why the body is not it.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8], expected: &str) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|error| format!("expected {expected}: {error}"))
}

/// The body of `POST /command`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandBody {
    /// The command line, e.g. `LOG VERSIONA ONCE`.
    command: String,
    /// The source's index, or its device, address or receiver id; may be left out when there is
    /// one source.
    source: Option<Value>,
}

async fn command(State(reader): State<Arc<Reader>>, body: Bytes) -> Response {
    let body: CommandBody = match parse(&body, r#"{"command": "LOG VERSIONA ONCE", "source": 0}"#) {
        Ok(body) => body,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, message),
    };
    let line = body.command.trim();
    if line.is_empty() || line.contains(['\r', '\n']) {
        return refuse(StatusCode::BAD_REQUEST, "the command must be one non-empty line");
    }
    let source = match pick(&reader.sources, body.source.as_ref()) {
        Ok(source) => source,
        Err((status, message)) => return refuse(status, message),
    };
    let Some(link) = &source.link else {
        return refuse(
            StatusCode::CONFLICT,
            format!(
                "source {} ({} {}) is not a live receiver: commands go to serial and tcp sources",
                source.index, source.kind, source.what
            ),
        );
    };
    match link.command(line, REPLY_TIMEOUT).await {
        Ok(reply) => {
            info!(source = source.index, command = line, reply, "HTTP API: command answered");
            Json(json!({
                "source": source.index,
                "command": line,
                "reply": reply,
                "ok": reply.starts_with("<OK"),
            }))
            .into_response()
        }
        Err(error) => {
            let status = match error {
                CommandError::NoReply(_) => StatusCode::GATEWAY_TIMEOUT,
                CommandError::NotConnected(_) | CommandError::Write(_) => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
            };
            refuse(status, error.to_string())
        }
    }
}

/// The source `chosen` names: an index, or a device, address, recordings or receiver id; the one
/// source if none is named.
fn pick<'a>(
    sources: &'a [Arc<SourceStatus>],
    chosen: Option<&Value>,
) -> Result<&'a Arc<SourceStatus>, (StatusCode, String)> {
    let found = match chosen {
        None if sources.len() == 1 => sources.first(),
        None => {
            return Err((
                StatusCode::BAD_REQUEST,
                format!(
                    "{} sources: name one with \"source\": its index or id (see /status)",
                    sources.len()
                ),
            ));
        }
        Some(Value::Number(n)) => n.as_u64().and_then(|i| sources.get(i as usize)),
        Some(Value::String(name)) => sources
            .iter()
            .find(|s| s.what == *name || s.receiver() == *name || s.index.to_string() == *name),
        Some(_) => None,
    };
    found.ok_or_else(|| {
        let message = "no such source: give an index or an id that /status lists";
        (StatusCode::NOT_FOUND, message.to_owned())
    })
}
