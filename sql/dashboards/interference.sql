-- title: Suspected interference
-- Share of each receiver's tracked satellites whose C/N0 fell by 6 dB or more at once, the highest
-- of the 10 s windows in each interval. Each satellite's mean C/N0 (over its signals) in a 10 s
-- window is set against its own mean over the minute that ended a window earlier (windows 2 to 7
-- before), so elevation, which moves C/N0 over hours, does not count, and an episode beginning
-- within a window does not lower the past of the first window it fills. A jamming episode takes
-- most satellites down together (above 0.5 is what the alert calls interference); a satellite
-- behind a tree takes one. Windows need 4 satellites seen in them and in that minute. From the raw
-- observations table, read from 80 s before the range (from the epoch at the earliest) for the
-- first windows' past.
SELECT
    toDateTime(intDiv(window_s, $__interval_s) * $__interval_s) AS time,
    receiver,
    max(dropped / satellites) AS dropped_share
FROM
(
    SELECT
        receiver,
        window_s,
        count() AS satellites,
        countIf(cn0_now_dbhz <= cn0_before_dbhz - 6) AS dropped
    FROM
    (
        SELECT
            receiver,
            constellation,
            prn,
            seen_s + 10 * (arrayJoin([0, 2, 3, 4, 5, 6, 7]) AS windows_later) AS window_s,
            avgIf(cn0_dbhz, windows_later = 0) AS cn0_now_dbhz,
            avgIf(cn0_dbhz, windows_later > 0) AS cn0_before_dbhz
        FROM
        (
            SELECT
                receiver,
                constellation,
                prn,
                intDiv(time_ms, 10000) * 10 AS seen_s,
                avg(cn0_dbhz) AS cn0_dbhz
            FROM observations
            WHERE receiver IN (${receiver:singlequote})
                AND time >= toDateTime(greatest(toInt64(toUInt32($__fromTime)) - 80, toInt64(0)))
                AND time <= ($__toTime)
            GROUP BY receiver, constellation, prn, seen_s
        )
        GROUP BY receiver, constellation, prn, window_s
        HAVING countIf(windows_later = 0) > 0
            AND countIf(windows_later > 0) > 0
            AND window_s >= toUInt32($__fromTime)
    )
    GROUP BY receiver, window_s
    HAVING satellites >= 4
)
GROUP BY time, receiver
ORDER BY time, receiver
