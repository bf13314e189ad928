//! Where rows go: one server, or the shards of a ClickHouse cluster, each with its replicas.
//!
//! - **A partition's rows go to one shard**, `partition % shards`: a function of the Kafka
//!   partition alone, so whichever streamer holds a partition, before or after a rebalance, writes
//!   it to the same shard, and a partition's marks are on that shard ([`shard_of`]). Rows without
//!   a partition (the reference points of `receivers`) go to the first shard.
//! - **A shard is written through one replica at a time**; ClickHouse replicates the parts to the
//!   others through ZooKeeper (or ClickHouse Keeper). When that replica fails (down, read-only
//!   without ZooKeeper), the next write goes to the shard's next replica ([`Shard::fail_over`]).
//! - **Marks are read from a replica that has every part**: a part written through a replica that
//!   then died may not have reached the others yet. Before reading marks, `SYSTEM SYNC REPLICA`
//!   makes the replica fetch every part the shard's log names; while the only copy of one is on a
//!   dead replica, it cannot, the read fails, and the batch waits (rather than being written
//!   again and doubled when the dead replica comes back).

use std::sync::atomic::{AtomicUsize, Ordering};

use clickhouse::Client;
use datafusion::arrow::array::{Array, BooleanArray, UInt32Array};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use metrics::counter;
use tracing::warn;

use super::error::SinkError;
use crate::metrics as m;

/// A ClickHouse cluster: its name in the servers' `remote_servers`, and per shard, in that
/// order, its replicas' HTTP URLs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    pub shards: Vec<Vec<String>>,
}

/// The shard (0-based) a Kafka partition's rows go to.
pub fn shard_of(partition: u32, shards: usize) -> usize {
    partition as usize % shards
}

/// A batch's rows per shard (0-based), by their `kafka_partition`; shards without rows left out.
/// A batch without the column goes whole to the first shard.
pub fn split(batch: &RecordBatch, shards: usize) -> Result<Vec<(usize, RecordBatch)>, ArrowError> {
    let partitions = batch
        .column_by_name("kafka_partition")
        .and_then(|c| c.as_any().downcast_ref::<UInt32Array>());
    let Some(partitions) = partitions.filter(|_| shards > 1) else {
        return Ok(vec![(0, batch.clone())]);
    };
    let of_row: Vec<usize> = partitions.values().iter().map(|&p| shard_of(p, shards)).collect();
    if of_row.iter().all(|&s| s == of_row[0]) {
        return Ok(of_row.first().map(|&s| (s, batch.clone())).into_iter().collect());
    }
    let mut parts = Vec::new();
    for shard in 0..shards {
        let keep: BooleanArray = of_row.iter().map(|&s| Some(s == shard)).collect();
        if keep.true_count() > 0 {
            parts.push((shard, filter_record_batch(batch, &keep)?));
        }
    }
    debug_assert_eq!(parts.iter().map(|(_, b)| b.num_rows()).sum::<usize>(), partitions.len());
    Ok(parts)
}

/// A node: its URL (for messages) and a client of its database.
pub struct Replica {
    pub url: String,
    pub client: Client,
}

/// A shard's replicas and the one written through.
pub struct Shard {
    /// 1-based, as ClickHouse's `{shard}` macro numbers them.
    pub number: usize,
    replicas: Vec<Replica>,
    current: AtomicUsize,
}

impl Shard {
    pub fn new(number: usize, replicas: Vec<Replica>) -> Self {
        Shard { number, replicas, current: AtomicUsize::new(0) }
    }

    /// The replica written through, and its index (for [`Shard::fail_over`]).
    pub fn current(&self) -> (usize, &Replica) {
        let at = self.current.load(Ordering::Relaxed) % self.replicas.len();
        (at, &self.replicas[at])
    }

    /// After `error` on replica `from`: the next write goes through the shard's next replica
    /// (unless another write has moved on already). One replica: nothing to move to.
    pub fn fail_over(&self, from: usize, error: &SinkError) {
        if self.replicas.len() < 2 || !error.is_retryable() {
            return;
        }
        let to = (from + 1) % self.replicas.len();
        if self.current.compare_exchange(from, to, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
            counter!(m::REPLICA_FAILOVERS, "shard" => self.number.to_string()).increment(1);
            warn!(
                shard = self.number,
                from = %self.replicas[from].url,
                to = %self.replicas[to].url,
                %error,
                "ClickHouse replica failed; writing through the shard's next replica"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::UInt64Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn rows(partitions: &[u32]) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("kafka_partition", DataType::UInt32, false),
            Field::new("kafka_offset", DataType::UInt64, false),
        ]);
        let offsets = UInt64Array::from_iter_values(0..partitions.len() as u64);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(UInt32Array::from(partitions.to_vec())), Arc::new(offsets)],
        )
        .unwrap()
    }

    fn partitions(batch: &RecordBatch) -> Vec<u32> {
        let column = batch.column(0).as_any().downcast_ref::<UInt32Array>().unwrap();
        column.values().to_vec()
    }

    #[test]
    fn a_partition_goes_to_the_same_shard_whoever_holds_it() {
        assert_eq!([0, 1, 2, 3, 4, 5].map(|p| shard_of(p, 2)), [0, 1, 0, 1, 0, 1]);
        assert_eq!([0, 1, 2, 3].map(|p| shard_of(p, 3)), [0, 1, 2, 0]);
        assert_eq!(shard_of(7, 1), 0);
    }

    #[test]
    fn batches_split_by_partition_into_shards() {
        let parts = split(&rows(&[0, 1, 2, 3, 5]), 2).unwrap();
        let got: Vec<(usize, Vec<u32>)> = parts.iter().map(|(s, b)| (*s, partitions(b))).collect();
        assert_eq!(got, [(0, vec![0, 2]), (1, vec![1, 3, 5])]);
        let one = split(&rows(&[1, 3]), 2).unwrap();
        assert_eq!(one.iter().map(|(s, b)| (*s, b.num_rows())).collect::<Vec<_>>(), [(1, 2)]);
        assert_eq!(split(&rows(&[0, 1]), 1).unwrap().len(), 1, "one shard: no split");
        let no_partition = RecordBatch::new_empty(Arc::new(Schema::new(vec![Field::new(
            "receiver",
            DataType::Utf8,
            false,
        )])));
        assert_eq!(split(&no_partition, 2).unwrap()[0].0, 0, "first shard");
        assert!(split(&rows(&[]), 2).unwrap().is_empty());
    }
}
