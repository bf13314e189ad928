-- title: Mean C/N0 per constellation (dB-Hz)
SELECT
    intDiv(toUInt32(window_start), $__interval_s) * $__interval_s AS time,
    sumMerge(cn0_sum) / sumMerge(obs) AS y,
    constellation AS series
FROM signal_agg
WHERE resolution_s = 1 AND window_start >= $__fromTime AND window_start <= $__toTime
    AND receiver IN (${receiver:singlequote})
GROUP BY time, series
ORDER BY series, time
