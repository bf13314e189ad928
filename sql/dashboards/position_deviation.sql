-- title: Position deviation
-- Each receiver's mean computed BESTPOS position in each interval, in metres east, north and up
-- of its mean position over the whole range: a local tangent plane on a sphere of the Earth's
-- mean radius (6371008.8 m), exact enough for a receiver's spread. Weighted by solutions, the
-- deviations average to zero. From the 1 min windows of position_agg when the interval is whole
-- minutes, from its 1 s windows otherwise. Each receiver's intervals are gathered into arrays, so
-- that the mean over the range comes from the same rows, then unrolled.
SELECT
    time,
    receiver,
    (lon_total / n_total - mean_lon) * pi() / 180 * 6371008.8 * cos(mean_lat * pi() / 180)
        AS east_m,
    (lat_total / n_total - mean_lat) * pi() / 180 * 6371008.8 AS north_m,
    hgt_total / n_total - mean_hgt AS up_m
FROM
(
    SELECT
        receiver,
        groupArray(bucket) AS buckets,
        groupArray(n_total) AS n_totals,
        groupArray(lat_total) AS lat_totals,
        groupArray(lon_total) AS lon_totals,
        groupArray(hgt_total) AS hgt_totals,
        sum(lat_total) / sum(n_total) AS mean_lat,
        sum(lon_total) / sum(n_total) AS mean_lon,
        sum(hgt_total) / sum(n_total) AS mean_hgt
    FROM
    (
        SELECT
            toDateTime(intDiv(toUInt32(window_start), $__interval_s) * $__interval_s) AS bucket,
            receiver,
            sumMerge(n) AS n_total,
            sumMerge(lat_sum) AS lat_total,
            sumMerge(lon_sum) AS lon_total,
            sumMerge(hgt_sum) AS hgt_total
        FROM position_agg
        WHERE resolution_s = if(modulo($__interval_s, 60) = 0, 60, 1)
            AND receiver IN (${receiver:singlequote})
            AND $__timeFilter(window_start)
        GROUP BY bucket, receiver
    )
    GROUP BY receiver
)
ARRAY JOIN
    buckets AS time,
    n_totals AS n_total,
    lat_totals AS lat_total,
    lon_totals AS lon_total,
    hgt_totals AS hgt_total
ORDER BY time, receiver
