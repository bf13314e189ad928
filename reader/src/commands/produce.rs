//! What every producing command does around its sources: logging, the HTTP API (metrics,
//! readiness, status, control), the Kafka connection, signals (SIGINT/SIGTERM stop, SIGHUP
//! reloads the filter), one pipeline per source, and at the end a flush and a report.

use std::ffi::OsString;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use gnss_common::settings::{LoadError, Settings, SettingsError};
use gnss_common::{http, telemetry};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::Cli;
use crate::api::{self, Reader};
use crate::filter::LogFilter;
use crate::kafka::{FrameProducer, WhenFull};
use crate::metrics as m;
use crate::pipeline::{Pipeline, ProgressMode};
use crate::settings::ProducerArgs;
use crate::source::Source;
use crate::status::{SourceStatus, Totals};

/// How often the brokers are asked for metadata, for `/ready`.
const BROKER_CHECK: Duration = Duration::from_secs(2);

/// How a run failed, which decides the exit status.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Flags, environment or config file clap refuses, `--help` or `--version`: clap prints it
    /// and exits (status 2, or 0 for help).
    #[error(transparent)]
    Settings(#[from] LoadError),
    /// Settings that do not go together: exit status 2.
    #[error("{0}")]
    Usage(String),
    /// Anything that went wrong while running: exit status 1.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<SettingsError> for RunError {
    fn from(error: SettingsError) -> Self {
        RunError::Settings(LoadError::Settings(error))
    }
}

/// The documented exit statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    Ok = 0,
    Failed = 1,
    Usage = 2,
}

impl RunError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            RunError::Settings(_) | RunError::Usage(_) => ExitCode::Usage,
            RunError::Failed(_) => ExitCode::Failed,
        }
    }
}

/// A source and how its pipeline runs.
pub struct Job {
    pub source: Source,
    /// Replaces the receiver id the source gives.
    pub receiver_id: Option<String>,
    pub speed: Option<f64>,
    pub progress: ProgressMode,
    pub total_bytes: Option<u64>,
}

impl Job {
    /// A live receiver's source (serial or TCP): read as it comes, no pacing, progress as log
    /// lines.
    pub fn live(source: Source, producer: &ProducerArgs) -> Self {
        Job {
            source,
            receiver_id: producer.receiver_id.clone(),
            speed: None,
            progress: ProgressMode::Auto,
            total_bytes: None,
        }
    }
}

/// A producing command's run: its settings, and its command line to read them again on SIGHUP.
pub struct Run<'a> {
    pub settings: &'a Settings<Cli>,
    pub argv: Vec<OsString>,
}

impl Run<'_> {
    /// Starts logging, and prints the settings instead of running if asked. Returns whether to
    /// run.
    pub fn start(&self, producer: &ProducerArgs) -> bool {
        telemetry::init_tracing(producer.telemetry.log_format);
        if producer.print_config {
            print!("{}", self.settings.describe());
            return false;
        }
        true
    }
}

