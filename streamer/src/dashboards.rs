//! The Grafana panels' SQL (`sql/dashboards/`, one file per panel) and what Grafana's ClickHouse
//! plugin makes of it before ClickHouse sees it: the `receiver` variable and the plugin's macros
//! expanded. The dashboards test runs every panel this way after an end-to-end replay; a report
//! can run them without Grafana.
//!
//! Supported, with the plugin's (v4) expansions: `$__timeFilter(column)` (`column >=
//! toDateTime(from) AND column <= toDateTime(to)`), `$__fromTime` and `$__toTime`
//! (`toDateTime(seconds)`), `$__interval_s` (whole seconds, at least 1), and
//! `${receiver:singlequote}` (Grafana's format: each value quoted, `'` escaped as `\'`, joined by
//! commas). The plugin's other macros expand to `toStartOfInterval` or `DateTime64`, which
//! ClickHouse 18.16 lacks: they are errors here, as is any other variable.

use std::path::{Path, PathBuf};

/// One panel query of `sql/dashboards/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The file stem, e.g. `fix_type`.
    pub name: String,
    /// The panel's title, from the file's leading `-- title: ...` line.
    pub title: String,
    /// The file's text, which the panel's `rawSql` holds.
    pub sql: String,
}

/// What a dashboard user selected, as Grafana sends it: the range and interval the plugin's macros
/// expand to, and the receivers of the `receiver` variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// Start of the range, seconds since the Unix epoch.
    pub from_s: i64,
    /// End of the range, seconds since the Unix epoch.
    pub to_s: i64,
    /// The panel's interval (`$__interval_s`); the plugin never sends less than 1.
    pub interval_s: u32,
    /// The receivers selected in the `receiver` variable.
    pub receivers: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("cannot list the dashboard queries in {}", dir.display())]
    ReadDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the dashboard query {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: the first line must be `-- title: <panel title>`", path.display())]
    NoTitle { path: PathBuf },
    #[error(
        "unknown macro `$__{name}`: use $__timeFilter(column), $__fromTime, $__toTime or \
         $__interval_s (the plugin's others need a ClickHouse newer than 18.16)"
    )]
    UnknownMacro { name: String },
    #[error("`$__{name}` takes {expected} argument, not {given}: write `$__{name}(column)`")]
    Arguments { name: String, expected: usize, given: usize },
    #[error("the arguments of `$__{name}(` have no closing parenthesis")]
    Unclosed { name: String },
    #[error(
        "unknown variable `{text}`: the dashboards have one, written ${{receiver:singlequote}}"
    )]
    UnknownVariable { text: String },
}

/// The queries of `dir` (`*.sql`), sorted by name. Errors name the file and what to fix.
pub fn load(dir: &Path) -> Result<Vec<Query>, DashboardError> {
    let read_dir = |source| DashboardError::ReadDir { dir: dir.to_owned(), source };
    let mut queries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_dir)? {
        let path = entry.map_err(read_dir)?.path();
        if path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let sql = std::fs::read_to_string(&path)
            .map_err(|source| DashboardError::Read { path: path.clone(), source })?;
        let title = sql
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("-- title:"))
            .map(str::trim)
            .filter(|title| !title.is_empty())
            .ok_or_else(|| DashboardError::NoTitle { path: path.clone() })?
            .to_owned();
        let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        queries.push(Query { name, title, sql });
    }
    queries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(queries)
}

/// `sql` with every macro and variable expanded as Grafana's ClickHouse plugin does; an unknown
/// `$__macro` or `${variable}` is an error.
pub fn expand(sql: &str, selection: &Selection) -> Result<String, DashboardError> {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (expansion, used) = if let Some(after) = rest.strip_prefix("$__") {
            let name = &after[..word_len(after)];
            let (args, args_len) = macro_args(&after[name.len()..], name)?;
            (expand_macro(name, args, selection)?, 3 + name.len() + args_len)
        } else if rest.starts_with("${") {
            let len = rest.find('}').map_or(rest.len(), |end| end + 1);
            if &rest[..len] != "${receiver:singlequote}" {
                return Err(DashboardError::UnknownVariable { text: rest[..len].to_owned() });
            }
            (single_quote(&selection.receivers), len)
        } else if word_len(&rest[1..]) > 0 {
            let text = rest[..1 + word_len(&rest[1..])].to_owned();
            return Err(DashboardError::UnknownVariable { text });
        } else {
            ("$".to_owned(), 1)
        };
        out.push_str(&expansion);
        rest = &rest[used..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Length of the leading word (`[A-Za-z0-9_]`, a regular expression's `\w`).
fn word_len(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len())
}

/// A macro's arguments, as the plugin's parser (grafana/sqlds) reads them: a parenthesised list
/// right after the name, split at top-level commas, each trimmed. Returns them (`None` without
/// parentheses) and the length of the list.
fn macro_args<'a>(
    text: &'a str,
    name: &str,
) -> Result<(Option<Vec<&'a str>>, usize), DashboardError> {
    if !text.starts_with('(') {
        return Ok((None, 0));
    }
    let (mut depth, mut start, mut args) = (0, 1, Vec::new());
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ',' if depth == 1 => {
                args.push(text[start..i].trim());
                start = i + 1;
            }
            ')' => {
                depth -= 1;
                if depth == 0 {
                    args.push(text[start..i].trim());
                    return Ok((Some(args), i + 1));
                }
            }
            _ => {}
        }
    }
    Err(DashboardError::Unclosed { name: name.to_owned() })
}

