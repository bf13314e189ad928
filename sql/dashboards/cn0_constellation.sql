-- title: C/N0 per constellation and signal
-- Mean C/N0 (dB-Hz) of the observations of each receiver, constellation and signal in each
-- interval. From signal_1m when the interval is whole minutes, from signal_1s otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    receiver,
    constellation,
    signal,
    sumMerge(cn0_sum) / sumMerge(obs) AS cn0_dbhz
FROM
(
    SELECT receiver, window_start, constellation, signal, obs, cn0_sum
    FROM signal_1s
    WHERE modulo($__interval_s, 60) != 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
    UNION ALL
    SELECT receiver, window_start, constellation, signal, obs, cn0_sum
    FROM signal_1m
    WHERE modulo($__interval_s, 60) = 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
)
GROUP BY time, receiver, constellation, signal
ORDER BY time, receiver, constellation, signal
