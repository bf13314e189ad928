//! Frames produced twice. A reader restarted on a recording it had partly produced, or a recording
//! replayed again, sends the same frames under new Kafka offsets, which the exactly-once marks
//! cannot recognise. A frame's identity is its receiver, its GPS time, its log name, the CRC-32 of
//! its bytes (`frames.frame_crc`) and its byte offset in the reader's source
//! (`frames.source_offset`, from the `offset` header): the frames of a batch whose identity
//! `frames` already holds, or that repeat an earlier frame of the batch, are left out of every
//! table. The offset keeps apart identical frames a receiver really sent twice (the same
//! ephemeris at the same time, as in `test2_rcvr1.dat`). Frames without a GPS time (console
//! replies, bytes that are no frame) or without a source offset (older readers) are never taken
//! for duplicates.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use datafusion::arrow::array::{
    Array, Int64Array, StringArray, UInt16Array, UInt32Array, UInt64Array,
};
use datafusion::arrow::record_batch::RecordBatch;

use tracing::debug;

use crate::aggregate::without_records;
use crate::job::JobError;
use crate::rows::FramesBuilder;
use crate::sink::{Sink, SinkError};

/// Receiver, GPS time (ms), log name, CRC-32 of the bytes, byte offset in the source.
type Identity<'a> = (&'a str, i64, &'a str, u32, i64);

/// Where a frame stands in its receiver's stream: GPS time, then byte offset in the source.
type Position = (i64, i64);

/// What the writer knows of each receiver's frames in ClickHouse: per (partition, receiver), a
/// position no frame `frames` holds is past. A receiver's batch whose frames are all past it
/// cannot repeat a stored frame and needs no query: a live stream, its frames in time and offset
/// order, is checked once per assignment rather than once per batch. Forgotten at every
/// assignment (another streamer may have written the partition meanwhile); raised by each batch
/// written.
#[derive(Debug, Default)]
pub struct Latest {
    positions: HashMap<(u32, String), Position>,
    assignments: u64,
    /// The last position of each receiver of the batch being written.
    pending: Vec<((u32, String), Position)>,
}

impl Latest {
    /// Forgets everything unless `assignments` is the count this was learnt under.
    pub fn forget_unless(&mut self, assignments: u64) {
        if assignments != self.assignments {
            self.positions.clear();
            self.assignments = assignments;
        }
    }

    /// Raises the positions by the batch [`leave_out`] saw last, now written.
    pub fn written(&mut self) {
        for (key, last) in self.pending.drain(..) {
            let known = self.positions.entry(key).or_insert(last);
            *known = (*known).max(last);
        }
    }
}

/// The raw batches of a micro-batch (`frames` among them) without the frames produced again and
/// their rows in every table, and how many frames were left out.
pub async fn leave_out<'a>(
    sink: &Sink,
    raw: &'a [(&'static str, RecordBatch)],
    latest: &mut Latest,
) -> Result<(Cow<'a, [(&'static str, RecordBatch)]>, usize), JobError> {
    let Some((_, frames)) = raw.iter().find(|(t, _)| *t == FramesBuilder::TABLE) else {
        return Ok((Cow::Borrowed(raw), 0));
    };
    let duplicates = find(sink, frames, latest).await?;
    if duplicates.is_empty() {
        return Ok((Cow::Borrowed(raw), 0));
    }
    let kept = raw
        .iter()
        .map(|(t, b)| Ok((*t, without_records(b, &duplicates)?)))
        .collect::<Result<Vec<_>, datafusion::arrow::error::ArrowError>>()?;
    Ok((Cow::Owned(kept), duplicates.len()))
}

