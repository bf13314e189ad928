//! The streaming job: consume and decode records into a micro-batch; when it is full or old
//! enough, hand it to the [`Writer`] and fill the next one while it is written; store a batch's
//! offsets once it is in ClickHouse. Where each partition resumes and what is left out when
//! records come again is [`crate::exactly_once`]'s.
//!
//! This loop runs on its own thread with a blocking `poll`; the writer on another. Each batch has
//! a tracing span, `batch`, with its number, records and offsets per partition, from its first
//! record to its offsets stored.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use metrics::counter;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use tracing::{debug, field, info, info_span, warn};

use crate::consumer::Callbacks;
use crate::error::JobError;
use crate::exactly_once::seek_back;
use crate::metrics as m;
use crate::record::Record;
use crate::rows::Decoded;
use crate::status::{self, Status};
use crate::tables::RawTables;
use crate::writer::{Done, Sealed, Summary, Writer};

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
/// How often a batch that is due waits for a busy writer.
const WRITER_CHECK: Duration = Duration::from_millis(5);
/// How often the positions and high watermarks of `/status` are taken from the consumer.
const STATUS_EVERY: Duration = Duration::from_secs(1);
/// A batch's age is looked at every this many records while records flow.
const AGE_EVERY: usize = 64;

/// The records of one micro-batch, decoded.
#[derive(Default)]
struct Batch {
    tables: RawTables,
    summary: Summary,
    started: Option<Instant>,
    /// When the batch started, as the `ingest_ms` of its rows.
    ingest_ms: i64,
}

impl Batch {
    /// Adds a record; the first one opens the batch's span, numbered `id`.
    fn add(&mut self, record: &Record<'_>, id: u64) {
        if self.started.is_none() {
            self.started = Some(Instant::now());
            self.ingest_ms = now_ms();
            self.summary.span = info_span!(
                "batch",
                id,
                records = field::Empty,
                offsets = field::Empty,
                filled_ms = field::Empty
            );
        }
        let s = &mut self.summary;
        s.offsets
            .entry(record.partition)
            .and_modify(|(_, last)| *last = record.offset)
            .or_insert((record.offset, record.offset));
        s.records += 1;
        match self.tables.add(record, self.ingest_ms) {
            Decoded::Rejected => s.rejected += 1,
            Decoded::Error => s.errors += 1,
            Decoded::Body | Decoded::Raw => {}
        }
    }

    /// As many records, or rows of one table, as a batch may hold.
    fn is_full(&self, limits: &Limits) -> bool {
        self.summary.records >= limits.max_frames || self.tables.max_rows() >= MAX_TABLE_ROWS
    }

    /// Full, or old enough (the age is looked at when `idle`, and every few records).
    fn is_due(&self, limits: &Limits, idle: bool) -> bool {
        self.is_full(limits)
            || ((idle || self.summary.records.is_multiple_of(AGE_EVERY))
                && self.started.is_some_and(|s| s.elapsed() >= limits.max_age))
    }

    /// How long `poll` may wait before the batch is due by age; once it is, and the writer is
    /// still busy, how often to look whether it is done.
    fn wait(&self, limits: &Limits) -> Duration {
        let due_in = |s: Instant| limits.max_age.saturating_sub(s.elapsed());
        self.started.map_or(POLL, |s| due_in(s).clamp(WRITER_CHECK, POLL))
    }
}

pub struct Job {
    consumer: BaseConsumer<Callbacks>,
    state: State,
}

/// The job's state besides the consumer (which the records polled borrow).
struct State {
    writer: Writer,
    topic: String,
    limits: Limits,
    stop: Arc<AtomicBool>,
    /// Records polled while the batch waited for the writer, for the next batch.
    pending: VecDeque<OwnedMessage>,
    /// Partitions starting at a time, and the time (see
    /// [`crate::exactly_once::Shared::skip_before`]).
    skip_before: HashMap<i32, i64>,
    /// Batches started so far: the number of the next one's span.
    batches: u64,
    /// What the writer is writing, until it says how that ended.
    in_flight: Option<Summary>,
    /// Consumption is paused while a full batch waits for the writer.
    paused: bool,
    throughput: Throughput,
    /// What the HTTP API shows, and when the positions were last taken for it.
    status: Arc<Status>,
    status_at: Instant,
}

