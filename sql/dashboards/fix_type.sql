-- title: Fix type
-- BESTPOS solutions per receiver and position type in each interval, whatever their solution
-- status. From fix_type_1m when the interval is whole minutes, from fix_type_1s otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    receiver,
    pos_type_name AS pos_type,
    sumMerge(n) AS solutions
FROM
(
    SELECT receiver, window_start, pos_type_name, n
    FROM fix_type_1s
    WHERE modulo($__interval_s, 60) != 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
    UNION ALL
    SELECT receiver, window_start, pos_type_name, n
    FROM fix_type_1m
    WHERE modulo($__interval_s, 60) = 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
)
GROUP BY time, receiver, pos_type
ORDER BY time, receiver, pos_type
