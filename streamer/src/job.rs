//! The streaming job: consume, decode into a micro-batch, and when the batch is full or old
//! enough, aggregate it and write everything to ClickHouse, then store the offsets.
//!
//! Exactly once, without transactions (ClickHouse 18.16 has none, nor insert deduplication for
//! plain MergeTree):
//! - every row carries the Kafka partition and offset of its frame; every insert is one block,
//!   which ClickHouse writes whole or not at all;
//! - in each batch `frames` is written last, so the highest offset it holds per partition is where
//!   that partition resumes (see [`crate::consumer`]);
//! - a table written before `frames` in an interrupted batch holds rows past that point: each
//!   table's own marks (highest offset per partition) leave them out when they come again.
//!
//! The loop runs on its own thread with a blocking `poll`; ClickHouse and DataFusion calls are
//! driven on the tokio runtime with `block_on`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use metrics::{counter, histogram};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use thiserror::Error;
use tokio::runtime::Handle;
use tracing::{debug, info, warn};

use crate::aggregate::{AggregateError, Engine, without_held};
use crate::consumer::{Context, Marks, read_marks};
use crate::metrics as m;
use crate::record::Record;
use crate::reference::{Point, References};
use crate::rows::{Decoded, PositionsBuilder, RawTables, ReceiversBuilder};
use crate::sink::{Sink, SinkError};

