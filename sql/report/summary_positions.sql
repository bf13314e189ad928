-- title: Latest position and fix type per receiver
-- From BESTPOS (a receiver may log PSRPOS too: its solutions would count twice).
SELECT
    receiver,
    toDateTime(intDiv(max(time_ms), 1000)) AS latest,
    argMax(pos_type_name, time_ms) AS fix_type,
    argMax(sol_status_name, time_ms) AS solution,
    round(argMax(lat_deg, time_ms), 7) AS lat_deg,
    round(argMax(lon_deg, time_ms), 7) AS lon_deg,
    round(argMax(hgt_m, time_ms), 2) AS hgt_m,
    argMax(num_svs, time_ms) AS svs_tracked,
    argMax(num_soln_svs, time_ms) AS svs_used,
    count() AS solutions
FROM positions
WHERE time >= $__fromTime AND time <= $__toTime AND receiver IN (${receiver:singlequote})
    AND log = 'BESTPOS'
GROUP BY receiver
ORDER BY receiver
