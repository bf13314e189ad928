-- title: Track: east and north of the mean position (m), by fix type
-- One point per interval, its first fix; computed BESTPOS solutions only (a receiver may log
-- PSRPOS too). GLOBAL: on a cluster the mean is computed once over every shard and sent to them
-- (without it ClickHouse refuses a join of two Distributed tables); on one server it changes nothing.
SELECT
    (argMin(lon_deg, time_ms) - lon0) * pi() / 180 * 6371000 * cos(lat0 * pi() / 180) AS x,
    (argMin(lat_deg, time_ms) - lat0) * pi() / 180 * 6371000 AS y,
    pos_type_name AS series
FROM positions
GLOBAL CROSS JOIN
(
    SELECT avg(lat_deg) AS lat0, avg(lon_deg) AS lon0
    FROM positions
    WHERE time >= $__fromTime AND time <= $__toTime AND receiver IN (${receiver:singlequote})
        AND log = 'BESTPOS' AND sol_status = 0
) AS reference
WHERE time >= $__fromTime AND time <= $__toTime AND receiver IN (${receiver:singlequote})
    AND log = 'BESTPOS' AND sol_status = 0
GROUP BY intDiv(time_ms, $__interval_s * 1000), series, lat0, lon0
ORDER BY series, min(time_ms)
