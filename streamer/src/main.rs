use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use gnss_common::http;
use gnss_common::settings::{LoadError, Settings};
use gnss_common::telemetry::{self, LATENCY_BUCKETS};
use gnss_streamer::aggregate::{self, Engine};
use gnss_streamer::consumer::{self, Callbacks};
use gnss_streamer::exactly_once::Shared;
use gnss_streamer::job::{Job, Limits};
use gnss_streamer::metrics as m;
use gnss_streamer::reference::References;
use gnss_streamer::retention::{self, Class, Retention};
use gnss_streamer::settings::{self, Args};
use gnss_streamer::sink::Sink;
use gnss_streamer::status::Status;
use gnss_streamer::tables::RawTables;
use gnss_streamer::writer::{self, Control, Parts, Writer};
use tokio::runtime::Runtime;
use tokio::signal::unix::{SignalKind, signal};
use tracing::{error, info, warn};

fn main() -> ExitCode {
    tune_the_allocator();
    let settings = match settings::load(std::env::args_os().collect()) {
        Ok(settings) => settings,
        Err(LoadError::Usage(error)) => error.exit(),
        Err(error) => {
            eprintln!("gnss-streamer: error: {:#}", anyhow::Error::from(error));
            return ExitCode::from(2);
        }
    };
    telemetry::init_tracing(settings.args.telemetry.log_format);
    if settings.args.print_config {
        print!("{}", settings.describe());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("gnss-streamer: error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match run(&settings, &runtime) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gnss-streamer: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// How often ClickHouse is asked `SELECT 1`, for `/ready`.
const CLICKHOUSE_PROBE: Duration = Duration::from_secs(5);

fn run(settings: &Settings<Args>, runtime: &Runtime) -> anyhow::Result<()> {
    let args = &settings.args;
    let status = Arc::new(Status::new(&args.kafka_group, &args.kafka.kafka_topic));
    if let Some(listen) = args.telemetry.metrics_listen.0 {
        let _entered = runtime.enter();
        let histograms = [
            (m::INSERT_SECONDS, LATENCY_BUCKETS),
            (m::FLUSH_SECONDS, LATENCY_BUCKETS),
            (m::BATCH_FRAMES, m::BATCH_BUCKETS),
        ];
        let metrics = http::install_metrics(&histograms)?;
        let probe = Arc::clone(&status) as _;
        runtime.block_on(http::serve(listen, metrics, probe, None))?;
        info!(%listen, "serving the HTTP API: /metrics, /health, /ready, /status");
    }
    let connection = args.clickhouse.connection()?;
    let sql_dir = &args.sql_dir;
    // Compose starts ClickHouse alongside: it is waited for, up to --connect-timeout.
    let wait = args.connect_timeout;
    let sink = Arc::new(runtime.block_on(Sink::connect(
        connection,
        args.cluster().as_ref(),
        sql_dir,
        wait,
    ))?);
    runtime.spawn(Arc::clone(&status).probe_clickhouse(Arc::clone(&sink), CLICKHOUSE_PROBE));
    if args.migrate_only {
        info!("migrations applied; --migrate-only given, stopping");
        return Ok(());
    }
    let aggregates = aggregate::load(&sql_dir.join("aggregates"))?;
    let engine = runtime.block_on(Engine::new(aggregates, &writer::aggregate_inputs()))?;
    let tables = runtime.block_on(writer::check_tables(&sink, &engine))?;
    let classes: Vec<(String, Class)> = RawTables::schemas()
        .into_iter()
        .map(|(table, _)| (table.to_owned(), Class::Raw))
        .chain(engine.aggregates().iter().map(|a| (a.target.clone(), Class::Aggregate)))
        .collect();
    let retention = args.retention();
    runtime.block_on(retention::enforce(&sink, &classes, &retention, now_ms()))?;
    runtime.spawn(keep_retention(Arc::clone(&sink), classes, retention));
    let points = runtime.block_on(sink.reference_points())?;
    let mut references = References::default();
    references.refresh(points);
    info!(
        aggregates = engine.aggregates().len(),
        receivers = references.count(),
        group = %args.kafka_group,
        topic = %args.kafka.kafka_topic,
        "starting"
    );

    let stop = Arc::new(AtomicBool::new(false));
    runtime.spawn(stop_on_signal(Arc::clone(&stop)));
    let shared = Arc::new(Mutex::new(Shared::default()));
    let control = Arc::new(Control::default());
    let callbacks = Callbacks {
        runtime: runtime.handle().clone(),
        sink: Arc::clone(&sink),
        tables: tables.clone(),
        topic: args.kafka.kafka_topic.clone(),
        start: args.kafka_start,
        shared: Arc::clone(&shared),
        writer: Arc::clone(&control),
        client_error: Default::default(),
        status,
    };
    let properties = settings.pairs("kafka_properties");
    let consumer = consumer::subscribe(args, &properties, callbacks)?;
    let writer = Writer::spawn(Parts {
        runtime: runtime.handle().clone(),
        sink,
        engine,
        references,
        shared,
        tables,
        control,
        stop: Arc::clone(&stop),
    })
    .context("cannot start the writer thread")?;
    let limits = Limits { max_frames: args.batch_max_frames, max_age: args.batch_max_age };
    Job::new(consumer, writer, limits, stop).run()?;
    Ok(())
}

/// Enforces the retention every hour (on 18.16, drops the partitions that have expired since);
/// a failure is logged and tried again the next hour.
async fn keep_retention(sink: Arc<Sink>, classes: Vec<(String, Class)>, retention: Retention) {
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    hourly.tick().await;
    loop {
        hourly.tick().await;
        if let Err(error) = retention::enforce(&sink, &classes, &retention, now_ms()).await {
            warn!(%error, "cannot enforce the retention now; trying again in an hour");
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// SIGINT or SIGTERM: write the batch in progress, commit, and stop.
async fn stop_on_signal(stop: Arc<AtomicBool>) {
    let (Ok(mut interrupt), Ok(mut terminate)) =
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        error!("cannot listen for signals; stop the streamer with SIGKILL (nothing is lost)");
        return;
    };
    tokio::select! {
        _ = interrupt.recv() => info!("SIGINT: stopping after the batch in progress"),
        _ = terminate.recv() => info!("SIGTERM: stopping after the batch in progress"),
    }
    stop.store(true, Ordering::Relaxed);
}

/// glibc's allocator, set for the streamer's batches (docs/performance.md):
/// - Every allocation of 128 KiB or more (Arrow's column buffers) is mapped on its own and
///   unmapped when freed. By default glibc raises that threshold as large blocks are freed, after
///   which the columns of each batch, allocated and freed on several threads, fragment its heaps:
///   peak RSS was 350-390 MB instead of under 300.
/// - Each heap keeps 64 MiB free at its top rather than 128 KiB. With the default, the heaps of
///   the consume loop, the writer and the insert tasks were given back after each batch and taken
///   again by the next, every page faulted in anew: 3.6 times the page faults, and the streamer
///   spent a fifth more CPU per log. It costs about 80 MB of peak RSS when draining a backlog.
fn tune_the_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets tuning parameters of the allocator; called before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TOP_PAD, 64 * 1024 * 1024);
    }
}
