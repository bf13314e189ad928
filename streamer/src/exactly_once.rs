//! Exactly once, without transactions (ClickHouse 18.16 has none, nor insert deduplication for
//! plain MergeTree): the whole rule, as functions over plain data. The consumer, the job and the
//! writer ask these; none of it does IO.
//!
//! 1. Every row carries the Kafka partition and offset of its record, and every insert is one
//!    block, written whole or not at all.
//! 2. A batch writes every other table first and `frames` last, one batch after the other. So the
//!    highest offset `frames` holds per partition (its mark) is a point before which every table
//!    is complete, and a partition resumes after it ([`resume_at`]).
//! 3. A table written before `frames` in an interrupted batch holds rows past that point; when
//!    their records come again, its own marks leave them out ([`reaching`], [`Drops`]).
//! 4. A frame produced again (a reader restarted on a recording) comes under a new offset: its
//!    identity (receiver, GPS time, log, CRC-32, byte offset in the reader's source) is found in
//!    `frames` ([`Known`], [`FrameIds`]) and it is left out of every table ([`Drops`]).
//! 5. When partitions are revoked, the batch in progress is given up; partitions the consumer
//!    keeps are sought back to its first records ([`seek_back`]) and the writer learns the marks
//!    again.

use std::collections::{BTreeMap, HashMap, HashSet};

use datafusion::arrow::array::{
    Array, BooleanArray, Int64Array, StringArray, UInt16Array, UInt32Array, UInt64Array,
};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{HashMap as FastMap, HashSet as FastSet};

/// Per table, the highest Kafka offset it holds per partition.
pub type Marks = HashMap<String, HashMap<i32, i64>>;

/// Per partition, the first and last offset of a batch's records.
pub type Span = BTreeMap<i32, (i64, i64)>;

/// What the consumer's rebalance callback tells the job and the writer.
#[derive(Debug, Default)]
pub struct Shared {
    /// Partitions revoked since the job last looked: the batch being built is given up.
    pub revoked: Vec<i32>,
    /// Partitions starting at a time: their records before it (Unix ms) are skipped until the
    /// first one at or after it.
    pub skip_before: HashMap<i32, i64>,
    /// Counts assignments and revocations: what the writer learnt of ClickHouse under an earlier
    /// one may be out of date.
    pub generation: u64,
    /// The marks read at the last assignment; `None` after a revocation, when ClickHouse may hold
    /// more than they say (a batch given up mid-write), and the writer reads them again.
    pub marks: Option<Marks>,
}

/// Where a partition resumes: after the last record `frames` holds of it; `None` if it holds
/// none (the partition starts where `kafka.start` says).
pub fn resume_at(frames: &HashMap<i32, i64>, partition: i32) -> Option<i64> {
    frames.get(&partition).map(|&held| held + 1)
}

/// The marks that reach into a batch: per table, the partitions where it already holds some of the
/// batch's records (only after a crash, a failed attempt or a rebalance). Tables and partitions
/// without any are left out, so their rows are written without a look.
pub fn reaching(marks: &Marks, batch: &Span) -> Marks {
    marks
        .iter()
        .map(|(table, held)| {
            let reaching: HashMap<i32, i64> = held
                .iter()
                .filter(|(p, mark)| batch.get(p).is_some_and(|(first, _)| first <= mark))
                .map(|(&p, &mark)| (p, mark))
                .collect();
            (table.clone(), reaching)
        })
        .filter(|(_, reaching)| !reaching.is_empty())
        .collect()
}

/// Where each partition the consumer keeps goes back to after a revocation: the first offset of
/// the given-up records (batches and records waiting for the next batch) of each partition that
/// was not revoked.
pub fn seek_back<'a>(
    spans: impl IntoIterator<Item = &'a Span>,
    waiting: impl IntoIterator<Item = (i32, i64)>,
    revoked: &[i32],
) -> Vec<(i32, i64)> {
    let mut starts: BTreeMap<i32, i64> = BTreeMap::new();
    let firsts = spans.into_iter().flat_map(|s| s.iter().map(|(&p, &(first, _))| (p, first)));
    for (partition, offset) in firsts.chain(waiting) {
        starts.entry(partition).and_modify(|o| *o = (*o).min(offset)).or_insert(offset);
    }
    starts.into_iter().filter(|(p, _)| !revoked.contains(p)).collect()
}

