-- BESTPOS solutions per receiver, window and position type (fix type).
-- target: fix_type_agg
-- windows: 1 second, 1 minute
SELECT
    receiver,
    window_start,
    pos_type_name,
    kafka_partition,
    max(kafka_offset) AS kafka_offset,
    count(*) AS n
FROM (
    SELECT
        receiver,
        to_unixtime(date_bin(INTERVAL '{window}', to_timestamp_millis(time_ms))) AS window_start,
        pos_type_name,
        kafka_partition,
        kafka_offset
    FROM positions
    WHERE log = 'BESTPOS'
)
GROUP BY receiver, window_start, pos_type_name, kafka_partition
