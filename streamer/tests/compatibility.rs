//! Debian's ClickHouse 18.16 and current ClickHouse (26.9: chdb-core, in-process, MergeTree on
//! disk, behind `current_clickhouse.py`) given the same data the same way the streamer gives it:
//! its migrations (on an empty database, and as an upgrade of a database that the earlier
//! migrations made and that holds data), its inserts (its own Native encoding of the batches
//! it decodes and aggregates), and then its own queries (marks, frame identities, reference
//! points), every table's content and every dashboard, report and alert query, expanded as Grafana
//! does, give the same results on both.

mod common;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::{ClickHouse, REAL, Version, fixture};
use datafusion::arrow::array::{BooleanArray, UInt32Array};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::record_batch::RecordBatch;
use gnss_streamer::aggregate::{self, Engine};
use gnss_streamer::dashboards::{self, Selection};
use gnss_streamer::exactly_once::Drops;
use gnss_streamer::record::{Kind, Record};
use gnss_streamer::reference::{Point, References};
use gnss_streamer::retention::{self, Class, Keep, Retention};
use gnss_streamer::sink::{Connection, Sink};
use gnss_streamer::tables::RawTables;
use gnss_streamer::writer::{aggregate_inputs, check_tables, write_batch};
use novatel::simulate::{Config, Interference, Simulator};
use novatel::{Event, frames, header};

/// Records of one batch.
type Batch = Vec<Owned>;

/// A Kafka record as the reader produces it.
#[derive(Clone, Debug)]
struct Owned {
    partition: i32,
    offset: i64,
    receiver: String,
    timestamp_ms: i64,
    value: Vec<u8>,
    source_offset: Option<u64>,
    /// A report of rejected bytes: reason and count.
    rejected: Option<(String, u64)>,
}

impl Owned {
    fn record(&self) -> Record<'_> {
        let kind = match &self.rejected {
            Some((reason, bytes)) => {
                Kind::Rejected { reason: Cow::Borrowed(reason), bytes: *bytes }
            }
            None => Kind::Frame,
        };
        Record {
            partition: self.partition,
            offset: self.offset,
            receiver: Cow::Borrowed(&self.receiver),
            timestamp_ms: self.timestamp_ms,
            kind,
            value: &self.value,
            source_offset: self.source_offset,
        }
    }
}

/// The real recordings and two simulated receivers (two minutes, the second with jamming
/// episodes), as the reader would produce them to three partitions, in batches of 2,000 records.
fn dataset() -> Vec<Batch> {
    let mut sources: Vec<(String, Vec<u8>)> = REAL
        .iter()
        .map(|f| (f.rsplit('/').next().unwrap().to_owned(), std::fs::read(fixture(f)).unwrap()))
        .collect();
    for index in 0..2u32 {
        // sim-2 meets jamming episodes and fades, for the interference queries to have some.
        let interference =
            Interference { every_ms: 40_000, duration_ms: 10_000, depth_db: 12.0, fraction: 0.8 };
        let config = Config {
            start_unix_ms: 1_717_243_200_000,
            seed: u64::from(index) + 1,
            interference: Some(interference).filter(|_| index == 1),
            ..Config::default()
        };
        let mut simulator = Simulator::new(config).unwrap();
        let mut bytes = Vec::new();
        while simulator.elapsed_ms() < 120_000 {
            simulator.write_epoch(&mut bytes).unwrap();
        }
        sources.push((format!("sim-{}", index + 1), bytes));
    }
    let mut next_offset = [0i64; 3];
    let mut records = Vec::new();
    for (index, (receiver, bytes)) in sources.iter().enumerate() {
        let partition = index % 3;
        let mut last_gps_ms = None;
        for event in frames(bytes) {
            let (value, timestamp_ms, source_offset, rejected) = match event {
                Event::Frame(frame) => {
                    let gps_ms = header::parse(&frame)
                        .ok()
                        .filter(|(h, _)| h.week.is_some_and(|w| w > 0))
                        .and_then(|(h, _)| h.unix_ms());
                    last_gps_ms = gps_ms.or(last_gps_ms);
                    (frame.bytes.to_vec(), gps_ms.unwrap_or(0), Some(frame.offset), None)
                }
                Event::Rejected(r) => {
                    let report = (r.reason.as_str().to_owned(), r.bytes.len() as u64);
                    (vec![], last_gps_ms.unwrap_or(0), None, Some(report))
                }
            };
            records.push(Owned {
                partition: partition as i32,
                offset: next_offset[partition],
                receiver: receiver.clone(),
                timestamp_ms,
                value,
                source_offset,
                rejected,
            });
            next_offset[partition] += 1;
        }
    }
    records.chunks(2_000).map(<[Owned]>::to_vec).collect()
}

