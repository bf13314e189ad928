//! The Grafana dashboards: every query of `sql/dashboards/` is the SQL of one panel of
//! `compose/grafana/dashboards/`, and, expanded as Grafana's ClickHouse plugin expands it, runs on
//! a real ClickHouse after an end-to-end run (the real recordings and two simulated receivers
//! through Kafka and the streamer) and returns what the recordings hold, as the reader decodes
//! them and as their `.expected.json` counts them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::expected::{Expected, V};
use common::{
    ClickHouse, REAL, Run, Streamer, cluster, fixture, replay, simulate, wait_for_frames,
    wait_until,
};
use gnss_streamer::dashboards::{Query, Selection, expand, load};
use novatel::enums::{InsStatus, PosType, SolStatus};
use novatel::{Event, decode, frames};
use serde_json::Value;

const TOPIC: &str = "frames";
/// The simulated receivers' logs (BESTPOS and INSPVAS at 10 Hz, RANGE at 1 Hz, no other) for two
/// minutes from `common::simulate`'s start, 2024-06-01T12:00:00Z.
const SIMULATED: [&str; 2] = ["sim-1", "sim-2"];
const SIM_RATES: &str = "bestpos=10,inspvas=10,range=1,bestvel=0,rxstatus=0,time=0";
const SIM_START_MS: i64 = 1_717_243_200_000;
const SIM_SECONDS: i64 = 120;
const SIM_HZ: i64 = 10;

fn dir(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn queries() -> Vec<Query> {
    let queries = load(&dir("sql/dashboards")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!queries.is_empty(), "sql/dashboards/ has queries");
    queries
}

/// The provisioned dashboards.
fn dashboards() -> Vec<(String, Value)> {
    let mut dashboards: Vec<(String, Value)> = std::fs::read_dir(dir("compose/grafana/dashboards"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let json = serde_json::from_slice(&std::fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.file_name().unwrap().to_string_lossy().into_owned(), json)
        })
        .collect();
    dashboards.sort_by(|a, b| a.0.cmp(&b.0));
    dashboards
}

/// One query of one panel.
struct Target {
    panel: String,
    datasource: String,
    /// The ClickHouse plugin's format: 0 time series, 1 table.
    format: Option<u64>,
    sql: Option<String>,
    expr: Option<String>,
}

/// Every panel's targets, rows' panels included.
fn targets(panels: &Value, into: &mut Vec<Target>) {
    for panel in panels.as_array().into_iter().flatten() {
        targets(&panel["panels"], into);
        for target in panel["targets"].as_array().into_iter().flatten() {
            let datasource =
                target["datasource"]["uid"].as_str().or(panel["datasource"]["uid"].as_str());
            into.push(Target {
                panel: panel["title"].as_str().unwrap_or_default().to_owned(),
                datasource: datasource.unwrap_or_default().to_owned(),
                format: target["format"].as_u64(),
                sql: target["rawSql"].as_str().map(str::to_owned),
                expr: target["expr"].as_str().map(str::to_owned),
            });
        }
    }
}

/// The `receiver` variable's query (each dashboard has the same).
fn receiver_variable(dashboard: &Value) -> &str {
    let variable = dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["name"] == "receiver")
        .expect("a receiver variable");
    assert_eq!(variable["datasource"]["uid"], "clickhouse");
    assert_eq!(variable["multi"], true, "several receivers can be selected");
    variable["query"].as_str().expect("the variable's SQL")
}

/// Plugin versions whose macro parser (grafana/sqlds) took the first parenthesised group after a
/// macro without arguments, however far, as its arguments (grafana/clickhouse-datasource#249)
/// expand these queries the same only if a `)` comes before any `(` after each such macro.
fn assert_safe_for_older_plugins(query: &Query) {
    for name in ["$__interval_s", "$__fromTime", "$__toTime"] {
        for (at, _) in query.sql.match_indices(name) {
            let rest = &query.sql[at + name.len()..];
            let next = rest.find(['(', ')']).map(|i| &rest[i..i + 1]);
            assert_eq!(
                next,
                Some(")"),
                "{}.sql: write `{name}` where a `)` follows before any `(`, e.g. `x / ({name})`",
                query.name
            );
        }
    }
}

