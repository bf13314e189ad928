-- title: Ingest delay
-- Seconds from a frame's GPS time to when the streamer took it in (ingest_ms - time_ms), mean
-- and maximum per receiver in each interval. From the raw frames table (no aggregate keeps the
-- ingest time). A replayed recording shows its age.
SELECT
    toDateTime(intDiv(time_ms, 1000 * $__interval_s) * $__interval_s) AS time,
    receiver,
    avg(delay_ms) / 1000 AS delay_mean_s,
    max(delay_ms) / 1000 AS delay_max_s
FROM
(
    SELECT receiver, time_ms, ingest_ms - time_ms AS delay_ms
    FROM frames
    WHERE receiver IN (${receiver:singlequote})
        AND $__timeFilter(time)
)
GROUP BY time, receiver
ORDER BY time, receiver