fn sql_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql")
}

/// The project's aggregates, planned as the streamer plans them.
async fn engine() -> Engine {
    let aggregates = aggregate::load(&sql_dir().join("aggregates")).unwrap();
    Engine::new(aggregates, &aggregate_inputs()).await.unwrap()
}

/// A copy of `sql/` with only the migrations up to `version`: the schema an earlier streamer
/// made.
fn sql_dir_up_to(version: u32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compat-sql-{}-{version}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["clickhouse", "aggregates"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(sql_dir().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let number: Option<u32> = name.split('_').next().and_then(|n| n.parse().ok());
            if sub == "aggregates" || number.is_some_and(|n| n <= version) {
                std::fs::copy(&path, dir.join(sub).join(&name)).unwrap();
            }
        }
    }
    dir
}

/// The streamer's sink on `database` of `ch`, migrated with the migrations of `sql`.
async fn connect(ch: &ClickHouse, database: &str, sql: &Path) -> Arc<Sink> {
    let connection = Connection {
        url: ch.url(),
        database: database.to_owned(),
        user: "default".into(),
        password: None,
    };
    Arc::new(Sink::connect(connection, None, sql, Duration::from_secs(30)).await.unwrap())
}

/// Writes `batches` as the streamer's writer does, after checking the tables as it does at start;
/// `first` is the first batch's number (its rows' `ingest_ms`).
async fn write(sink: &Arc<Sink>, batches: &[Batch], first: usize) {
    let mut engine = engine().await;
    check_tables(sink, &engine).await.unwrap();
    let points = sink.reference_points().await.unwrap();
    let mut references =
        References::new(points.into_iter().map(|(r, lat_deg, lon_deg, hgt_m, time_ms)| {
            (r, Point { lat_deg, lon_deg, hgt_m, time_ms })
        }));
    for (n, batch) in batches.iter().enumerate() {
        let mut tables = RawTables::default();
        for record in batch {
            tables.add(&record.record(), ingest_ms(first + n));
        }
        let raw = tables.finish().unwrap();
        write_batch(sink, &mut engine, &mut references, &raw, &Drops::default()).await.unwrap();
    }
}

/// When the batch numbered `n` was taken in.
fn ingest_ms(n: usize) -> i64 {
    1_750_000_000_000 + n as i64
}

/// Writes `batches` as the streamer before migration 0004 did: the same raw rows (the raw tables
/// kept their columns), and each aggregate target's windows into its `<query>_1s_input` and
/// `<query>_1m_input` tables, `frames` last. The rows of raw tables that later migrations create
/// (not in `existing`) are returned instead, to be written after the upgrade.
async fn write_before_0004(
    sink: &Arc<Sink>,
    batches: &[Batch],
    first: usize,
    existing: &[String],
) -> Vec<(&'static str, RecordBatch)> {
    let mut later = Vec::new();
    let mut engine = engine().await;
    let mut references = References::default();
    for (n, batch) in batches.iter().enumerate() {
        let mut tables = RawTables::default();
        for record in batch {
            tables.add(&record.record(), ingest_ms(first + n));
        }
        let raw = tables.finish().unwrap();
        let positions = raw.iter().find(|(t, _)| *t == "positions").map(|(_, b)| b).unwrap();
        let points = references.discover(positions);
        if !points.is_empty() {
            sink.insert("receivers", &References::default().batch(&points).unwrap()).await.unwrap();
            references.extend(points);
        }
        let mut inputs: Vec<(&str, RecordBatch)> =
            raw.iter().map(|(t, b)| (*t, b.clone())).collect();
        inputs.push(("receivers", references.batch(&[]).unwrap()));
        for (target, batch) in engine.run(&inputs, &Drops::default()).await.unwrap() {
            let query = target.strip_suffix("_agg").unwrap();
            for (resolution, window) in [(1, "1s"), (60, "1m")] {
                let rows = window_rows(&batch, resolution);
                sink.insert(&format!("{query}_{window}_input"), &rows).await.unwrap();
            }
        }
        for (table, batch) in raw {
            if existing.iter().any(|t| t == table) {
                sink.insert(table, &batch).await.unwrap();
            } else {
                later.push((table, batch));
            }
        }
    }
    later
}

