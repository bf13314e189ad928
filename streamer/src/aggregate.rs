//! The aggregates: DataFusion SQL from `sql/aggregates/`, run on each micro-batch's raw tables.
//! Record batches in, record batches out: nothing here knows Kafka or ClickHouse.

mod rollup;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use datafusion::arrow::array::{ArrayRef, UInt32Array};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::error::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::execution_plan::reset_plan_states;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::{SessionConfig, SessionContext};
use thiserror::Error;

use crate::exactly_once::Drops;
use rollup::Rollup;

#[derive(Debug, Error)]
pub enum AggregateError {
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("aggregate {target}")]
    Query {
        target: String,
        #[source]
        source: DataFusionError,
    },
}

/// One query and the table it feeds, at each of its windows.
#[derive(Clone, Debug)]
pub struct Aggregate {
    /// The ClickHouse table the results are merged into (through `<target>_input`).
    pub target: String,
    /// The windows' lengths in seconds (the rows' `resolution_s`), the finest first: the query runs
    /// at the finest, each other window is rolled up from its results.
    pub windows: Vec<u32>,
    /// The query at the finest window.
    pub sql: String,
    pub path: PathBuf,
}

/// The column telling the windows of a target apart: their length in seconds.
pub const RESOLUTION: &str = "resolution_s";

/// The queries of every `*.sql` file of `dir`: its `-- target:` table, fed at each window of its
/// `-- windows:` line, every window a multiple of the finest.
pub fn load(dir: &Path) -> Result<Vec<Aggregate>, AggregateError> {
    let fail = |path: &Path, reason: String| AggregateError::File { path: path.to_owned(), reason };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| fail(dir, format!("cannot read the directory: {e}")))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    let mut aggregates = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| fail(&path, e.to_string()))?;
        let header = |key: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(key))
                .map(str::trim)
                .ok_or_else(|| fail(&path, format!("no `{key} ...` line")))
        };
        let target = header("-- target:")?;
        if target.is_empty()
            || !target.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(fail(
                &path,
                format!("target `{target}`: use lower-case letters, digits and '_'"),
            ));
        }
        let mut windows = header("-- windows:")?
            .split(',')
            .map(|window| {
                let window = window.trim();
                let seconds = window_seconds(window).ok_or_else(|| {
                    fail(&path, format!("window `{window}`: write e.g. `1 second` or `1 minute`"))
                })?;
                Ok((seconds, window))
            })
            .collect::<Result<Vec<_>, AggregateError>>()?;
        windows.sort_unstable();
        let (finest, finest_name) = windows[0];
        if let Some(pair) = windows.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(fail(&path, format!("window `{}` is given twice", pair[1].1)));
        }
        if let Some((_, window)) = windows.iter().find(|(seconds, _)| seconds % finest != 0) {
            return Err(fail(
                &path,
                format!(
                    "window `{window}` is not a multiple of `{finest_name}`: coarser windows are \
                     rolled up from the finest"
                ),
            ));
        }
        aggregates.push(Aggregate {
            target: target.to_owned(),
            windows: windows.iter().map(|(seconds, _)| *seconds).collect(),
            sql: text.replace("{window}", finest_name),
            path: path.clone(),
        });
    }
    Ok(aggregates)
}

/// The seconds of `1 second`, `10 seconds`, `1 minute`, `1 hour`.
fn window_seconds(window: &str) -> Option<u32> {
    let (count, unit) = window.split_once(' ')?;
    let count: u32 = count.parse().ok()?;
    let unit = match unit.trim().trim_end_matches('s') {
        "second" => 1,
        "minute" => 60,
        "hour" => 3600,
        _ => return None,
    };
    count.checked_mul(unit).filter(|s| *s > 0)
}

/// Runs aggregates over named input tables. Each query is planned once, when the engine is made,
/// over inputs that are slots: a batch puts its tables in the slots and re-runs the physical
/// plans (SQL parsing, logical optimisation and physical planning took 7% of the streamer's time
/// when done for every batch).
pub struct Engine {
    aggregates: Vec<Aggregate>,
    /// The input tables by name.
    inputs: Vec<(String, Arc<Slot>)>,
    /// Per aggregate, its plans.
    plans: Vec<Plans>,
    /// Per aggregate, its result schema with [`RESOLUTION`].
    schemas: Vec<SchemaRef>,
    task: Arc<TaskContext>,
}

