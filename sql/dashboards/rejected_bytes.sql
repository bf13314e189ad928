-- title: Rejected bytes per reason
-- Bytes the readers could not frame (bad CRC, oversize, unframed, truncated) in each interval,
-- over the selected receivers, timed by the GPS time of the last frame before them (by the time
-- the reader read them when no frame with a time came before). From
-- the 1 min windows of rejected_stats_agg when the interval is whole minutes, from its 1 s
-- windows otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    reason,
    sumMerge(bytes) AS rejected_bytes
FROM rejected_stats_agg
WHERE resolution_s = if(modulo($__interval_s, 60) = 0, 60, 1)
    AND receiver IN (${receiver:singlequote})
    AND $__timeFilter(window_start)
GROUP BY time, reason
ORDER BY time, reason