/// The rows of a batch that are not written: those of frames produced again, in every table, and
/// in each table (or aggregate target) those at or below its marks.
#[derive(Debug, Default)]
pub struct Drops {
    /// (partition, offset) of the records of frames produced again.
    pub duplicates: HashSet<(u32, u64)>,
    /// [`reaching`] marks.
    pub reaching: Marks,
}

impl Drops {
    /// Whether rows written to (or aggregated into) `table` may be dropped at all.
    pub fn touch(&self, table: &str) -> bool {
        !self.duplicates.is_empty() || self.reaching.contains_key(table)
    }

    /// The rows of `batch` to keep when it is written to (or aggregated into) `table`; `None`
    /// when every row is kept (a table without Kafka columns keeps all of its rows).
    pub fn keep(&self, table: &str, batch: &RecordBatch) -> Option<BooleanArray> {
        if !self.touch(table) {
            return None;
        }
        let (partition, offset) = kafka_columns(batch)?;
        let held = self.reaching.get(table);
        let keep: BooleanArray = (0..batch.num_rows())
            .map(|i| {
                let (p, o) = (partition.value(i), offset.value(i));
                let at_or_below_mark =
                    held.and_then(|h| h.get(&(p as i32))).is_some_and(|&mark| o as i64 <= mark);
                Some(!at_or_below_mark && !self.duplicates.contains(&(p, o)))
            })
            .collect();
        (keep.true_count() < batch.num_rows()).then_some(keep)
    }

    /// The rows of `batch` kept when it is written to (or aggregated into) `table`.
    pub fn apply(&self, table: &str, batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
        match self.keep(table, batch) {
            Some(keep) => filter_record_batch(batch, &keep),
            None => Ok(batch.clone()),
        }
    }
}

fn kafka_columns(batch: &RecordBatch) -> Option<(&UInt32Array, &UInt64Array)> {
    let partition = batch.column_by_name("kafka_partition")?.as_any().downcast_ref()?;
    let offset = batch.column_by_name("kafka_offset")?.as_any().downcast_ref()?;
    Some((partition, offset))
}

/// A frame's identity: receiver, GPS time (ms), log name, CRC-32 of its bytes, byte offset in the
/// reader's source.
pub type Identity<'a> = (&'a str, i64, &'a str, u32, i64);

/// Where a frame stands in its receiver's stream: GPS time, then byte offset in the source.
pub type Position = (i64, i64);

/// Per (partition, receiver), the first and last position of its rows in a batch. Every frame
/// of a batch is hashed into it, and into the set of identities: a fast hash (SipHash took 2% of
/// the streamer's samples).
pub type Spans<'a> = FastMap<(u32, &'a str), (Position, Position)>;

/// The columns of a `frames` batch an identity is made of. Frames without a GPS time (console
/// replies, bytes that are no frame) or without a source offset (older readers) have none and are
/// never taken for duplicates.
pub struct FrameIds<'a> {
    receiver: &'a StringArray,
    time_ms: &'a Int64Array,
    log: &'a StringArray,
    gps_week: &'a UInt16Array,
    crc: &'a UInt32Array,
    source_offset: &'a Int64Array,
    partition: &'a UInt32Array,
    offset: &'a UInt64Array,
}

