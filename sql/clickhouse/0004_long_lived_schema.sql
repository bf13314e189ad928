-- The schema for a deployment that runs for years, on current ClickHouse (18.16 takes what it
-- can of it: no codecs, no table settings, String for LowCardinality(String), raw tables sorted
-- by receiver and time only; see streamer/src/sink/migrate.rs). Every table is rebuilt to it,
-- with what it held (REBUILD TABLE).
--
-- - Strings that repeat are LowCardinality; times are DateTime('UTC').
-- - Each raw table is sorted by receiver, then the quarter hour of `time` (what dashboards and
--   reports filter on), then what groups similar rows (log, satellite and signal), then time_ms.
--   Observations of one satellite and signal are so next to each other for 15 minutes, and their
--   slowly varying values compress (FPC for floats; DoubleDelta for times and offsets): measured
--   in docs/performance.md.
-- - Partitions are by `ingested`, the day (month, for tables of a few rows a day) the streamer
--   wrote a row: every insert of a batch lands in one partition, so it is one part, written
--   whole or not at all, which exactly once needs; and retention (the streamer sets TTLs, or on
--   18.16 drops partitions) removes whole parts. Rows written before this migration count as
--   ingested at their GPS time.

REBUILD TABLE frames FROM (
    SELECT receiver, time_ms, log, log_id, format, gps_week, gps_ms, size_bytes, frame_crc,
        source_offset, decoded, error, ingest_ms, kafka_partition, kafka_offset,
        toDateTime(intDiv(ingest_ms, 1000), 'UTC') AS ingested
    FROM frames
);
CREATE TABLE IF NOT EXISTS frames
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    log_id UInt16,              -- 0 when the log's id is not known
    format LowCardinality(String), -- binary, short_binary, ascii, short_ascii, abbreviated, nmea
    gps_week UInt16,
    gps_ms UInt32 CODEC(DoubleDelta, ZSTD(1)),
    size_bytes UInt32 CODEC(ZSTD(1)),
    frame_crc UInt32,           -- CRC-32 of the frame without its own checksum
    source_offset Int64 CODEC(DoubleDelta, ZSTD(1)),
    decoded UInt8,              -- 1 when a decoder of the log's type read its body
    error LowCardinality(String), -- why the frame could not be decoded; empty when it could
    ingest_ms Int64 CODEC(DoubleDelta, ZSTD(1)), -- when the streamer took the frame in
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1)) -- when the row was written
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), log, time_ms)
SETTINGS ttl_only_drop_parts = 1;

REBUILD TABLE rejected FROM (
    SELECT *, toDateTime(intDiv(time_ms, 1000), 'UTC') AS ingested FROM rejected
);
CREATE TABLE IF NOT EXISTS rejected
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    reason LowCardinality(String),
    bytes UInt64 CODEC(ZSTD(1)),
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), time_ms)
SETTINGS ttl_only_drop_parts = 1;

REBUILD TABLE positions FROM (
    SELECT *, toDateTime(intDiv(time_ms, 1000), 'UTC') AS ingested FROM positions
);
CREATE TABLE IF NOT EXISTS positions
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    sol_status UInt32 CODEC(ZSTD(1)),
    sol_status_name LowCardinality(String),
    pos_type UInt32 CODEC(ZSTD(1)),
    pos_type_name LowCardinality(String),
    lat_deg Float64 CODEC(FPC, ZSTD(1)),
    lon_deg Float64 CODEC(FPC, ZSTD(1)),
    hgt_m Float64 CODEC(FPC, ZSTD(1)),  -- above mean sea level
    undulation_m Float32 CODEC(FPC, ZSTD(1)),
    datum UInt32 CODEC(ZSTD(1)),
    lat_sigma_m Float32 CODEC(FPC, ZSTD(1)),
    lon_sigma_m Float32 CODEC(FPC, ZSTD(1)),
    hgt_sigma_m Float32 CODEC(FPC, ZSTD(1)),
    stn_id LowCardinality(String),
    diff_age_s Float32 CODEC(FPC, ZSTD(1)),
    sol_age_s Float32 CODEC(FPC, ZSTD(1)),
    num_svs UInt8 CODEC(ZSTD(1)),
    num_soln_svs UInt8 CODEC(ZSTD(1)),
    num_soln_l1_svs UInt8 CODEC(ZSTD(1)),
    num_soln_multi_svs UInt8 CODEC(ZSTD(1)),
    ext_sol_stat UInt8 CODEC(ZSTD(1)),
    gal_bds_sig_mask UInt8 CODEC(ZSTD(1)),
    gps_glo_sig_mask UInt8 CODEC(ZSTD(1)),
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), log, time_ms)
SETTINGS ttl_only_drop_parts = 1;

