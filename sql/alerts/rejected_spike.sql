-- title: Rejected bytes spike
-- Each receiver's rejected bytes (every reason) in the last 5 minutes of the rule's range (the
-- last hour) when they are more than four times its mean per 5 minutes over the 55 minutes before,
-- 0 otherwise; the rule fires above 1024. A steady trickle (a receiver whose console replies are
-- always rejected as unframed) stays quiet; a cable going bad does not. From the raw rejected
-- table.
SELECT
    receiver,
    if(recent_bytes > 4 * before_bytes / 11, recent_bytes, 0) AS spike_bytes
FROM
(
    SELECT
        receiver,
        sumIf(bytes, time_ms > (toInt64(toUInt32($__toTime)) - 300) * 1000) AS recent_bytes,
        sumIf(bytes, time_ms <= (toInt64(toUInt32($__toTime)) - 300) * 1000) AS before_bytes
    FROM rejected
    WHERE $__timeFilter(time)
    GROUP BY receiver
)
ORDER BY receiver