/// An aggregate's plans: its query at the finest window, and the rollups of those results into
/// each coarser window, which read them from a slot of their own.
struct Plans {
    finest: Arc<dyn ExecutionPlan>,
    finest_results: Arc<Slot>,
    rollups: Vec<Arc<dyn ExecutionPlan>>,
}

impl Engine {
    /// Plans every aggregate at each of its windows over inputs of these names and schemas.
    pub async fn new(
        aggregates: Vec<Aggregate>,
        inputs: &[(&str, SchemaRef)],
    ) -> Result<Self, AggregateError> {
        // Micro-batches are small: one partition avoids shuffling them between threads. A plan
        // run again must not carry a filter learnt from the last batch's data.
        let mut config = SessionConfig::new().with_target_partitions(1);
        config.options_mut().optimizer.enable_dynamic_filter_pushdown = false;
        let ctx = SessionContext::new_with_config(config);
        let fail = |source| AggregateError::Query { target: "(inputs)".into(), source };
        let mut slots = Vec::new();
        for (name, schema) in inputs {
            let (slot, table) = Slot::table(schema.clone()).map_err(fail)?;
            ctx.register_table(*name, table).map_err(fail)?;
            slots.push((name.to_string(), slot));
        }
        let (mut plans, mut schemas) = (Vec::new(), Vec::new());
        for a in &aggregates {
            if a.windows.is_empty() {
                return Err(AggregateError::File {
                    path: a.path.clone(),
                    reason: "no window".into(),
                });
            }
            let frame = ctx.sql(&a.sql).await.map_err(|source| query_error(a, source))?;
            let query = frame.logical_plan().clone();
            let finest =
                frame.create_physical_plan().await.map_err(|source| query_error(a, source))?;
            let (finest_results, table) =
                Slot::table(finest.schema()).map_err(|source| query_error(a, source))?;
            let mut rollups = Vec::new();
            if a.windows.len() > 1 {
                let rollup = Rollup::of(&query)
                    .map_err(|reason| AggregateError::File { path: a.path.clone(), reason })?;
                for seconds in &a.windows[1..] {
                    let scan =
                        ctx.read_table(table.clone()).map_err(|source| query_error(a, source))?;
                    let frame =
                        rollup.over(scan, *seconds).map_err(|source| query_error(a, source))?;
                    let plan = frame.create_physical_plan().await;
                    rollups.push(plan.map_err(|source| query_error(a, source))?);
                }
            }
            schemas.push(Arc::new(with_resolution(&finest.schema())));
            plans.push(Plans { finest, finest_results, rollups });
        }
        Ok(Engine { aggregates, inputs: slots, plans, schemas, task: ctx.task_ctx() })
    }

    pub fn aggregates(&self) -> &[Aggregate] {
        &self.aggregates
    }

    /// Each aggregate's target and result schema, with its [`RESOLUTION`] column.
    pub fn schemas(&self) -> impl Iterator<Item = (&Aggregate, &SchemaRef)> {
        self.aggregates.iter().zip(&self.schemas)
    }