REBUILD TABLE velocities FROM (
    SELECT *, toDateTime(intDiv(time_ms, 1000), 'UTC') AS ingested FROM velocities
);
CREATE TABLE IF NOT EXISTS velocities
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    sol_status UInt32 CODEC(ZSTD(1)),
    sol_status_name LowCardinality(String),
    vel_type UInt32 CODEC(ZSTD(1)),
    vel_type_name LowCardinality(String),
    latency_s Float32 CODEC(FPC, ZSTD(1)),
    age_s Float32 CODEC(FPC, ZSTD(1)),
    hor_spd_mps Float64 CODEC(FPC, ZSTD(1)),
    trk_gnd_deg Float64 CODEC(FPC, ZSTD(1)),
    vert_spd_mps Float64 CODEC(FPC, ZSTD(1)),
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), log, time_ms)
SETTINGS ttl_only_drop_parts = 1;

REBUILD TABLE observations FROM (
    SELECT *, toDateTime(intDiv(time_ms, 1000), 'UTC') AS ingested FROM observations
);
CREATE TABLE IF NOT EXISTS observations
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    prn UInt16 CODEC(ZSTD(1)),          -- GLONASS: slot + 37
    glofreq UInt16 CODEC(ZSTD(1)),      -- GLONASS frequency channel + 7
    constellation LowCardinality(String), -- GPS, GLONASS, SBAS, GALILEO, BEIDOU, QZSS, NAVIC, OTHER
    signal LowCardinality(String),      -- e.g. L1CA, L2PY, E5AQ; empty when unknown
    psr_m Float64 CODEC(FPC, ZSTD(1)),
    psr_sigma_m Float32 CODEC(FPC, ZSTD(1)),
    adr_cycles Float64 CODEC(FPC, ZSTD(1)),
    adr_sigma_cycles Float32 CODEC(FPC, ZSTD(1)),
    doppler_hz Float32 CODEC(FPC, ZSTD(1)),
    cn0_dbhz Float32 CODEC(FPC, ZSTD(1)),
    locktime_s Float32 CODEC(FPC, ZSTD(1)),
    tracking_status UInt32 CODEC(ZSTD(1)),
    phase_locked UInt8 CODEC(ZSTD(1)),
    code_locked UInt8 CODEC(ZSTD(1)),
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), constellation, prn, signal, time_ms)
SETTINGS ttl_only_drop_parts = 1;

REBUILD TABLE ins FROM (
    SELECT *, toDateTime(intDiv(time_ms, 1000), 'UTC') AS ingested FROM ins
);
CREATE TABLE IF NOT EXISTS ins
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    ins_status UInt32 CODEC(ZSTD(1)),
    ins_status_name LowCardinality(String),
    pos_type UInt32 CODEC(ZSTD(1)),     -- INSPVAX only; 0 otherwise
    pos_type_name LowCardinality(String),
    lat_deg Float64 CODEC(FPC, ZSTD(1)),
    lon_deg Float64 CODEC(FPC, ZSTD(1)),
    hgt_ellipsoid_m Float64 CODEC(FPC, ZSTD(1)),
    north_vel_mps Float64 CODEC(FPC, ZSTD(1)),
    east_vel_mps Float64 CODEC(FPC, ZSTD(1)),
    up_vel_mps Float64 CODEC(FPC, ZSTD(1)),
    roll_deg Float64 CODEC(FPC, ZSTD(1)),
    pitch_deg Float64 CODEC(FPC, ZSTD(1)),
    azimuth_deg Float64 CODEC(FPC, ZSTD(1)),
    lat_sigma_m Float32 CODEC(FPC, ZSTD(1)),
    lon_sigma_m Float32 CODEC(FPC, ZSTD(1)),
    hgt_sigma_m Float32 CODEC(FPC, ZSTD(1)),
    north_vel_sigma_mps Float32 CODEC(FPC, ZSTD(1)),
    east_vel_sigma_mps Float32 CODEC(FPC, ZSTD(1)),
    up_vel_sigma_mps Float32 CODEC(FPC, ZSTD(1)),
    roll_sigma_deg Float32 CODEC(FPC, ZSTD(1)),
    pitch_sigma_deg Float32 CODEC(FPC, ZSTD(1)),
    azimuth_sigma_deg Float32 CODEC(FPC, ZSTD(1)),
    ext_sol_stat UInt32 CODEC(ZSTD(1)),
    time_since_update_s UInt16 CODEC(ZSTD(1)),
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), log, time_ms)
SETTINGS ttl_only_drop_parts = 1;

