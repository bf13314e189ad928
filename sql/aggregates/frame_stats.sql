-- Frames per receiver, window, log and format: how many, their bytes, how many had no decoder,
-- how many could not be decoded.
-- target: frame_stats_agg
-- windows: 1 second, 1 minute
SELECT
    receiver,
    window_start,
    log,
    format,
    kafka_partition,
    max(kafka_offset) AS kafka_offset,
    count(*) AS frames,
    sum(size_bytes) AS bytes,
    sum(CASE WHEN decoded = 0 AND error = '' THEN 1 ELSE 0 END) AS undecoded,
    sum(CASE WHEN error <> '' THEN 1 ELSE 0 END) AS errors
FROM (
    SELECT
        receiver,
        to_unixtime(date_bin(INTERVAL '{window}', to_timestamp_millis(time_ms))) AS window_start,
        log,
        format,
        kafka_partition,
        kafka_offset,
        size_bytes,
        decoded,
        error
    FROM frames
)
GROUP BY receiver, window_start, log, format, kafka_partition
