//! Metric names (Prometheus conventions); the binary serves them on `/metrics`.

/// Kafka records consumed, by kind: `frame` or `rejected` (a reader's report of rejected bytes).
pub const RECORDS: &str = "streamer_records_total";
/// Records that could not be decoded: not one whole frame, a frame whose content is malformed, a
/// malformed report (each kept in the `frames` table with the reason).
pub const DECODE_ERRORS: &str = "streamer_decode_errors_total";
/// Frames per micro-batch written.
pub const BATCH_FRAMES: &str = "streamer_batch_frames";
/// Rows inserted, by table.
pub const ROWS_INSERTED: &str = "streamer_rows_inserted_total";
/// Time to insert one batch into one table, by table.
pub const INSERT_SECONDS: &str = "streamer_insert_seconds";
/// Time to write one micro-batch: aggregates and every table.
pub const FLUSH_SECONDS: &str = "streamer_flush_seconds";
/// Writes to ClickHouse that failed and were tried again.
pub const INSERT_RETRIES: &str = "streamer_insert_retries_total";
/// Frames left out because ClickHouse already held them (the same receiver, GPS time, log and
/// bytes, produced again: a reader restarted on a recording).
pub const DUPLICATE_FRAMES: &str = "streamer_duplicate_frames_total";
/// Writes moved to a shard's next ClickHouse replica after one failed, by shard (cluster mode).
pub const REPLICA_FAILOVERS: &str = "streamer_replica_failovers_total";
/// Micro-batches left to the partitions' next owner after a rebalance.
pub const BATCHES_ABANDONED: &str = "streamer_batches_abandoned_total";
/// Records behind the end of each partition, by partition (from librdkafka's statistics).
pub const CONSUMER_LAG: &str = "streamer_consumer_lag";

/// Buckets of [`BATCH_FRAMES`].
pub const BATCH_BUCKETS: &[f64] =
    &[1.0, 10.0, 100.0, 1_000.0, 10_000.0, 50_000.0, 100_000.0, 200_000.0, 500_000.0, 1_000_000.0];
