//! A query result as text cells, fetched as ClickHouse's `TSVWithNames`, and shown as a text or an
//! HTML table.

use std::fmt::Write as _;

use clickhouse::Client;

use super::ReportError;

/// Column names and rows of text cells.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Cells wider than this are cut in text output.
const MAX_CELL: usize = 40;

impl Table {
    /// Runs `sql` (named `name` in errors) and reads its result.
    pub async fn fetch(client: &Client, name: &str, sql: &str) -> Result<Self, ReportError> {
        let sql = sql.trim_end().trim_end_matches(';');
        let failed = |error: clickhouse::error::Error| ReportError::Query {
            name: name.to_owned(),
            message: error.to_string(),
        };
        let bytes = client.query(sql).fetch_bytes("TSVWithNames").map_err(failed)?;
        let bytes = { bytes }.collect().await.map_err(failed)?;
        Ok(Self::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// Parses `TSVWithNames`: a line of names, then a line per row, fields escaped.
    fn parse(text: &str) -> Self {
        let mut lines = text.lines().map(|line| line.split('\t').map(unescape).collect());
        Table { columns: lines.next().unwrap_or_default(), rows: lines.collect() }
    }

    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Aligned text columns, at most `max_rows` rows and a line saying how many were left out.
    pub fn to_text(&self, max_rows: usize) -> String {
        let cells = |row: &[String]| -> Vec<String> { row.iter().map(|c| display(c)).collect() };
        let shown: Vec<Vec<String>> = self.rows.iter().take(max_rows).map(|r| cells(r)).collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &shown {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |row: &[String]| {
            let fields: Vec<String> =
                row.iter().zip(&widths).map(|(cell, &w)| format!("{cell:<w$}")).collect();
            let _ = writeln!(out, "  {}", fields.join("  ").trim_end());
        };
        line(&self.columns);
        for row in &shown {
            line(row);
        }
        if let Some(note) = self.footnote(max_rows) {
            let _ = writeln!(out, "  ({note})");
        }
        out
    }

    /// An HTML table, at most `max_rows` rows.
    pub fn to_html(&self, max_rows: usize) -> String {
        let mut out = String::from("<table><tr>");
        for column in &self.columns {
            let _ = write!(out, "<th>{}</th>", escape_html(column));
        }
        out.push_str("</tr>\n");
        for row in self.rows.iter().take(max_rows) {
            out.push_str("<tr>");
            for cell in row {
                let _ = write!(out, "<td>{}</td>", escape_html(&display(cell)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
        if let Some(note) = self.footnote(max_rows) {
            let _ = writeln!(out, "<p class=\"note\">{note}</p>");
        }
        out
    }

    /// What follows the table cut at `max_rows`: that it is empty, or how many rows it leaves out.
    fn footnote(&self, max_rows: usize) -> Option<String> {
        match self.rows.len() {
            0 => Some("no rows".to_owned()),
            n if n == max_rows + 1 => Some("1 more row".to_owned()),
            n if n > max_rows => Some(format!("{} more rows", n - max_rows)),
            _ => None,
        }
    }
}

/// A cell as shown: decimals beyond the seventh rounded off (a tenth of a metre in latitude), long
/// text cut.
fn display(cell: &str) -> String {
    if let Some((_, decimals)) = cell.split_once('.')
        && decimals.len() > 7
        && let Ok(x) = cell.parse::<f64>()
    {
        return format!("{x:.7}").trim_end_matches('0').to_owned();
    }
    if cell.chars().count() > MAX_CELL {
        let cut: String = cell.chars().take(MAX_CELL - 1).collect();
        return cut + "…";
    }
    cell.to_owned()
}

/// Undoes the escaping of a TSV field (`\t`, `\n`, `\\` and the like).
fn unescape(field: &str) -> String {
    if !field.contains('\\') {
        return field.to_owned();
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

pub(super) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_with_names_is_read_with_its_escapes() {
        let table = Table::parse("log\tnote\nBESTPOS\ta\\tb\\\\c\\nd\nRANGE\t\n");
        assert_eq!(table.columns, ["log", "note"]);
        assert_eq!(table.rows, [vec!["BESTPOS", "a\tb\\c\nd"], vec!["RANGE", ""]]);
    }

    #[test]
    fn text_tables_align_round_and_count_what_they_leave_out() {
        let table = Table {
            columns: vec!["receiver".into(), "lat".into()],
            rows: vec![
                vec!["a".into(), "32.595359126224196".into()],
                vec!["bb".into(), "1.5".into()],
                vec!["c".into(), "2".into()],
            ],
        };
        assert_eq!(
            table.to_text(2),
            "  receiver  lat\n  a         32.5953591\n  bb        1.5\n  (1 more row)\n"
        );
        assert!(
            Table { columns: vec!["x".into()], rows: vec![] }.to_text(5).ends_with("(no rows)\n")
        );
    }

    #[test]
    fn html_cells_are_escaped() {
        let table = Table { columns: vec!["a<b".into()], rows: vec![vec!["x&y".into()]] };
        assert!(table.to_html(10).contains("<th>a&lt;b</th>"));
        assert!(table.to_html(10).contains("<td>x&amp;y</td>"));
    }
}
