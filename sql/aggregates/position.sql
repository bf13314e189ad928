-- Position per receiver and window, from computed BESTPOS solutions (sol_status 0): mean (as
-- sum and count), min and max of latitude, longitude and height; sums and sums of squares of the
-- east, north and up offsets in metres from the receiver's reference point (standard deviation
-- without cancellation); satellites tracked and used in the solution.
-- target: position_agg
-- windows: 1 second, 1 minute
SELECT
    receiver,
    window_start,
    kafka_partition,
    max(kafka_offset) AS kafka_offset,
    count(*) AS n,
    sum(lat_deg) AS lat_sum,
    min(lat_deg) AS lat_min,
    max(lat_deg) AS lat_max,
    sum(lon_deg) AS lon_sum,
    min(lon_deg) AS lon_min,
    max(lon_deg) AS lon_max,
    sum(hgt_m) AS hgt_sum,
    min(hgt_m) AS hgt_min,
    max(hgt_m) AS hgt_max,
    sum(east_m) AS east_sum,
    sum(east_m * east_m) AS east_sq_sum,
    sum(north_m) AS north_sum,
    sum(north_m * north_m) AS north_sq_sum,
    sum(up_m) AS up_sum,
    sum(up_m * up_m) AS up_sq_sum,
    sum(num_svs) AS svs_sum,
    min(num_svs) AS svs_min,
    max(num_svs) AS svs_max,
    sum(num_soln_svs) AS soln_svs_sum,
    min(num_soln_svs) AS soln_svs_min,
    max(num_soln_svs) AS soln_svs_max
FROM (
    SELECT
        p.receiver,
        to_unixtime(date_bin(INTERVAL '{window}', to_timestamp_millis(p.time_ms))) AS window_start,
        p.kafka_partition,
        p.kafka_offset,
        p.lat_deg,
        p.lon_deg,
        p.hgt_m,
        -- Local tangent plane on a sphere of the Earth's mean radius: exact enough for spread.
        radians(p.lon_deg - r.ref_lon_deg) * 6371008.8 * cos(radians(r.ref_lat_deg)) AS east_m,
        radians(p.lat_deg - r.ref_lat_deg) * 6371008.8 AS north_m,
        p.hgt_m - r.ref_hgt_m AS up_m,
        p.num_svs,
        p.num_soln_svs
    FROM positions p
    JOIN receivers r ON p.receiver = r.receiver
    WHERE p.log = 'BESTPOS' AND p.sol_status = 0
)
GROUP BY receiver, window_start, kafka_partition