REBUILD TABLE receiver_status FROM (
    SELECT *, toDateTime(intDiv(time_ms, 1000), 'UTC') AS ingested FROM receiver_status
);
CREATE TABLE IF NOT EXISTS receiver_status
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    error_word UInt32 CODEC(ZSTD(1)),
    status_word UInt32 CODEC(ZSTD(1)),
    aux1_word UInt32 CODEC(ZSTD(1)),
    aux2_word UInt32 CODEC(ZSTD(1)),
    aux3_word UInt32 CODEC(ZSTD(1)),
    aux4_word UInt32 CODEC(ZSTD(1)),
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), time_ms)
SETTINGS ttl_only_drop_parts = 1;

REBUILD TABLE hardware FROM (
    SELECT *, toDateTime(intDiv(time_ms, 1000), 'UTC') AS ingested FROM hardware
);
CREATE TABLE IF NOT EXISTS hardware
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    reading Float32 CODEC(FPC, ZSTD(1)),
    reading_type UInt8,     -- NovAtel's code: 1 temperature, 2 antenna current, 7 antenna voltage, ...
    limit_status UInt8,     -- 0 within limits, 1/2 under warning/error, 3/4 over warning/error
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), reading_type, time_ms)
SETTINGS ttl_only_drop_parts = 1;

REBUILD TABLE clock FROM (
    SELECT *, toDateTime(intDiv(time_ms, 1000), 'UTC') AS ingested FROM clock
);
CREATE TABLE IF NOT EXISTS clock
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    clock_status UInt32 CODEC(ZSTD(1)),
    clock_status_name LowCardinality(String),
    offset_s Float64 CODEC(FPC, ZSTD(1)),
    offset_std_s Float64 CODEC(FPC, ZSTD(1)),
    utc_offset_s Float64 CODEC(FPC, ZSTD(1)),
    utc_status UInt32 CODEC(ZSTD(1)),
    utc_status_name LowCardinality(String),
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), time_ms)
SETTINGS ttl_only_drop_parts = 1;

-- Each receiver's reference point: its first computed BESTPOS (see 0001).
REBUILD TABLE receivers FROM (SELECT * FROM receivers);
CREATE TABLE IF NOT EXISTS receivers
(
    receiver LowCardinality(String),
    ref_lat_deg Float64,
    ref_lon_deg Float64,
    ref_hgt_m Float64,
    first_time_ms Int64
)
ENGINE = MergeTree
ORDER BY receiver;

-- The aggregates: one table per query of sql/aggregates/ (instead of one per query and window),
-- its 1 s and 1 min windows told apart by resolution_s, so that a batch writes one part per query.
-- The streamer inserts into <table>_input (Null engine); <table>_mv turns the rows into aggregate
-- states of <table> (AggregatingMergeTree), read with the -Merge functions.
-- resolution_s leads the sorting key: every query reads one resolution, and a dashboard over days
-- of 1 min windows then reads none of the 1 s windows (with the receiver first, each receiver's
-- 1 min windows began inside a granule of 1 s ones: twice the rows read, measured).

