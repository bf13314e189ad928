-- Navigation data as the receivers decoded it from the satellites' broadcasts: ephemerides of
-- GPS and QZSS, GLONASS, Galileo and BeiDou, and the ionosphere and UTC parameters of GPS and
-- QZSS. One table per kind, since their parameters differ; one row per log, with NovAtel's field
-- names and units (the manual's pages of each log, and reader/novatel/src/logs/ephemeris.rs).
-- Written exactly once like the other raw tables (kafka_partition, kafka_offset). A receiver
-- logs an ephemeris when it changes: a few hundred rows a day, so partitions are by month.
-- `gnss-export rinex` turns the rows back into the logs they came from and writes RINEX
-- navigation records from them (docs/rinex.md).

-- GPSEPHEM and QZSSEPHEMERIS (QZSS broadcasts GPS's LNAV message; `log` tells them apart): one row
-- per ephemeris a receiver decoded, as NovAtel gives it (angles in radians, the semi-major axis in
-- metres).
CREATE TABLE IF NOT EXISTS gps_ephemerides
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    prn UInt32, -- satellite PRN
    tow Float64, -- time stamp of subframe 1, s of week
    health UInt32, -- health status (6 bits, ICD-GPS-200)
    iode1 UInt32, -- issue of ephemeris data, subframe 2
    iode2 UInt32, -- issue of ephemeris data, subframe 3
    week UInt32, -- GPS week of toe
    z_week UInt32, -- Z count week (week of tow)
    toe Float64, -- reference time of ephemeris, s of week
    a Float64, -- semi-major axis, m
    delta_n Float64, -- mean motion difference, rad/s
    m0 Float64, -- mean anomaly at toe, rad
    ecc Float64, -- eccentricity
    omega Float64, -- argument of perigee, rad
    cuc Float64, -- rad
    cus Float64, -- rad
    crc Float64, -- m
    crs Float64, -- m
    cic Float64, -- rad
    cis Float64, -- rad
    i0 Float64, -- inclination at toe, rad
    i_dot Float64, -- rate of inclination, rad/s
    omega0 Float64, -- right ascension at the week's start, rad
    omega_dot Float64, -- rate of right ascension, rad/s
    iodc UInt32, -- issue of data, clock
    toc Float64, -- reference time of clock, s of week
    tgd Float64, -- group delay, s
    af0 Float64, -- clock bias, s
    af1 Float64, -- clock drift, s/s
    af2 Float64, -- clock drift rate, s/s2
    anti_spoofing UInt32, -- 1 when anti-spoofing is on
    n Float64, -- corrected mean motion, rad/s
    ura Float64, -- user range accuracy variance, m2
    fit_interval UInt8, -- QZSS curve fit interval flag; 0 for GPS
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested)
ORDER BY (receiver, prn, time_ms)
SETTINGS ttl_only_drop_parts = 1;

-- GALINAVEPHEMERIS and GALFNAVEPHEMERIS: one row per Galileo ephemeris (Galileo weeks and seconds;
-- the columns of the other message are 0).
CREATE TABLE IF NOT EXISTS galileo_ephemerides
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    satellite_id UInt32, -- Galileo PRN
    e1b_health UInt8, -- I/NAV E1-B signal health
    e1b_dvs UInt8, -- I/NAV E1-B data validity
    e5b_health UInt8, -- I/NAV E5b signal health
    e5b_dvs UInt8, -- I/NAV E5b data validity
    e5a_health UInt8, -- F/NAV E5a signal health
    e5a_dvs UInt8, -- F/NAV E5a data validity
    iodnav UInt16, -- issue of data, navigation
    sisa_index UInt8, -- signal-in-space accuracy index
    source UInt8, -- I/NAV: the signals the data came from
    toe UInt32, -- reference time of ephemeris, s of Galileo week
    toc UInt32, -- reference time of clock, s of Galileo week
    m0 Float64, -- rad
    delta_n Float64, -- rad/s
    ecc Float64, -- eccentricity
    root_a Float64, -- square root of the semi-major axis, m^0.5
    i0 Float64, -- rad
    i_dot Float64, -- rad/s
    omega0 Float64, -- rad
    omega Float64, -- rad
    omega_dot Float64, -- rad/s
    cuc Float64, -- rad
    cus Float64, -- rad
    crc Float64, -- m
    crs Float64, -- m
    cic Float64, -- rad
    cis Float64, -- rad
    af0 Float64, -- clock bias, s
    af1 Float64, -- s/s
    af2 Float64, -- s/s2
    bgd_e1_e5a Float64, -- broadcast group delay E1/E5a, s
    bgd_e1_e5b Float64, -- broadcast group delay E1/E5b (I/NAV), s
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested)
ORDER BY (receiver, satellite_id, time_ms)
SETTINGS ttl_only_drop_parts = 1;

