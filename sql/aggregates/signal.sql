-- Observations per receiver, window, constellation and signal: how many, in how many epochs
-- (RANGE/RANGECMP logs), satellites summed over epochs (satellites tracked = sat_epochs / epochs),
-- C/N0 sum, min and max, and how many were phase locked.
-- target: signal_agg
-- windows: 1 second, 1 minute
SELECT
    receiver,
    window_start,
    constellation,
    signal,
    kafka_partition,
    max(kafka_offset) AS kafka_offset,
    count(*) AS obs,
    count(DISTINCT kafka_offset) AS epochs,
    -- Unsigned throughout: UInt64 times a signed literal would be Decimal arithmetic.
    count(DISTINCT kafka_offset * CAST(1000 AS BIGINT UNSIGNED) + prn) AS sat_epochs,
    sum(cn0_dbhz) AS cn0_sum,
    min(cn0_dbhz) AS cn0_min,
    max(cn0_dbhz) AS cn0_max,
    sum(phase_locked) AS locked
FROM (
    SELECT
        receiver,
        to_unixtime(date_bin(INTERVAL '{window}', to_timestamp_millis(time_ms))) AS window_start,
        constellation,
        signal,
        kafka_partition,
        kafka_offset,
        prn,
        cn0_dbhz,
        phase_locked
    FROM observations
)
GROUP BY receiver, window_start, constellation, signal, kafka_partition
