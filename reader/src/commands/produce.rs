//! What every producing command does around its sources: logging, the metrics endpoint, the
//! Kafka connection, signals (SIGINT/SIGTERM stop, SIGHUP reloads the filter), one pipeline per
//! source, and at the end a flush and a report.

use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::config::{Common, CommonArgs, ConfigError, Origin, print_settings};
use crate::kafka::{FrameProducer, WhenFull};
use crate::pipeline::{Pipeline, ProgressMode, Totals};
use crate::source::Source;
use crate::telemetry;

/// How a run failed, which decides the exit status.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad flags, environment or config file: exit status 2.
    #[error("{0}")]
    Usage(String),
    /// Anything that went wrong while running: exit status 1.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<ConfigError> for RunError {
    fn from(error: ConfigError) -> Self {
        RunError::Usage(error.to_string())
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
            RunError::Usage(_) => ExitCode::Usage,
            RunError::Failed(_) => ExitCode::Failed,
        }
    }
}

/// A source and how its pipeline runs.
pub struct Job {
    pub source: Source,
    pub speed: Option<f64>,
    pub progress: ProgressMode,
    pub total_bytes: Option<u64>,
}

/// Starts logging, and prints the settings instead of running if asked. Returns whether to run.
pub fn start(common: &Common, own: Vec<(String, String, Origin)>) -> bool {
    telemetry::init_tracing(common.log_format.value);
    if common.print_config {
        let mut lines = Vec::new();
        common.describe(&mut lines);
        lines.extend(own);
        let _ = print_settings(&lines, &mut std::io::stdout().lock());
        return false;
    }
    true
}

/// Runs `jobs` to Kafka until they end or a signal stops them.
pub async fn run(common: Common, args: &CommonArgs, jobs: Vec<Job>) -> Result<(), RunError> {
    if let Some(listen) = common.metrics_listen.value {
        telemetry::serve_metrics(
            listen,
            &[(telemetry::PRODUCE_LATENCY, telemetry::LATENCY_BUCKETS)],
        )
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot serve metrics on {listen}: {e}; choose another --metrics-listen"
            )
        })?;
        info!(%listen, "serving Prometheus metrics on /metrics");
    }
    let live = jobs.iter().any(|job| job.source.is_live());
    let when_full = if live { WhenFull::Drop } else { WhenFull::Wait };
    let producer = Arc::new(
        FrameProducer::connect(&common.kafka, when_full).await.map_err(anyhow::Error::from)?,
    );
    let (filter_tx, filter_rx) = watch::channel(common.filter.value.clone());
    info!(filter = %common.filter.value, "log filter");
    let shutdown = CancellationToken::new();
    let signals =
        tokio::spawn(handle_signals(common.clone(), args.clone(), filter_tx, shutdown.clone()));

    let mut tasks = Vec::new();
    for job in jobs {
        let pipeline = Pipeline {
            producer: Arc::clone(&producer),
            filter: filter_rx.clone(),
            receiver_id: common.receiver_id.value.clone(),
            speed: job.speed,
            progress: job.progress,
            total_bytes: job.total_bytes,
            shutdown: shutdown.clone(),
        };
        tasks.push(tokio::spawn(pipeline.run(job.source)));
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
    let report = producer.flush(common.kafka.flush_timeout.value).await;
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
        topic = %common.kafka.topic.value,
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

/// SIGINT or SIGTERM stops reading (a second one exits at once); SIGHUP re-reads the config
/// file's filter.
async fn handle_signals(
    common: Common,
    args: CommonArgs,
    filter: watch::Sender<crate::filter::LogFilter>,
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
                match common.reload_filter(&args) {
                    Ok(setting) => {
                        info!(filter = %setting.value, origin = %setting.origin, "SIGHUP: reloaded the log filter");
                        let _ = filter.send(setting.value);
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
