//! The coarser windows of an aggregate, computed from its finest window's results rather than from
//! the raw rows again: the same keys, `window_start` binned to the coarser window, and each column
//! combined the way ClickHouse merges it across batches (counts and sums summed, minima and maxima
//! taken again). What combines is read off the query's plan.

use datafusion::error::DataFusionError;
use datafusion::functions_aggregate::expr_fn::{max, min, sum};
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::{Expr, LogicalPlan, cast};
use datafusion::prelude::{DataFrame, ident, lit};

/// The key holding a window's start, in seconds since the epoch.
pub const WINDOW_START: &str = "window_start";

/// The column a distinct count may count values of: a frame's offset in its partition. A frame has
/// one time, so each value falls in one window and the windows' counts add up.
const FRAME_OFFSET: &str = "kafka_offset";

/// What a column of the result is to its rollup.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Part {
    Window,
    Key,
    Sum,
    Min,
    Max,
}

/// How the columns of a query's result roll up, in the result's order.
#[derive(Clone, Debug)]
pub struct Rollup {
    columns: Vec<(String, Part)>,
}

impl Rollup {
    /// Reads the rollup off a query's logical plan: the result must be the keys and aggregates of
    /// one `GROUP BY` with `window_start` among the keys, each aggregate a count, sum, minimum or
    /// maximum (a constant column is kept as it is); the reason why not otherwise.
    pub fn of(plan: &LogicalPlan) -> Result<Self, String> {
        let grouped = "the result must be the keys and aggregates of one GROUP BY";
        let LogicalPlan::Projection(projection) = plan else { return Err(grouped.into()) };
        let LogicalPlan::Aggregate(aggregate) = projection.input.as_ref() else {
            return Err(grouped.into());
        };
        if aggregate.group_expr.iter().any(|e| matches!(e, Expr::GroupingSet(_))) {
            return Err("grouping sets cannot be rolled up: GROUP BY plain keys".into());
        }
        let keys = aggregate.group_expr.len();
        let mut columns = Vec::new();
        for (expr, field) in projection.expr.iter().zip(projection.schema.fields()) {
            let name = field.name();
            let part = match unaliased(expr) {
                Expr::Column(column) => match aggregate.schema.index_of_column(column) {
                    Ok(i) if i < keys && name == WINDOW_START => Part::Window,
                    Ok(i) if i < keys => Part::Key,
                    Ok(i) => combined(&aggregate.aggr_expr[i - keys])
                        .map_err(|why| format!("column `{name}`: {why}"))?,
                    Err(_) => return Err(format!("column `{name}`: {grouped}")),
                },
                // A constant is the same in every row: kept as a key.
                expr if expr.column_refs().is_empty() => Part::Key,
                _ => {
                    return Err(format!(
                        "column `{name}` is computed from aggregates and cannot be rolled up: \
                         return the aggregates themselves"
                    ));
                }
            };
            columns.push((name.clone(), part));
        }
        if !columns.iter().any(|(_, part)| *part == Part::Window) {
            return Err(format!("`{WINDOW_START}` must be a GROUP BY key of the result"));
        }
        Ok(Rollup { columns })
    }

    /// The rollup of `finest`, the finest window's results, into windows of `seconds`. Windows
    /// start at multiples of their length since the epoch, as `date_bin`'s do.
    pub fn over(&self, finest: DataFrame, seconds: u32) -> Result<DataFrame, DataFusionError> {
        let types: Vec<_> =
            finest.schema().fields().iter().map(|f| f.data_type().clone()).collect();
        let (mut keys, mut aggregates) = (Vec::new(), Vec::new());
        for (name, part) in &self.columns {
            let column = ident(name);
            match part {
                Part::Window => {
                    keys.push((column.clone() - column % lit(i64::from(seconds))).alias(name))
                }
                Part::Key => keys.push(column),
                Part::Sum => aggregates.push(sum(column).alias(name)),
                Part::Min => aggregates.push(min(column).alias(name)),
                Part::Max => aggregates.push(max(column).alias(name)),
            }
        }
        // Sums may widen a type (a sum of Float32 is Float64): the result keeps the finest's.
        let result =
            self.columns.iter().zip(types).map(|((name, _), t)| cast(ident(name), t).alias(name));
        finest.aggregate(keys, aggregates)?.select(result)
    }
}

/// How an aggregate of the query combines across windows.
fn combined(aggregate: &Expr) -> Result<Part, String> {
    let Expr::AggregateFunction(AggregateFunction { func, params }) = unaliased(aggregate) else {
        return Err("not an aggregate function".into());
    };
    let counts_frames =
        params.args.iter().any(|a| a.column_refs().iter().any(|c| c.name == FRAME_OFFSET));
    match (func.name(), params.distinct) {
        ("count" | "sum", false) => Ok(Part::Sum),
        ("count", true) if counts_frames => Ok(Part::Sum),
        ("count", true) => Err(format!(
            "a distinct count adds up across windows only if each value falls in one window: count \
             values made with `{FRAME_OFFSET}` (a frame has one time), or give the query one window"
        )),
        ("min", _) => Ok(Part::Min),
        ("max", _) => Ok(Part::Max),
        (function, _) => Err(format!(
            "`{function}` does not combine across windows: use count, sum, min and max, which \
             ClickHouse also merges across batches"
        )),
    }
}

fn unaliased(expr: &Expr) -> &Expr {
    match expr {
        Expr::Alias(alias) => unaliased(&alias.expr),
        expr => expr,
    }
}