-- position_agg: Position per receiver and window: sums, minima and maxima of latitude, longitude and height;
-- sums and sums of squares of east/north/up offsets (m) from the reference point; satellites
-- tracked and used. Windows of 1 second
-- (resolution_s 1) and 1 minute (60), from position_1s and position_1m.
REBUILD TABLE position_agg FROM (
    SELECT *, 1 AS resolution_s, window_start AS ingested FROM position_1s
    UNION ALL
    SELECT *, 60 AS resolution_s, window_start AS ingested FROM position_1m
) DROP position_1s_mv, position_1s_input, position_1s, position_1m_mv, position_1m_input, position_1m;

CREATE TABLE IF NOT EXISTS position_agg
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    n               AggregateFunction(sum, UInt64),
    lat_sum         AggregateFunction(sum, Float64),
    lat_min         AggregateFunction(min, Float64),
    lat_max         AggregateFunction(max, Float64),
    lon_sum         AggregateFunction(sum, Float64),
    lon_min         AggregateFunction(min, Float64),
    lon_max         AggregateFunction(max, Float64),
    hgt_sum         AggregateFunction(sum, Float64),
    hgt_min         AggregateFunction(min, Float64),
    hgt_max         AggregateFunction(max, Float64),
    east_sum        AggregateFunction(sum, Float64),
    east_sq_sum     AggregateFunction(sum, Float64),
    north_sum       AggregateFunction(sum, Float64),
    north_sq_sum    AggregateFunction(sum, Float64),
    up_sum          AggregateFunction(sum, Float64),
    up_sq_sum       AggregateFunction(sum, Float64),
    svs_sum         AggregateFunction(sum, UInt64),
    svs_min         AggregateFunction(min, UInt8),
    svs_max         AggregateFunction(max, UInt8),
    soln_svs_sum    AggregateFunction(sum, UInt64),
    soln_svs_min    AggregateFunction(min, UInt8),
    soln_svs_max    AggregateFunction(max, UInt8),
    resolution_s    UInt32,
    ingested        DateTime('UTC') DEFAULT now()
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (resolution_s, receiver, window_start, kafka_partition);

CREATE TABLE IF NOT EXISTS position_agg_input
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC'),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    n               UInt64,
    lat_sum         Float64,
    lat_min         Float64,
    lat_max         Float64,
    lon_sum         Float64,
    lon_min         Float64,
    lon_max         Float64,
    hgt_sum         Float64,
    hgt_min         Float64,
    hgt_max         Float64,
    east_sum        Float64,
    east_sq_sum     Float64,
    north_sum       Float64,
    north_sq_sum    Float64,
    up_sum          Float64,
    up_sq_sum       Float64,
    svs_sum         UInt64,
    svs_min         UInt8,
    svs_max         UInt8,
    soln_svs_sum    UInt64,
    soln_svs_min    UInt8,
    soln_svs_max    UInt8,
    resolution_s    UInt32
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS position_agg_mv TO position_agg AS
SELECT
    receiver,
    resolution_s,
    window_start,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(n) AS n,
    sumState(lat_sum) AS lat_sum,
    minState(lat_min) AS lat_min,
    maxState(lat_max) AS lat_max,
    sumState(lon_sum) AS lon_sum,
    minState(lon_min) AS lon_min,
    maxState(lon_max) AS lon_max,
    sumState(hgt_sum) AS hgt_sum,
    minState(hgt_min) AS hgt_min,
    maxState(hgt_max) AS hgt_max,
    sumState(east_sum) AS east_sum,
    sumState(east_sq_sum) AS east_sq_sum,
    sumState(north_sum) AS north_sum,
    sumState(north_sq_sum) AS north_sq_sum,
    sumState(up_sum) AS up_sum,
    sumState(up_sq_sum) AS up_sq_sum,
    sumState(svs_sum) AS svs_sum,
    minState(svs_min) AS svs_min,
    maxState(svs_max) AS svs_max,
    sumState(soln_svs_sum) AS soln_svs_sum,
    minState(soln_svs_min) AS soln_svs_min,
    maxState(soln_svs_max) AS soln_svs_max,
    now() AS ingested
FROM position_agg_input
GROUP BY receiver, resolution_s, window_start, kafka_partition;

