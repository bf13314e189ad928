-- Bytes the reader rejected, per receiver, window and reason (bad_crc, oversize, unframed,
-- truncated), and in how many runs.
-- target: rejected_stats_agg
-- windows: 1 second, 1 minute
SELECT
    receiver,
    window_start,
    reason,
    kafka_partition,
    max(kafka_offset) AS kafka_offset,
    sum(bytes) AS bytes,
    count(*) AS runs
FROM (
    SELECT
        receiver,
        to_unixtime(date_bin(INTERVAL '{window}', to_timestamp_millis(time_ms))) AS window_start,
        reason,
        kafka_partition,
        kafka_offset,
        bytes
    FROM rejected
)
GROUP BY receiver, window_start, reason, kafka_partition
