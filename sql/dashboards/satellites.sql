-- title: Satellites tracked and used
-- Mean satellites tracked and used in the solution per computed BESTPOS, per receiver and
-- interval. From the 1 min windows of position_agg when the interval is whole minutes, from its
-- 1 s windows otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    receiver,
    sumMerge(svs_sum) / sumMerge(n) AS tracked,
    sumMerge(soln_svs_sum) / sumMerge(n) AS used
FROM position_agg
WHERE resolution_s = if(modulo($__interval_s, 60) = 0, 60, 1)
    AND receiver IN (${receiver:singlequote})
    AND $__timeFilter(window_start)
GROUP BY time, receiver
ORDER BY time, receiver