-- fix_type_agg: BESTPOS solutions per receiver, window and position type (fix type). Windows of 1 second
-- (resolution_s 1) and 1 minute (60), from fix_type_1s and fix_type_1m.
REBUILD TABLE fix_type_agg FROM (
    SELECT *, 1 AS resolution_s, window_start AS ingested FROM fix_type_1s
    UNION ALL
    SELECT *, 60 AS resolution_s, window_start AS ingested FROM fix_type_1m
) DROP fix_type_1s_mv, fix_type_1s_input, fix_type_1s, fix_type_1m_mv, fix_type_1m_input, fix_type_1m;

CREATE TABLE IF NOT EXISTS fix_type_agg
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
    pos_type_name   LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    n               AggregateFunction(sum, UInt64),
    resolution_s    UInt32,
    ingested        DateTime('UTC') DEFAULT now()
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (resolution_s, receiver, window_start, pos_type_name, kafka_partition);

CREATE TABLE IF NOT EXISTS fix_type_agg_input
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC'),
    pos_type_name   LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    n               UInt64,
    resolution_s    UInt32
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS fix_type_agg_mv TO fix_type_agg AS
SELECT
    receiver,
    resolution_s,
    window_start,
    pos_type_name,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(n) AS n,
    now() AS ingested
FROM fix_type_agg_input
GROUP BY receiver, resolution_s, window_start, pos_type_name, kafka_partition;

-- signal_agg: Observations per receiver, window, constellation and signal: C/N0 sums, minima and maxima,
-- satellites, locked signals. Windows of 1 second
-- (resolution_s 1) and 1 minute (60), from signal_1s and signal_1m.
REBUILD TABLE signal_agg FROM (
    SELECT *, 1 AS resolution_s, window_start AS ingested FROM signal_1s
    UNION ALL
    SELECT *, 60 AS resolution_s, window_start AS ingested FROM signal_1m
) DROP signal_1s_mv, signal_1s_input, signal_1s, signal_1m_mv, signal_1m_input, signal_1m;

CREATE TABLE IF NOT EXISTS signal_agg
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
    constellation   LowCardinality(String),
    signal          LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    obs             AggregateFunction(sum, UInt64),
    epochs          AggregateFunction(sum, UInt64),
    sat_epochs      AggregateFunction(sum, UInt64),
    cn0_sum         AggregateFunction(sum, Float64),
    cn0_min         AggregateFunction(min, Float32),
    cn0_max         AggregateFunction(max, Float32),
    locked          AggregateFunction(sum, UInt64),
    resolution_s    UInt32,
    ingested        DateTime('UTC') DEFAULT now()
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (resolution_s, receiver, window_start, constellation, signal, kafka_partition);

CREATE TABLE IF NOT EXISTS signal_agg_input
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC'),
    constellation   LowCardinality(String),
    signal          LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    obs             UInt64,
    epochs          UInt64,
    sat_epochs      UInt64,
    cn0_sum         Float64,
    cn0_min         Float32,
    cn0_max         Float32,
    locked          UInt64,
    resolution_s    UInt32
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS signal_agg_mv TO signal_agg AS
SELECT
    receiver,
    resolution_s,
    window_start,
    constellation,
    signal,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(obs) AS obs,
    sumState(epochs) AS epochs,
    sumState(sat_epochs) AS sat_epochs,
    sumState(cn0_sum) AS cn0_sum,
    minState(cn0_min) AS cn0_min,
    maxState(cn0_max) AS cn0_max,
    sumState(locked) AS locked,
    now() AS ingested
FROM signal_agg_input
GROUP BY receiver, resolution_s, window_start, constellation, signal, kafka_partition;

-- ins_agg: INS solutions per receiver, window and INS status. Windows of 1 second
-- (resolution_s 1) and 1 minute (60), from ins_1s and ins_1m.
REBUILD TABLE ins_agg FROM (
    SELECT *, 1 AS resolution_s, window_start AS ingested FROM ins_1s
    UNION ALL
    SELECT *, 60 AS resolution_s, window_start AS ingested FROM ins_1m
) DROP ins_1s_mv, ins_1s_input, ins_1s, ins_1m_mv, ins_1m_input, ins_1m;

