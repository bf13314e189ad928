-- title: Track: east and north of the mean position (m), by fix type
-- One point per interval; computed solutions only.
SELECT
    (any(lon_deg) - lon0) * pi() / 180 * 6371000 * cos(lat0 * pi() / 180) AS x,
    (any(lat_deg) - lat0) * pi() / 180 * 6371000 AS y,
    pos_type_name AS series
FROM positions
CROSS JOIN
(
    SELECT avg(lat_deg) AS lat0, avg(lon_deg) AS lon0
    FROM positions
    WHERE time >= $__fromTime AND time <= $__toTime AND receiver IN (${receiver:singlequote})
        AND sol_status = 0
)
WHERE time >= $__fromTime AND time <= $__toTime AND receiver IN (${receiver:singlequote})
    AND sol_status = 0
GROUP BY intDiv(time_ms, $__interval_s * 1000), series, lat0, lon0
ORDER BY series
