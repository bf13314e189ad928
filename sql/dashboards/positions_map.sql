-- title: Positions
-- Computed BESTPOS fixes for the geomap panel: the first fix of each receiver in each interval,
-- so that a day at 20 Hz stays a few thousand points. From the raw positions table: real fixes,
-- not averages. The inner query filters, the outer one buckets (its alias `time` would otherwise
-- stand for the column of the same name in the filter).
SELECT
    toDateTime(intDiv(time_ms, 1000 * $__interval_s) * $__interval_s) AS time,
    receiver,
    argMin(lat_deg, time_ms) AS latitude,
    argMin(lon_deg, time_ms) AS longitude,
    argMin(hgt_m, time_ms) AS height_m,
    argMin(pos_type_name, time_ms) AS pos_type
FROM
(
    SELECT receiver, time_ms, lat_deg, lon_deg, hgt_m, pos_type_name
    FROM positions
    WHERE log = 'BESTPOS' AND sol_status = 0
        AND receiver IN (${receiver:singlequote})
        AND $__timeFilter(time)
)
GROUP BY time, receiver
ORDER BY time, receiver