-- GLOEPHEMERIS: one row per GLONASS ephemeris (PZ-90 state vector at the reference time).
CREATE TABLE IF NOT EXISTS glonass_ephemerides
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    sloto UInt16, -- slot + 37 (NovAtel's GLONASS PRN)
    freqo UInt16, -- frequency channel + 7
    sat_type UInt8, -- 0 GLONASS, 1 GLONASS-M, 2 GLONASS-K
    e_week UInt16, -- GPS week of the reference time
    e_time UInt32, -- reference time, GPS ms of week
    t_offset UInt32, -- GPS - GLONASS time, whole s
    nt UInt16, -- day number in the four-year interval
    issue UInt32, -- 15-minute interval of the reference time (tb)
    health UInt32, -- Bn and ln
    pos_x Float64, -- m
    pos_y Float64, -- m
    pos_z Float64, -- m
    vel_x Float64, -- m/s
    vel_y Float64, -- m/s
    vel_z Float64, -- m/s
    ls_acc_x Float64, -- lunisolar acceleration, m/s2
    ls_acc_y Float64, -- m/s2
    ls_acc_z Float64, -- m/s2
    tau_n Float64, -- satellite time correction to GLONASS time, s
    delta_tau_n Float64, -- L2 - L1 time difference, s
    gamma Float64, -- relative frequency offset
    tk UInt32, -- frame start, s of the GLONASS day
    p UInt32, -- technological parameter P
    ft UInt32, -- accuracy index Ft
    age UInt32, -- age of data En, days
    flags UInt32, -- P1 to P4
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested)
ORDER BY (receiver, sloto, time_ms)
SETTINGS ttl_only_drop_parts = 1;

-- BDSEPHEMERIS: one row per BeiDou ephemeris (BDT weeks and seconds).
CREATE TABLE IF NOT EXISTS beidou_ephemerides
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    satellite_id UInt32, -- BeiDou PRN
    week UInt32, -- BDT week of toe
    ura Float64, -- user range accuracy, m
    health1 UInt32, -- SatH1
    tgd1 Float64, -- B1 group delay, s
    tgd2 Float64, -- B2 group delay, s
    aodc UInt32, -- age of data, clock
    toc UInt32, -- reference time of clock, BDT s of week
    a0 Float64, -- clock bias, s
    a1 Float64, -- clock drift, s/s
    a2 Float64, -- clock drift rate, s/s2
    aode UInt32, -- age of data, ephemeris
    toe UInt32, -- reference time of ephemeris, BDT s of week
    root_a Float64, -- square root of the semi-major axis, m^0.5
    ecc Float64, -- eccentricity
    omega Float64, -- rad
    delta_n Float64, -- rad/s
    m0 Float64, -- rad
    omega0 Float64, -- rad
    omega_dot Float64, -- rad/s
    i0 Float64, -- rad
    idot Float64, -- rad/s
    cuc Float64, -- rad
    cus Float64, -- rad
    crc Float64, -- m
    crs Float64, -- m
    cic Float64, -- rad
    cis Float64, -- rad
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested)
ORDER BY (receiver, satellite_id, time_ms)
SETTINGS ttl_only_drop_parts = 1;

-- IONUTC and QZSSIONUTC (`log` tells them apart): Klobuchar ionosphere and UTC parameters.
CREATE TABLE IF NOT EXISTS ionosphere_utc
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    a0 Float64, -- Klobuchar alpha 0, s
    a1 Float64, -- s/semicircle
    a2 Float64, -- s/semicircle2
    a3 Float64, -- s/semicircle3
    b0 Float64, -- Klobuchar beta 0, s
    b1 Float64, -- s/semicircle
    b2 Float64, -- s/semicircle2
    b3 Float64, -- s/semicircle3
    utc_wn UInt32, -- UTC reference week
    tot UInt32, -- UTC reference time, s of week
    utc_a0 Float64, -- s
    utc_a1 Float64, -- s/s
    wn_lsf UInt32, -- week of the future leap second
    dn UInt32, -- its day (1 = Sunday)
    deltat_ls Int32, -- current leap seconds, s
    deltat_lsf Int32, -- leap seconds after it, s
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested)
ORDER BY (receiver, time_ms)
SETTINGS ttl_only_drop_parts = 1;
