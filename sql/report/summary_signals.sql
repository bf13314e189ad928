-- title: Satellites and C/N0 per constellation
SELECT
    receiver,
    constellation,
    uniqExact(prn) AS satellites_seen,
    round(uniqExact(time_ms, prn) / uniqExact(time_ms), 1) AS satellites_per_epoch,
    uniqExact(signal) AS signals,
    round(avg(cn0_dbhz), 1) AS cn0_mean,
    round(min(cn0_dbhz), 1) AS cn0_min,
    round(max(cn0_dbhz), 1) AS cn0_max,
    count() AS observations
FROM observations
WHERE time >= $__fromTime AND time <= $__toTime AND receiver IN (${receiver:singlequote})
GROUP BY receiver, constellation
ORDER BY receiver, constellation