impl<'a> FrameIds<'a> {
    /// The identity columns of a batch of the `frames` table, if it has them.
    pub fn of(batch: &'a RecordBatch) -> Option<Self> {
        fn column<'b, T: 'static>(batch: &'b RecordBatch, name: &str) -> Option<&'b T> {
            batch.column_by_name(name)?.as_any().downcast_ref::<T>()
        }
        Some(FrameIds {
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
    pub fn spans(&self) -> Spans<'a> {
        let mut spans = Spans::default();
        for i in self.identified() {
            let key = (self.partition.value(i), self.receiver.value(i));
            let at = (self.time_ms.value(i), self.source_offset.value(i));
            let span = spans.entry(key).or_insert((at, at));
            *span = (span.0.min(at), span.1.max(at));
        }
        spans
    }

    /// The (partition, offset) of the records that repeat a frame of `stored` (the identities
    /// `frames` holds) or an earlier frame of the batch.
    pub fn duplicates<'s>(
        &self,
        stored: impl IntoIterator<Item = Identity<'s>>,
    ) -> HashSet<(u32, u64)>
    where
        'a: 's,
    {
        let stored = stored.into_iter();
        // Sized for the batch at once: grown insert by insert it was rehashed into fresh pages.
        let mut seen: FastSet<Identity<'s>> =
            FastSet::with_capacity(stored.size_hint().0 + self.receiver.len());
        seen.extend(stored);
        self.identified()
            .filter(|&i| !seen.insert(self.identity(i)))
            .map(|i| (self.partition.value(i), self.offset.value(i)))
            .collect()
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

/// What the writer knows of each receiver's frames in ClickHouse: per (partition, receiver), a
/// position no frame `frames` holds is past. A receiver's batch whose frames are all past it
/// cannot repeat a stored frame and needs no query: a live stream, its frames in time and offset
/// order, is checked once per assignment rather than once per batch. Forgotten when the
/// assignment changes (another streamer may have written the partition meanwhile); raised by each
/// batch written.
#[derive(Debug, Default)]
pub struct Known {
    positions: HashMap<(u32, String), Position>,
    generation: u64,
    /// The last position of each receiver of the batch being written.
    pending: Vec<((u32, String), Position)>,
}

/// What to ask ClickHouse before writing a batch's frames.
#[derive(Debug, Default, PartialEq)]
pub struct Questions<'a> {
    /// (receiver, first ms, last ms): the identities `frames` holds in these ranges.
    pub ranges: Vec<(&'a str, i64, i64)>,
    /// (partition, receiver, first ms): receivers nothing is known of; the latest time `frames`
    /// holds of each at or after its batch's first frame.
    pub unknown: Vec<(u32, &'a str, i64)>,
}

impl Known {
    /// Forgets everything unless `generation` is the one this was learnt under.
    pub fn forget_unless(&mut self, generation: u64) {
        if generation != self.generation {
            self.positions.clear();
            self.generation = generation;
        }
    }

    /// What to ask of ClickHouse about a batch with these spans ([`FrameIds::spans`]); keeps the
    /// batch's last positions for [`Known::written`].
    pub fn questions<'a>(&mut self, spans: &Spans<'a>) -> Questions<'a> {
        self.pending =
            spans.iter().map(|(&(p, r), &(_, last))| ((p, r.to_owned()), last)).collect();
        let mut questions = Questions::default();
        for (&(partition, receiver), &(first, last)) in spans {
            match self.positions.get(&(partition, receiver.to_owned())) {
                Some(&known) if first > known => {}
                Some(_) => questions.ranges.push((receiver, first.0, last.0)),
                None => {
                    questions.ranges.push((receiver, first.0, last.0));
                    questions.unknown.push((partition, receiver, first.0));
                }
            }
        }
        questions.ranges.sort_unstable();
        questions.unknown.sort_unstable();
        questions
    }

    /// Learns the answer to [`Questions::unknown`]: the latest time `frames` holds of each
    /// receiver (receivers with none left out).
    pub fn learn(&mut self, unknown: &[(u32, &str, i64)], latest: &HashMap<String, i64>) {
        for &(partition, receiver, first) in unknown {
            // Past every offset of the latest time stored; with nothing at or after the batch's
            // first frame, just before it.
            let time = latest.get(receiver).copied().unwrap_or(first - 1);
            self.positions.insert((partition, receiver.to_owned()), (time, i64::MAX));
        }
    }

    /// Raises the positions by the batch [`Known::questions`] saw last, now written.
    pub fn written(&mut self) {
        for (key, last) in self.pending.drain(..) {
            let known = self.positions.entry(key).or_insert(last);
            *known = (*known).max(last);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn marks(table: &str, held: &[(i32, i64)]) -> Marks {
        HashMap::from([(table.to_owned(), held.iter().copied().collect())])
    }

    fn span(parts: &[(i32, i64, i64)]) -> Span {
        parts.iter().map(|&(p, first, last)| (p, (first, last))).collect()
    }

    /// A batch with Kafka columns, one row per (partition, offset).
    fn rows(records: &[(u32, u64)]) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("kafka_partition", DataType::UInt32, false),
            Field::new("kafka_offset", DataType::UInt64, false),
        ]);
        let partitions = UInt32Array::from_iter_values(records.iter().map(|r| r.0));
        let offsets = UInt64Array::from_iter_values(records.iter().map(|r| r.1));
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(partitions), Arc::new(offsets)])
            .unwrap()
    }