/// The rows of an aggregate batch of one window.
fn window_rows(batch: &RecordBatch, resolution: u32) -> RecordBatch {
    let column = batch.column_by_name(aggregate::RESOLUTION).unwrap();
    let values = column.as_any().downcast_ref::<UInt32Array>().unwrap();
    let keep: BooleanArray = values.iter().map(|v| Some(v == Some(resolution))).collect();
    filter_record_batch(batch, &keep).unwrap()
}

/// Every table's content but when each row was written (`ingested`): raw rows in order,
/// aggregates merged by their sorting key.
fn contents(ch: &ClickHouse, database: &str) -> BTreeMap<String, String> {
    let tables = ch.rows(&format!(
        "SELECT name, engine, sorting_key FROM system.tables WHERE database = '{database}' \
         AND engine LIKE '%MergeTree' AND name NOT LIKE 'schema_migrations%' ORDER BY name"
    ));
    let mut out = BTreeMap::new();
    for table in tables {
        let (name, engine, key) = (&table[0], &table[1], &table[2]);
        let columns = ch.rows(&format!(
            "SELECT name, type FROM system.columns WHERE database = '{database}' AND table = \
             '{name}' AND name != 'ingested' ORDER BY name"
        ));
        let sql = if engine == "AggregatingMergeTree" {
            let keys: Vec<&str> = key.split(", ").collect();
            let values: Vec<String> = columns
                .iter()
                .map(|c| match c[1].strip_prefix("AggregateFunction(") {
                    Some(rest) => format!("{}Merge({})", rest.split(',').next().unwrap(), c[0]),
                    None => format!("any({})", c[0]),
                })
                .collect();
            format!(
                "SELECT {} FROM {database}.{name} GROUP BY {key} ORDER BY {key}",
                values.join(", ")
            )
            .replace(&format!("any({})", keys[0]), keys[0])
        } else {
            let names: Vec<&str> = columns.iter().map(|c| c[0].as_str()).collect();
            format!("SELECT {0} FROM {database}.{name} ORDER BY {0}", names.join(", "))
        };
        out.insert(name.clone(), ch.query(&sql));
    }
    out
}

/// Everything the streamer and the readers of its database ask, with the answers, by name.
async fn answers(ch: &ClickHouse, sink: &Sink, database: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let engine = engine().await;
    let tables = check_tables(sink, &engine).await.unwrap();
    let marks = sink.all_marks(&tables).await.unwrap();
    let marks: BTreeMap<String, BTreeMap<i32, i64>> =
        marks.into_iter().map(|(t, m)| (t, m.into_iter().collect())).collect();
    out.insert("streamer: marks".into(), format!("{marks:?}"));
    let receivers =
        ch.rows(&format!("SELECT DISTINCT receiver FROM {database}.frames ORDER BY receiver"));
    let ranges: Vec<(&str, i64, i64)> =
        receivers.iter().map(|r| (r[0].as_str(), 0, 4_102_444_800_000)).collect();
    let mut identities = sink.frame_identities(&ranges).await.unwrap();
    identities.sort();
    out.insert("streamer: frame identities".into(), format!("{identities:?}"));
    let from: Vec<(&str, i64)> = receivers.iter().map(|r| (r[0].as_str(), 0)).collect();
    let mut latest = sink.latest_frame_times(&from).await.unwrap();
    latest.sort();
    out.insert("streamer: latest frame times".into(), format!("{latest:?}"));
    let mut points = sink.reference_points().await.unwrap();
    points.sort_by(|a, b| a.0.cmp(&b.0));
    out.insert("streamer: reference points".into(), format!("{points:?}"));

    let everyone: Vec<String> = receivers.into_iter().map(|r| r[0].clone()).collect();
    for dir in ["dashboards", "report", "alerts"] {
        for query in dashboards::load(&sql_dir().join(dir)).unwrap() {
            for interval_s in [1, 60] {
                let selection = Selection {
                    from_s: 0,
                    to_s: 4_102_444_800,
                    interval_s,
                    receivers: everyone.clone(),
                };
                let sql = dashboards::expand(&query.sql, &selection).unwrap();
                let result = ch.try_query_in(database, &sql);
                out.insert(
                    format!("{dir}/{}.sql at {interval_s} s", query.name),
                    match result {
                        Ok(text) => text,
                        Err(error) => format!("ERROR {error}"),
                    },
                );
            }
        }
    }
    out
}

