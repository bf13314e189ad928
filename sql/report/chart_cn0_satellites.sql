-- title: C/N0 per satellite (dB-Hz), its strongest signal
-- One line per satellite, named by its system's letter and PRN (GLONASS: slot) as in the sky
-- plot: over each interval, the highest of its signals' mean C/N0.
SELECT t AS time, max(cn0) AS y, satellite AS series
FROM
(
    SELECT
        intDiv(toUInt32(time), $__interval_s) * $__interval_s AS t,
        concat(
            multiIf(constellation = 'GPS', 'G', constellation = 'GLONASS', 'R',
                constellation = 'GALILEO', 'E', constellation = 'BEIDOU', 'C',
                constellation = 'QZSS', 'J', constellation = 'SBAS', 'S', constellation = 'NAVIC',
                'I', substring(constellation, 1, 1)),
            if(constellation = 'GLONASS' AND prn > 37, if(prn < 47, '0', ''),
                if(prn < 10, '0', '')),
            toString(if(constellation = 'GLONASS' AND prn > 37, prn - 37, prn))
        ) AS satellite,
        signal,
        avg(cn0_dbhz) AS cn0
    FROM observations
    WHERE time >= $__fromTime AND time <= $__toTime AND receiver IN (${receiver:singlequote})
    GROUP BY t, satellite, signal
)
GROUP BY time, series
ORDER BY series, time