    fn kept(keep: Option<BooleanArray>, n: usize) -> Vec<bool> {
        keep.map_or(vec![true; n], |k| k.iter().map(|v| v == Some(true)).collect())
    }

    #[test]
    fn a_partition_resumes_after_the_last_record_frames_holds() {
        let frames = HashMap::from([(0, 41), (2, 0)]);
        assert_eq!(resume_at(&frames, 0), Some(42));
        assert_eq!(resume_at(&frames, 2), Some(1));
        assert_eq!(resume_at(&frames, 1), None);
    }

    #[test]
    fn only_marks_inside_the_batch_reach_it() {
        let mut all = marks("frames", &[(0, 99), (1, 10)]);
        all.extend(marks("positions", &[(0, 105), (1, 9)]));
        all.extend(marks("observations", &[(3, 500)]));
        let batch = span(&[(0, 100, 200), (1, 10, 20)]);
        let reach = reaching(&all, &batch);
        // frames: partition 1 holds offset 10, the batch's first; positions: partition 0 holds
        // up to 105; observations: a partition the batch does not have.
        assert_eq!(reach, {
            let mut m = marks("frames", &[(1, 10)]);
            m.extend(marks("positions", &[(0, 105)]));
            m
        });
        assert!(reaching(&marks("frames", &[(0, 99)]), &batch).is_empty());
    }

    #[test]
    fn kept_partitions_go_back_to_their_first_given_up_record() {
        let written = span(&[(0, 100, 150), (1, 7, 9)]);
        let building = span(&[(0, 151, 180), (2, 40, 60)]);
        let waiting = [(2, 61), (3, 5), (0, 181)];
        assert_eq!(
            seek_back([&written, &building], waiting, &[1]),
            vec![(0, 100), (2, 40), (3, 5)]
        );
        assert!(seek_back([], [], &[0]).is_empty());
    }

    #[test]
    fn drops_leave_out_held_rows_per_table_and_duplicates_everywhere() {
        let batch = rows(&[(0, 10), (0, 11), (0, 12), (1, 5), (1, 6)]);
        let drops =
            Drops { duplicates: HashSet::from([(1, 6)]), reaching: marks("positions", &[(0, 11)]) };
        assert_eq!(kept(drops.keep("positions", &batch), 5), [false, false, true, true, false]);
        assert_eq!(kept(drops.keep("frames", &batch), 5), [true, true, true, true, false]);
        let nothing = Drops::default();
        assert!(nothing.keep("positions", &batch).is_none(), "nothing to drop: no mask");
        let elsewhere = Drops { reaching: marks("positions", &[(0, 9)]), ..Drops::default() };
        assert!(elsewhere.keep("positions", &batch).is_none(), "all kept: no mask");
        let no_kafka = RecordBatch::new_empty(Arc::new(Schema::new(vec![Field::new(
            "receiver",
            DataType::Utf8,
            false,
        )])));
        assert!(drops.keep("positions", &no_kafka).is_none());
    }

    /// A `frames` batch: (receiver, time, log, week, crc, source offset, partition, offset).
    type FrameRow<'a> = (&'a str, i64, &'a str, u16, u32, i64, u32, u64);

