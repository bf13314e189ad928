-- title: Satellites tracked and used
-- Mean satellites tracked and used in the solution per computed BESTPOS, per receiver and
-- interval. From position_1m when the interval is whole minutes, from position_1s otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    receiver,
    sumMerge(svs_sum) / sumMerge(n) AS tracked,
    sumMerge(soln_svs_sum) / sumMerge(n) AS used
FROM
(
    SELECT receiver, window_start, n, svs_sum, soln_svs_sum
    FROM position_1s
    WHERE modulo($__interval_s, 60) != 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
    UNION ALL
    SELECT receiver, window_start, n, svs_sum, soln_svs_sum
    FROM position_1m
    WHERE modulo($__interval_s, 60) = 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
)
GROUP BY time, receiver
ORDER BY time, receiver
