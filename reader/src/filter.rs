//! Which logs are produced: include and exclude lists of log names.

use std::collections::BTreeSet;
use std::fmt;

/// Logs to produce. With an include list only those logs pass; the exclude list is applied after
/// it. Names are NovAtel log names without format suffix (`BESTPOS`, not `BESTPOSB`), or NMEA
/// addresses (`GPGGA`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogFilter {
    include: Option<BTreeSet<String>>,
    exclude: BTreeSet<String>,
}

impl LogFilter {
    /// A filter from the two lists; names are matched case-insensitively, and the `A`/`B` suffix
    /// users often type (`BESTPOSB`) is not stripped: name logs as NovAtel's manual does.
    pub fn new(include: Option<Vec<String>>, exclude: Vec<String>) -> Self {
        let normalise = |names: Vec<String>| -> BTreeSet<String> {
            names
                .into_iter()
                .map(|n| n.trim().to_ascii_uppercase())
                .filter(|n| !n.is_empty())
                .collect()
        };
        LogFilter { include: include.map(normalise), exclude: normalise(exclude) }
    }

    /// Whether the log called `name` is produced.
    pub fn allows(&self, name: &str) -> bool {
        self.include.as_ref().is_none_or(|names| names.contains(name))
            && !self.exclude.contains(name)
    }

    /// Whether every log passes (no lists).
    pub fn is_open(&self) -> bool {
        self.include.is_none() && self.exclude.is_empty()
    }
}

impl fmt::Display for LogFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |names: &BTreeSet<String>| names.iter().cloned().collect::<Vec<_>>().join(",");
        match &self.include {
            Some(names) => write!(f, "include [{}]", list(names))?,
            None => write!(f, "include all")?,
        }
        if !self.exclude.is_empty() {
            write!(f, ", exclude [{}]", list(&self.exclude))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn include_then_exclude() {
        let open = LogFilter::default();
        assert!(open.is_open() && open.allows("RANGE"));
        let some = LogFilter::new(Some(names(&["bestpos", " RANGECMP "])), vec![]);
        assert!(some.allows("BESTPOS") && some.allows("RANGECMP") && !some.allows("RANGE"));
        let not_range = LogFilter::new(None, names(&["RANGE"]));
        assert!(not_range.allows("BESTPOS") && !not_range.allows("RANGE"));
        let both = LogFilter::new(Some(names(&["BESTPOS", "RANGE"])), names(&["RANGE"]));
        assert!(both.allows("BESTPOS") && !both.allows("RANGE"));
        assert_eq!(both.to_string(), "include [BESTPOS,RANGE], exclude [RANGE]");
    }
}
