//! What `gnss-report` shows of a ClickHouse database the streamer writes, for a user without
//! Grafana: summary tables (`sql/report/summary_*.sql`), a sky plot (`sql/report/sky_*.sql`) and
//! charts (`sql/report/chart_*.sql`) per receiver, and the result of every dashboard panel's
//! query (`sql/dashboards/`), with Grafana's macros expanded over the time range of the data
//! ([`crate::dashboards::expand`]). As text on a terminal, or as one HTML page with SVG charts.

mod chart;
mod sky;
mod table;

use std::fmt::Write as _;
use std::path::Path;

use clickhouse::Client;
use thiserror::Error;

use crate::dashboards::{self, DashboardError, Selection};
pub use table::Table;

/// Why a report could not be made.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error(transparent)]
    Dashboard(#[from] DashboardError),
    #[error(
        "ClickHouse failed the query {name}: {message}; check --clickhouse-url and \
         --clickhouse-database, and that the streamer has created the tables"
    )]
    Query { name: String, message: String },
    #[error(
        "the database holds no frames with a GPS time yet: run the streamer (and a reader) first, \
         or choose the database with --clickhouse-database"
    )]
    Empty,
    #[error("chart query {name}: {reason}")]
    Chart { name: String, reason: String },
    #[error("no query {name} in the dashboards/ or report/ directories of --sql-dir")]
    NoQuery { name: String },
}

/// Roughly how many points a time series gets: the interval is the range over this.
const POINTS: i64 = 500;

/// The time range of a database's data, and its receivers.
struct Range {
    receivers: Vec<String>,
    /// Each receiver with frames with a GPS time: its first and last, Unix seconds.
    timed: Vec<(String, i64, i64)>,
    /// Frames without a GPS time.
    untimed: i64,
    from_s: i64,
    to_s: i64,
}

impl Range {
    async fn of(client: &Client) -> Result<Self, ReportError> {
        // Per receiver: its first and last frame with a GPS time, and how many frames it has
        // with and without one. Frames without (console replies: GPS week 0, stored as
        // 1980-01-06) have no place in a time range and would stretch it back to 1980.
        let ranges = Table::fetch(
            client,
            "receivers",
            "SELECT receiver, toUInt32(minIf(time, gps_week > 0)), \
             toUInt32(maxIf(time, gps_week > 0)), countIf(gps_week > 0), countIf(gps_week = 0) \
             FROM frames GROUP BY receiver ORDER BY receiver",
        )
        .await?;
        let number = |cell: &str| cell.parse::<i64>().unwrap_or(0);
        let receivers: Vec<String> = ranges.rows.iter().map(|row| row[0].clone()).collect();
        let untimed = ranges.rows.iter().map(|row| number(&row[4])).sum();
        let timed: Vec<(String, i64, i64)> = ranges
            .rows
            .iter()
            .filter(|row| number(&row[3]) > 0)
            .map(|row| (row[0].clone(), number(&row[1]), number(&row[2])))
            .collect();
        let from_s = timed.iter().map(|r| r.1).min().ok_or(ReportError::Empty)?;
        let to_s = timed.iter().map(|r| r.2).max().unwrap_or(from_s);
        Ok(Range { receivers, timed, untimed, from_s, to_s })
    }
}

/// The SQL of the dashboard or report query `name` (a file stem of `sql_dir`'s `dashboards/` or
/// `report/`), expanded as Grafana would over the whole of the data and every receiver, at
/// `interval_s` (by default, as the report chooses: about 500 points).
pub async fn expanded_query(
    client: &Client,
    sql_dir: &Path,
    name: &str,
    interval_s: Option<u32>,
) -> Result<String, ReportError> {
    let mut queries = dashboards::load(&sql_dir.join("dashboards"))?;
    queries.extend(dashboards::load(&sql_dir.join("report"))?);
    let query = queries
        .into_iter()
        .find(|q| q.name == name)
        .ok_or_else(|| ReportError::NoQuery { name: name.to_owned() })?;
    let range = Range::of(client).await?;
    let mut all = selection(range.from_s, range.to_s, range.receivers);
    if let Some(interval_s) = interval_s {
        all.interval_s = interval_s;
    }
    Ok(dashboards::expand(&query.sql, &all)?)
}

/// A query's title, file stem and result.
#[derive(Debug)]
pub struct Section {
    pub name: String,
    pub title: String,
    pub table: Table,
}

/// A receiver's charts, as SVG documents, and what it lacks to draw the others.
#[derive(Debug)]
pub struct Charts {
    pub receiver: String,
    pub svgs: Vec<String>,
    pub notes: Vec<String>,
}

/// Everything the report shows.
#[derive(Debug)]
pub struct Report {
    /// The range of the frames with a GPS time, in Unix seconds, the last second included.
    pub from_s: i64,
    pub to_s: i64,
    /// Frames without a GPS time (console replies), outside every range.
    pub untimed: i64,
    pub receivers: Vec<String>,
    pub summary: Vec<Section>,
    pub charts: Vec<Charts>,
    pub panels: Vec<Section>,
}