    /// Runs every aggregate over `inputs` (the batch's raw tables and the reference points) at
    /// each of its windows, each over the rows `drops` keeps for its target; a target's windows
    /// are one batch, told apart by [`RESOLUTION`]. Targets that keep the same rows share one
    /// filling of the inputs.
    pub async fn run(
        &mut self,
        inputs: &[(&str, RecordBatch)],
        drops: &Drops,
    ) -> Result<Vec<(String, RecordBatch)>, AggregateError> {
        let mut filled = None;
        let mut out = Vec::new();
        for ((a, plans), schema) in self.aggregates.iter().zip(&self.plans).zip(&self.schemas) {
            let held = drops.reaching.get(&a.target);
            if filled != Some(held) {
                for (name, batch) in inputs {
                    let kept =
                        drops.apply(&a.target, batch).map_err(|e| query_error(a, e.into()))?;
                    self.fill(name, kept).map_err(|source| query_error(a, source))?;
                }
                filled = Some(held);
            }
            let finest =
                self.execute(&plans.finest).await.map_err(|source| query_error(a, source))?;
            plans.finest_results.put(finest.clone());
            let mut windows = vec![finest];
            for plan in &plans.rollups {
                windows.push(self.execute(plan).await.map_err(|source| query_error(a, source))?);
            }
            let mut batches = Vec::new();
            for (results, seconds) in windows.into_iter().zip(&a.windows) {
                for batch in results {
                    let resolution = Arc::new(UInt32Array::from(vec![*seconds; batch.num_rows()]));
                    let columns = batch.columns().iter().cloned().chain([resolution as ArrayRef]);
                    let batch = RecordBatch::try_new(schema.clone(), columns.collect())
                        .map_err(|e| query_error(a, e.into()))?;
                    batches.push(batch);
                }
            }
            let batch = concat_batches(schema, &batches).map_err(|e| query_error(a, e.into()))?;
            out.push((a.target.clone(), batch));
        }
        Ok(out)
    }

    /// Runs a plan again, over what its slots now hold.
    async fn execute(
        &self,
        plan: &Arc<dyn ExecutionPlan>,
    ) -> Result<Vec<RecordBatch>, DataFusionError> {
        collect(reset_plan_states(Arc::clone(plan))?, Arc::clone(&self.task)).await
    }

    /// Puts `batch` in the input slot `name`.
    fn fill(&self, name: &str, batch: RecordBatch) -> Result<(), DataFusionError> {
        let (_, slot) = self.inputs.iter().find(|(n, _)| n == name).ok_or_else(|| {
            DataFusionError::Plan(format!("no input table `{name}` was planned for"))
        })?;
        if batch.schema() != slot.schema {
            return Err(DataFusionError::Plan(format!(
                "input table `{name}` has other columns than it was planned with"
            )));
        }
        slot.put(vec![batch]);
        Ok(())
    }
}

/// An input table of the plans: the batches last put in it, read each time a plan runs.
#[derive(Debug)]
struct Slot {
    schema: SchemaRef,
    batches: Mutex<Vec<RecordBatch>>,
}

impl Slot {
    /// An empty slot of `schema`, and the table that reads it.
    fn table(schema: SchemaRef) -> Result<(Arc<Slot>, Arc<StreamingTable>), DataFusionError> {
        let slot = Arc::new(Slot { schema: schema.clone(), batches: Mutex::default() });
        let table = StreamingTable::try_new(schema, vec![slot.clone() as _])?;
        Ok((slot, Arc::new(table)))
    }

    fn put(&self, batches: Vec<RecordBatch>) {
        *self.batches.lock().unwrap_or_else(PoisonError::into_inner) = batches;
    }
}

impl PartitionStream for Slot {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _: Arc<TaskContext>) -> SendableRecordBatchStream {
        let batches = self.batches.lock().unwrap_or_else(PoisonError::into_inner).clone();
        Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            futures::stream::iter(batches.into_iter().map(Ok)),
        ))
    }
}

/// `schema` and the [`RESOLUTION`] column.
fn with_resolution(schema: &Schema) -> Schema {
    let fields = schema.fields().iter().cloned().chain([Arc::new(Field::new(
        RESOLUTION,
        DataType::UInt32,
        false,
    ))]);
    Schema::new(fields.collect::<Vec<_>>())
}

