-- title: Logs ingested per type
-- Frames without a GPS time (console replies: GPS week 0) lie outside every time range; they
-- are counted with the range's frames.
SELECT
    log,
    format,
    count() AS frames,
    sum(decoded) AS decoded,
    countIf(error != '') AS errors,
    sum(size_bytes) AS bytes
FROM frames
WHERE (time >= $__fromTime AND time <= $__toTime OR gps_week = 0)
    AND receiver IN (${receiver:singlequote})
GROUP BY log, format
ORDER BY frames DESC, log, format
