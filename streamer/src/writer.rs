//! Writes sealed micro-batches to ClickHouse, one at a time, on a thread of its own, while the
//! consumer fills the next batch.
//!
//! A batch is written in this order: new reference points, the aggregates' partial rows (into
//! `<target>_input`) and the raw tables, concurrently, then `frames` last. Each insert is one
//! block, written whole or not at all. The rows [`crate::exactly_once`] says a table already
//! holds, and those of frames produced again, are left out, so a batch written again after a
//! crash or a failed attempt adds nothing twice.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use metrics::{counter, histogram};
use tokio::runtime::Handle;
use tokio::task::JoinSet;
use tracing::{Instrument, debug, info, warn};

use crate::aggregate::{AggregateError, Engine};
use crate::error::JobError;
use crate::exactly_once::{self, Drops, FrameIds, Known, Marks, Shared, reaching};
use crate::metrics as m;
use crate::reference::{Point, References};
use crate::sink::{Sink, SinkError};
use crate::tables::{FramesBuilder, PositionsBuilder, RawTables, ReceiversBuilder};

/// Retries of ClickHouse writes back off from the first to the last delay.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_LAST: Duration = Duration::from_secs(10);

/// A micro-batch ready to write.
pub struct Sealed {
    /// The raw tables' batches, `frames` last.
    pub raw: Vec<(&'static str, RecordBatch)>,
    pub summary: Summary,
}

/// What a batch holds, for offsets, metrics and its tracing span.
#[derive(Clone, Debug)]
pub struct Summary {
    /// First and last offset per partition.
    pub offsets: exactly_once::Span,
    pub records: usize,
    pub rejected: usize,
    pub errors: usize,
    /// Rows of the raw tables, and when they were handed to the writer, once sealed.
    pub rows: usize,
    pub sealed: Option<Instant>,
    /// The batch's span, from its first record to its offsets stored.
    pub span: tracing::Span,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            offsets: exactly_once::Span::new(),
            records: 0,
            rejected: 0,
            errors: 0,
            rows: 0,
            sealed: None,
            span: tracing::Span::none(),
        }
    }
}

/// How writing a batch ended.
pub enum Done {
    Written(Summary),
    /// Its partitions were revoked, or a stop was asked for while ClickHouse was unavailable:
    /// nothing of it is acknowledged, whoever owns its partitions next writes it.
    Abandoned(Summary),
    /// A permanent error (wrong SQL, schema, credentials): the job stops.
    Failed(JobError),
}

/// What the consumer thread (and its rebalance callback) share with the writer thread.
#[derive(Default)]
pub struct Control {
    busy: Mutex<bool>,
    changed: Condvar,
    cancel: AtomicBool,
}

impl Control {
    fn lock(&self) -> std::sync::MutexGuard<'_, bool> {
        self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn is_busy(&self) -> bool {
        *self.lock()
    }

    fn set_busy(&self, busy: bool) {
        *self.lock() = busy;
        self.changed.notify_all();
    }

