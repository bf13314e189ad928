-- Where each satellite is in a receiver's sky: SATVIS2, one log per satellite system, gives the
-- elevation and azimuth of the system's satellites from the receiver's almanac (and Doppler). One
-- row per satellite of a log, with NovAtel's fields and units (reader/novatel/src/logs/
-- satellites.rs). Written exactly once like the other raw tables (kafka_partition,
-- kafka_offset). `gnss-report` draws each receiver's sky plot from it. SATVIS (the older log,
-- without a system field) is decoded but not stored: its PRNs are ambiguous between systems.
-- A receiver logs SATVIS2 about once a second or less: partitions are by day, like observations.

CREATE TABLE IF NOT EXISTS satellite_visibility
(
    receiver LowCardinality(String),
    time_ms Int64 CODEC(DoubleDelta, ZSTD(1)),
    time DateTime('UTC') MATERIALIZED toDateTime(intDiv(time_ms, 1000), 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    log LowCardinality(String),
    system UInt32 CODEC(ZSTD(1)), -- SATVIS2's system number
    system_name LowCardinality(String), -- GPS, GLONASS, SBAS, GALILEO, BEIDOU, QZSS, LBAND, NAVIC
    satellite_id UInt16 CODEC(ZSTD(1)), -- PRN, or GLONASS slot
    glonass_channel Int16 CODEC(ZSTD(1)), -- GLONASS frequency channel (-7 to +6); 0 otherwise
    health UInt32 CODEC(ZSTD(1)), -- satellite health, as the system broadcasts it
    sat_vis UInt8 CODEC(ZSTD(1)), -- 1 when the receiver computed visibility (SATVIS2's sat_vis)
    complete_almanac UInt8 CODEC(ZSTD(1)), -- 1 when it used a complete almanac
    elevation_deg Float64 CODEC(FPC, ZSTD(1)),
    azimuth_deg Float64 CODEC(FPC, ZSTD(1)),
    true_doppler_hz Float64 CODEC(FPC, ZSTD(1)), -- theoretical Doppler of the satellite
    apparent_doppler_hz Float64 CODEC(FPC, ZSTD(1)), -- with this receiver's clock drift
    kafka_partition UInt32 CODEC(ZSTD(1)),
    kafka_offset UInt64 CODEC(DoubleDelta, ZSTD(1)),
    ingested DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ingested)
ORDER BY (receiver, toStartOfFifteenMinutes(time), system, satellite_id, time_ms)
SETTINGS ttl_only_drop_parts = 1;
