-- title: Logs ingested per type
SELECT
    log,
    format,
    count() AS frames,
    sum(decoded) AS decoded,
    countIf(error != '') AS errors,
    sum(size_bytes) AS bytes
FROM frames
WHERE time >= $__fromTime AND time <= $__toTime AND receiver IN (${receiver:singlequote})
GROUP BY log, format
ORDER BY frames DESC, log, format
