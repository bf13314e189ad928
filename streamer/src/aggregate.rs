//! The aggregates: DataFusion SQL from `sql/aggregates/`, run on each micro-batch's raw tables.
//! Record batches in, record batches out: nothing here knows Kafka or ClickHouse.

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
    /// The windows the query runs over.
    pub windows: Vec<Window>,
    pub path: PathBuf,
}

/// A window of an aggregate.
#[derive(Clone, Debug)]
pub struct Window {
    /// Its length, the rows' `resolution_s`.
    pub seconds: u32,
    /// The query with the window filled in.
    pub sql: String,
}

/// The column telling the windows of a target apart: their length in seconds.
pub const RESOLUTION: &str = "resolution_s";

/// The queries of every `*.sql` file of `dir`: its `-- target:` table, fed at each window of its
/// `-- windows:` line.
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
        let windows = header("-- windows:")?
            .split(',')
            .map(|window| {
                let window = window.trim();
                let seconds = window_seconds(window).ok_or_else(|| {
                    fail(&path, format!("window `{window}`: write e.g. `1 second` or `1 minute`"))
                })?;
                Ok(Window { seconds, sql: text.replace("{window}", window) })
            })
            .collect::<Result<Vec<_>, AggregateError>>()?;
        aggregates.push(Aggregate { target: target.to_owned(), windows, path: path.clone() });
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

/// Runs aggregates over named input tables. Each window's query is planned once, when the engine
/// is made, over inputs that are slots: a batch puts its tables in the slots and re-runs the
/// physical plans (SQL parsing, logical optimisation and physical planning took 7% of the
/// streamer's time when done for every batch).
pub struct Engine {
    aggregates: Vec<Aggregate>,
    /// The input tables by name.
    inputs: Vec<(String, Arc<Slot>)>,
    /// Per aggregate, the plan of each window, in the order of its `windows`.
    plans: Vec<Vec<Arc<dyn ExecutionPlan>>>,
    /// Per aggregate, its result schema with [`RESOLUTION`].
    schemas: Vec<SchemaRef>,
    task: Arc<TaskContext>,
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
            let slot = Arc::new(Slot {
                schema: schema.clone(),
                batch: Mutex::new(RecordBatch::new_empty(schema.clone())),
            });
            let table =
                StreamingTable::try_new(schema.clone(), vec![slot.clone() as _]).map_err(fail)?;
            ctx.register_table(*name, Arc::new(table)).map_err(fail)?;
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
            let mut windows = Vec::new();
            for window in &a.windows {
                let frame = ctx.sql(&window.sql).await.map_err(|source| query_error(a, source))?;
                windows.push(
                    frame.create_physical_plan().await.map_err(|source| query_error(a, source))?,
                );
            }
            schemas.push(Arc::new(with_resolution(&windows[0].schema())));
            plans.push(windows);
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
            let mut windows = Vec::new();
            for (window, plan) in a.windows.iter().zip(plans) {
                let plan = reset_plan_states(Arc::clone(plan)).map_err(|e| query_error(a, e))?;
                let batches = collect(plan, Arc::clone(&self.task))
                    .await
                    .map_err(|source| query_error(a, source))?;
                for batch in batches {
                    let resolution =
                        Arc::new(UInt32Array::from(vec![window.seconds; batch.num_rows()]));
                    let columns =
                        batch.columns().iter().cloned().chain([resolution as ArrayRef]).collect();
                    let batch = RecordBatch::try_new(schema.clone(), columns)
                        .map_err(|e| query_error(a, e.into()))?;
                    windows.push(batch);
                }
            }
            let batch = concat_batches(schema, &windows).map_err(|e| query_error(a, e.into()))?;
            out.push((a.target.clone(), batch));
        }
        Ok(out)
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
        *slot.batch.lock().unwrap_or_else(PoisonError::into_inner) = batch;
        Ok(())
    }
}

/// An input table of the plans: the batch last put in it, read each time a plan runs.
#[derive(Debug)]
struct Slot {
    schema: SchemaRef,
    batch: Mutex<RecordBatch>,
}

impl PartitionStream for Slot {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _: Arc<TaskContext>) -> SendableRecordBatchStream {
        let batch = self.batch.lock().unwrap_or_else(PoisonError::into_inner).clone();
        Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            futures::stream::iter([Ok(batch)]),
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
    use super::*;

    #[test]
    fn the_project_aggregates_load_with_their_windows() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql/aggregates");
        let aggregates = load(&dir).unwrap();
        let targets: Vec<(&str, Vec<u32>)> = aggregates
            .iter()
            .map(|a| (a.target.as_str(), a.windows.iter().map(|w| w.seconds).collect()))
            .collect();
        assert!(targets.contains(&("position_agg", vec![1, 60])));
        assert!(targets.contains(&("signal_agg", vec![1, 60])));
        assert_eq!(aggregates.len(), 6);
        assert!(aggregates.iter().flat_map(|a| &a.windows).all(|w| !w.sql.contains("{window}")));
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
