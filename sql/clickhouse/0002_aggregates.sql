-- Aggregate tables fed by the DataFusion queries of sql/aggregates/, one per query and window.
--
-- For each target T: the streamer inserts the query's partial aggregates into T_input (Null
-- engine: stores nothing); the materialized view T_mv turns them into aggregate states in T
-- (AggregatingMergeTree), which merges partials of the same key from any number of batches. Read
-- with the -Merge functions, e.g. sumMerge(n), minMerge(lat_min), maxMerge(kafka_offset).
-- kafka_offset is the highest offset a row covers, per Kafka partition: the streamer's record of
-- what T already holds. Runs on ClickHouse 18.16 and current versions.

-- position_1s: Position per receiver: sums, minima and maxima of latitude, longitude and height;
-- sums and sums of squares of east/north/up offsets (m) from the reference point; satellites
-- tracked and used. Window 1 second.
CREATE TABLE IF NOT EXISTS position_1s_input
(
    receiver        String,
    window_start    DateTime,
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
    soln_svs_max    UInt8
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS position_1s
(
    receiver        String,
    window_start    DateTime,
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
    soln_svs_max    AggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS position_1s_mv TO position_1s AS
SELECT
    receiver,
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
    maxState(soln_svs_max) AS soln_svs_max
FROM position_1s_input
GROUP BY receiver, window_start, kafka_partition;

-- position_1m: Position per receiver: sums, minima and maxima of latitude, longitude and height;
-- sums and sums of squares of east/north/up offsets (m) from the reference point; satellites
-- tracked and used. Window 1 minute.
CREATE TABLE IF NOT EXISTS position_1m_input
(
    receiver        String,
    window_start    DateTime,
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
    soln_svs_max    UInt8
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS position_1m
(
    receiver        String,
    window_start    DateTime,
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
    soln_svs_max    AggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS position_1m_mv TO position_1m AS
SELECT
    receiver,
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
    maxState(soln_svs_max) AS soln_svs_max
FROM position_1m_input
GROUP BY receiver, window_start, kafka_partition;

-- fix_type_1s: BESTPOS solutions per position type. Window 1 second.
CREATE TABLE IF NOT EXISTS fix_type_1s_input
(
    receiver        String,
    window_start    DateTime,
    pos_type_name   String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    n               UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS fix_type_1s
(
    receiver        String,
    window_start    DateTime,
    pos_type_name   String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    n               AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, pos_type_name, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS fix_type_1s_mv TO fix_type_1s AS
SELECT
    receiver,
    window_start,
    pos_type_name,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(n) AS n
FROM fix_type_1s_input
GROUP BY receiver, window_start, pos_type_name, kafka_partition;

-- fix_type_1m: BESTPOS solutions per position type. Window 1 minute.
CREATE TABLE IF NOT EXISTS fix_type_1m_input
(
    receiver        String,
    window_start    DateTime,
    pos_type_name   String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    n               UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS fix_type_1m
(
    receiver        String,
    window_start    DateTime,
    pos_type_name   String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    n               AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, pos_type_name, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS fix_type_1m_mv TO fix_type_1m AS
SELECT
    receiver,
    window_start,
    pos_type_name,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(n) AS n
FROM fix_type_1m_input
GROUP BY receiver, window_start, pos_type_name, kafka_partition;

-- signal_1s: Observations per constellation and signal: counts, epochs, satellites summed over
-- epochs, C/N0. Window 1 second.
CREATE TABLE IF NOT EXISTS signal_1s_input
(
    receiver        String,
    window_start    DateTime,
    constellation   String,
    signal          String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    obs             UInt64,
    epochs          UInt64,
    sat_epochs      UInt64,
    cn0_sum         Float64,
    cn0_min         Float32,
    cn0_max         Float32,
    locked          UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS signal_1s
(
    receiver        String,
    window_start    DateTime,
    constellation   String,
    signal          String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    obs             AggregateFunction(sum, UInt64),
    epochs          AggregateFunction(sum, UInt64),
    sat_epochs      AggregateFunction(sum, UInt64),
    cn0_sum         AggregateFunction(sum, Float64),
    cn0_min         AggregateFunction(min, Float32),
    cn0_max         AggregateFunction(max, Float32),
    locked          AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, constellation, signal, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS signal_1s_mv TO signal_1s AS
SELECT
    receiver,
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
    sumState(locked) AS locked
FROM signal_1s_input
GROUP BY receiver, window_start, constellation, signal, kafka_partition;

-- signal_1m: Observations per constellation and signal: counts, epochs, satellites summed over
-- epochs, C/N0. Window 1 minute.
CREATE TABLE IF NOT EXISTS signal_1m_input
(
    receiver        String,
    window_start    DateTime,
    constellation   String,
    signal          String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    obs             UInt64,
    epochs          UInt64,
    sat_epochs      UInt64,
    cn0_sum         Float64,
    cn0_min         Float32,
    cn0_max         Float32,
    locked          UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS signal_1m
(
    receiver        String,
    window_start    DateTime,
    constellation   String,
    signal          String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    obs             AggregateFunction(sum, UInt64),
    epochs          AggregateFunction(sum, UInt64),
    sat_epochs      AggregateFunction(sum, UInt64),
    cn0_sum         AggregateFunction(sum, Float64),
    cn0_min         AggregateFunction(min, Float32),
    cn0_max         AggregateFunction(max, Float32),
    locked          AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, constellation, signal, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS signal_1m_mv TO signal_1m AS
SELECT
    receiver,
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
    sumState(locked) AS locked
FROM signal_1m_input
GROUP BY receiver, window_start, constellation, signal, kafka_partition;

-- ins_1s: INS solutions per INS status. Window 1 second.
CREATE TABLE IF NOT EXISTS ins_1s_input
(
    receiver        String,
    window_start    DateTime,
    ins_status_name String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    n               UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS ins_1s
(
    receiver        String,
    window_start    DateTime,
    ins_status_name String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    n               AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, ins_status_name, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS ins_1s_mv TO ins_1s AS
SELECT
    receiver,
    window_start,
    ins_status_name,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(n) AS n
FROM ins_1s_input
GROUP BY receiver, window_start, ins_status_name, kafka_partition;

-- ins_1m: INS solutions per INS status. Window 1 minute.
CREATE TABLE IF NOT EXISTS ins_1m_input
(
    receiver        String,
    window_start    DateTime,
    ins_status_name String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    n               UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS ins_1m
(
    receiver        String,
    window_start    DateTime,
    ins_status_name String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    n               AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, ins_status_name, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS ins_1m_mv TO ins_1m AS
SELECT
    receiver,
    window_start,
    ins_status_name,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(n) AS n
FROM ins_1m_input
GROUP BY receiver, window_start, ins_status_name, kafka_partition;

-- frame_stats_1s: Frames per log and format: count, bytes, without a decoder, undecodable. Window 1
-- second.
CREATE TABLE IF NOT EXISTS frame_stats_1s_input
(
    receiver        String,
    window_start    DateTime,
    log             String,
    format          String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    frames          UInt64,
    bytes           UInt64,
    undecoded       UInt64,
    errors          UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS frame_stats_1s
(
    receiver        String,
    window_start    DateTime,
    log             String,
    format          String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    frames          AggregateFunction(sum, UInt64),
    bytes           AggregateFunction(sum, UInt64),
    undecoded       AggregateFunction(sum, UInt64),
    errors          AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, log, format, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS frame_stats_1s_mv TO frame_stats_1s AS
SELECT
    receiver,
    window_start,
    log,
    format,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(frames) AS frames,
    sumState(bytes) AS bytes,
    sumState(undecoded) AS undecoded,
    sumState(errors) AS errors
FROM frame_stats_1s_input
GROUP BY receiver, window_start, log, format, kafka_partition;

-- frame_stats_1m: Frames per log and format: count, bytes, without a decoder, undecodable. Window 1
-- minute.
CREATE TABLE IF NOT EXISTS frame_stats_1m_input
(
    receiver        String,
    window_start    DateTime,
    log             String,
    format          String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    frames          UInt64,
    bytes           UInt64,
    undecoded       UInt64,
    errors          UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS frame_stats_1m
(
    receiver        String,
    window_start    DateTime,
    log             String,
    format          String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    frames          AggregateFunction(sum, UInt64),
    bytes           AggregateFunction(sum, UInt64),
    undecoded       AggregateFunction(sum, UInt64),
    errors          AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, log, format, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS frame_stats_1m_mv TO frame_stats_1m AS
SELECT
    receiver,
    window_start,
    log,
    format,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(frames) AS frames,
    sumState(bytes) AS bytes,
    sumState(undecoded) AS undecoded,
    sumState(errors) AS errors
FROM frame_stats_1m_input
GROUP BY receiver, window_start, log, format, kafka_partition;

-- rejected_stats_1s: Bytes the reader rejected, per reason, and in how many runs. Window 1 second.
CREATE TABLE IF NOT EXISTS rejected_stats_1s_input
(
    receiver        String,
    window_start    DateTime,
    reason          String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    bytes           UInt64,
    runs            UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS rejected_stats_1s
(
    receiver        String,
    window_start    DateTime,
    reason          String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    bytes           AggregateFunction(sum, UInt64),
    runs            AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, reason, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS rejected_stats_1s_mv TO rejected_stats_1s AS
SELECT
    receiver,
    window_start,
    reason,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(bytes) AS bytes,
    sumState(runs) AS runs
FROM rejected_stats_1s_input
GROUP BY receiver, window_start, reason, kafka_partition;

-- rejected_stats_1m: Bytes the reader rejected, per reason, and in how many runs. Window 1 minute.
CREATE TABLE IF NOT EXISTS rejected_stats_1m_input
(
    receiver        String,
    window_start    DateTime,
    reason          String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    bytes           UInt64,
    runs            UInt64
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS rejected_stats_1m
(
    receiver        String,
    window_start    DateTime,
    reason          String,
    kafka_partition UInt32,
    kafka_offset    AggregateFunction(max, UInt64),
    bytes           AggregateFunction(sum, UInt64),
    runs            AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (receiver, window_start, reason, kafka_partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS rejected_stats_1m_mv TO rejected_stats_1m AS
SELECT
    receiver,
    window_start,
    reason,
    kafka_partition,
    maxState(kafka_offset) AS kafka_offset,
    sumState(bytes) AS bytes,
    sumState(runs) AS runs
FROM rejected_stats_1m_input
GROUP BY receiver, window_start, reason, kafka_partition;
