-- INS solutions (INSPVA, INSPVAS, INSPVAX) per receiver, window and INS status.
-- target: ins_agg
-- windows: 1 second, 1 minute
SELECT
    receiver,
    window_start,
    ins_status_name,
    kafka_partition,
    max(kafka_offset) AS kafka_offset,
    count(*) AS n
FROM (
    SELECT
        receiver,
        to_unixtime(date_bin(INTERVAL '{window}', to_timestamp_millis(time_ms))) AS window_start,
        ins_status_name,
        kafka_partition,
        kafka_offset
    FROM ins
)
GROUP BY receiver, window_start, ins_status_name, kafka_partition