#[test]
fn every_query_is_the_sql_of_one_panel() {
    let queries = queries();
    let mut uses: BTreeMap<&str, Vec<String>> =
        queries.iter().map(|q| (q.name.as_str(), Vec::new())).collect();
    for (file, dashboard) in dashboards() {
        assert_eq!(receiver_variable(&dashboard), "SELECT DISTINCT receiver FROM frames");
        let mut found = Vec::new();
        targets(&dashboard["panels"], &mut found);
        for target in found {
            let panel = format!("{file}: panel {:?}", target.panel);
            match target.datasource.as_str() {
                "clickhouse" => {
                    let sql = target.sql.unwrap_or_else(|| panic!("{panel}: no rawSql"));
                    let query = queries.iter().find(|q| q.sql == sql).unwrap_or_else(|| {
                        panic!("{panel}: its rawSql is not the text of a file of sql/dashboards/")
                    });
                    assert_eq!(target.panel, query.title, "{panel}: titled as {}.sql", query.name);
                    assert!(matches!(target.format, Some(0 | 1)), "{panel}: format 0 or 1");
                    uses.get_mut(query.name.as_str()).unwrap().push(panel);
                }
                "prometheus" => {
                    let expr = target.expr.unwrap_or_default();
                    assert!(expr.contains("streamer_consumer_lag"), "{panel}: {expr}");
                }
                other => panic!("{panel}: datasource {other:?}, not clickhouse or prometheus"),
            }
        }
    }
    for (name, panels) in uses {
        assert_eq!(panels.len(), 1, "{name}.sql is the SQL of exactly one panel: {panels:?}");
    }
    for query in &queries {
        assert_safe_for_older_plugins(query);
        if let Err(e) = expand(&query.sql, &everything(60)) {
            panic!("{}.sql: {e}", query.name);
        }
    }
}

/// Every receiver of the run.
fn receivers() -> Vec<String> {
    let real = REAL.iter().map(|f| f.rsplit('/').next().unwrap());
    real.chain(SIMULATED).map(str::to_owned).collect()
}

/// The whole of the data: the recordings' GPS times (1980 to 2022), the simulated receivers'
/// (2024) and the time of the run (rejected bytes before any frame with a GPS time are timed
/// when read), up to 2100.
fn everything(interval_s: u32) -> Selection {
    Selection { from_s: 0, to_s: 4_102_444_800, interval_s, receivers: receivers() }
}

/// A query's result: its columns, and its rows as text by column.
struct Table {
    columns: Vec<String>,
    rows: Vec<Row>,
}

type Row = BTreeMap<String, String>;

impl Table {
    fn of(&self, receiver: &str) -> Vec<&Row> {
        self.rows.iter().filter(|r| r["receiver"] == receiver).collect()
    }
}

fn num(row: &Row, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|e| panic!("{column} {:?}: {e}", row[column]))
}

/// The `time` column, in seconds since the epoch (the server runs in UTC).
fn seconds(row: &Row) -> i64 {
    let time = humantime::parse_rfc3339(&format!("{}Z", row["time"].replace(' ', "T"))).unwrap();
    time.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Sums of `value` over the rows with the same `keys`.
fn totals(rows: &[Row], keys: &[&str], value: &str) -> BTreeMap<Vec<String>, f64> {
    let mut totals = BTreeMap::new();
    for row in rows {
        let key = keys.iter().map(|k| row[*k].clone()).collect();
        *totals.entry(key).or_default() += num(row, value);
    }
    totals
}

/// How many items have each key.
fn counts<'a>(keys: impl Iterator<Item = Vec<&'a str>>) -> BTreeMap<Vec<String>, f64> {
    let mut counts = BTreeMap::new();
    for key in keys {
        *counts.entry(key.into_iter().map(str::to_owned).collect()).or_default() += 1.0;
    }
    counts
}

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((actual - expected).abs() <= tolerance, "{what}: {actual} vs {expected}");
}

/// A BESTPOS solution the run produced.
struct Fix {
    receiver: String,
    time_ms: i64,
    sol_status: String,
    pos_type: String,
    /// Latitude, longitude, height and satellites tracked and used: the recordings' only.
    values: Option<[f64; 5]>,
}

impl Fix {
    fn computed(&self) -> bool {
        self.sol_status == "SOL_COMPUTED"
    }
}

/// What the run holds, known without ClickHouse: the recordings decoded by the reader and counted
/// by their `.expected.json`, and the simulated receivers' schedule.
struct Truth {
    expected: Expected,
    fixes: Vec<Fix>,
    /// INS solutions: receiver, status.
    ins: Vec<(String, String)>,
    /// Frames per log.
    frames: BTreeMap<String, u64>,
    /// Frames the reader cannot decode, and frames of logs it has no decoder for.
    decode_errors: u64,
    without_decoder: u64,
    /// The earliest GPS time of a frame that has one (week > 0), UTC ms.
    first_gps_ms: i64,
    /// Wall clock before the streamer started and after it stopped, ms.
    ingest_ms: (i64, i64),
}

fn name(known: Option<&str>, code: i64) -> String {
    known.map_or_else(|| code.to_string(), str::to_owned)
}

fn text(v: &V) -> &str {
    match v {
        V::S(s) => s,
        other => panic!("{other:?} is not text"),
    }
}