    fn frames(rows: &[FrameRow]) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("receiver", DataType::Utf8, false),
            Field::new("time_ms", DataType::Int64, false),
            Field::new("log", DataType::Utf8, false),
            Field::new("gps_week", DataType::UInt16, false),
            Field::new("frame_crc", DataType::UInt32, false),
            Field::new("source_offset", DataType::Int64, false),
            Field::new("kafka_partition", DataType::UInt32, false),
            Field::new("kafka_offset", DataType::UInt64, false),
        ]);
        let columns: Vec<Arc<dyn Array>> = vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(UInt16Array::from_iter_values(rows.iter().map(|r| r.3))),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.4))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.5))),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.6))),
            Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.7))),
        ];
        RecordBatch::try_new(Arc::new(schema), columns).unwrap()
    }

    #[test]
    fn frames_produced_again_are_found_by_identity() {
        let batch = frames(&[
            ("a", 1000, "BESTPOS", 2300, 7, 0, 0, 50), // stored already
            ("a", 2000, "GPSEPHEM", 2300, 9, 100, 0, 51),
            ("a", 2000, "GPSEPHEM", 2300, 9, 200, 0, 52), // the same bytes elsewhere: kept
            ("a", 2000, "GPSEPHEM", 2300, 9, 100, 0, 53), // repeats 51 in the batch
            ("a", 0, "", 0, 3, 300, 0, 54),               // no GPS time: never a duplicate
            ("a", 0, "", 0, 3, 300, 0, 55),
            ("b", 1000, "BESTPOS", 2300, 7, -1, 1, 8), // no source offset: never
        ]);
        let ids = FrameIds::of(&batch).unwrap();
        let stored = [("a", 1000, "BESTPOS", 7, 0)];
        assert_eq!(ids.duplicates(stored), HashSet::from([(0, 50), (0, 53)]));
        let spans = ids.spans();
        assert_eq!(spans.len(), 1, "only frames with an identity");
        assert_eq!(spans[&(0, "a")], ((1000, 0), (2000, 200)));
    }

    #[test]
    fn spans_join_the_runs_of_a_receiver() {
        let batch = frames(&[
            ("a", 3000, "X", 1, 1, 30, 0, 1),
            ("a", 1000, "X", 1, 1, 10, 0, 2),
            ("b", 5000, "X", 1, 1, 50, 0, 3),
            ("a", 2000, "X", 1, 1, 20, 0, 4),
            ("a", 4000, "X", 1, 1, 40, 1, 5),
            ("a", 9000, "X", 1, 1, 90, 0, 6),
        ]);
        let spans = FrameIds::of(&batch).unwrap().spans();
        assert_eq!(spans.len(), 3);
        assert_eq!(spans[&(0, "a")], ((1000, 10), (9000, 90)));
        assert_eq!(spans[&(0, "b")], ((5000, 50), (5000, 50)));
        assert_eq!(spans[&(1, "a")], ((4000, 40), (4000, 40)));
    }

    #[test]
    fn known_receivers_past_their_position_need_no_question() {
        let batch = frames(&[("a", 1000, "X", 1, 1, 10, 0, 1), ("a", 2000, "X", 1, 1, 20, 0, 2)]);
        let ids = FrameIds::of(&batch).unwrap();
        let mut known = Known::default();
        known.forget_unless(1);
        let asked = known.questions(&ids.spans());
        assert_eq!(asked.ranges, vec![("a", 1000, 2000)]);
        assert_eq!(asked.unknown, vec![(0, "a", 1000)]);
        // ClickHouse holds nothing of it from the batch's first frame on.
        known.learn(&asked.unknown, &HashMap::new());
        known.written();

        // The next batch lies after the last written one: nothing to ask.
        let next = frames(&[("a", 3000, "X", 1, 1, 30, 0, 3)]);
        let next_ids = FrameIds::of(&next).unwrap();
        assert_eq!(known.questions(&next_ids.spans()), Questions::default());
        // A batch reaching back before it (a recording replayed again) is asked about.
        let again = frames(&[("a", 1500, "X", 1, 1, 15, 0, 4)]);
        let again_ids = FrameIds::of(&again).unwrap();
        assert_eq!(known.questions(&again_ids.spans()).ranges, vec![("a", 1500, 1500)]);
        // Another assignment forgets it all.
        known.forget_unless(2);
        assert_eq!(known.questions(&next_ids.spans()).unknown, vec![(0, "a", 3000)]);
    }

    #[test]
    fn a_receiver_with_frames_stored_after_the_batch_start_is_asked_until_past_them() {
        let batch = frames(&[("a", 1000, "X", 1, 1, 10, 0, 1)]);
        let ids = FrameIds::of(&batch).unwrap();
        let mut known = Known::default();
        let asked = known.questions(&ids.spans());
        known.learn(&asked.unknown, &HashMap::from([("a".to_owned(), 5000)]));
        // Not written: the next batch at 4000 is still inside what ClickHouse holds.
        let next = frames(&[("a", 4000, "X", 1, 1, 40, 0, 2)]);
        let next_ids = FrameIds::of(&next).unwrap();
        assert_eq!(known.questions(&next_ids.spans()).ranges, vec![("a", 4000, 4000)]);
        let later = frames(&[("a", 5001, "X", 1, 1, 50, 0, 3)]);
        let later_ids = FrameIds::of(&later).unwrap();
        assert!(known.questions(&later_ids.spans()).ranges.is_empty());
    }
}
