use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use clap::{CommandFactory, FromArgMatches};
use gnss_streamer::aggregate::{self, Engine};
use gnss_streamer::config::{Args, File, Settings};
use gnss_streamer::consumer::{self, Context, Shared};
use gnss_streamer::job::{Job, Limits};
use gnss_streamer::metrics as m;
use gnss_streamer::reference::{Point, References};
use gnss_streamer::sink::{Connection, Sink};
use gnss_streamer::writer::{self, Control, Parts, Writer};
use novatel_reader::config::{Resolver, print_settings};
use novatel_reader::telemetry::{self, LATENCY_BUCKETS};
use tokio::runtime::Runtime;
use tokio::signal::unix::{SignalKind, signal};
use tracing::{error, info};

fn main() -> ExitCode {
    return_large_buffers_to_the_system();
    let command = Args::command();
    let matches = command.clone().get_matches();
    let args = Args::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let settings = match Resolver::<File>::new(&matches, &command, args.config.clone())
        .and_then(|resolver| Settings::resolve(&args, &resolver))
    {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("gnss-streamer: error: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_tracing(settings.log_format.value);
    if settings.print_config {
        let _ = print_settings(&settings.describe(), &mut std::io::stdout().lock());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("gnss-streamer: error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match run(settings, &runtime) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            error!("{error:#}");
            eprintln!("gnss-streamer: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(settings: Settings, runtime: &Runtime) -> anyhow::Result<()> {
    if let Some(listen) = settings.metrics_listen.value {
        let _entered = runtime.enter();
        let histograms = [
            (m::INSERT_SECONDS, LATENCY_BUCKETS),
            (m::FLUSH_SECONDS, LATENCY_BUCKETS),
            (m::BATCH_FRAMES, m::BATCH_BUCKETS),
        ];
        telemetry::serve_metrics(listen, &histograms).with_context(|| {
            format!("cannot serve metrics on {listen}; choose another --metrics-listen")
        })?;
        info!(%listen, "serving Prometheus metrics on /metrics");
    }
    let connection = Connection {
        url: settings.clickhouse_url.value.clone(),
        database: settings.clickhouse_database.value.clone(),
        user: settings.clickhouse_user.value.clone(),
        password: settings.clickhouse_password.value.clone(),
    };
    let sql_dir = &settings.sql_dir.value;
    // Compose starts ClickHouse alongside: it is waited for, up to --connect-timeout.
    let wait = settings.connect_timeout.value;
    let sink = Arc::new(runtime.block_on(Sink::connect(connection, sql_dir, wait))?);
    if settings.migrate_only {
        info!("migrations applied; --migrate-only given, stopping");
        return Ok(());
    }
    let engine = Engine::new(aggregate::load(&sql_dir.join("aggregates"))?);
    let tables = runtime.block_on(writer::check_tables(&sink, &engine))?;
    let points = runtime.block_on(sink.reference_points())?;
    let references =
        References::new(points.into_iter().map(|(receiver, lat_deg, lon_deg, hgt_m, time_ms)| {
            (receiver, Point { lat_deg, lon_deg, hgt_m, time_ms })
        }));
    info!(
        aggregates = engine.aggregates().len(),
        receivers = references.count(),
        group = %settings.kafka_group.value,
        topic = %settings.kafka_topic.value,
        "starting"
    );

    let stop = Arc::new(AtomicBool::new(false));
    runtime.spawn(stop_on_signal(Arc::clone(&stop)));
    let shared = Arc::new(Mutex::new(Shared::default()));
    let control = Arc::new(Control::default());
    let context = Context {
        runtime: runtime.handle().clone(),
        sink: Arc::clone(&sink),
        tables: tables.clone(),
        topic: settings.kafka_topic.value.clone(),
        start: settings.kafka_start.value,
        shared: Arc::clone(&shared),
        writer: Arc::clone(&control),
        client_error: Default::default(),
    };
    let consumer = consumer::subscribe(&settings, context)?;
    let writer = Writer::spawn(Parts {
        runtime: runtime.handle().clone(),
        sink,
        engine,
        references,
        shared,
        tables,
        control,
        stop: Arc::clone(&stop),
        latest: Default::default(),
    })
    .context("cannot start the writer thread")?;
    let limits = Limits {
        max_frames: settings.batch_max_frames.value,
        max_age: settings.batch_max_age.value,
    };
    Job::new(consumer, writer, limits, stop).run()?;
    Ok(())
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

/// Every allocation of 128 KiB or more (Arrow's column buffers) is mapped on its own and unmapped
/// when freed. By default glibc raises that threshold as large blocks are freed, after which the
/// columns of each batch, allocated and freed on several threads, fragment its heaps: peak RSS
/// was 350-390 MB instead of under 300 (docs/performance.md).
fn return_large_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter of the allocator; called before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