fn int(v: &V) -> i64 {
    match v {
        V::I(n) => *n,
        other => panic!("{other:?} is not an integer"),
    }
}

fn float(v: &V) -> f64 {
    match v {
        V::F(x) => *x,
        other => panic!("{other:?} is not a float"),
    }
}

impl Truth {
    fn new(files: &[PathBuf]) -> Self {
        let mut expected = Expected::default();
        let (mut decode_errors, mut without_decoder, mut first_gps_ms) = (0, 0, SIM_START_MS);
        for file in files {
            expected.add(file);
            for event in frames(&std::fs::read(file).unwrap()) {
                let Event::Frame(frame) = event else { continue };
                match decode(&frame) {
                    Ok(message) => {
                        without_decoder += u64::from(message.log.is_none());
                        if message.header.week.is_some_and(|week| week > 0)
                            && let Some(ms) = message.header.unix_ms()
                        {
                            first_gps_ms = first_gps_ms.min(ms);
                        }
                    }
                    Err(_) => decode_errors += 1,
                }
            }
        }
        // Rows of the columns `QUERIES` of common::expected lists.
        let mut fixes: Vec<Fix> = expected.tables["positions"]
            .iter()
            .filter(|row| text(&row[2]) == "BESTPOS")
            .map(|row| Fix {
                receiver: text(&row[0]).to_owned(),
                time_ms: int(&row[1]),
                sol_status: name(SolStatus(int(&row[3]) as u32).name(), int(&row[3])),
                pos_type: name(PosType(int(&row[4]) as u32).name(), int(&row[4])),
                values: Some([
                    float(&row[5]),
                    float(&row[6]),
                    float(&row[7]),
                    int(&row[12]) as f64,
                    int(&row[13]) as f64,
                ]),
            })
            .collect();
        let mut ins: Vec<(String, String)> = expected.tables["ins"]
            .iter()
            .map(|row| {
                let status = name(InsStatus(int(&row[3]) as u32).name(), int(&row[3]));
                (text(&row[0]).to_owned(), status)
            })
            .collect();
        let mut logs = BTreeMap::new();
        for ((_, log, _), n) in &expected.frames {
            *logs.entry(log.clone()).or_default() += n;
        }
        for receiver in SIMULATED {
            for k in 0..SIM_SECONDS * SIM_HZ {
                fixes.push(Fix {
                    receiver: receiver.to_owned(),
                    time_ms: SIM_START_MS + k * 1000 / SIM_HZ,
                    sol_status: "SOL_COMPUTED".to_owned(),
                    pos_type: "NARROW_INT".to_owned(),
                    values: None,
                });
                ins.push((receiver.to_owned(), "INS_SOLUTION_GOOD".to_owned()));
            }
            for (log, hz) in [("BESTPOS", SIM_HZ), ("INSPVAS", SIM_HZ), ("RANGE", 1)] {
                *logs.entry(log.to_owned()).or_default() += (SIM_SECONDS * hz) as u64;
            }
        }
        Truth {
            expected,
            fixes,
            ins,
            frames: logs,
            decode_errors,
            without_decoder,
            first_gps_ms,
            ingest_ms: (0, 0),
        }
    }

    fn total_frames(&self) -> u64 {
        self.frames.values().sum()
    }

    /// A recording's computed fixes.
    fn computed(&self, receiver: &str) -> Vec<&Fix> {
        self.fixes.iter().filter(|f| f.receiver == receiver && f.computed()).collect()
    }

    /// Per receiver, the intervals of `interval_s` holding a computed fix.
    fn intervals_with_fixes(&self, interval_s: i64) -> BTreeMap<Vec<String>, f64> {
        let mut intervals: Vec<(&str, i64)> = self
            .fixes
            .iter()
            .filter(|f| f.computed())
            .map(|f| (f.receiver.as_str(), f.time_ms / 1000 / interval_s))
            .collect();
        intervals.sort();
        intervals.dedup();
        counts(intervals.iter().map(|(receiver, _)| vec![*receiver]))
    }
}

/// One query run on the run's data.
struct Case<'a> {
    ch: &'a ClickHouse,
    query: &'a Query,
    truth: &'a Truth,
}

impl Case<'_> {
    fn run(&self, context: &Selection) -> Table {
        let sql = expand(&self.query.sql, context)
            .unwrap_or_else(|e| panic!("{}.sql: {e}", self.query.name));
        let result = self.ch.query(&format!("{sql}\nFORMAT TabSeparatedWithNames"));
        let mut lines = result.lines().map(|l| l.split('\t').map(str::to_owned).collect());
        let columns: Vec<String> = lines.next().unwrap_or_default();
        let rows = lines.map(|fields: Vec<String>| columns.iter().cloned().zip(fields).collect());
        Table { rows: rows.collect(), columns }
    }

    /// The rows for every receiver over the whole of the data.
    fn rows(&self, interval_s: u32) -> Vec<Row> {
        self.run(&everything(interval_s)).rows
    }
}