CREATE TABLE IF NOT EXISTS ins_agg
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
    ins_status_name LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    n               AggregateFunction(sum, UInt64),
    resolution_s    UInt32,
    ingested        DateTime('UTC') DEFAULT now()
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (resolution_s, receiver, window_start, ins_status_name, kafka_partition);

CREATE TABLE IF NOT EXISTS ins_agg_input
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC'),
    ins_status_name LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    n               UInt64,
    resolution_s    UInt32
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS ins_agg_mv TO ins_agg AS
SELECT
    receiver,
    resolution_s,
    window_start,
    ins_status_name,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(n) AS n,
    now() AS ingested
FROM ins_agg_input
GROUP BY receiver, resolution_s, window_start, ins_status_name, kafka_partition;

-- frame_stats_agg: Frames per receiver, window, log and format: how many, their bytes, how many had no decoder,
-- how many could not be decoded. Windows of 1 second
-- (resolution_s 1) and 1 minute (60), from frame_stats_1s and frame_stats_1m.
REBUILD TABLE frame_stats_agg FROM (
    SELECT *, 1 AS resolution_s, window_start AS ingested FROM frame_stats_1s
    UNION ALL
    SELECT *, 60 AS resolution_s, window_start AS ingested FROM frame_stats_1m
) DROP frame_stats_1s_mv, frame_stats_1s_input, frame_stats_1s, frame_stats_1m_mv, frame_stats_1m_input, frame_stats_1m;

CREATE TABLE IF NOT EXISTS frame_stats_agg
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
    log             LowCardinality(String),
    format          LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    frames          AggregateFunction(sum, UInt64),
    bytes           AggregateFunction(sum, UInt64),
    undecoded       AggregateFunction(sum, UInt64),
    errors          AggregateFunction(sum, UInt64),
    resolution_s    UInt32,
    ingested        DateTime('UTC') DEFAULT now()
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (resolution_s, receiver, window_start, log, format, kafka_partition);

CREATE TABLE IF NOT EXISTS frame_stats_agg_input
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC'),
    log             LowCardinality(String),
    format          LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    frames          UInt64,
    bytes           UInt64,
    undecoded       UInt64,
    errors          UInt64,
    resolution_s    UInt32
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS frame_stats_agg_mv TO frame_stats_agg AS
SELECT
    receiver,
    resolution_s,
    window_start,
    log,
    format,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(frames) AS frames,
    sumState(bytes) AS bytes,
    sumState(undecoded) AS undecoded,
    sumState(errors) AS errors,
    now() AS ingested
FROM frame_stats_agg_input
GROUP BY receiver, resolution_s, window_start, log, format, kafka_partition;

-- rejected_stats_agg: Bytes the readers rejected per receiver, window and reason. Windows of 1 second
-- (resolution_s 1) and 1 minute (60), from rejected_stats_1s and rejected_stats_1m.
REBUILD TABLE rejected_stats_agg FROM (
    SELECT *, 1 AS resolution_s, window_start AS ingested FROM rejected_stats_1s
    UNION ALL
    SELECT *, 60 AS resolution_s, window_start AS ingested FROM rejected_stats_1m
) DROP rejected_stats_1s_mv, rejected_stats_1s_input, rejected_stats_1s, rejected_stats_1m_mv, rejected_stats_1m_input, rejected_stats_1m;

CREATE TABLE IF NOT EXISTS rejected_stats_agg
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
    reason          LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    bytes           AggregateFunction(sum, UInt64),
    runs            AggregateFunction(sum, UInt64),
    resolution_s    UInt32,
    ingested        DateTime('UTC') DEFAULT now()
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (resolution_s, receiver, window_start, reason, kafka_partition);

CREATE TABLE IF NOT EXISTS rejected_stats_agg_input
(
    receiver        LowCardinality(String),
    window_start    DateTime('UTC'),
    reason          LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    bytes           UInt64,
    runs            UInt64,
    resolution_s    UInt32
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS rejected_stats_agg_mv TO rejected_stats_agg AS
SELECT
    receiver,
    resolution_s,
    window_start,
    reason,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(bytes) AS bytes,
    sumState(runs) AS runs,
    now() AS ingested
FROM rejected_stats_agg_input
GROUP BY receiver, resolution_s, window_start, reason, kafka_partition;
