-- title: Rejected bytes per reason
-- Bytes the readers could not frame (bad CRC, oversize, unframed, truncated) in each interval,
-- over the selected receivers, timed by the GPS time of the last frame before them (by the time
-- the reader read them when no frame with a time came before). From
-- rejected_stats_1m when the interval is whole minutes, from rejected_stats_1s otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    reason,
    sumMerge(bytes) AS rejected_bytes
FROM
(
    SELECT receiver, window_start, reason, bytes
    FROM rejected_stats_1s
    WHERE modulo($__interval_s, 60) != 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
    UNION ALL
    SELECT receiver, window_start, reason, bytes
    FROM rejected_stats_1m
    WHERE modulo($__interval_s, 60) = 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
)
GROUP BY time, reason
ORDER BY time, reason