/// A query's check: asserts what its rows must be.
type Check = fn(&Case);

/// Each query's check. Over the whole of the data with `interval_s` 1 (the 1 s aggregate tables)
/// and 60 (the 1 min ones) unless said otherwise.
const CHECKS: [(&str, Check); 13] = [
    ("cn0_constellation", cn0_constellation),
    ("cn0_prn", cn0_prn),
    ("decode_errors", decode_errors),
    ("fix_type", fix_type),
    ("frame_rate", frame_rate),
    ("ingest_delay", ingest_delay),
    ("ins_status", ins_status),
    ("interference", interference),
    ("position_deviation", position_deviation),
    ("positions_map", positions_map),
    ("rejected_bytes", rejected_bytes),
    ("satellites", satellites),
    ("solution_status", solution_status),
];

/// bestpos.gps's five fixes, two seconds apart, as the reader decodes them; one fix per receiver
/// and interval holding a computed fix; the simulated receivers on their 150 m circles, the first
/// fix of each due north of the centre (the simulator's sphere has a 6371 km radius).
fn positions_map(case: &Case) {
    let table = case.run(&everything(1));
    let rows = table.of("bestpos.gps");
    let fixes = case.truth.computed("bestpos.gps");
    assert_eq!(rows.len(), 5);
    for (row, fix) in rows.iter().zip(&fixes) {
        let [lat, lon, hgt, ..] = fix.values.unwrap();
        assert_eq!(seconds(row), fix.time_ms / 1000);
        assert_eq!(
            [num(row, "latitude"), num(row, "longitude"), num(row, "height_m")],
            [lat, lon, hgt]
        );
        assert_eq!(row["pos_type"], fix.pos_type);
    }
    for interval in [1, 60] {
        let rows = case.rows(interval);
        let per_receiver = counts(rows.iter().map(|r| vec![r["receiver"].as_str()]));
        assert_eq!(per_receiver, case.truth.intervals_with_fixes(interval.into()), "{interval} s");
    }
    for (n, receiver) in SIMULATED.iter().enumerate() {
        let centre = (51.150_438 + 0.005 * n as f64, -114.030_685);
        let rows = table.of(receiver);
        for row in &rows {
            let distance = haversine_m(centre, (num(row, "latitude"), num(row, "longitude")));
            assert_close(distance, 150.0, 0.5, receiver);
        }
        let first = (num(rows[0], "latitude"), num(rows[0], "longitude"));
        let north = (150.0 / 6_371_000.0_f64).to_degrees();
        assert_close(first.0, centre.0 + north, 1e-12, "first fix latitude");
        assert_close(first.1, centre.1, 1e-12, "first fix longitude");
    }
}

/// BESTPOS solutions per receiver and position type: every one the run produced, as many in all
/// as the BESTPOS frames the recordings' `.expected.json` and the simulation count.
fn fix_type(case: &Case) {
    let fixes = case.truth.fixes.iter();
    let expected = counts(fixes.map(|f| vec![f.receiver.as_str(), f.pos_type.as_str()]));
    for interval in [1, 60] {
        let totals = totals(&case.rows(interval), &["receiver", "pos_type"], "solutions");
        assert_eq!(totals, expected);
        assert_eq!(totals.values().sum::<f64>(), case.truth.frames["BESTPOS"] as f64);
    }
}

/// BESTPOS solutions per receiver and solution status: every one the run produced.
fn solution_status(case: &Case) {
    let fixes = case.truth.fixes.iter();
    let expected = counts(fixes.map(|f| vec![f.receiver.as_str(), f.sol_status.as_str()]));
    for interval in [1, 60] {
        assert_eq!(totals(&case.rows(interval), &["receiver", "status"], "solutions"), expected);
    }
}

/// bestpos.gps's satellites tracked and used, averaged over its fixes of each interval; a row per
/// receiver and interval holding a computed fix; the simulated receivers use all satellites they
/// track but one.
fn satellites(case: &Case) {
    for interval in [1, 60] {
        let rows = case.rows(interval);
        let per_receiver = counts(rows.iter().map(|r| vec![r["receiver"].as_str()]));
        assert_eq!(per_receiver, case.truth.intervals_with_fixes(interval.into()), "{interval} s");
        let mut expected: BTreeMap<i64, [f64; 3]> = BTreeMap::new();
        for fix in case.truth.computed("bestpos.gps") {
            let [.., tracked, used] = fix.values.unwrap();
            let at = expected.entry(fix.time_ms / 1000 / i64::from(interval)).or_default();
            *at = [at[0] + tracked, at[1] + used, at[2] + 1.0];
        }
        let rows: Vec<&Row> = rows.iter().filter(|r| r["receiver"] == "bestpos.gps").collect();
        assert_eq!(rows.len(), expected.len());
        for (row, (at, [tracked, used, n])) in rows.iter().zip(expected) {
            assert_eq!(seconds(row), at * i64::from(interval));
            assert_eq!([num(row, "tracked"), num(row, "used")], [tracked / n, used / n]);
        }
        for row in case.rows(interval).iter().filter(|r| r["receiver"].starts_with("sim-")) {
            assert_close(num(row, "used"), num(row, "tracked") - 1.0, 1e-9, "used");
        }
    }
}

