//! The aggregates the streamer computed with DataFusion, batch by batch, against the same
//! aggregates computed by ClickHouse over the raw tables in one go.

use super::ClickHouse;
use super::expected::{assert_rows_close, parse, sorted};

/// One aggregate kind: its merged columns in the target, the same over raw rows, and the types.
struct Kind {
    name: &'static str,
    keys: &'static str,
    merged: &'static str,
    raw: &'static str,
    from: &'static str,
    types: &'static str,
}

const KINDS: [Kind; 6] = [
    Kind {
        name: "position",
        keys: "receiver, window_start",
        merged: "sumMerge(n), sumMerge(lat_sum), minMerge(lat_min), maxMerge(lat_max), sumMerge(lon_sum), \
                 minMerge(lon_min), maxMerge(lon_max), sumMerge(hgt_sum), minMerge(hgt_min), maxMerge(hgt_max), \
                 sumMerge(east_sum), sumMerge(east_sq_sum), sumMerge(north_sum), sumMerge(north_sq_sum), \
                 sumMerge(up_sum), sumMerge(up_sq_sum), sumMerge(svs_sum), minMerge(svs_min), maxMerge(svs_max), \
                 sumMerge(soln_svs_sum), minMerge(soln_svs_min), maxMerge(soln_svs_max)",
        raw: "count(), sum(lat_deg), min(lat_deg), max(lat_deg), sum(lon_deg), min(lon_deg), max(lon_deg), \
              sum(hgt_m), min(hgt_m), max(hgt_m), sum(east), sum(east * east), sum(north), sum(north * north), \
              sum(up), sum(up * up), sum(num_svs), min(num_svs), max(num_svs), sum(num_soln_svs), \
              min(num_soln_svs), max(num_soln_svs)",
        from: "(SELECT receiver, time_ms, lat_deg, lon_deg, hgt_m, num_svs, num_soln_svs, \
                 (lon_deg - ref_lon) * pi() / 180 * 6371008.8 * cos(ref_lat * pi() / 180) AS east, \
                 (lat_deg - ref_lat) * pi() / 180 * 6371008.8 AS north, hgt_m - ref_hgt AS up \
               FROM {db}.positions ANY INNER JOIN \
                 (SELECT receiver, argMin(ref_lat_deg, first_time_ms) AS ref_lat, \
                         argMin(ref_lon_deg, first_time_ms) AS ref_lon, argMin(ref_hgt_m, first_time_ms) AS ref_hgt \
                  FROM {db}.receivers GROUP BY receiver) USING receiver \
               WHERE log = 'BESTPOS' AND sol_status = 0)",
        types: "ssidddddddddddddddiiiiii",
    },
    Kind {
        name: "fix_type",
        keys: "receiver, window_start, pos_type_name",
        merged: "sumMerge(n)",
        raw: "count()",
        from: "(SELECT * FROM {db}.positions WHERE log = 'BESTPOS')",
        types: "sssi",
    },
    Kind {
        name: "signal",
        keys: "receiver, window_start, constellation, signal",
        merged: "sumMerge(obs), sumMerge(epochs), sumMerge(sat_epochs), sumMerge(cn0_sum), minMerge(cn0_min), \
                 maxMerge(cn0_max), sumMerge(locked)",
        raw: "count(), uniqExact(kafka_partition, kafka_offset), uniqExact(kafka_partition, kafka_offset, prn), \
              sum(cn0_dbhz), min(cn0_dbhz), max(cn0_dbhz), sum(phase_locked)",
        from: "{db}.observations",
        types: "ssssiiidddi",
    },
    Kind {
        name: "ins",
        keys: "receiver, window_start, ins_status_name",
        merged: "sumMerge(n)",
        raw: "count()",
        from: "{db}.ins",
        types: "sssi",
    },
    Kind {
        name: "frame_stats",
        keys: "receiver, window_start, log, format",
        merged: "sumMerge(frames), sumMerge(bytes), sumMerge(undecoded), sumMerge(errors)",
        raw: "count(), sum(size_bytes), countIf(decoded = 0 AND error = ''), countIf(error != '')",
        from: "{db}.frames",
        types: "ssssiiii",
    },
    Kind {
        name: "rejected_stats",
        keys: "receiver, window_start, reason",
        merged: "sumMerge(bytes), sumMerge(runs)",
        raw: "sum(bytes), count()",
        from: "{db}.rejected",
        types: "sssii",
    },
];

/// Asserts that every aggregate target of `db` merges to what ClickHouse computes from the raw
/// tables, window by window; returns the rows compared per target.
pub fn assert_aggregates_match_raw(ch: &ClickHouse, db: &str) -> Vec<(String, usize)> {
    let mut compared = Vec::new();
    for target in super::aggregate_targets() {
        let name = target.strip_suffix("_agg").unwrap();
        let kind = KINDS
            .iter()
            .find(|k| k.name == name)
            .unwrap_or_else(|| panic!("no check for {target}"));
        for (resolution, window) in [(1, "1 s"), (60, "1 min")] {
            let seconds = "toDateTime(intDiv(time_ms, 1000))";
            let window_start = match resolution {
                1 => seconds.to_owned(),
                _ => format!("toStartOfMinute({seconds})"),
            };
            let keys = kind.keys;
            let merged = format!(
                "SELECT {keys}, {} FROM {db}.{target} WHERE resolution_s = {resolution} GROUP BY {keys}",
                kind.merged
            );
            let raw = format!(
                "SELECT {keys}, {} FROM (SELECT *, {window_start} AS window_start FROM {}) GROUP BY {keys}",
                kind.raw,
                kind.from.replace("{db}", db)
            );
            let from_target = sorted(parse(ch.rows(&merged), kind.types));
            let from_raw = sorted(parse(ch.rows(&raw), kind.types));
            let what = format!("{target}, {window} windows");
            assert_rows_close(&from_target, &from_raw, &what);
            compared.push((what, from_target.len()));
        }
    }
    compared
}