impl Job {
    /// A job on a consumer that is subscribed to the frames topic, writing with `writer`.
    pub fn new(
        consumer: BaseConsumer<Callbacks>,
        writer: Writer,
        limits: Limits,
        stop: Arc<AtomicBool>,
    ) -> Self {
        let topic = consumer.context().topic.clone();
        let status = Arc::clone(&consumer.context().status);
        let state = State {
            writer,
            topic,
            limits,
            stop,
            pending: VecDeque::new(),
            skip_before: HashMap::new(),
            batches: 0,
            in_flight: None,
            paused: false,
            throughput: Throughput::new(),
            status,
            status_at: Instant::now(),
        };
        Job { consumer, state }
    }

    /// Runs until a stop is asked for (then writes the batch in progress and commits) or a
    /// permanent error.
    pub fn run(self) -> Result<(), JobError> {
        let Job { consumer, mut state } = self;
        let result = state.run(&consumer);
        leave(consumer);
        result
    }
}

/// How long a stop waits to leave the consumer group.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Leaves the group so its partitions are reassigned at once: dropping the consumer closes it
/// and serves the final rebalance. Without a broker to answer, librdkafka would wait for one
/// forever: after [`LEAVE_TIMEOUT`] the job goes without (the drop goes on on its own thread), and
/// the group reassigns the partitions after its session timeout. Nothing depends on the leave:
/// ClickHouse holds where each partition resumes.
fn leave(consumer: BaseConsumer<Callbacks>) {
    let (left, leaving) = std::sync::mpsc::channel();
    let dropping = std::thread::Builder::new().name("leave-group".into()).spawn(move || {
        drop(consumer);
        let _ = left.send(());
    });
    if let Err(error) = dropping {
        // The consumer was dropped with the closure: the leave has been tried on this thread.
        warn!(%error, "cannot start a thread to leave the consumer group; left on this one");
        return;
    }
    if leaving.recv_timeout(LEAVE_TIMEOUT).is_err() {
        warn!(timeout = ?LEAVE_TIMEOUT, "no broker answered to leave the consumer group; exiting without");
    }
}

impl State {
    /// The consume loop of [`Job::run`].
    fn run(&mut self, consumer: &BaseConsumer<Callbacks>) -> Result<(), JobError> {
        let mut batch = Batch::default();
        let mut idle = false;
        while !self.stop.load(Ordering::Relaxed) {
            self.collect(consumer)?;
            if batch.is_due(&self.limits, idle) {
                if !self.writer.is_busy() {
                    self.submit(consumer, &mut batch)?;
                    continue;
                }
                // Full and the writer behind: stop fetching, stay in the group, keep what still
                // comes. Only old, it goes on filling while the writer works, so that under load
                // batches grow rather than queue behind it.
                if batch.is_full(&self.limits) {
                    if !self.paused {
                        consumer.pause(&consumer.assignment()?)?;
                        self.paused = true;
                    }
                    let polled = consumer.poll(POLL);
                    self.after_poll(consumer, &mut batch)?;
                    if let Some(Ok(message)) = polled {
                        self.pending.push_back(message.detach());
                    }
                    continue;
                }
            }
            if let Some(message) = self.pending.pop_front() {
                self.add(&mut batch, &Record::from_message(&message));
                idle = false;
                continue;
            }
            let polled = match consumer.poll(Duration::ZERO) {
                Some(polled) => Some(polled),
                None => consumer.poll(batch.wait(&self.limits)),
            };
            // A rebalance runs inside `poll`: what it returns comes after it.
            self.after_poll(consumer, &mut batch)?;
            idle = polled.is_none();
            match polled {
                Some(Ok(message)) => self.add(&mut batch, &Record::from_message(&message)),
                Some(Err(error)) => warn!(%error, "Kafka consumer error"),
                None => {}
            }
        }
        self.finish(consumer, batch)
    }

