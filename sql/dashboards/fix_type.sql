-- title: Fix type
-- BESTPOS solutions per receiver and position type in each interval, whatever their solution
-- status. From the 1 min windows of fix_type_agg when the interval is whole minutes, from its
-- 1 s windows otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    receiver,
    pos_type_name AS pos_type,
    sumMerge(n) AS solutions
FROM fix_type_agg
WHERE resolution_s = if(modulo($__interval_s, 60) = 0, 60, 1)
    AND receiver IN (${receiver:singlequote})
    AND $__timeFilter(window_start)
GROUP BY time, receiver, pos_type
ORDER BY time, receiver, pos_type