    /// Stops the batch being written (before its next attempt, or while it waits to retry) and
    /// waits until the writer is idle. An attempt under way finishes or fails first.
    pub fn abandon(&self) {
        let mut busy = self.lock();
        if *busy {
            self.cancel.store(true, Ordering::Relaxed);
            while *busy {
                busy = self.changed.wait(busy).unwrap_or_else(|poisoned| poisoned.into_inner());
            }
        }
        self.cancel.store(false, Ordering::Relaxed);
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// What the writer thread needs.
pub struct Parts {
    pub runtime: Handle,
    pub sink: Arc<Sink>,
    pub engine: Engine,
    pub references: References,
    /// What the rebalance callback tells: the marks read at the last assignment.
    pub shared: Arc<Mutex<Shared>>,
    /// Tables whose marks are read when they are not known.
    pub tables: Vec<String>,
    pub control: Arc<Control>,
    pub stop: Arc<AtomicBool>,
}

/// The writer thread: its parts, and what it knows of ClickHouse.
struct State {
    parts: Parts,
    /// The assignment ([`Shared::generation`]) what follows was learnt under.
    generation: u64,
    /// The marks of every table; `None` until read again (after a revocation or a failed
    /// attempt, when ClickHouse may hold more than they say).
    marks: Option<Marks>,
    /// Each receiver's latest frame in ClickHouse, as far as this writer knows.
    known: Known,
    /// Whether the reference points are read again before the next write: partitions newly
    /// assigned bring receivers whose points another streamer may have recorded since they were
    /// last read, and offsets measured from a point of this writer's own would differ.
    stale_references: bool,
}

/// The writer thread and its channels.
pub struct Writer {
    control: Arc<Control>,
    batches: Option<SyncSender<Sealed>>,
    done: Receiver<Done>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub fn spawn(parts: Parts) -> std::io::Result<Self> {
        let control = Arc::clone(&parts.control);
        let (batches, inbox) = std::sync::mpsc::sync_channel(1);
        let (outbox, done) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("clickhouse-writer".into())
            .spawn(move || writer_thread(parts, inbox, outbox))?;
        Ok(Writer { control, batches: Some(batches), done, thread: Some(thread) })
    }

    pub fn is_busy(&self) -> bool {
        self.control.is_busy()
    }

    /// Hands a batch over; the writer must be idle.
    pub fn submit(&self, sealed: Sealed) {
        debug_assert!(!self.is_busy());
        self.control.set_busy(true);
        if let Some(batches) = &self.batches {
            // The writer thread only ends when this sender is dropped.
            let _ = batches.send(sealed);
        }
    }

    /// How the last batch ended, if it has.
    pub fn try_done(&self) -> Option<Done> {
        self.done.try_recv().ok()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.control.abandon();
        self.batches = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn writer_thread(parts: Parts, inbox: Receiver<Sealed>, outbox: Sender<Done>) {
    let mut state = State {
        parts,
        generation: 0,
        marks: None,
        known: Known::default(),
        stale_references: false,
    };
    // Once a batch is left unwritten at a stop, no later batch is written: its `frames` rows
    // would mark the unwritten records as already held, and the next run would skip them.
    let mut left_at_stop = false;
    while let Ok(sealed) = inbox.recv() {
        let span = sealed.summary.span.clone();
        let done = if left_at_stop {
            Done::Abandoned(sealed.summary)
        } else {
            span.in_scope(|| state.write_with_retries(sealed))
        };
        let stopping = state.parts.stop.load(Ordering::Relaxed);
        left_at_stop |= matches!(done, Done::Abandoned(_)) && stopping;
        // Sent before going idle: whoever waits for idle finds the outcome.
        let _ = outbox.send(done);
        state.parts.control.set_busy(false);
    }
}

impl State {
    /// Takes in a new assignment: its marks, nothing learnt under the last one, and the reference
    /// points to read again.
    fn follow_assignment(&mut self) {
        let shared = self.parts.shared.lock().unwrap_or_else(|p| p.into_inner());
        if shared.generation != self.generation {
            self.generation = shared.generation;
            self.marks = shared.marks.clone();
            self.known.forget_unless(shared.generation);
            self.stale_references = true;
        }
    }

    /// Writes a batch, retrying while ClickHouse is unavailable, until it is written, abandoned
    /// or fails for good.
    fn write_with_retries(&mut self, sealed: Sealed) -> Done {
        let started = Instant::now();
        let Sealed { raw, summary } = sealed;
        self.follow_assignment();
        let mut delay = RETRY_FIRST;
        let mut failures = 0u32;
        loop {
            if self.parts.control.cancelled() {
                return Done::Abandoned(summary);
            }
            let runtime = self.parts.runtime.clone();
            let error = match &self.marks {
                // Under a new assignment nothing is written until the reference points are read
                // again.
                _ if self.stale_references => {
                    match runtime.block_on(self.parts.sink.reference_points()) {
                        Ok(rows) => {
                            self.parts.references.refresh(rows);
                            self.stale_references = false;
                            continue;
                        }
                        Err(error) => JobError::from(error),
                    }
                }
                // What a failed attempt wrote is in ClickHouse: the marks are read again to leave
                // it out, and nothing is written until they are.
                None => match runtime.block_on(self.parts.sink.all_marks(&self.parts.tables)) {
                    Ok(fresh) => {
                        self.marks = Some(fresh);
                        continue;
                    }
                    Err(error) => JobError::from(error),
                },
                Some(marks) => {
                    let reaching = reaching(marks, &summary.offsets);
                    match runtime.block_on(self.write(&raw, reaching)) {
                        Ok(duplicates) => {
                            record_written(&summary, duplicates, started, failures);
                            return Done::Written(summary);
                        }
                        Err(error) => error,
                    }
                }
            };
            if !error.is_retryable() {
                return Done::Failed(error);
            }
            failures += 1;
            self.marks = None;
            counter!(m::INSERT_RETRIES).increment(1);
            warn!(%error, retry_in = ?delay, records = summary.records, "cannot write the batch to ClickHouse; consumption paused until it can");
            let until = Instant::now() + delay;
            while Instant::now() < until {
                if self.parts.control.cancelled() {
                    return Done::Abandoned(summary);
                }
                if self.parts.stop.load(Ordering::Relaxed) {
                    info!(
                        records = summary.records,
                        "stop asked for while ClickHouse is unavailable; the batch is left for the next run"
                    );
                    return Done::Abandoned(summary);
                }
                std::thread::sleep(Duration::from_millis(50).min(until - Instant::now()));
            }
            delay = (delay * 2).min(RETRY_LAST);
        }
    }

    /// One attempt at writing a batch, leaving out the rows of tables that reach into it
    /// (`reaching`, [`exactly_once::reaching`]) and of frames produced again. Returns how many
    /// frames were produced again.
    async fn write(
        &mut self,
        raw: &[(&'static str, RecordBatch)],
        reaching: Marks,
    ) -> Result<usize, JobError> {
        let drops = Drops { duplicates: self.duplicates(raw).await?, reaching };
        let parts = &mut self.parts;
        write_batch(&parts.sink, &mut parts.engine, &mut parts.references, raw, &drops).await?;
        self.known.written();
        Ok(drops.duplicates.len())
    }

    /// The (partition, offset) of the frames of a batch that ClickHouse already holds, or that
    /// repeat an earlier frame of the batch ([`exactly_once::FrameIds`]): at most two indexed
    /// queries, none for receivers whose frames are known to be new.
    async fn duplicates(
        &mut self,
        raw: &[(&'static str, RecordBatch)],
    ) -> Result<HashSet<(u32, u64)>, SinkError> {
        let frames = raw.iter().find(|(t, _)| *t == FramesBuilder::TABLE).map(|(_, b)| b);
        let Some(ids) = frames.and_then(FrameIds::of) else { return Ok(HashSet::new()) };
        let questions = self.known.questions(&ids.spans());
        let sink = &self.parts.sink;
        if !questions.unknown.is_empty() {
            let from: Vec<(&str, i64)> =
                questions.unknown.iter().map(|&(_, receiver, first)| (receiver, first)).collect();
            let latest: HashMap<String, i64> =
                sink.latest_frame_times(&from).await?.into_iter().collect();
            self.known.learn(&questions.unknown, &latest);
        }
        if questions.ranges.is_empty() {
            return Ok(HashSet::new());
        }
        let receivers = questions.ranges.len();
        debug!(receivers, "asking ClickHouse which of the batch's frames it holds");
        let stored = sink.frame_identities(&questions.ranges).await?;
        Ok(ids
            .duplicates(stored.iter().map(|(r, t, l, c, o)| (r.as_str(), *t, l.as_str(), *c, *o))))
    }
}

/// Writes a batch's rows but those `drops` leaves out: new reference points, then the raw tables
/// and, once DataFusion has computed them, the aggregates' partial rows, all at once (ClickHouse
/// writes each insert on a thread of its own), then `frames` last.
pub async fn write_batch(
    sink: &Arc<Sink>,
    engine: &mut Engine,
    references: &mut References,
    raw: &[(&'static str, RecordBatch)],
    drops: &Drops,
) -> Result<(), JobError> {
    let kept = raw
        .iter()
        .map(|(table, batch)| Ok((*table, drops.apply(table, batch)?)))
        .collect::<Result<Vec<_>, JobError>>()?;
    let positions = kept.iter().find(|(t, _)| *t == PositionsBuilder::TABLE).map(|(_, b)| b);
    let new_points: Vec<(String, Point)> =
        positions.map(|p| references.discover(p)).unwrap_or_default();
    if !new_points.is_empty() {
        let batch = References::default().batch(&new_points)?;
        insert(sink, ReceiversBuilder::TABLE.to_owned(), batch).await?;
        info!(receivers = ?new_points.iter().map(|(r, _)| r).collect::<Vec<_>>(), "reference points recorded");
        references.extend(new_points);
    }
    // The raw tables' inserts start first: ClickHouse writes them while DataFusion aggregates.
    let inserted = Instant::now();
    let mut inserts = JoinSet::new();
    let mut frames = None;
    for (table, batch) in kept {
        if table == FramesBuilder::TABLE {
            frames = Some(batch);
        } else {
            inserts.spawn(insert(Arc::clone(sink), table.to_owned(), batch).in_current_span());
        }
    }
    let mut inputs: Vec<(&str, RecordBatch)> = raw.iter().map(|(t, b)| (*t, b.clone())).collect();
    inputs.push((ReceiversBuilder::TABLE, references.batch(&[])?));
    let aggregated = Instant::now();
    let aggregates = engine.run(&inputs, drops).await?;
    debug!(took = ?aggregated.elapsed(), "aggregated");
    for (target, batch) in aggregates {
        let table = format!("{target}_input");
        inserts.spawn(insert(Arc::clone(sink), table, batch).in_current_span());
    }
    let mut failed = None;
    while let Some(joined) = inserts.join_next().await {
        let result = joined.map_err(|e| JobError::InsertTask(e.to_string()))?;
        if let Err(error) = result {
            failed.get_or_insert(error);
        }
    }
    if let Some(error) = failed {
        return Err(error.into());
    }
    if let Some(frames) = frames {
        insert(sink, FramesBuilder::TABLE.to_owned(), frames).await?;
    }
    debug!(took = ?inserted.elapsed(), "written");
    Ok(())
}

/// The metrics and log lines of a batch written.
fn record_written(summary: &Summary, duplicates: usize, started: Instant, failures: u32) {
    histogram!(m::FLUSH_SECONDS).record(started.elapsed().as_secs_f64());
    if duplicates > 0 {
        counter!(m::DUPLICATE_FRAMES).increment(duplicates as u64);
        info!(
            frames = duplicates,
            "left out frames ClickHouse already held (the same receiver, GPS time, log and bytes, produced again)"
        );
    }
    counter!(m::RECORDS, "kind" => "frame").increment((summary.records - summary.rejected) as u64);
    counter!(m::RECORDS, "kind" => "rejected").increment(summary.rejected as u64);
    counter!(m::DECODE_ERRORS).increment(summary.errors as u64);
    histogram!(m::BATCH_FRAMES).record(summary.records as f64);
    if failures > 0 {
        info!(
            records = summary.records,
            failures, "ClickHouse took the batch; consumption resumed"
        );
    }
    debug!(records = summary.records, written_in = ?started.elapsed(), "batch written");
}

async fn insert(
    sink: impl AsRef<Sink>,
    table: String,
    batch: RecordBatch,
) -> Result<(), SinkError> {
    if batch.num_rows() == 0 {
        return Ok(());
    }
    let started = Instant::now();
    sink.as_ref().insert(&table, &batch).await?;
    histogram!(m::INSERT_SECONDS, "table" => table.clone()).record(started.elapsed().as_secs_f64());
    counter!(m::ROWS_INSERTED, "table" => table).increment(batch.num_rows() as u64);
    Ok(())
}

/// The tables the aggregates read, by name and schema: a batch's raw tables and the reference
/// points.
pub fn aggregate_inputs() -> Vec<(&'static str, SchemaRef)> {
    let mut inputs = RawTables::schemas();
    inputs.push((ReceiversBuilder::TABLE, ReceiversBuilder::schema()));
    inputs
}

/// Checks that ClickHouse has every table the job writes, with columns matching the batches and
/// the aggregates' results. Returns the tables whose marks decide where partitions resume: the
/// raw tables and the aggregate targets.
pub async fn check_tables(sink: &Sink, engine: &Engine) -> Result<Vec<String>, JobError> {
    for (table, schema) in &aggregate_inputs() {
        sink.check(table, schema)?;
    }
    let mut tables: Vec<String> =
        RawTables::schemas().into_iter().map(|(t, _)| t.to_owned()).collect();
    for (aggregate, schema) in engine.schemas() {
        if schema.field_with_name("kafka_partition").is_err()
            || schema.field_with_name("kafka_offset").is_err()
        {
            return Err(AggregateError::File {
                path: aggregate.path.clone(),
                reason: "the query must group by kafka_partition and return max(kafka_offset) AS kafka_offset".into(),
            }
            .into());
        }
        let target = &aggregate.target;
        sink.check(&format!("{target}_input"), schema)?;
        sink.table(target)?;
        tables.push(target.clone());
    }
    Ok(tables)
}
