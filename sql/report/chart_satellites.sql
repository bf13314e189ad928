-- title: Satellites tracked and used in the solution
SELECT time, y, series
FROM
(
    SELECT
        intDiv(toUInt32(window_start), $__interval_s) * $__interval_s AS time,
        sumMerge(svs_sum) / sumMerge(n) AS tracked,
        sumMerge(soln_svs_sum) / sumMerge(n) AS used
    FROM position_agg
    WHERE resolution_s = 1 AND window_start >= $__fromTime AND window_start <= $__toTime
        AND receiver IN (${receiver:singlequote})
    GROUP BY time
)
ARRAY JOIN [tracked, used] AS y, ['tracked', 'used'] AS series
ORDER BY series, time
