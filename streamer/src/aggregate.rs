//! The aggregates: DataFusion SQL from `sql/aggregates/`, run on each micro-batch's raw tables.
//! Record batches in, record batches out: nothing here knows Kafka or ClickHouse.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, UInt32Array};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
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

/// Runs aggregates over named input tables.
pub struct Engine {
    ctx: SessionContext,
    aggregates: Vec<Aggregate>,
}

impl Engine {
    pub fn new(aggregates: Vec<Aggregate>) -> Self {
        // Micro-batches are small: one partition avoids shuffling them between threads.
        let config = SessionConfig::new().with_target_partitions(1);
        Engine { ctx: SessionContext::new_with_config(config), aggregates }
    }

    pub fn aggregates(&self) -> &[Aggregate] {
        &self.aggregates
    }

    /// The result schema of each aggregate over inputs of these schemas (nothing is run), with
    /// its [`RESOLUTION`] column.
    pub async fn schemas(
        &self,
        inputs: &[(&str, SchemaRef)],
    ) -> Result<Vec<(String, Schema)>, AggregateError> {
        let empty: Vec<(&str, RecordBatch)> = inputs
            .iter()
            .map(|(name, schema)| (*name, RecordBatch::new_empty(schema.clone())))
            .collect();
        self.register(&empty)?;
        let mut out = Vec::new();
        for a in &self.aggregates {
            let window = a.windows.first().ok_or_else(|| AggregateError::File {
                path: a.path.clone(),
                reason: "no window".into(),
            })?;
            let frame = self.ctx.sql(&window.sql).await.map_err(|source| query_error(a, source))?;
            out.push((a.target.clone(), with_resolution(frame.schema().as_arrow())));
        }
        Ok(out)
    }

    /// Runs every aggregate over `inputs` (the batch's raw tables and the reference points) at
    /// each of its windows, each over the rows `drops` keeps for its target; a target's windows
    /// are one batch, told apart by [`RESOLUTION`]. Targets that keep the same rows share one
    /// registration of the inputs.
    pub async fn run(
        &self,
        inputs: &[(&str, RecordBatch)],
        drops: &Drops,
    ) -> Result<Vec<(String, RecordBatch)>, AggregateError> {
        let mut registered = None;
        let mut out = Vec::new();
        for a in &self.aggregates {
            let held = drops.reaching.get(&a.target);
            if registered != Some(held) {
                let kept = inputs
                    .iter()
                    .map(|(name, batch)| Ok((*name, drops.apply(&a.target, batch)?)))
                    .collect::<Result<Vec<_>, DataFusionError>>()
                    .map_err(|source| query_error(a, source))?;
                self.register(&kept)?;
                registered = Some(held);
            }
            let mut windows = Vec::new();
            for window in &a.windows {
                let frame =
                    self.ctx.sql(&window.sql).await.map_err(|source| query_error(a, source))?;
                let schema = Arc::new(with_resolution(frame.schema().as_arrow()));
                for batch in frame.collect().await.map_err(|source| query_error(a, source))? {
                    let resolution =
                        Arc::new(UInt32Array::from(vec![window.seconds; batch.num_rows()]));
                    let columns =
                        batch.columns().iter().cloned().chain([resolution as ArrayRef]).collect();
                    let batch = RecordBatch::try_new(schema.clone(), columns)
                        .map_err(|e| query_error(a, e.into()))?;
                    windows.push(batch);
                }
            }
            let schema = match windows.first() {
                Some(batch) => batch.schema(),
                None => Arc::new(self.schema_of(a).await?),
            };
            let batch = concat_batches(&schema, &windows).map_err(|e| query_error(a, e.into()))?;
            out.push((a.target.clone(), batch));
        }
        Ok(out)
    }

    /// A target's result schema over the inputs registered now.
    async fn schema_of(&self, a: &Aggregate) -> Result<Schema, AggregateError> {
        let sql = &a.windows[0].sql;
        let frame = self.ctx.sql(sql).await.map_err(|source| query_error(a, source))?;
        Ok(with_resolution(frame.schema().as_arrow()))
    }

    fn register(&self, inputs: &[(&str, RecordBatch)]) -> Result<(), AggregateError> {
        let fail = |source| AggregateError::Query { target: "(inputs)".into(), source };
        for (name, batch) in inputs {
            let table =
                MemTable::try_new(batch.schema(), vec![vec![batch.clone()]]).map_err(fail)?;
            self.ctx.deregister_table(*name).map_err(fail)?;
            self.ctx.register_table(*name, Arc::new(table)).map_err(fail)?;
        }
        Ok(())
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
