-- title: Receiver silent
-- Seconds since each receiver's last frame, for the receivers that sent frames in the rule's range
-- (the last day); the rule fires above 120. Read from the 1 min windows of frame_stats_agg, so a
-- window's frames count at its end: the figure is within a minute, and a receiver silent for
-- longer than the range drops out (its alert resolves as missing data).
SELECT
    receiver,
    toInt64(toUInt32($__toTime)) - max(toInt64(toUInt32(window_start)) + 60) AS silent_s
FROM frame_stats_agg
WHERE resolution_s = 60
    AND $__timeFilter(window_start)
GROUP BY receiver
ORDER BY receiver
