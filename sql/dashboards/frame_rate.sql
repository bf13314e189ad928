-- title: Frames per second per log
-- Frames per second of each log in each interval, over the selected receivers. From
-- frame_stats_1m when the interval is whole minutes, from frame_stats_1s otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    log,
    sumMerge(frames) / ($__interval_s) AS frames_per_s
FROM
(
    SELECT receiver, window_start, log, frames
    FROM frame_stats_1s
    WHERE modulo($__interval_s, 60) != 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
    UNION ALL
    SELECT receiver, window_start, log, frames
    FROM frame_stats_1m
    WHERE modulo($__interval_s, 60) = 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
)
GROUP BY time, log
ORDER BY time, log