/// Each recording's mean C/N0 per constellation and signal in each interval, from the reader's
/// decoding of its RANGE and RANGECMP; the simulated receivers have rows too.
fn cn0_constellation(case: &Case) {
    for interval in [1, 60] {
        let mut expected: BTreeMap<(i64, String, String, String), (f64, f64)> = BTreeMap::new();
        for row in &case.truth.expected.tables["observations"] {
            let at = int(&row[1]) / 1000 / i64::from(interval) * i64::from(interval);
            let key = (at, text(&row[0]).into(), text(&row[5]).into(), text(&row[6]).into());
            let sum = expected.entry(key).or_default();
            *sum = (sum.0 + float(&row[12]), sum.1 + 1.0);
        }
        let rows = case.rows(interval);
        let real: Vec<&Row> = rows.iter().filter(|r| !r["receiver"].starts_with("sim-")).collect();
        assert_eq!(real.len(), expected.len(), "{interval} s");
        for (row, (key, (sum, n))) in real.iter().zip(expected) {
            let columns = ["receiver", "constellation", "signal"].map(|c| row[c].clone());
            assert_eq!((seconds(row), columns), (key.0, [key.1, key.2, key.3]));
            assert_close(num(row, "cn0_dbhz"), sum / n, 1e-9, "mean C/N0");
        }
        assert!(rows.iter().any(|r| r["receiver"] == "sim-1"));
    }
}

