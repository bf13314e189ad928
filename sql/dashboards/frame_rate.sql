-- title: Frames per second per log
-- Frames per second of each log in each interval, over the selected receivers. From
-- the 1 min windows of frame_stats_agg when the interval is whole minutes, from its 1 s
-- windows otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    log,
    sumMerge(frames) / ($__interval_s) AS frames_per_s
FROM frame_stats_agg
WHERE resolution_s = if(modulo($__interval_s, 60) = 0, 60, 1)
    AND receiver IN (${receiver:singlequote})
    AND $__timeFilter(window_start)
GROUP BY time, log
ORDER BY time, log
