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

use std::collections::HashSet;

use datafusion::arrow::array::{
    Array, Int64Array, StringArray, UInt16Array, UInt32Array, UInt64Array,
};
use datafusion::arrow::record_batch::RecordBatch;

use crate::sink::{Sink, SinkError};

/// Receiver, GPS time (ms), log name, CRC-32 of the bytes, byte offset in the source.
type Identity<'a> = (&'a str, i64, &'a str, u32, i64);

/// The (partition, offset) of the records of `frames` (a batch of the `frames` table) that are
/// duplicates.
pub async fn find(sink: &Sink, frames: &RecordBatch) -> Result<HashSet<(u32, u64)>, SinkError> {
    let Some(columns) = Columns::of(frames) else { return Ok(HashSet::new()) };
    let mut ranges: Vec<(&str, i64, i64)> = Vec::new();
    for i in columns.identified() {
        let (receiver, time) = (columns.receiver.value(i), columns.time_ms.value(i));
        match ranges.iter_mut().find(|(r, ..)| *r == receiver) {
            Some((_, first, last)) => (*first, *last) = ((*first).min(time), (*last).max(time)),
            None => ranges.push((receiver, time, time)),
        }
    }
    if ranges.is_empty() {
        return Ok(HashSet::new());
    }
    let stored = sink.frame_identities(&ranges).await?;
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
