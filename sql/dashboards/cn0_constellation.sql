-- title: C/N0 per constellation and signal
-- Mean C/N0 (dB-Hz) of the observations of each receiver, constellation and signal in each
-- interval. From the 1 min windows of signal_agg when the interval is whole minutes, from its
-- 1 s windows otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    receiver,
    constellation,
    signal,
    sumMerge(cn0_sum) / sumMerge(obs) AS cn0_dbhz
FROM signal_agg
WHERE resolution_s = if(modulo($__interval_s, 60) = 0, 60, 1)
    AND receiver IN (${receiver:singlequote})
    AND $__timeFilter(window_start)
GROUP BY time, receiver, constellation, signal
ORDER BY time, receiver, constellation, signal