fn query_error(a: &Aggregate, source: DataFusionError) -> AggregateError {
    AggregateError::Query { target: a.target.clone(), source }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{
        AsArray, Float64Array, Int64Array, StringArray, UInt16Array, UInt64Array,
    };
    use datafusion::arrow::datatypes::UInt32Type;
    use datafusion::arrow::util::display::array_value_to_string;

    use super::*;

    #[test]
    fn the_project_aggregates_load_with_their_windows() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql/aggregates");
        let aggregates = load(&dir).unwrap();
        let targets: Vec<(&str, Vec<u32>)> =
            aggregates.iter().map(|a| (a.target.as_str(), a.windows.clone())).collect();
        assert!(targets.contains(&("position_agg", vec![1, 60])));
        assert!(targets.contains(&("signal_agg", vec![1, 60])));
        assert_eq!(aggregates.len(), 6);
        for a in &aggregates {
            assert!(a.sql.contains("INTERVAL '1 second'") && !a.sql.contains("{window}"), "{a:?}");
        }
    }

    #[test]
    fn windows_are_sorted_and_each_a_multiple_of_the_finest() {
        let dir = std::env::temp_dir().join(format!("aggregate-windows-{}", std::process::id()));
        let windows_of = |windows: &str| {
            std::fs::create_dir_all(&dir).unwrap();
            let query = format!("-- target: t\n-- windows: {windows}\nSELECT 1 FROM frames");
            std::fs::write(dir.join("t.sql"), query).unwrap();
            let loaded = load(&dir);
            std::fs::remove_dir_all(&dir).unwrap();
            loaded.map(|a| a[0].windows.clone()).map_err(|e| e.to_string())
        };
        assert_eq!(windows_of("1 minute, 10 seconds").unwrap(), vec![10, 60]);
        let refused = windows_of("1 minute, 90 seconds").unwrap_err();
        assert!(refused.ends_with("window `90 seconds` is not a multiple of `1 minute`: coarser windows are rolled up from the finest"), "{refused}");
        assert!(
            windows_of("1 second, 1 seconds")
                .unwrap_err()
                .ends_with("window `1 seconds` is given twice")
        );
    }

    /// Observations of two receivers over two minutes: three satellites an epoch, one or two
    /// signals each, times that cross a minute, values that sum exactly.
    fn observations() -> RecordBatch {
        let (mut receiver, mut time_ms, mut offset, mut prn, mut signal, mut cn0) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for epoch in 0..240u64 {
            for (station, partition_offset) in [("A", 0), ("B", 10_000)] {
                for sat in 0..3u16 {
                    for band in ["L1", "L2"].iter().take(1 + usize::from(sat + epoch as u16) % 2) {
                        receiver.push(station);
                        time_ms.push(1_700_000_000_000 + epoch as i64 * 700);
                        offset.push(partition_offset + epoch);
                        prn.push(sat + 1);
                        signal.push(*band);
                        cn0.push(30.0 + f64::from(sat) + (epoch % 8) as f64 / 4.0);
                    }
                }
            }
        }
        let partition = vec![0u32; receiver.len()];
        RecordBatch::try_from_iter([
            ("receiver", Arc::new(StringArray::from(receiver)) as ArrayRef),
            ("time_ms", Arc::new(Int64Array::from(time_ms))),
            ("signal", Arc::new(StringArray::from(signal))),
            ("kafka_partition", Arc::new(UInt32Array::from(partition))),
            ("kafka_offset", Arc::new(UInt64Array::from(offset))),
            ("prn", Arc::new(UInt16Array::from(prn))),
            ("cn0", Arc::new(Float64Array::from(cn0))),
        ])
        .unwrap()
    }

    fn query(columns: &str) -> String {
        format!(
            "SELECT receiver, window_start, signal, kafka_partition, {columns} FROM (SELECT *, \
             to_unixtime(date_bin(INTERVAL '{{window}}', to_timestamp_millis(time_ms))) AS \
             window_start FROM observations) GROUP BY receiver, window_start, signal, kafka_partition"
        )
    }

    fn aggregate(target: &str, windows: &[(u32, &str)], sql: &str) -> Aggregate {
        Aggregate {
            target: target.into(),
            windows: windows.iter().map(|(seconds, _)| *seconds).collect(),
            sql: sql.replace("{window}", windows[0].1),
            path: PathBuf::from(format!("{target}.sql")),
        }
    }

    async fn engine(aggregates: Vec<Aggregate>) -> Result<Engine, AggregateError> {
        Engine::new(aggregates, &[("observations", observations().schema())]).await
    }

    /// The rows of `batch` at `resolution`, without it, as sorted text.
    fn rows_at(batch: &RecordBatch, resolution: u32) -> Vec<String> {
        let column = batch.schema().index_of(RESOLUTION).unwrap();
        let resolutions = batch.column(column).as_primitive::<UInt32Type>();
        let mut rows: Vec<String> = (0..batch.num_rows())
            .filter(|&row| resolutions.value(row) == resolution)
            .map(|row| {
                (0..column)
                    .map(|c| array_value_to_string(batch.column(c), row).unwrap())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        rows.sort();
        rows
    }

    #[tokio::test]
    async fn a_rolled_up_window_equals_the_query_run_at_that_window() {
        let columns = "max(kafka_offset) AS kafka_offset, count(*) AS obs, \
                       count(DISTINCT kafka_offset) AS epochs, \
                       count(DISTINCT kafka_offset * CAST(1000 AS BIGINT UNSIGNED) + prn) AS sats, \
                       sum(cn0) AS cn0_sum, min(cn0) AS cn0_min, max(cn0) AS cn0_max, \
                       sum(CAST(prn AS INT)) AS prn_sum, min(prn) AS prn_min, 'v1' AS version";
        let rolled = aggregate("rolled", &[(1, "1 second"), (60, "1 minute")], &query(columns));
        let direct = aggregate("direct", &[(60, "1 minute")], &query(columns));
        let mut engine = engine(vec![rolled, direct]).await.unwrap();
        let out = engine.run(&[("observations", observations())], &Drops::default()).await.unwrap();
        let (rolled, direct) = (&out[0].1, &out[1].1);
        let minutes = rows_at(direct, 60);
        assert_eq!(rows_at(rolled, 60), minutes);
        // Two receivers, two signals, four minutes (168 s of epochs from 22:13:20).
        assert_eq!(minutes.len(), 2 * 2 * 4, "{minutes:#?}");
        assert_eq!(rows_at(rolled, 1).len(), 2 * 2 * 168);
        assert_eq!(rolled.schema(), direct.schema());
    }

    #[tokio::test]
    async fn columns_that_do_not_combine_across_windows_are_refused_at_start() {
        let refused = |columns: &str| {
            let a = aggregate("t", &[(1, "1 second"), (60, "1 minute")], &query(columns));
            async move { engine(vec![a]).await.err().unwrap().to_string() }
        };
        assert_eq!(
            refused("avg(cn0) AS cn0").await,
            "t.sql: column `cn0`: `avg` does not combine across windows: use count, sum, min and \
             max, which ClickHouse also merges across batches"
        );
        assert!(refused("count(DISTINCT prn) AS sats").await.contains(
            "column `sats`: a distinct count adds up across windows only if each value falls in \
             one window: count values made with `kafka_offset`"
        ));
        assert!(refused("sum(cn0) / count(*) AS cn0").await.ends_with(
            "column `cn0` is computed from aggregates and cannot be rolled up: return the \
                 aggregates themselves"
        ));
        let one_window = aggregate("t", &[(1, "1 second")], &query("avg(cn0) AS cn0"));
        assert!(engine(vec![one_window]).await.is_ok(), "one window needs no rollup");
        let no_window = "SELECT receiver, count(*) AS n FROM observations GROUP BY receiver";
        let a = aggregate("t", &[(1, "1 second"), (60, "1 minute")], no_window);
        assert!(
            engine(vec![a])
                .await
                .err()
                .unwrap()
                .to_string()
                .ends_with("`window_start` must be a GROUP BY key of the result")
        );
    }

    #[test]
    fn windows_are_lengths_of_seconds_minutes_or_hours() {
        assert_eq!(window_seconds("1 second"), Some(1));
        assert_eq!(window_seconds("10 seconds"), Some(10));
        assert_eq!(window_seconds("1 minute"), Some(60));
        assert_eq!(window_seconds("2 hours"), Some(7200));
        assert_eq!(window_seconds("1 fortnight"), None);
        assert_eq!(window_seconds("0 seconds"), None);
    }
}
