-- title: Solution status
-- BESTPOS solutions per receiver and solution status in each interval (the number when the status
-- has no name). From the raw positions table: the aggregates keep computed solutions only.
SELECT
    toDateTime(intDiv(time_ms, 1000 * $__interval_s) * $__interval_s) AS time,
    receiver,
    if(sol_status_name = '', toString(sol_status), sol_status_name) AS status,
    count() AS solutions
FROM
(
    SELECT receiver, time_ms, sol_status, sol_status_name
    FROM positions
    WHERE log = 'BESTPOS'
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(time)
)
GROUP BY time, receiver, status
ORDER BY time, receiver, status