/// The plugin's expansion of `$__<name>` (its `pkg/macros`); arguments of the macros that take
/// none are ignored, as there.
fn expand_macro(
    name: &str,
    args: Option<Vec<&str>>,
    selection: &Selection,
) -> Result<String, DashboardError> {
    let (from, to) = (selection.from_s, selection.to_s);
    Ok(match name {
        "fromTime" => format!("toDateTime({from})"),
        "toTime" => format!("toDateTime({to})"),
        "interval_s" => selection.interval_s.max(1).to_string(),
        "timeFilter" => match args.as_deref() {
            Some([column]) => {
                format!("{column} >= toDateTime({from}) AND {column} <= toDateTime({to})")
            }
            other => {
                let given = other.map_or(0, <[&str]>::len);
                return Err(DashboardError::Arguments {
                    name: name.to_owned(),
                    expected: 1,
                    given,
                });
            }
        },
        _ => return Err(DashboardError::UnknownMacro { name: name.to_owned() }),
    })
}

/// Grafana's `singlequote` format of a multi-value variable.
fn single_quote(values: &[String]) -> String {
    let quoted: Vec<String> =
        values.iter().map(|v| format!("'{}'", v.replace('\'', "\\'"))).collect();
    quoted.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection() -> Selection {
        Selection {
            from_s: 1_717_243_200,
            to_s: 1_717_243_350,
            interval_s: 30,
            receivers: vec!["sim-1".into(), "it's".into()],
        }
    }

    fn expanded(sql: &str) -> String {
        expand(sql, &selection()).unwrap()
    }

    #[test]
    fn macros_expand_as_the_plugin_expands_them() {
        assert_eq!(
            expanded("WHERE $__timeFilter(window_start)"),
            "WHERE window_start >= toDateTime(1717243200) AND window_start <= toDateTime(1717243350)"
        );
        assert_eq!(
            expanded("$__fromTime, $__toTime)"),
            "toDateTime(1717243200), toDateTime(1717243350))"
        );
        assert_eq!(expanded("intDiv(t, $__interval_s) * $__interval_s)"), "intDiv(t, 30) * 30)");
        // Arguments: parenthesised right after the name, nested parentheses kept, trimmed.
        assert_eq!(
            expanded("$__timeFilter( toDateTime(intDiv(ms, 1000)) )"),
            "toDateTime(intDiv(ms, 1000)) >= toDateTime(1717243200) \
             AND toDateTime(intDiv(ms, 1000)) <= toDateTime(1717243350)"
        );
        assert_eq!(expanded("$__fromTime (x)"), "toDateTime(1717243200) (x)");
        assert_eq!(expanded("$__fromTime(ignored)"), "toDateTime(1717243200)");
    }

    #[test]
    fn the_interval_is_at_least_one_second() {
        let selection = Selection { interval_s: 0, ..selection() };
        assert_eq!(expand("$__interval_s", &selection).unwrap(), "1");
    }

    #[test]
    fn receivers_are_single_quoted_as_grafana_formats_them() {
        assert_eq!(
            expanded("receiver IN (${receiver:singlequote})"),
            r"receiver IN ('sim-1','it\'s')"
        );
        let none = Selection { receivers: Vec::new(), ..selection() };
        assert_eq!(expand("IN (${receiver:singlequote})", &none).unwrap(), "IN ()");
    }

    #[test]
    fn text_without_macros_is_unchanged() {
        let sql = "SELECT '$', 'a$ b' -- title: x\nFROM t";
        assert_eq!(expanded(sql), sql);
    }

    #[test]
    fn unknown_macros_and_variables_are_errors() {
        let error = |sql| expand(sql, &selection()).unwrap_err().to_string();
        assert!(error("$__timeInterval(time)").starts_with("unknown macro `$__timeInterval`"));
        assert!(error("$__fromTime_ms").starts_with("unknown macro `$__fromTime_ms`"));
        assert!(error("$__timeFilter").contains("takes 1 argument, not 0"));
        assert!(error("$__timeFilter(a, b)").contains("takes 1 argument, not 2"));
        assert!(error("$__timeFilter(time").contains("no closing parenthesis"));
        assert!(error("IN (${receiver})").starts_with("unknown variable `${receiver}`"));
        assert!(error("IN ($receiver)").starts_with("unknown variable `$receiver`"));
        assert!(error("${station:singlequote}").starts_with("unknown variable `${station"));
    }

    #[test]
    fn load_reads_titles_and_sorts_by_name() {
        let dir = std::env::temp_dir().join(format!("dashboards-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("b.sql"), "-- title: Second\nSELECT 2").unwrap();
        std::fs::write(dir.join("a.sql"), "-- title:  First \nSELECT 1").unwrap();
        std::fs::write(dir.join("notes.md"), "not a query").unwrap();
        let queries = load(&dir).unwrap();
        let names: Vec<_> = queries.iter().map(|q| (q.name.as_str(), q.title.as_str())).collect();
        assert_eq!(names, [("a", "First"), ("b", "Second")]);
        assert_eq!(queries[0].sql, "-- title:  First \nSELECT 1");

        std::fs::write(dir.join("c.sql"), "SELECT 3").unwrap();
        let error = load(&dir).unwrap_err().to_string();
        assert!(
            error.ends_with("c.sql: the first line must be `-- title: <panel title>`"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