impl Report {
    /// Queries ClickHouse (the database `client` is set to) with the SQL of `sql_dir`. Charts
    /// are drawn for the first `max_receivers` receivers.
    pub async fn build(
        client: &Client,
        sql_dir: &Path,
        max_receivers: usize,
    ) -> Result<Self, ReportError> {
        let Range { receivers, timed, untimed, from_s, to_s } = Range::of(client).await?;
        let all = selection(from_s, to_s, receivers.clone());

        let reports = dashboards::load(&sql_dir.join("report"))?;
        let (sky_queries, reports): (Vec<_>, Vec<_>) =
            reports.into_iter().partition(|q| q.name.starts_with("sky_"));
        let (chart_queries, summary_queries): (Vec<_>, Vec<_>) =
            reports.into_iter().partition(|q| q.name.starts_with("chart_"));
        let summary = sections(client, &summary_queries, &all).await?;
        let panels =
            sections(client, &dashboards::load(&sql_dir.join("dashboards"))?, &all).await?;

        let mut charts = Vec::new();
        for (receiver, from_s, to_s) in timed.into_iter().take(max_receivers) {
            let own = selection(from_s, to_s, vec![receiver.clone()]);
            let (mut svgs, mut notes) = (Vec::new(), Vec::new());
            for query in &sky_queries {
                let table =
                    Table::fetch(client, &query.name, &dashboards::expand(&query.sql, &own)?)
                        .await?;
                match sky::svg(&query.title, &table)
                    .map_err(|reason| ReportError::Chart { name: query.name.clone(), reason })?
                {
                    Some(svg) => svgs.push(svg),
                    None => notes.push(format!(
                        "No sky plot: {receiver} logged no SATVIS2 with a satellite above the \
                         horizon in its range. Log SATVIS2 on the receiver (e.g. LOG SATVIS2 \
                         ONTIME 60) to see where its satellites are."
                    )),
                }
            }
            for query in &chart_queries {
                let table =
                    Table::fetch(client, &query.name, &dashboards::expand(&query.sql, &own)?)
                        .await?;
                let chart = chart::svg(&query.title, &table)
                    .map_err(|reason| ReportError::Chart { name: query.name.clone(), reason })?;
                svgs.extend(chart);
            }
            if !svgs.is_empty() || !notes.is_empty() {
                charts.push(Charts { receiver, svgs, notes });
            }
        }
        Ok(Report { from_s, to_s, untimed, receivers, summary, charts, panels })
    }

    /// The receivers and the range, and what lies outside it.
    fn headline(&self) -> String {
        let mut line = format!(
            "{} receivers, {} to {}",
            self.receivers.len(),
            utc(self.from_s),
            utc(self.to_s)
        );
        if self.untimed > 0 {
            let _ = write!(
                line,
                " (GPS time); {} frames without a GPS time (such as console replies) are counted with \
                 the logs but lie outside the range",
                self.untimed
            );
        }
        line
    }

    /// The summary and every panel's result, each cut at `max_rows` rows.
    pub fn to_text(&self, max_rows: usize) -> String {
        let mut out = format!("{}\n", self.headline());
        for section in &self.summary {
            let _ = write!(out, "\n{}\n{}", section.title, section.table.to_text(max_rows));
        }
        let _ = writeln!(out, "\nDashboard queries (sql/dashboards/), over the whole range");
        for section in &self.panels {
            let _ = write!(
                out,
                "\n{} ({}.sql)\n{}",
                section.title,
                section.name,
                section.table.to_text(max_rows)
            );
        }
        out
    }

    /// One self-contained HTML page: the summary, the charts of each receiver, every panel.
    pub fn to_html(&self, max_rows: usize) -> String {
        let mut out = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>gnss-pipe report</title>\n\
             <style>{STYLE}</style></head><body>\n<h1>gnss-pipe report</h1>\n\
             <p>{}</p>\n",
            esc(&self.headline())
        );
        for section in &self.summary {
            let _ = write!(
                out,
                "<h2>{}</h2>\n{}",
                esc(&section.title),
                section.table.to_html(max_rows)
            );
        }
        for charts in &self.charts {
            let _ = writeln!(
                out,
                "<h2>Receiver {}</h2>\n<div class=\"charts\">",
                esc(&charts.receiver)
            );
            for svg in &charts.svgs {
                let _ = writeln!(out, "{svg}");
            }
            out.push_str("</div>\n");
            for note in &charts.notes {
                let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(note));
            }
        }
        out.push_str("<h2>Dashboard queries</h2>\n");
        for section in &self.panels {
            let _ = write!(
                out,
                "<h3>{} <small>{}.sql</small></h3>\n{}",
                esc(&section.title),
                esc(&section.name),
                section.table.to_html(max_rows)
            );
        }
        out.push_str("</body></html>\n");
        out
    }
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222}\
    table{border-collapse:collapse;margin-bottom:1em;font-size:13px}\
    th,td{border:1px solid #ccc;padding:2px 6px;text-align:left}th{background:#f3f3f3}\
    .charts{display:flex;flex-wrap:wrap;gap:8px}.note{color:#777;font-size:12px}\
    small{color:#777;font-weight:normal}";

fn esc(text: &str) -> String {
    table::escape_html(text)
}

/// The dashboards' selection for a range: an interval giving about [`POINTS`] points.
fn selection(from_s: i64, to_s: i64, receivers: Vec<String>) -> Selection {
    let interval_s = ((to_s - from_s) / POINTS).max(1);
    Selection {
        from_s,
        to_s: to_s + 1,
        interval_s: u32::try_from(interval_s).unwrap_or(u32::MAX),
        receivers,
    }
}

async fn sections(
    client: &Client,
    queries: &[dashboards::Query],
    selection: &Selection,
) -> Result<Vec<Section>, ReportError> {
    let mut sections = Vec::with_capacity(queries.len());
    for query in queries {
        let table =
            Table::fetch(client, &query.name, &dashboards::expand(&query.sql, selection)?).await?;
        sections.push(Section { name: query.name.clone(), title: query.title.clone(), table });
    }
    Ok(sections)
}

fn utc(seconds: i64) -> String {
    novatel::time::format_rfc3339_ms(seconds * 1000)
}