/// Why the job stopped.
#[derive(Debug, Error)]
pub enum JobError {
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Aggregate(#[from] AggregateError),
    #[error("building Arrow batches: {0}")]
    Arrow(#[from] ArrowError),
    #[error("Kafka: {0}")]
    Kafka(#[from] KafkaError),
}

impl JobError {
    fn is_retryable(&self) -> bool {
        matches!(self, JobError::Sink(e) if e.is_retryable())
    }
}

/// When a micro-batch is written.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Frames (Kafka records) in a batch.
    pub max_frames: usize,
    /// Age of a batch's first record.
    pub max_age: Duration,
}

/// Rows of one table in one batch stay under ClickHouse's `max_insert_block_size` (1,048,576) so
/// that each insert is one block; a RANGE frame adds at most a few hundred observations.
const MAX_TABLE_ROWS: usize = 1_000_000;
/// Longest wait in `poll`, so that stop requests and batch ages are seen promptly.
const POLL: Duration = Duration::from_millis(100);
/// Retries of ClickHouse writes back off from the first to the last delay.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_LAST: Duration = Duration::from_secs(10);

/// The records of one micro-batch, decoded.
#[derive(Default)]
struct Batch {
    tables: RawTables,
    /// First and last offset per partition.
    offsets: BTreeMap<i32, (i64, i64)>,
    started: Option<Instant>,
    records: usize,
    rejected: usize,
    errors: usize,
}

impl Batch {
    fn add(&mut self, record: &Record<'_>, ingest_ms: i64) {
        self.started.get_or_insert_with(Instant::now);
        self.offsets
            .entry(record.partition)
            .and_modify(|(_, last)| *last = record.offset)
            .or_insert((record.offset, record.offset));
        self.records += 1;
        match self.tables.add(record, ingest_ms) {
            Decoded::Rejected => self.rejected += 1,
            Decoded::Error => self.errors += 1,
            Decoded::Body | Decoded::Raw => {}
        }
    }

    fn is_due(&self, limits: &Limits) -> bool {
        self.records >= limits.max_frames
            || self.tables.max_rows() >= MAX_TABLE_ROWS
            || self.started.is_some_and(|s| s.elapsed() >= limits.max_age)
    }
}

/// How a flush ended.
#[derive(Debug, PartialEq, Eq)]
enum Flushed {
    Written,
    /// Partitions were revoked while ClickHouse was being retried: the batch is left to their
    /// next owner.
    Abandoned,
    /// A stop was asked for while ClickHouse was being retried: the batch is left for the next run.
    Stopped,
}

pub struct Job {
    consumer: BaseConsumer<Context>,
    runtime: Handle,
    sink: Arc<Sink>,
    engine: Engine,
    topic: String,
    limits: Limits,
    references: References,
    stop: Arc<AtomicBool>,
    /// Records polled while a batch was being retried, for the next batch.
    pending: VecDeque<OwnedMessage>,
    /// Partitions starting at a time, and the time (see [`crate::consumer::Shared::skip_before`]).
    skip_before: HashMap<i32, i64>,
}

impl Job {
    /// A job on a consumer that is subscribed to `topic`, with the reference points ClickHouse has.
    pub fn new(
        consumer: BaseConsumer<Context>,
        engine: Engine,
        references: References,
        limits: Limits,
        stop: Arc<AtomicBool>,
    ) -> Self {
        let context = consumer.context();
        let (runtime, sink, topic) =
            (context.runtime.clone(), Arc::clone(&context.sink), context.topic.clone());
        let pending = VecDeque::new();
        let skip_before = HashMap::new();
        Job {
            consumer,
            runtime,
            sink,
            engine,
            topic,
            limits,
            references,
            stop,
            pending,
            skip_before,
        }
    }

    /// Runs until a stop is asked for (then writes the batch in progress and commits) or a
    /// permanent error.
    pub fn run(mut self) -> Result<(), JobError> {
        let mut batch = Batch::default();
        let mut throughput = Throughput::new();
        while !self.stop.load(Ordering::Relaxed) {
            self.skip_before.extend(self.consumer.context().shared().skip_before.drain());
            if let Some(message) = self.pending.pop_front() {
                add(&mut batch, &mut self.skip_before, &Record::from_message(&message));
            } else {
                let wait = batch
                    .started
                    .map_or(POLL, |s| self.limits.max_age.saturating_sub(s.elapsed()).min(POLL));
                let polled = self.consumer.poll(wait);
                // A rebalance runs inside `poll`: what it returns comes after it.
                for partition in
                    abandon_if_revoked(&self.consumer, &self.topic, &mut self.pending, &mut batch)
                {
                    self.skip_before.remove(&partition);
                }
                self.skip_before.extend(self.consumer.context().shared().skip_before.drain());
                match polled {
                    Some(Ok(message)) => {
                        add(&mut batch, &mut self.skip_before, &Record::from_message(&message))
                    }
                    Some(Err(error)) => warn!(%error, "Kafka consumer error"),
                    None => {}
                }
            }
            if batch.is_due(&self.limits) {
                let records = batch.records;
                if self.flush(&mut batch)? == Flushed::Written {
                    throughput.add(records);
                }
            }
        }
        if batch.records > 0 && self.flush(&mut batch)? == Flushed::Written {
            info!(records = batch.records, "wrote the last batch");
        }
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(())
            | Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => {}
            Err(error) => {
                warn!(%error, "cannot commit offsets to Kafka at stop (ClickHouse has the rows; resuming does not need them)")
            }
        }
        info!("stopped");
        Ok(())
    }

    /// Writes the batch, retrying while ClickHouse is unavailable (consumption paused, the group
    /// kept), then stores the offsets for the next commit.
    fn flush(&mut self, batch: &mut Batch) -> Result<Flushed, JobError> {
        let started = Instant::now();
        let runtime = self.runtime.clone();
        let raw = batch.tables.finish()?;
        let mut marks = self.consumer.context().shared().marks.clone();
        let mut delay = RETRY_FIRST;
        let mut paused = false;
        let outcome = loop {
            let error = match runtime.block_on(self.write(&raw, &marks)) {
                Ok(()) => break Flushed::Written,
                Err(error) if error.is_retryable() => error,
                Err(error) => return Err(error),
            };
            counter!(m::INSERT_RETRIES).increment(1);
            warn!(%error, retry_in = ?delay, records = batch.records, "cannot write the batch to ClickHouse; consumption paused");
            // Partitions assigned meanwhile are paused too, so records pile up in no buffer.
            self.consumer.pause(&self.consumer.assignment()?)?;
            paused = true;
            if let Some(outcome) = self.wait(delay, batch) {
                break outcome;
            }
            delay = (delay * 2).min(RETRY_LAST);
            // What the last attempt wrote before failing is in ClickHouse: left out next time.
            match runtime.block_on(read_marks(&self.sink, &self.consumer.context().tables)) {
                Ok(fresh) => marks = fresh,
                Err(error) => debug!(%error, "cannot read the marks yet"),
            }
        };
        if paused {
            self.consumer.resume(&self.consumer.assignment()?)?;
            info!("consumption resumed");
        }
        if outcome == Flushed::Written {
            // The offsets to commit: the next record of each partition.
            let mut next = TopicPartitionList::new();
            for (&partition, &(_, last)) in &batch.offsets {
                next.add_partition_offset(&self.topic, partition, Offset::Offset(last + 1))?;
            }
            self.consumer.store_offsets(&next)?;
            counter!(m::RECORDS, "kind" => "frame")
                .increment((batch.records - batch.rejected) as u64);
            counter!(m::RECORDS, "kind" => "rejected").increment(batch.rejected as u64);
            counter!(m::DECODE_ERRORS).increment(batch.errors as u64);
            histogram!(m::BATCH_FRAMES).record(batch.records as f64);
            histogram!(m::FLUSH_SECONDS).record(started.elapsed().as_secs_f64());
            debug!(records = batch.records, elapsed = ?started.elapsed(), "batch written");
        }
        *batch = Batch::default();
        Ok(outcome)
    }

    /// Waits `delay` before a retry, polling so the consumer stays in its group. Records that
    /// arrive (fetched before the pause) are kept for the next batch.
    fn wait(&mut self, delay: Duration, batch: &mut Batch) -> Option<Flushed> {
        let until = Instant::now() + delay;
        while Instant::now() < until {
            if self.stop.load(Ordering::Relaxed) {
                info!(
                    records = batch.records,
                    "stop asked for while ClickHouse is unavailable; the batch is left for the next run"
                );
                return Some(Flushed::Stopped);
            }
            let polled =
                self.consumer.poll(POLL.min(until.saturating_duration_since(Instant::now())));
            let revoked = abandon_if_revoked(&self.consumer, &self.topic, &mut self.pending, batch);
            for partition in &revoked {
                self.skip_before.remove(partition);
            }
            if let Some(Ok(message)) = polled {
                self.pending.push_back(message.detach());
            }
            if !revoked.is_empty() {
                return Some(Flushed::Abandoned);
            }
        }
        None
    }

    /// Writes one batch: new reference points, aggregates, raw tables, `frames` last. Rows a
    /// table already holds (at or below its marks) are left out.
    async fn write(
        &mut self,
        raw: &[(&'static str, RecordBatch)],
        marks: &Marks,
    ) -> Result<(), JobError> {
        let positions = raw.iter().find(|(t, _)| *t == PositionsBuilder::TABLE).map(|(_, b)| b);
        let new_points: Vec<(String, Point)> =
            positions.map(|p| self.references.discover(p)).unwrap_or_default();
        if !new_points.is_empty() {
            let batch = References::default().batch(&new_points)?;
            self.insert(ReceiversBuilder::TABLE, &batch).await?;
            info!(receivers = ?new_points.iter().map(|(r, _)| r).collect::<Vec<_>>(), "reference points recorded");
            self.references.extend(new_points);
        }
        let references = self.references.batch(&[])?;
        let mut inputs: Vec<(&str, RecordBatch)> =
            raw.iter().map(|(t, b)| (*t, b.clone())).collect();
        inputs.push((ReceiversBuilder::TABLE, references));
        let aggregates = self.engine.run(&inputs, &|target| marks.get(target).cloned()).await?;
        for (target, batch) in &aggregates {
            self.insert(&format!("{target}_input"), batch).await?;
        }
        for (table, batch) in raw {
            match marks.get(*table) {
                Some(held) => self.insert(table, &without_held(batch, held)?).await?,
                None => self.insert(table, batch).await?,
            }
        }
        Ok(())
    }

    async fn insert(&self, table: &str, batch: &RecordBatch) -> Result<(), SinkError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let started = Instant::now();
        self.sink.insert(table, batch).await?;
        histogram!(m::INSERT_SECONDS, "table" => table.to_owned())
            .record(started.elapsed().as_secs_f64());
        counter!(m::ROWS_INSERTED, "table" => table.to_owned()).increment(batch.num_rows() as u64);
        Ok(())
    }
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

/// Adds a record to the batch, unless its partition starts at a later time.
fn add(batch: &mut Batch, skip_before: &mut HashMap<i32, i64>, record: &Record<'_>) {
    if let Some(&start) = skip_before.get(&record.partition) {
        if record.timestamp_ms < start {
            return;
        }
        info!(
            partition = record.partition,
            offset = record.offset,
            "first record at or after the start time"
        );
        skip_before.remove(&record.partition);
    }
    batch.add(record, now_ms());
}

/// If partitions were revoked since the last look, abandons the batch and the records kept for the
/// next one: the partitions' next owner writes them. Partitions the consumer keeps (cooperative
/// rebalancing) are sought back to where the abandoned records start. Returns the partitions
/// revoked.
fn abandon_if_revoked(
    consumer: &BaseConsumer<Context>,
    topic: &str,
    pending: &mut VecDeque<OwnedMessage>,
    batch: &mut Batch,
) -> Vec<i32> {
    let revoked = std::mem::take(&mut consumer.context().shared().revoked);
    if revoked.is_empty() {
        return revoked;
    }
    let mut starts: BTreeMap<i32, i64> =
        batch.offsets.iter().map(|(&p, &(first, _))| (p, first)).collect();
    for message in pending.iter() {
        starts.entry(message.partition()).or_insert(message.offset());
    }
    for (partition, offset) in starts.into_iter().filter(|(p, _)| !revoked.contains(p)) {
        if let Err(error) =
            consumer.seek(topic, partition, Offset::Offset(offset), Duration::from_secs(10))
        {
            warn!(%error, partition, offset, "cannot seek back to the abandoned batch's start");
        }
    }
    if batch.records > 0 || !pending.is_empty() {
        counter!(m::BATCHES_ABANDONED).increment(1);
        info!(
            records = batch.records + pending.len(),
            ?revoked,
            "partitions revoked: batch abandoned"
        );
    }
    *batch = Batch::default();
    pending.clear();
    revoked
}

/// Logs records written per second every half minute.
struct Throughput {
    since: Instant,
    records: usize,
}

impl Throughput {
    const EVERY: Duration = Duration::from_secs(30);

    fn new() -> Self {
        Throughput { since: Instant::now(), records: 0 }
    }

    fn add(&mut self, records: usize) {
        self.records += records;
        let elapsed = self.since.elapsed();
        if elapsed >= Self::EVERY {
            info!(
                records = self.records,
                per_second = (self.records as f64 / elapsed.as_secs_f64()) as u64,
                "written to ClickHouse"
            );
            *self = Throughput::new();
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
