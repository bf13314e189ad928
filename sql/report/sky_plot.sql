-- title: Sky plot: satellites' azimuth and elevation (SATVIS2)
-- One point per satellite and interval, its latest in the interval, above the horizon only: the
-- tracks; the points of the last interval are where the satellites are now. A satellite is named
-- by its system's letter and PRN (GLONASS: slot), as in the C/N0 per satellite chart.
SELECT
    intDiv(toUInt32(time), $__interval_s) * $__interval_s AS t,
    concat(
        multiIf(system_name = 'GPS', 'G', system_name = 'GLONASS', 'R',
            system_name = 'GALILEO', 'E', system_name = 'BEIDOU', 'C', system_name = 'QZSS', 'J',
            system_name = 'SBAS', 'S', system_name = 'NAVIC', 'I', substring(system_name, 1, 1)),
        if(satellite_id < 10, '0', ''),
        toString(satellite_id)
    ) AS satellite,
    argMax(azimuth_deg, time_ms) AS azimuth,
    argMax(elevation_deg, time_ms) AS elevation
FROM satellite_visibility
WHERE time >= $__fromTime AND time <= $__toTime AND receiver IN (${receiver:singlequote})
GROUP BY t, satellite
HAVING elevation >= 0
ORDER BY satellite, t