/// test2_rcvr1.dat's RANGECMP, decompressed, has per satellite and signal the C/N0 of the
/// receiver's own RANGE of the same epochs (test2_rcvr1_decompressed.ASC): mean, min, max, count.
fn cn0_prn(case: &Case) {
    let mut expected: BTreeMap<[String; 3], Vec<f64>> = BTreeMap::new();
    for row in &case.truth.expected.tables["observations"] {
        if text(&row[0]) == "test2_rcvr1_decompressed.ASC" {
            let key = [text(&row[5]).into(), int(&row[3]).to_string(), text(&row[6]).into()];
            expected.entry(key).or_default().push(float(&row[12]));
        }
    }
    let table = case.run(&everything(1));
    let rows = table.of("test2_rcvr1.dat");
    let actual: BTreeMap<[String; 3], &Row> = rows
        .iter()
        .map(|r| (["constellation", "prn", "signal"].map(|c| r[c].clone()), *r))
        .collect();
    assert_eq!(actual.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (key, cn0) in &expected {
        let row = actual[key];
        let mean = cn0.iter().sum::<f64>() / cn0.len() as f64;
        assert_close(num(row, "cn0_mean_dbhz"), mean, 1e-9, &format!("{key:?}"));
        // Float32 columns: compared as such.
        let (min, max) = (
            cn0.iter().copied().fold(f64::INFINITY, f64::min),
            cn0.iter().copied().fold(0.0, f64::max),
        );
        assert_eq!(num(row, "cn0_min_dbhz") as f32, min as f32);
        assert_eq!(num(row, "cn0_max_dbhz") as f32, max as f32);
        assert_eq!(num(row, "observations"), cn0.len() as f64);
    }
    assert!(!table.of("sim-1").is_empty());
}

/// Offsets from the mean position over the range: bestpos.gps's fixes (one per second) each
/// offset from the mean of the five, up exactly and horizontally by the haversine distance. Means
/// are zero by construction, weighted by solutions: plain means where every interval holds as
/// many, bestpos.gps's seconds (one fix) and the simulated receivers' 10 s (100 fixes), while
/// these drive 150 m circles.
fn position_deviation(case: &Case) {
    let table = case.run(&everything(1));
    let rows = table.of("bestpos.gps");
    let fixes: Vec<[f64; 5]> =
        case.truth.computed("bestpos.gps").iter().map(|f| f.values.unwrap()).collect();
    let mean = |i: usize| fixes.iter().map(|f| f[i]).sum::<f64>() / fixes.len() as f64;
    assert_eq!(rows.len(), fixes.len());
    for (row, fix) in rows.iter().zip(&fixes) {
        let (east, north) = (num(row, "east_m"), num(row, "north_m"));
        assert_close(num(row, "up_m"), fix[2] - mean(2), 1e-9, "up");
        let distance = haversine_m((mean(0), mean(1)), (fix[0], fix[1]));
        assert_close(east.hypot(north), distance, 1e-6, "horizontal");
    }
    let assert_means_zero = |rows: &[&Row], receiver: &str| {
        for column in ["east_m", "north_m", "up_m"] {
            let mean = rows.iter().map(|r| num(r, column)).sum::<f64>() / rows.len() as f64;
            assert_close(mean, 0.0, 1e-6, &format!("{receiver} {column}"));
        }
    };
    assert_means_zero(&rows, "bestpos.gps");
    let table = case.run(&everything(10));
    for receiver in SIMULATED {
        let rows = table.of(receiver);
        assert_eq!(rows.len() as i64, SIM_SECONDS / 10);
        assert_means_zero(&rows, receiver);
        let spread = rows.iter().map(|r| num(r, "east_m").abs()).fold(0.0, f64::max);
        assert!(spread > 50.0, "{receiver}: {spread} m");
    }
}

/// INS solutions per receiver and status: every one the run produced.
fn ins_status(case: &Case) {
    let ins = case.truth.ins.iter();
    let expected = counts(ins.map(|(receiver, status)| vec![receiver.as_str(), status.as_str()]));
    for interval in [1, 60] {
        assert_eq!(totals(&case.rows(interval), &["receiver", "status"], "solutions"), expected);
    }
}

/// The simulated receivers meet no interference (the simulator's default): every 10 s window but
/// the first two (which have no past) has a share of 0, and so has every interval.
fn interference(case: &Case) {
    for interval in [10, 60] {
        let rows = case.rows(interval);
        for receiver in SIMULATED {
            let rows: Vec<&Row> = rows.iter().filter(|r| r["receiver"] == receiver).collect();
            let windows = if interval == 10 { SIM_SECONDS / 10 - 2 } else { SIM_SECONDS / 60 };
            assert_eq!(rows.len() as i64, windows, "{receiver} at {interval} s");
            assert!(rows.iter().all(|r| num(r, "dropped_share") == 0.0), "{receiver}: {rows:?}");
        }
    }
}

/// Frames per second of each log, times the interval: every frame of the run, per log.
fn frame_rate(case: &Case) {
    for interval in [1, 60] {
        let mut frames: BTreeMap<String, u64> = BTreeMap::new();
        for row in case.rows(interval) {
            let n = num(&row, "frames_per_s") * f64::from(interval);
            *frames.entry(row["log"].clone()).or_default() += n.round() as u64;
        }
        assert_eq!(frames, case.truth.frames, "{interval} s");
    }
}

/// Rejected bytes per reason as each recording's `.expected.json` counts them, one receiver
/// selected at a time; recordings without rejected bytes have no rows.
fn rejected_bytes(case: &Case) {
    for receiver in receivers() {
        let expected: BTreeMap<Vec<String>, f64> = case
            .truth
            .expected
            .rejected
            .iter()
            .filter(|((r, _), _)| *r == receiver)
            .map(|((_, reason), bytes)| (vec![reason.clone()], *bytes as f64))
            .collect();
        for interval in [1, 60] {
            let context = Selection { receivers: vec![receiver.clone()], ..everything(interval) };
            let rows = case.run(&context).rows;
            assert_eq!(totals(&rows, &["reason"], "rejected_bytes"), expected, "{receiver}");
        }
    }
}

/// No frame fails to decode; the frames of logs without a decoder are counted.
fn decode_errors(case: &Case) {
    for interval in [1, 60] {
        let rows = case.rows(interval);
        let sum = |column| rows.iter().map(|r| num(r, column)).sum::<f64>();
        assert_eq!(sum("decode_errors"), case.truth.decode_errors as f64);
        assert_eq!(sum("without_decoder"), case.truth.without_decoder as f64);
        assert!(case.truth.without_decoder > 0);
    }
}

/// Each receiver's delays lie between what the wall clock allows: frames of an interval were
/// taken in after the streamer started and before it stopped.
fn ingest_delay(case: &Case) {
    let (started, stopped) = case.truth.ingest_ms;
    for interval in [1, 60] {
        let rows = case.rows(interval);
        let per_receiver = counts(rows.iter().map(|r| vec![r["receiver"].as_str()]));
        assert_eq!(per_receiver.len(), receivers().len());
        for row in &rows {
            let start_ms = seconds(row) * 1000;
            let end_ms = start_ms + i64::from(interval) * 1000;
            let (mean, max) = (num(row, "delay_mean_s"), num(row, "delay_max_s"));
            let (low, high) =
                ((started - end_ms) as f64 / 1000.0, (stopped - start_ms) as f64 / 1000.0);
            assert!(low <= mean && mean <= max && max <= high, "{row:?}: not in [{low}, {high}]");
        }
    }
}

/// Great-circle distance on a sphere of the Earth's mean radius, m.
fn haversine_m((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (lat1, lat2) = (lat1.to_radians(), lat2.to_radians());
    let (dlat, dlon) = (lat2 - lat1, (lon2 - lon1).to_radians());
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

#[test]
fn every_query_returns_what_the_recordings_hold() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    let files: Vec<PathBuf> = REAL.iter().map(|f| fixture(f)).collect();
    replay(&bootstrap, TOPIC, &files);
    simulate(&bootstrap, TOPIC, SIMULATED.len() as u32, "120s", SIM_RATES);
    let mut truth = Truth::new(&files);

    // The panels name tables without a database, which the Grafana datasource supplies: here,
    // the streamer writes to ClickHouse's default database, which the test's queries use.
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "dashboards",
        clickhouse: &ch,
        database: "default",
        args: &[],
    };
    let started = now_ms();
    let mut streamer = Streamer::start(&run);
    wait_for_frames(&ch, "default", truth.total_frames(), &mut streamer, Duration::from_secs(120));
    let rejected: u64 = truth.expected.rejected.values().sum();
    wait_until(Duration::from_secs(30), "every rejected byte", || {
        ch.count("SELECT sum(bytes) FROM default.rejected") == rejected
    });
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    truth.ingest_ms = (started, now_ms());

    // The receiver variable offers every receiver.
    let (_, dashboard) = &dashboards()[0];
    let listed = ch.query(receiver_variable(dashboard));
    let mut listed: Vec<String> = listed.lines().map(str::to_owned).collect();
    listed.sort();
    let mut all = receivers();
    all.sort();
    assert_eq!(listed, all);

    let mut formats = BTreeMap::new();
    for (_, dashboard) in dashboards() {
        let mut found = Vec::new();
        targets(&dashboard["panels"], &mut found);
        formats.extend(found.into_iter().filter_map(|t| Some((t.sql?, t.format?))));
    }
    for query in &queries() {
        let case = Case { ch: &ch, query, truth: &truth };
        let format = formats.get(&query.sql);
        let format = *format.unwrap_or_else(|| panic!("{}.sql is no panel's rawSql", query.name));
        for interval in [1, 60] {
            // Rows over the whole of the data, from the 1 s and the 1 min tables alike; a time
            // series has `time` first, ascending, as the plugin's conversion to series needs.
            let table = case.run(&everything(interval));
            let name = format!("{} at {interval} s", query.name);
            assert!(!table.rows.is_empty(), "{name}: no rows");
            if format == 0 {
                assert_eq!(table.columns[0], "time", "{name}");
                let times: Vec<i64> = table.rows.iter().map(seconds).collect();
                assert!(times.is_sorted(), "{name}: time ascending");
            }
            // The range and the receivers filter every table: the year 2000 holds nothing, nor
            // does a receiver that never sent anything.
            let y2000 =
                Selection { from_s: 946_684_800, to_s: 946_771_200, ..everything(interval) };
            assert!(case.run(&y2000).rows.is_empty(), "{name}: rows in 2000");
            let nobody = Selection { receivers: vec!["nobody".into()], ..everything(interval) };
            assert!(case.run(&nobody).rows.is_empty(), "{name}: rows of nobody");
        }

        let (_, check) = CHECKS
            .iter()
            .find(|(name, _)| *name == query.name)
            .unwrap_or_else(|| panic!("{}.sql has no check in CHECKS", query.name));
        check(&case);
    }
    report_shows_the_run(&ch, &truth);
}

/// `gnss-report` on the same data: its summary tables hold what the recordings hold, and its HTML
/// page charts the simulated receivers and holds every panel's result.
fn report_shows_the_run(ch: &ClickHouse, truth: &Truth) {
    let html = std::env::temp_dir().join(format!("gnss-report-{}.html", std::process::id()));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gnss-report"))
        .args(["--clickhouse-url", &ch.url(), "--clickhouse-database", "default"])
        .args(["--sql-dir", dir("sql").to_str().unwrap(), "--max-rows", "1000"])
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));

    // The range is the frames' GPS time: console replies (GPS week 0) do not stretch it to 1980.
    let headline = stdout.lines().next().unwrap_or_default();
    let from = novatel::time::format_rfc3339_ms(truth.first_gps_ms / 1000 * 1000);
    let range = format!("{} receivers, {from} to ", receivers().len());
    assert!(headline.starts_with(&range), "{headline:?} starts with {range:?}");

    // Rejected bytes are timed by the GPS time of the frame before them, so a recording's bad-CRC
    // run lies within its range and shows in the report's panel.
    let rejected = report_section(&stdout, "Rejected bytes per reason (rejected_bytes.sql)");
    let bad_crc: f64 = rejected
        .iter()
        .filter(|r| r["reason"] == "bad_crc")
        .map(|r| num(r, "rejected_bytes"))
        .sum();
    let expected: u64 = truth
        .expected
        .rejected
        .iter()
        .filter(|((_, reason), _)| reason == "bad_crc")
        .map(|(_, b)| b)
        .sum();
    assert!(expected > 0);
    assert_eq!(bad_crc, expected as f64, "bad-CRC bytes in the report's range");

    let logs = report_section(&stdout, "Logs ingested per type");
    let mut frames: BTreeMap<String, u64> = BTreeMap::new();
    for row in &logs {
        *frames.entry(row["log"].clone()).or_default() += row["frames"].parse::<u64>().unwrap();
    }
    assert_eq!(frames, truth.frames, "frames per log");

    let latest = report_section(&stdout, "Latest position and fix type per receiver");
    let last = truth.fixes.iter().filter(|f| f.receiver == "bestpos.gps").max_by_key(|f| f.time_ms);
    let row = latest.iter().find(|r| r["receiver"] == "bestpos.gps").expect("bestpos.gps");
    let last = last.unwrap();
    assert_eq!(row["fix_type"], last.pos_type);
    let [lat, lon, ..] = last.values.unwrap();
    assert_close(num(row, "lat_deg"), lat, 5e-8, "latest latitude");
    assert_close(num(row, "lon_deg"), lon, 5e-8, "latest longitude");
    let sim = latest.iter().find(|r| r["receiver"] == SIMULATED[0]).expect("a simulated receiver");
    assert_eq!(num(sim, "solutions"), (SIM_SECONDS * SIM_HZ) as f64);

    // C/N0 per constellation of test2_rcvr1.dat: its decompressed ASC's RANGE observations.
    let mut cn0: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for obs in &truth.expected.tables["observations"] {
        if text(&obs[0]) == "test2_rcvr1_decompressed.ASC" {
            cn0.entry(text(&obs[5]).to_owned()).or_default().push(float(&obs[12]));
        }
    }
    let signals = report_section(&stdout, "Satellites and C/N0 per constellation");
    let rows: Vec<&Row> = signals.iter().filter(|r| r["receiver"] == "test2_rcvr1.dat").collect();
    assert_eq!(rows.len(), cn0.len(), "constellations of test2_rcvr1.dat");
    for row in rows {
        let values = &cn0[&row["constellation"]];
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert_close(num(row, "cn0_mean"), mean, 0.05 + 1e-9, &row["constellation"]);
        assert_eq!(num(row, "observations"), values.len() as f64);
    }

    // --print-query prints a panel's SQL as the report runs it (its range, every receiver): the
    // panel's rows over the whole of the data.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gnss-report"))
        .args(["--clickhouse-url", &ch.url(), "--clickhouse-database", "default"])
        .args(["--sql-dir", dir("sql").to_str().unwrap()])
        .args(["--print-query", "fix_type", "--interval-s", "60"])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let fix_type = queries().into_iter().find(|q| q.name == "fix_type").unwrap();
    let sorted = |text: String| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    let expected = ch.query(&expand(&fix_type.sql, &everything(60)).unwrap());
    assert!(!expected.is_empty());
    assert_eq!(sorted(ch.query(&printed)), sorted(expected), "{printed}");

    let page = std::fs::read_to_string(&html).unwrap();
    std::fs::remove_file(&html).unwrap();
    let sim_charts = page.split("<h2>Receiver sim-1</h2>").nth(1).expect("sim-1's charts");
    let sim_charts = &sim_charts[..sim_charts.find("</div>").unwrap()];
    assert_eq!(
        sim_charts.matches("<svg").count(),
        4,
        "track, satellites, C/N0 and C/N0 per satellite of sim-1"
    );
    // The simulated receivers log no SATVIS2 here (tests/report.rs has them do so).
    let sim_section = page.split("<h2>Receiver sim-1</h2>").nth(1).unwrap();
    assert!(sim_section.contains("No sky plot: sim-1 logged no SATVIS2"));
    for query in queries() {
        assert!(page.contains(&format!("{}.sql", query.name)), "{} in the HTML page", query.name);
    }
}

/// The rows of the report's text table under `title`, by column (columns are two or more spaces
/// apart; the summary tables have no empty cells).
fn report_section(text: &str, title: &str) -> Vec<Row> {
    let cells = |line: &str| -> Vec<String> {
        line.split("  ").map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect()
    };
    let mut lines = text.lines().skip_while(|l| *l != title).skip(1);
    let columns = cells(lines.next().unwrap_or_default());
    lines
        .take_while(|l| !l.trim().is_empty())
        .map(|l| columns.iter().cloned().zip(cells(l)).collect())
        .collect()
}