#[test]
fn both_versions_answer_the_same_on_the_same_data() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let batches = dataset();
    let debian = ClickHouse::start_version(Version::Debian);
    let current = ClickHouse::start_version(Version::Current);
    let mut results = Vec::new();
    for ch in [&debian, &current] {
        let sink = runtime.block_on(connect(ch, "gnss", &sql_dir()));
        runtime.block_on(write(&sink, &batches, 0));
        results.push(runtime.block_on(answers(ch, &sink, "gnss")));
    }
    // sim-2's jamming shows in the interference alert's answer on both: a share above 0.5.
    for answers in &results {
        let answer = &answers["alerts/interference.sql at 1 s"];
        let line = answer.lines().find(|l| l.starts_with("sim-2\t")).expect(answer);
        let share: f64 = line.split('\t').nth(1).unwrap().parse().unwrap();
        assert!(share > 0.5, "{line}");
    }
    let (old, new) = (&results[0], &results[1]);
    let mut differ = Vec::new();
    for (name, answer) in old {
        if let Some(difference) = difference(answer, &new[name]) {
            differ.push(format!("{name}: {difference}"));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} answers differ:\n{}",
        differ.len(),
        old.len(),
        differ.join("\n")
    );
}

/// Where two answers (TabSeparated) differ, if they do, the first as 18.16's (or the upgraded
/// database's) and the second as 26.9's (or the new database's). Numbers are equal within a millionth,
/// relative or absolute: merges add floats in another order, and a deviation from sums of
/// squares amplifies the difference in the last bits. The zero DateTime is the same however
/// each version prints it.
fn difference(old: &str, new: &str) -> Option<String> {
    if old.starts_with("ERROR") || new.starts_with("ERROR") {
        return Some(format!("\n  18.16: {}\n  26.9:  {}", clip(old), clip(new)));
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    if a.len() != b.len() {
        return Some(format!("{} rows on 18.16, {} on 26.9", a.len(), b.len()));
    }
    let cell_same = |u: &str, v: &str| {
        let zero = |t: &str| t.replace("0000-00-00 00:00:00", "1970-01-01 00:00:00");
        zero(u) == zero(v)
            || match (u.parse::<f64>(), v.parse::<f64>()) {
                (Ok(u), Ok(v)) => (u - v).abs() <= 1e-6 * u.abs().max(v.abs()).max(1.0),
                _ => false,
            }
    };
    let row = a.iter().zip(&b).position(|(x, y)| {
        let (x, y): (Vec<&str>, Vec<&str>) = (x.split('\t').collect(), y.split('\t').collect());
        x.len() != y.len() || x.iter().zip(&y).any(|(u, v)| !cell_same(u, v))
    })?;
    Some(format!("row {row} of {}:\n  18.16: {}\n  26.9:  {}", a.len(), a[row], b[row]))
}

/// A database the streamer wrote half of before migration 0004 and half after holds what one it
/// wrote wholly after holds: every row, every aggregate, on both versions.
#[test]
fn an_upgraded_database_holds_what_a_new_one_holds() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let batches = dataset();
    let (before, after) = batches.split_at(batches.len() / 2);
    for version in [Version::Debian, Version::Current] {
        let ch = ClickHouse::start_version(version);
        let fresh = runtime.block_on(connect(&ch, "fresh", &sql_dir()));
        runtime.block_on(write(&fresh, &batches, 0));
        let old = runtime.block_on(connect(&ch, "upgraded", &sql_dir_up_to(3)));
        let existing: Vec<String> = ch
            .query("SELECT name FROM system.tables WHERE database = 'upgraded'")
            .lines()
            .map(str::to_owned)
            .collect();
        let later = runtime.block_on(write_before_0004(&old, before, 0, &existing));
        let frames_before = ch.count("SELECT count() FROM upgraded.frames");
        assert!(frames_before > 0);
        let upgraded = runtime.block_on(connect(&ch, "upgraded", &sql_dir()));
        assert_eq!(ch.count("SELECT count() FROM upgraded.frames"), frames_before, "{version:?}");
        // The tables the upgrade created (navigation data, 0005) get the first half's rows now.
        assert!(!later.is_empty(), "the dataset has rows for tables newer than 0003");
        for (table, batch) in &later {
            runtime.block_on(upgraded.insert(table, batch)).unwrap();
        }
        runtime.block_on(write(&upgraded, after, before.len()));
        let (want, got) = (contents(&ch, "fresh"), contents(&ch, "upgraded"));
        assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{version:?}");
        for (table, rows) in &want {
            // Sums of floats merged in another order differ in their last bits.
            if let Some(difference) = difference(&got[table], rows) {
                panic!("{version:?}: {table} differs after the upgrade: {difference}");
            }
        }
        // Nothing of the tables the upgrade replaced is left.
        let left = ch.query(
            "SELECT name FROM system.tables WHERE database = 'upgraded' \
             AND match(name, '_1[sm]($|_)|__(new|old)$')",
        );
        assert_eq!(left, "", "{version:?}");
    }
}

