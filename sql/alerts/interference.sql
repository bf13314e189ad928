-- title: Suspected interference
-- For each receiver, the highest share of its tracked satellites whose C/N0 fell by 6 dB or more
-- at once in a 10 s window of the rule's range (the last minute); the rule fires above 0.5. The
-- same windows as the panel "Suspected interference" (sql/dashboards/interference.sql), which says
-- how they are made.
SELECT
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
            WHERE time >= toDateTime(greatest(toInt64(toUInt32($__fromTime)) - 80, toInt64(0)))
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
GROUP BY receiver
ORDER BY receiver