/// Runs `jobs` to Kafka until they end or a signal stops them.
pub async fn run(run: Run<'_>, producer: &ProducerArgs, jobs: Vec<Job>) -> Result<(), RunError> {
    let filter = producer.filter();
    info!(%filter, "log filter");
    let (filter_tx, filter_rx) = watch::channel(filter);
    let filter_tx = Arc::new(filter_tx);
    let statuses: Vec<Arc<SourceStatus>> = jobs
        .iter()
        .enumerate()
        .map(|(index, job)| Arc::new(SourceStatus::new(index, &job.source)))
        .collect();
    let reader = Arc::new(Reader {
        sources: statuses.clone(),
        filter: Arc::clone(&filter_tx),
        kafka: OnceLock::new(),
        brokers: producer.kafka.kafka_brokers.clone(),
        topic: producer.kafka.kafka_topic.clone(),
    });
    if let Some(listen) = producer.telemetry.metrics_listen.0 {
        serve_api(listen, producer, Arc::clone(&reader)).await.map_err(anyhow::Error::from)?;
        info!(%listen, "serving the HTTP API: /metrics, /health, /ready, /status, /filter, /command");
    }
    let live = jobs.iter().any(|job| job.source.is_live());
    let when_full = if live { WhenFull::Drop } else { WhenFull::Wait };
    let properties = run.settings.pairs("kafka_properties");
    let kafka = Arc::new(
        FrameProducer::connect(producer, &properties, when_full)
            .await
            .map_err(anyhow::Error::from)?,
    );
    let _ = reader.kafka.set(Arc::clone(&kafka));
    let watcher = tokio::spawn(Arc::clone(&kafka).watch_brokers(BROKER_CHECK));
    let shutdown = CancellationToken::new();
    let signals = tokio::spawn(handle_signals(run.argv, filter_tx, shutdown.clone()));

    let mut tasks = Vec::new();
    for (job, status) in jobs.into_iter().zip(statuses) {
        let pipeline = Pipeline {
            producer: Arc::clone(&kafka),
            filter: filter_rx.clone(),
            receiver_id: job.receiver_id,
            speed: job.speed,
            progress: job.progress,
            total_bytes: job.total_bytes,
            shutdown: shutdown.clone(),
            status: Arc::clone(&status),
        };
        tasks.push(tokio::spawn(async move {
            let outcome = pipeline.run(job.source).await;
            status.end();
            outcome
        }));
    }
    let mut totals = Totals::default();
    let mut failure = None;
    for task in tasks {
        match task.await {
            Ok(Ok(t)) => {
                totals.bytes += t.bytes;
                totals.frames += t.frames;
                totals.filtered += t.filtered;
                for (sum, n) in totals.rejected.iter_mut().zip(t.rejected) {
                    *sum += n;
                }
            }
            Ok(Err(error)) => {
                shutdown.cancel();
                failure.get_or_insert(anyhow::Error::from(error));
            }
            Err(join) => {
                shutdown.cancel();
                failure.get_or_insert(anyhow::anyhow!("a pipeline stopped unexpectedly: {join}"));
            }
        }
    }
    signals.abort();
    watcher.abort();
    let report = kafka.flush(producer.kafka_flush_timeout).await;
    info!(
        read_bytes = totals.bytes,
        frames = totals.frames,
        filtered = totals.filtered,
        rejected_bad_crc = totals.rejected[0],
        rejected_oversize = totals.rejected[1],
        rejected_unframed = totals.rejected[2],
        rejected_truncated = totals.rejected[3],
        produced = report.produced,
        delivered = report.delivered,
        delivered_bytes = report.delivered_bytes,
        failed = report.failed,
        dropped = report.dropped,
        undelivered = report.in_flight,
        topic = %producer.kafka.kafka_topic,
        "finished"
    );
    if let Some(error) = failure {
        return Err(RunError::Failed(error));
    }
    if report.lost() > 0 {
        return Err(RunError::Failed(anyhow::anyhow!(
            "{} frames did not reach Kafka ({} failed, {} dropped for a full buffer, {} still queued at \
             the flush timeout)",
            report.lost(),
            report.failed,
            report.dropped,
            report.in_flight
        )));
    }
    Ok(())
}

/// Serves the HTTP API with the reader's control routes.
async fn serve_api(
    listen: std::net::SocketAddr,
    producer: &ProducerArgs,
    reader: Arc<Reader>,
) -> Result<(), http::HttpError> {
    let metrics = http::install_metrics(&[(m::PRODUCE_LATENCY, telemetry::LATENCY_BUCKETS)])?;
    let access = http::Access::new(listen, producer.http_token_file.as_deref())?;
    let control = http::Control { routes: api::control(Arc::clone(&reader)), access };
    http::serve(listen, metrics, reader, Some(control)).await
}

/// SIGINT or SIGTERM stops reading (a second one exits at once); SIGHUP reads the settings of
/// `argv` again, the config file as it is now, and takes their filter (the command line and the
/// environment still win over the file).
async fn handle_signals(
    argv: Vec<OsString>,
    filter: Arc<watch::Sender<LogFilter>>,
    shutdown: CancellationToken,
) {
    let (Ok(mut interrupt), Ok(mut terminate), Ok(mut hangup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        error!("cannot install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
            _ = hangup.recv() => {
                match Cli::load(argv.clone()) {
                    Ok(settings) => {
                        let reloaded = settings.args.producer().map(ProducerArgs::filter).unwrap_or_default();
                        info!(filter = %reloaded, "SIGHUP: reloaded the log filter");
                        filter.send_replace(reloaded);
                    }
                    Err(error) => warn!(%error, "SIGHUP: keeping the current filter"),
                }
                continue;
            }
        }
        if shutdown.is_cancelled() {
            warn!("second signal: exiting without waiting for Kafka");
            std::process::exit(ExitCode::Failed as i32);
        }
        info!("stopping: no more reading, flushing what was read to Kafka");
        shutdown.cancel();
    }
}
