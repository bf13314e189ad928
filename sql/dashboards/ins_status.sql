-- title: INS status
-- INS solutions (INSPVA, INSPVAS, INSPVAX) per receiver and INS status in each interval. From
-- ins_1m when the interval is whole minutes, from ins_1s otherwise.
SELECT
    toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS time,
    receiver,
    ins_status_name AS status,
    sumMerge(n) AS solutions
FROM
(
    SELECT receiver, window_start, ins_status_name, n
    FROM ins_1s
    WHERE modulo($__interval_s, 60) != 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
    UNION ALL
    SELECT receiver, window_start, ins_status_name, n
    FROM ins_1m
    WHERE modulo($__interval_s, 60) = 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(window_start)
)
GROUP BY time, receiver, status
ORDER BY time, receiver, status