/// The (partition, offset) of the records of `frames` (a batch of the `frames` table) that are
/// duplicates; `latest` learns what it did not know of the batch's receivers, and keeps their
/// last positions for [`Latest::written`].
async fn find(
    sink: &Sink,
    frames: &RecordBatch,
    latest: &mut Latest,
) -> Result<HashSet<(u32, u64)>, SinkError> {
    let Some(columns) = Columns::of(frames) else { return Ok(HashSet::new()) };
    let spans = columns.spans();
    latest.pending = spans.iter().map(|(&(p, r), &(_, last))| ((p, r.to_owned()), last)).collect();
    // Receivers whose batch may repeat what ClickHouse holds, and those it knows nothing of.
    let mut ranges: Vec<(&str, i64, i64)> = Vec::new();
    let mut unknown: Vec<(u32, &str, i64)> = Vec::new();
    for (&(partition, receiver), &(first, last)) in &spans {
        let (first_ms, last_ms) = (first.0, last.0);
        match latest.positions.get(&(partition, receiver.to_owned())) {
            Some(&known) if first > known => {}
            Some(_) => ranges.push((receiver, first_ms, last_ms)),
            None => {
                ranges.push((receiver, first_ms, last_ms));
                unknown.push((partition, receiver, first_ms));
            }
        }
    }
    if !unknown.is_empty() {
        let from: Vec<(&str, i64)> = unknown.iter().map(|&(_, r, first)| (r, first)).collect();
        let stored: HashMap<String, i64> =
            sink.latest_frame_times(&from).await?.into_iter().collect();
        for (partition, receiver, first) in unknown {
            // Past every offset of the latest time stored; with nothing at or after the batch's
            // first frame, just before it.
            let time = stored.get(receiver).copied().unwrap_or(first - 1);
            latest.positions.insert((partition, receiver.to_owned()), (time, i64::MAX));
        }
    }
    let stored = if ranges.is_empty() {
        Vec::new()
    } else {
        debug!(receivers = ranges.len(), "asking ClickHouse which of the batch's frames it holds");
        sink.frame_identities(&ranges).await?
    };
    let mut seen: HashSet<Identity> =
        stored.iter().map(|(r, t, l, c, o)| (r.as_str(), *t, l.as_str(), *c, *o)).collect();
    Ok(columns
        .identified()
        .filter(|&i| !seen.insert(columns.identity(i)))
        .map(|i| (columns.partition.value(i), columns.offset.value(i)))
        .collect())
}

/// The columns of a `frames` batch an identity is made of.
struct Columns<'a> {
    receiver: &'a StringArray,
    time_ms: &'a Int64Array,
    log: &'a StringArray,
    gps_week: &'a UInt16Array,
    crc: &'a UInt32Array,
    source_offset: &'a Int64Array,
    partition: &'a UInt32Array,
    offset: &'a UInt64Array,
}

impl<'a> Columns<'a> {
    fn of(batch: &'a RecordBatch) -> Option<Self> {
        fn column<'b, T: 'static>(batch: &'b RecordBatch, name: &str) -> Option<&'b T> {
            batch.column_by_name(name)?.as_any().downcast_ref::<T>()
        }
        Some(Columns {
            receiver: column(batch, "receiver")?,
            time_ms: column(batch, "time_ms")?,
            log: column(batch, "log")?,
            gps_week: column(batch, "gps_week")?,
            crc: column(batch, "frame_crc")?,
            source_offset: column(batch, "source_offset")?,
            partition: column(batch, "kafka_partition")?,
            offset: column(batch, "kafka_offset")?,
        })
    }

    /// Per (partition, receiver): the first and last position of its rows with an identity.
    fn spans(&self) -> HashMap<(u32, &'a str), (Position, Position)> {
        let mut spans: HashMap<(u32, &str), (Position, Position)> = HashMap::new();
        for i in self.identified() {
            let key = (self.partition.value(i), self.receiver.value(i));
            let at = (self.time_ms.value(i), self.source_offset.value(i));
            let span = spans.entry(key).or_insert((at, at));
            *span = (span.0.min(at), span.1.max(at));
        }
        spans
    }

    /// The rows with a GPS time and a source offset: those with an identity.
    fn identified(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.receiver.len())
            .filter(|&i| self.gps_week.value(i) > 0 && self.source_offset.value(i) >= 0)
    }

    fn identity(&self, i: usize) -> Identity<'a> {
        let (receiver, log) = (self.receiver.value(i), self.log.value(i));
        (receiver, self.time_ms.value(i), log, self.crc.value(i), self.source_offset.value(i))
    }
}
