-- title: Decode errors
-- Frames that failed to decode, and frames of logs without a decoder (kept whole, not an error),
-- in each interval over the selected receivers. The frames table has each error's reason. From
-- frame_stats_1m when the interval is whole minutes, from frame_stats_1s otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    sumMerge(errors) AS decode_errors,
    sumMerge(undecoded) AS without_decoder
FROM
(
    SELECT receiver, window_start, errors, undecoded
    FROM frame_stats_1s
    WHERE modulo($__interval_s, 60) != 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
    UNION ALL
    SELECT receiver, window_start, errors, undecoded
    FROM frame_stats_1m
    WHERE modulo($__interval_s, 60) = 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
)
GROUP BY time
ORDER BY time
