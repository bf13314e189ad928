//! `gnss-report`: what a ClickHouse database of the pipeline holds, on the terminal and as an
//! HTML page with charts (see `gnss_streamer::report`).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use clickhouse::Client;
use gnss_streamer::report::Report;

/// Prints a summary of a gnss-pipe ClickHouse database (logs per type, latest position and fix
/// type per receiver, satellites and C/N0 per constellation) and the result of every dashboard
/// query over the data's time range; optionally writes an HTML page with each receiver's track,
/// satellites and C/N0 charts.
#[derive(Debug, Parser)]
#[command(name = "gnss-report", version, about, long_about)]
struct Args {
    /// ClickHouse HTTP URL.
    #[arg(long, env = "CLICKHOUSE_URL", default_value = "http://localhost:8123")]
    clickhouse_url: String,

    /// Database the streamer writes.
    #[arg(long, env = "CLICKHOUSE_DATABASE", default_value = "gnss")]
    clickhouse_database: String,

    /// ClickHouse user.
    #[arg(long, env = "CLICKHOUSE_USER", default_value = "default")]
    clickhouse_user: String,

    /// ClickHouse password; prefer CLICKHOUSE_PASSWORD_FILE.
    #[arg(long, env = "CLICKHOUSE_PASSWORD", hide_env_values = true, default_value = "")]
    clickhouse_password: String,

    /// File holding the ClickHouse password (a Docker secret, as compose gives the streamer).
    #[arg(long, env = "CLICKHOUSE_PASSWORD_FILE", conflicts_with = "clickhouse_password")]
    clickhouse_password_file: Option<PathBuf>,

    /// Directory with `report/` and `dashboards/` queries.
    #[arg(long, env = "SQL_DIR", default_value = "sql")]
    sql_dir: PathBuf,

    /// Also write the report as an HTML page with charts here.
    #[arg(long)]
    html: Option<PathBuf>,

    /// Rows shown per table.
    #[arg(long, default_value_t = 12)]
    max_rows: usize,

    /// Receivers charted in the HTML page (the first ones by name).
    #[arg(long, default_value_t = 12)]
    max_receivers: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let password = match &args.clickhouse_password_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the password file {}", path.display()))?
            .trim_end_matches(['\r', '\n'])
            .to_owned(),
        None => args.clickhouse_password.clone(),
    };
    let client = Client::default()
        .with_url(&args.clickhouse_url)
        .with_database(&args.clickhouse_database)
        .with_user(&args.clickhouse_user)
        .with_password(password);
    let report =
        Report::build(&client, &args.sql_dir, args.max_receivers).await.with_context(|| {
            format!("database {} at {}", args.clickhouse_database, args.clickhouse_url)
        })?;
    print!("{}", report.to_text(args.max_rows));
    if let Some(path) = &args.html {
        std::fs::write(path, report.to_html(args.max_rows))
            .with_context(|| format!("cannot write the HTML report to {}", path.display()))?;
        println!("\nHTML report with charts: {}", path.display());
    }
    Ok(())
}
