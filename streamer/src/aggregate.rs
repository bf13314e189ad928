//! The aggregates: DataFusion SQL from `sql/aggregates/`, run on each micro-batch's raw tables.
//! Record batches in, record batches out: nothing here knows Kafka or ClickHouse.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
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

/// One query and the table it feeds.
#[derive(Clone, Debug)]
pub struct Aggregate {
    /// The ClickHouse table the results are merged into (through `<target>_input`).
    pub target: String,
    /// The window, e.g. `1 second`.
    pub window: String,
    /// The query with the window filled in.
    pub sql: String,
    pub path: PathBuf,
}

/// The queries of every `*.sql` file of `dir`, one per target of its `-- targets:` line.
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
        let targets = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("-- targets:"))
            .ok_or_else(|| fail(&path, "no `-- targets: name = interval, ...` line".into()))?;
        for target in targets.split(',') {
            let (name, window) = target
                .split_once('=')
                .map(|(n, w)| (n.trim(), w.trim()))
                .filter(|(n, w)| !n.is_empty() && !w.is_empty())
                .ok_or_else(|| {
                    fail(&path, format!("`{}` is not `name = interval`", target.trim()))
                })?;
            if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(fail(
                    &path,
                    format!("target `{name}`: use lower-case letters, digits and '_'"),
                ));
            }
            aggregates.push(Aggregate {
                target: name.to_owned(),
                window: window.to_owned(),
                sql: text.replace("{window}", window),
                path: path.clone(),
            });
        }
    }
    Ok(aggregates)
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

    /// The result schema of each aggregate over inputs of these schemas (nothing is run).
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
            let frame = self.ctx.sql(&a.sql).await.map_err(|source| query_error(a, source))?;
            out.push((a.target.clone(), frame.schema().as_arrow().clone()));
        }
        Ok(out)
    }

    /// Runs every aggregate over `inputs` (the batch's raw tables and the reference points),
    /// each over the rows `drops` keeps for its target. Targets that keep the same rows share
    /// one registration of the inputs.
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
            let frame = self.ctx.sql(&a.sql).await.map_err(|source| query_error(a, source))?;
            let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
            let batches = frame.collect().await.map_err(|source| query_error(a, source))?;
            let batch = concat_batches(&schema, &batches).map_err(|e| query_error(a, e.into()))?;
            out.push((a.target.clone(), batch));
        }
        Ok(out)
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
        let targets: Vec<(&str, &str)> =
            aggregates.iter().map(|a| (a.target.as_str(), a.window.as_str())).collect();
        assert!(targets.contains(&("position_1s", "1 second")));
        assert!(targets.contains(&("signal_1m", "1 minute")));
        assert_eq!(aggregates.len(), 12);
        assert!(aggregates.iter().all(|a| !a.sql.contains("{window}")));
    }
}
