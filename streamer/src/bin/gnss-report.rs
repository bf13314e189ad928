//! `gnss-report`: what a ClickHouse database of the pipeline holds, on the terminal and as an
//! HTML page with charts (see `gnss_streamer::report`).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use gnss_streamer::report::{Report, expanded_query};
use gnss_streamer::settings::ClickHouseArgs;

/// Prints a summary of a gnss-pipe ClickHouse database (logs per type, latest position and fix
/// type per receiver, satellites and C/N0 per constellation) and the result of every dashboard
/// query over the data's time range; optionally writes an HTML page with each receiver's track,
/// satellites and C/N0 charts.
#[derive(Debug, Parser)]
#[command(name = "gnss-report", version, about, long_about)]
struct Args {
    #[command(flatten)]
    clickhouse: ClickHouseArgs,

    /// Directory with `report/` and `dashboards/` queries.
    #[arg(long, env = "SQL_DIR", default_value = "sql")]
    sql_dir: PathBuf,

    /// Also write the report as an HTML page with charts here.
    #[arg(long)]
    html: Option<PathBuf>,

    /// Rows shown per table.
    #[arg(long, default_value_t = 12)]
    max_rows: usize,

    /// Print this dashboard or report query (e.g. `cn0_constellation`) as Grafana would run it
    /// over the whole of the data and every receiver, and exit: to run it in clickhouse-client,
    /// with EXPLAIN, or to time it.
    #[arg(long, value_name = "NAME")]
    print_query: Option<String>,

    /// With --print-query: the panel's interval in seconds. [default: about 500 points over the
    /// range]
    #[arg(long)]
    interval_s: Option<u32>,

    /// Receivers charted in the HTML page (the first ones by name).
    #[arg(long, default_value_t = 12)]
    max_receivers: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let connection = args.clickhouse.connection()?;
    let client = connection.client().with_database(&connection.database);
    if let Some(name) = &args.print_query {
        let sql = expanded_query(&client, &args.sql_dir, name, args.interval_s).await?;
        println!("{sql}");
        return Ok(());
    }
    let report = Report::build(&client, &args.sql_dir, args.max_receivers)
        .await
        .with_context(|| format!("database {} at {}", connection.database, connection.url))?;
    print!("{}", report.to_text(args.max_rows));
    if let Some(path) = &args.html {
        std::fs::write(path, report.to_html(args.max_rows))
            .with_context(|| format!("cannot write the HTML report to {}", path.display()))?;
        println!("\nHTML report with charts: {}", path.display());
    }
    Ok(())
}
