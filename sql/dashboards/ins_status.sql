-- title: INS status
-- INS solutions (INSPVA, INSPVAS, INSPVAX) per receiver and INS status in each interval. From
-- the 1 min windows of ins_agg when the interval is whole minutes, from its 1 s
-- windows otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    receiver,
    ins_status_name AS status,
    sumMerge(n) AS solutions
FROM ins_agg
WHERE resolution_s = if(modulo($__interval_s, 60) = 0, 60, 1)
    AND receiver IN (${receiver:singlequote})
    AND $__timeFilter(window_start)
GROUP BY time, receiver, status
ORDER BY time, receiver, status
