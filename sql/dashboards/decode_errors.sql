-- title: Decode errors
-- Frames that failed to decode, and frames of logs without a decoder (kept whole, not an error),
-- in each interval over the selected receivers. The frames table has each error's reason. From
-- the 1 min windows of frame_stats_agg when the interval is whole minutes, from its 1 s
-- windows otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    sumMerge(errors) AS decode_errors,
    sumMerge(undecoded) AS without_decoder
FROM frame_stats_agg
WHERE resolution_s = if(modulo($__interval_s, 60) = 0, 60, 1)
    AND receiver IN (${receiver:singlequote})
    AND $__timeFilter(window_start)
GROUP BY time
ORDER BY time
