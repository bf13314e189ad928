//! Writes sealed micro-batches to ClickHouse, one at a time, on a thread of its own, while the
//! consumer fills the next batch.
//!
//! A batch is written in this order: new reference points, the aggregates' partial rows (into
//! `<target>_input`) and the raw tables, concurrently, then `frames` last. Each insert is one
//! block, written whole or not at all. Rows a table already holds (at or below its marks) are
//! left out, so a batch written again after a crash or a failed attempt adds nothing twice.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use datafusion::arrow::record_batch::RecordBatch;
use metrics::{counter, histogram};
use tokio::runtime::Handle;
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::aggregate::{AggregateError, Engine, without_held};
use crate::consumer::{Marks, Shared, read_marks};
use crate::duplicates;
use crate::job::JobError;
use crate::metrics as m;
use crate::reference::{Point, References};
use crate::rows::{FramesBuilder, PositionsBuilder, RawTables, ReceiversBuilder};
use crate::sink::{Sink, SinkError};

/// Retries of ClickHouse writes back off from the first to the last delay.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_LAST: Duration = Duration::from_secs(10);

/// A micro-batch ready to write.
pub struct Sealed {
    /// The raw tables' batches, `frames` last.
    pub raw: Vec<(&'static str, RecordBatch)>,
    pub summary: Summary,
}

/// What a batch holds, for offsets and metrics.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// First and last offset per partition.
    pub offsets: BTreeMap<i32, (i64, i64)>,
    pub records: usize,
    pub rejected: usize,
    pub errors: usize,
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
    /// The consumer's shared state: the marks read at the last assignment.
    pub shared: Arc<Mutex<Shared>>,
    /// Tables whose marks are read again after a failed attempt.
    pub tables: Vec<String>,
    pub control: Arc<Control>,
    pub stop: Arc<AtomicBool>,
    /// Each receiver's latest frame in ClickHouse, as far as this writer knows.
    pub latest: duplicates::Latest,
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

fn writer_thread(mut parts: Parts, inbox: Receiver<Sealed>, outbox: Sender<Done>) {
    // Once a batch is left unwritten at a stop, no later batch is written: its `frames` rows
    // would mark the unwritten records as already held, and the next run would skip them.
    let mut left_at_stop = false;
    while let Ok(sealed) = inbox.recv() {
        let done = if left_at_stop {
            Done::Abandoned(sealed.summary)
        } else {
            write_with_retries(&mut parts, sealed)
        };
        left_at_stop |= matches!(done, Done::Abandoned(_)) && parts.stop.load(Ordering::Relaxed);
        // Sent before going idle: whoever waits for idle finds the outcome.
        let _ = outbox.send(done);
        parts.control.set_busy(false);
    }
}

/// Writes a batch, retrying while ClickHouse is unavailable, until it is written, abandoned or
/// fails for good.
fn write_with_retries(parts: &mut Parts, sealed: Sealed) -> Done {
    let started = Instant::now();
    let Sealed { raw, summary } = sealed;
    let (marks, assignments) = {
        let shared = parts.shared.lock().unwrap_or_else(|p| p.into_inner());
        (shared.marks.clone(), shared.assignments)
    };
    let mut marks = Some(marks);
    parts.latest.forget_unless(assignments);
    let mut delay = RETRY_FIRST;
    let mut failures = 0u32;
    loop {
        if parts.control.cancelled() {
            return Done::Abandoned(summary);
        }
        let runtime = parts.runtime.clone();
        let error = match &marks {
            // What a failed attempt wrote is in ClickHouse: the marks are read again to leave
            // it out, and nothing is written until they are.
            None => match runtime.block_on(read_marks(&parts.sink, &parts.tables)) {
                Ok(fresh) => {
                    marks = Some(fresh);
                    continue;
                }
                Err(error) => JobError::from(error),
            },
            Some(current) => match runtime.block_on(write(parts, &raw, &held(current, &summary))) {
                Ok(duplicates) => {
                    histogram!(m::FLUSH_SECONDS).record(started.elapsed().as_secs_f64());
                    if duplicates > 0 {
                        counter!(m::DUPLICATE_FRAMES).increment(duplicates as u64);
                        info!(
                            frames = duplicates,
                            "left out frames ClickHouse already held (the same receiver, GPS time, log and bytes, produced again)"
                        );
                    }
                    counter!(m::RECORDS, "kind" => "frame")
                        .increment((summary.records - summary.rejected) as u64);
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
                    return Done::Written(summary);
                }
                Err(error) => error,
            },
        };
        if !error.is_retryable() {
            return Done::Failed(error);
        }
        failures += 1;
        marks = None;
        counter!(m::INSERT_RETRIES).increment(1);
        warn!(%error, retry_in = ?delay, records = summary.records, "cannot write the batch to ClickHouse; consumption paused until it can");
        let until = Instant::now() + delay;
        while Instant::now() < until {
            if parts.control.cancelled() {
                return Done::Abandoned(summary);
            }
            if parts.stop.load(Ordering::Relaxed) {
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

/// The marks that reach into `batch`: per table, the partitions where it already holds some of
/// the batch's records (only after a crash, a failed attempt or a rebalance). Tables and
/// partitions without any are left out, so their rows are written without being filtered.
fn held(marks: &Marks, batch: &Summary) -> Marks {
    marks
        .iter()
        .map(|(table, held)| {
            let reaching = held
                .iter()
                .filter(|(p, mark)| batch.offsets.get(p).is_some_and(|(first, _)| first <= mark))
                .map(|(&p, &mark)| (p, mark))
                .collect::<HashMap<i32, i64>>();
            (table.clone(), reaching)
        })
        .filter(|(_, reaching)| !reaching.is_empty())
        .collect()
}

/// One attempt at writing a batch; `held` as [`held`] gives it. Frames produced again are left
/// out of every table ([`duplicates`]); returns how many.
async fn write(
    parts: &mut Parts,
    raw: &[(&'static str, RecordBatch)],
    held: &Marks,
) -> Result<usize, JobError> {
    let (raw, duplicates) = duplicates::leave_out(&parts.sink, raw, &mut parts.latest).await?;
    let positions = raw.iter().find(|(t, _)| *t == PositionsBuilder::TABLE).map(|(_, b)| b);
    let new_points: Vec<(String, Point)> =
        positions.map(|p| parts.references.discover(p)).unwrap_or_default();
    if !new_points.is_empty() {
        let batch = References::default().batch(&new_points)?;
        insert(&parts.sink, ReceiversBuilder::TABLE.to_owned(), batch).await?;
        info!(receivers = ?new_points.iter().map(|(r, _)| r).collect::<Vec<_>>(), "reference points recorded");
        parts.references.extend(new_points);
    }
    let mut inputs: Vec<(&str, RecordBatch)> = raw.iter().map(|(t, b)| (*t, b.clone())).collect();
    inputs.push((ReceiversBuilder::TABLE, parts.references.batch(&[])?));
    let aggregates = parts.engine.run(&inputs, &|target| held.get(target).cloned()).await?;

    // Everything but `frames` at once: ClickHouse writes each insert on a thread of its own.
    let mut inserts = JoinSet::new();
    for (target, batch) in aggregates {
        inserts.spawn(insert(Arc::clone(&parts.sink), format!("{target}_input"), batch));
    }
    let mut frames = None;
    for (table, batch) in raw.iter() {
        let batch = match held.get(*table) {
            Some(held) => without_held(batch, held)?,
            None => batch.clone(),
        };
        if *table == FramesBuilder::TABLE {
            frames = Some(batch);
        } else {
            inserts.spawn(insert(Arc::clone(&parts.sink), (*table).to_owned(), batch));
        }
    }
    let mut failed = None;
    while let Some(joined) = inserts.join_next().await {
        let result = joined.unwrap_or_else(|e| {
            Err(SinkError::Unreachable { url: "(insert task)".into(), cause: e.to_string() })
        });
        if let Err(error) = result {
            failed.get_or_insert(error);
        }
    }
    if let Some(error) = failed {
        return Err(error.into());
    }
    if let Some(frames) = frames {
        insert(&parts.sink, FramesBuilder::TABLE.to_owned(), frames).await?;
        parts.latest.written();
    }
    Ok(duplicates)
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

/// Checks that ClickHouse has every table the job writes, with columns matching the batches and
/// the aggregates' results. Returns the tables whose marks decide where partitions resume: the
/// raw tables and the aggregate targets.
pub async fn check_tables(sink: &Sink, engine: &Engine) -> Result<Vec<String>, JobError> {
    let mut inputs = RawTables::schemas();
    inputs.push((ReceiversBuilder::TABLE, ReceiversBuilder::schema()));
    for (table, schema) in &inputs {
        sink.check(table, schema)?;
    }
    let mut tables: Vec<String> =
        RawTables::schemas().into_iter().map(|(t, _)| t.to_owned()).collect();
    for ((target, schema), aggregate) in
        engine.schemas(&inputs).await?.into_iter().zip(engine.aggregates())
    {
        if schema.field_with_name("kafka_partition").is_err()
            || schema.field_with_name("kafka_offset").is_err()
        {
            return Err(AggregateError::File {
                path: aggregate.path.clone(),
                reason: "the query must group by kafka_partition and return max(kafka_offset) AS kafka_offset".into(),
            }
            .into());
        }
        sink.check(&format!("{target}_input"), &schema)?;
        sink.table(&target)?;
        tables.push(target);
    }
    Ok(tables)
}
