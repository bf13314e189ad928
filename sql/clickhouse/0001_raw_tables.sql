-- Raw tables: one row per frame, per decoded log, per observation.
--
-- Every row carries the Kafka partition and offset of the frame it came from: that is how the
-- streamer writes each frame exactly once (see docs/streamer.md). Times are UTC milliseconds since
-- the Unix epoch (`time_ms`, from the log's GPS time), with `time` (seconds) derived for
-- partitioning and for tools that want a DateTime. Runs on ClickHouse 18.16 and current versions.

CREATE TABLE IF NOT EXISTS frames
(
    receiver String,
    time_ms Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_ms, 1000)),
    log String,
    log_id UInt16,          -- 0 when the log's id is not known
    format String,          -- binary, short_binary, ascii, short_ascii, abbreviated, nmea
    gps_week UInt16,
    gps_ms UInt32,
    size_bytes UInt32,
    decoded UInt8,          -- 1 when a decoder of the log's type read its body
    error String,           -- why the frame could not be decoded; empty when it could
    ingest_ms Int64,        -- when the streamer wrote the row
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (receiver, time_ms);

-- Bytes the reader could not frame, as it reported them (bad CRC, oversize, unframed, truncated).
CREATE TABLE IF NOT EXISTS rejected
(
    receiver String,
    time_ms Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_ms, 1000)),
    reason String,
    bytes UInt64,
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (receiver, time_ms);

-- BESTPOS and PSRPOS.
CREATE TABLE IF NOT EXISTS positions
(
    receiver String,
    time_ms Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_ms, 1000)),
    log String,
    sol_status UInt32,
    sol_status_name String,
    pos_type UInt32,
    pos_type_name String,
    lat_deg Float64,
    lon_deg Float64,
    hgt_m Float64,          -- above mean sea level
    undulation_m Float32,
    datum UInt32,
    lat_sigma_m Float32,
    lon_sigma_m Float32,
    hgt_sigma_m Float32,
    stn_id String,
    diff_age_s Float32,
    sol_age_s Float32,
    num_svs UInt8,
    num_soln_svs UInt8,
    num_soln_l1_svs UInt8,
    num_soln_multi_svs UInt8,
    ext_sol_stat UInt8,
    gal_bds_sig_mask UInt8,
    gps_glo_sig_mask UInt8,
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (receiver, time_ms);

-- BESTVEL.
CREATE TABLE IF NOT EXISTS velocities
(
    receiver String,
    time_ms Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_ms, 1000)),
    log String,
    sol_status UInt32,
    sol_status_name String,
    vel_type UInt32,
    vel_type_name String,
    latency_s Float32,
    age_s Float32,
    hor_spd_mps Float64,
    trk_gnd_deg Float64,
    vert_spd_mps Float64,
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (receiver, time_ms);

-- RANGE and RANGECMP (decompressed): one row per observation.
CREATE TABLE IF NOT EXISTS observations
(
    receiver String,
    time_ms Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_ms, 1000)),
    log String,
    prn UInt16,             -- GLONASS: slot + 37
    glofreq UInt16,         -- GLONASS frequency channel + 7
    constellation String,   -- GPS, GLONASS, SBAS, GALILEO, BEIDOU, QZSS, NAVIC, OTHER
    signal String,          -- e.g. L1CA, L2PY, E5AQ; empty when unknown
    psr_m Float64,
    psr_sigma_m Float32,
    adr_cycles Float64,
    adr_sigma_cycles Float32,
    doppler_hz Float32,
    cn0_dbhz Float32,
    locktime_s Float32,
    tracking_status UInt32,
    phase_locked UInt8,
    code_locked UInt8,
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (receiver, time_ms);

-- INSPVA, INSPVAS and INSPVAX. Standard deviations are NaN for the logs without them.
CREATE TABLE IF NOT EXISTS ins
(
    receiver String,
    time_ms Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_ms, 1000)),
    log String,
    ins_status UInt32,
    ins_status_name String,
    pos_type UInt32,        -- INSPVAX only; 0 otherwise
    pos_type_name String,
    lat_deg Float64,
    lon_deg Float64,
    hgt_ellipsoid_m Float64,
    north_vel_mps Float64,
    east_vel_mps Float64,
    up_vel_mps Float64,
    roll_deg Float64,
    pitch_deg Float64,
    azimuth_deg Float64,
    lat_sigma_m Float32,
    lon_sigma_m Float32,
    hgt_sigma_m Float32,
    north_vel_sigma_mps Float32,
    east_vel_sigma_mps Float32,
    up_vel_sigma_mps Float32,
    roll_sigma_deg Float32,
    pitch_sigma_deg Float32,
    azimuth_sigma_deg Float32,
    ext_sol_stat UInt32,
    time_since_update_s UInt16,
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (receiver, time_ms);

-- RXSTATUS: the error word and the status words (AUX4 is 0 on receivers without it).
CREATE TABLE IF NOT EXISTS receiver_status
(
    receiver String,
    time_ms Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_ms, 1000)),
    error_word UInt32,
    status_word UInt32,
    aux1_word UInt32,
    aux2_word UInt32,
    aux3_word UInt32,
    aux4_word UInt32,
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (receiver, time_ms);

-- HWMONITOR: one row per reading (temperature in degrees C, current in A, voltage in V).
CREATE TABLE IF NOT EXISTS hardware
(
    receiver String,
    time_ms Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_ms, 1000)),
    reading Float32,
    reading_type UInt8,     -- NovAtel's code: 1 temperature, 2 antenna current, 7 antenna voltage, ...
    limit_status UInt8,     -- 0 within limits, 1/2 under warning/error, 3/4 over warning/error
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (receiver, time_ms);

-- TIME: receiver clock and UTC.
CREATE TABLE IF NOT EXISTS clock
(
    receiver String,
    time_ms Int64,
    time DateTime MATERIALIZED toDateTime(intDiv(time_ms, 1000)),
    clock_status UInt32,
    clock_status_name String,
    offset_s Float64,
    offset_std_s Float64,
    utc_offset_s Float64,
    utc_status UInt32,
    utc_status_name String,
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(time)
ORDER BY (receiver, time_ms);

-- Each receiver's reference point: its first computed BESTPOS (sol_status 0). Position deviations (east, north, up in
-- metres) are measured from it. Read with argMin(..., first_time_ms) per receiver.
CREATE TABLE IF NOT EXISTS receivers
(
    receiver String,
    ref_lat_deg Float64,
    ref_lon_deg Float64,
    ref_hgt_m Float64,
    first_time_ms Int64
)
ENGINE = MergeTree
ORDER BY receiver;