    /// At a stop: the batch in progress is written, the offsets committed.
    fn finish(
        &mut self,
        consumer: &BaseConsumer<Callbacks>,
        mut batch: Batch,
    ) -> Result<(), JobError> {
        self.wait_for_writer(consumer, &mut batch)?;
        if batch.summary.records > 0 {
            self.submit(consumer, &mut batch)?;
            self.wait_for_writer(consumer, &mut batch)?;
        }
        match consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(())
            | Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => {}
            Err(error) => {
                warn!(%error, "cannot commit offsets to Kafka at stop (ClickHouse has the rows: resuming does not need them)")
            }
        }
        info!("stopped");
        Ok(())
    }

    /// Polls (the group needs it) until the writer is idle, collecting how its batch ended.
    fn wait_for_writer(
        &mut self,
        consumer: &BaseConsumer<Callbacks>,
        batch: &mut Batch,
    ) -> Result<(), JobError> {
        while self.writer.is_busy() {
            let _ = consumer.poll(POLL);
            self.after_poll(consumer, batch)?;
        }
        self.collect(consumer).map(|_| ())
    }

    /// Seals the batch and hands it to the writer (which is idle); consumption resumes.
    fn submit(
        &mut self,
        consumer: &BaseConsumer<Callbacks>,
        batch: &mut Batch,
    ) -> Result<(), JobError> {
        // How the previous batch ended is sent before the writer goes idle: take it in first.
        if let Some(abandoned) = self.collect(consumer)? {
            debug!(records = abandoned.records, "the previous batch was abandoned");
        }
        let mut full = std::mem::take(batch);
        let span = full.summary.span.clone();
        let filled = full.started.map(|s| s.elapsed()).unwrap_or_default();
        span.record("records", full.summary.records);
        span.record("offsets", field::display(Offsets(&full.summary)));
        span.record("filled_ms", filled.as_millis() as u64);
        let raw = span.in_scope(|| full.tables.finish())?;
        span.in_scope(|| debug!("consumed and decoded; sealed"));
        full.summary.rows = raw.iter().map(|(_, b)| b.num_rows()).sum();
        full.summary.sealed = Some(Instant::now());
        self.in_flight = Some(full.summary.clone());
        self.writer.submit(Sealed { raw, summary: full.summary });
        if self.paused {
            consumer.resume(&consumer.assignment()?)?;
            self.paused = false;
        }
        Ok(())
    }

    /// Takes in how the writer's last batch ended: stores the offsets of a written one; returns
    /// an abandoned one's summary.
    fn collect(&mut self, consumer: &BaseConsumer<Callbacks>) -> Result<Option<Summary>, JobError> {
        let Some(done) = self.writer.try_done() else { return Ok(None) };
        self.in_flight = None;
        match done {
            Done::Written(summary) => {
                // The offsets to commit: the next record of each partition.
                let mut next = TopicPartitionList::new();
                for (&partition, &(_, last)) in &summary.offsets {
                    next.add_partition_offset(&self.topic, partition, Offset::Offset(last + 1))?;
                }
                match consumer.store_offsets(&next) {
                    Ok(()) => summary.span.in_scope(|| debug!("offsets stored")),
                    // A partition revoked meanwhile: its new owner commits.
                    Err(error) => summary
                        .span
                        .in_scope(|| debug!(%error, "cannot store the offsets of a written batch")),
                }
                self.throughput.add(summary.records);
                let batch = status::Batch {
                    written_ms: now_ms(),
                    frames: summary.records,
                    rows: summary.rows,
                    duration: summary.sealed.map(|s| s.elapsed()).unwrap_or_default(),
                };
                let marks = summary.offsets.iter().map(|(&p, &(_, last))| (p, last));
                self.status.written(batch, marks);
                Ok(None)
            }
            Done::Abandoned(summary) => Ok(Some(summary)),
            Done::Failed(error) => Err(error),
        }
    }

    /// Adds a record to the batch, unless its partition starts at a later time.
    fn add(&mut self, batch: &mut Batch, record: &Record<'_>) {
        if let Some(&start) = self.skip_before.get(&record.partition) {
            if record.timestamp_ms < start {
                return;
            }
            info!(
                partition = record.partition,
                offset = record.offset,
                "first record at or after the start time"
            );
            self.skip_before.remove(&record.partition);
        }
        if batch.started.is_none() {
            self.batches += 1;
        }
        batch.add(record, self.batches);
    }

    /// After each `poll`: revocations, and starts at a time learnt from assignments.
    fn after_poll(
        &mut self,
        consumer: &BaseConsumer<Callbacks>,
        batch: &mut Batch,
    ) -> Result<(), JobError> {
        let revoked = std::mem::take(&mut consumer.context().shared().revoked);
        if !revoked.is_empty() {
            self.abandon(consumer, batch, &revoked)?;
        }
        self.skip_before.extend(consumer.context().shared().skip_before.drain());
        if self.status_at.elapsed() >= STATUS_EVERY {
            self.status_at = Instant::now();
            self.take_positions(consumer);
        }
        Ok(())
    }

    /// The consumer's positions (no request to the brokers), for `/status`.
    fn take_positions(&self, consumer: &BaseConsumer<Callbacks>) {
        let Ok(positions) = consumer.position() else { return };
        self.status.positions(positions.elements_for_topic(&self.topic).iter().map(|e| {
            let at = match e.offset() {
                Offset::Offset(at) => Some(at),
                _ => None,
            };
            (e.partition(), at)
        }));
    }

    /// Partitions were revoked (the rebalance callback stopped the writer first): the batch, the
    /// records kept for the next one and an unwritten batch of the writer are left to the
    /// partitions' next owner. Partitions the consumer keeps (cooperative rebalancing) are sought
    /// back to where the abandoned records start; the writer reads the marks again before its
    /// next batch.
    fn abandon(
        &mut self,
        consumer: &BaseConsumer<Callbacks>,
        batch: &mut Batch,
        revoked: &[i32],
    ) -> Result<(), JobError> {
        let unwritten = match self.collect(consumer)? {
            Some(abandoned) => Some(abandoned),
            None => self.in_flight.take(),
        };
        let spans = unwritten.iter().chain([&batch.summary]).map(|s| &s.offsets);
        let waiting = self.pending.iter().map(|m| (m.partition(), m.offset()));
        for (partition, offset) in seek_back(spans, waiting, revoked) {
            if let Err(error) = consumer.seek(
                &self.topic,
                partition,
                Offset::Offset(offset),
                Duration::from_secs(10),
            ) {
                warn!(%error, partition, offset, "cannot seek back to the abandoned records");
            }
        }
        let records =
            batch.summary.records + self.pending.len() + unwritten.map_or(0, |s| s.records);
        if records > 0 {
            counter!(m::BATCHES_ABANDONED).increment(1);
            info!(
                records,
                ?revoked,
                "partitions revoked: their records are left to the next owner"
            );
        }
        *batch = Batch::default();
        self.pending.clear();
        for partition in revoked {
            self.skip_before.remove(partition);
        }
        if self.paused {
            consumer.resume(&consumer.assignment()?)?;
            self.paused = false;
        }
        Ok(())
    }
}

/// A batch's offsets for its span: `partition:first-last` each.
struct Offsets<'a>(&'a Summary);

impl std::fmt::Display for Offsets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (partition, (first, last))) in self.0.offsets.iter().enumerate() {
            let separator = if i == 0 { "" } else { "," };
            write!(f, "{separator}{partition}:{first}-{last}")?;
        }
        Ok(())
    }
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
            let per_second = (self.records as f64 / elapsed.as_secs_f64()) as u64;
            info!(records = self.records, per_second, "written to ClickHouse");
            *self = Throughput::new();
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