/// Rows older than their class's retention go and recent ones stay: by TTL on current ClickHouse,
/// by the streamer dropping partitions (and deleting expired 1 s windows) on 18.16.
#[test]
fn retention_removes_what_expired_and_keeps_the_rest_on_both_versions() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let retention =
        Retention { raw: Keep(Some(30)), seconds: Keep(Some(90)), minutes: Keep(Some(730)) };
    for version in [Version::Debian, Version::Current] {
        let ch = ClickHouse::start_version(version);
        let sink = runtime.block_on(connect(&ch, "gnss", &sql_dir()));
        let raw = |name: &str, days: u32| {
            ch.query(&format!(
                "INSERT INTO gnss.frames (receiver, time_ms, kafka_partition, kafka_offset, ingested) \
                 VALUES ('{name}', 0, 0, 1, now() - INTERVAL {days} DAY)"
            ))
        };
        let window = |name: &str, resolution: u32, days: u32| {
            ch.query(&format!(
                "INSERT INTO gnss.fix_type_agg (receiver, window_start, pos_type_name, \
                 kafka_partition, kafka_offset, n, resolution_s, ingested) SELECT '{name}', now(), \
                 'SINGLE', 0, maxState(toUInt64(1)), sumState(toUInt64(1)), {resolution}, \
                 now() - INTERVAL {days} DAY"
            ))
        };
        raw("expired", 40);
        raw("kept", 0);
        window("expired 1 s", 1, 100);
        window("kept 1 s", 1, 0);
        window("kept 1 min", 60, 100);
        window("expired 1 min", 60, 800);
        let classes =
            [("frames".to_owned(), Class::Raw), ("fix_type_agg".to_owned(), Class::Aggregate)];
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        runtime
            .block_on(retention::enforce(&sink, &classes, &retention, now_ms.as_millis() as i64))
            .unwrap();
        // What expired goes in merges (current versions) or mutations (18.16): made to happen now.
        for table in ["frames", "fix_type_agg"] {
            ch.query(&format!("OPTIMIZE TABLE gnss.{table} FINAL"));
        }
        common::wait_until(Duration::from_secs(30), "mutations", || {
            ch.count("SELECT count() FROM system.mutations WHERE database = 'gnss' AND is_done = 0")
                == 0
        });
        let left =
            |table: &str| ch.query(&format!("SELECT receiver FROM gnss.{table} ORDER BY receiver"));
        assert_eq!(left("frames"), "kept\n", "{version:?}");
        assert_eq!(left("fix_type_agg"), "kept 1 min\nkept 1 s\n", "{version:?}");
        // A second run changes nothing (the TTLs are those wanted already).
        runtime
            .block_on(retention::enforce(&sink, &classes, &retention, now_ms.as_millis() as i64))
            .unwrap();
    }
}

fn clip(text: &str) -> String {
    text.chars().take(600).collect::<String>().replace('\n', " | ")
}
