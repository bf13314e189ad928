//! Retention: how long rows are kept, per class of table: the raw tables, the aggregates' 1 s
//! windows and their 1 min windows (`--retention-raw`, `--retention-aggregates-1s`,
//! `--retention-aggregates-1m`). Every table is partitioned by the day (or month) its rows were
//! written (`ingested`), so what expires goes whole, by parts or partitions:
//!
//! - on current ClickHouse, each table gets a TTL on `ingested` (per window for the aggregates),
//!   set at start when it differs from the settings; ClickHouse drops what expires in its merges;
//! - on 18.16, which has no TTL, the streamer drops the partitions that have expired, at start and
//!   every hour, and deletes the aggregates' 1 s rows that have (a mutation) when they are kept
//!   less long than the 1 min rows they share partitions with.
//!
//! Retention counts from when a row was written: an archive replayed today is kept as long as
//! today's data.

use std::str::FromStr;

use novatel::time::utc_fields;
use tracing::info;

use crate::aggregate::RESOLUTION;
use crate::sink::{Dialect, Sink, SinkError};

/// How long a class of rows is kept: whole days, or forever (`off`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keep(pub Option<u32>);

impl FromStr for Keep {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text == "off" {
            return Ok(Keep(None));
        }
        let duration = humantime::parse_duration(text)
            .map_err(|e| format!("{e}; write e.g. 30d, 2years or off (kept forever)"))?;
        // Partitions are days: less than one would drop today's rows; more is rounded up.
        if duration.as_secs() < 86_400 {
            return Err("must be at least a day (1d), or off".into());
        }
        u32::try_from(duration.as_secs().div_ceil(86_400))
            .map(|days| Keep(Some(days)))
            .map_err(|_| "too long: write off to keep rows forever".into())
    }
}

/// The retention of each class of rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    pub raw: Keep,
    /// The aggregates' 1 s windows (`resolution_s` 1).
    pub seconds: Keep,
    /// The aggregates' 1 min windows (`resolution_s` 60).
    pub minutes: Keep,
}

/// What kind of rows a table holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Raw,
    /// An aggregate target: windows of 1 s and 1 min.
    Aggregate,
}

impl Retention {
    /// The TTL a table of `class` is to have on current ClickHouse, written as ClickHouse shows it
    /// in `system.tables.engine_full`; `None` for none.
    pub fn ttl(&self, class: Class) -> Option<String> {
        let rule = |days: u32| format!("ingested + toIntervalDay({days})");
        match class {
            Class::Raw => self.raw.0.map(rule),
            Class::Aggregate => {
                let rules: Vec<String> = [(1, self.seconds), (60, self.minutes)]
                    .into_iter()
                    .filter_map(|(resolution, keep)| {
                        Some(format!("{} WHERE {RESOLUTION} = {resolution}", rule(keep.0?)))
                    })
                    .collect();
                (!rules.is_empty()).then(|| rules.join(", "))
            }
        }
    }

    /// How long whole partitions of a table of `class` are kept on 18.16, which drops them: for
    /// an aggregate, as long as its longest-kept window (its 1 s rows, when they are kept less
    /// long, are deleted by [`Retention::seconds_expire_first`]).
    pub fn partitions(&self, class: Class) -> Keep {
        match class {
            Class::Raw => self.raw,
            Class::Aggregate => match (self.seconds.0, self.minutes.0) {
                (Some(s), Some(m)) => Keep(Some(s.max(m))),
                _ => Keep(None),
            },
        }
    }

    /// The days after which an aggregate's 1 s rows are deleted on 18.16 before their partition
    /// expires, if they are.
    pub fn seconds_expire_first(&self) -> Option<u32> {
        match (self.seconds.0, self.minutes.0) {
            (Some(s), Some(m)) if s < m => Some(s),
            (Some(s), None) => Some(s),
            _ => None,
        }
    }
}

/// The TTL clause of a table's `engine_full`, if it has one.
pub fn current_ttl(engine_full: &str) -> Option<&str> {
    let start = engine_full.find(" TTL ")? + " TTL ".len();
    let rest = &engine_full[start..];
    Some(rest[..rest.find(" SETTINGS ").unwrap_or(rest.len())].trim())
}

/// The partitions (their ids: `YYYYMMDD` or `YYYYMM` of `ingested`) whose every row was written
/// more than `days` days before `now_ms`.
pub fn expired(partitions: &[String], days: u32, now_ms: i64) -> Vec<String> {
    let (year, month, day, ..) = utc_fields(now_ms - i64::from(days) * 86_400_000);
    let cutoff = year * 10_000 + i64::from(month) * 100 + i64::from(day);
    partitions
        .iter()
        .filter(|id| match (id.len(), id.parse::<i64>()) {
            (8, Ok(date)) => date < cutoff,
            (6, Ok(month)) => month < cutoff / 100,
            _ => false,
        })
        .cloned()
        .collect()
}

/// Sets or enforces the retention of `tables` (name and class), as the server's version allows.
pub async fn enforce(
    sink: &Sink,
    tables: &[(String, Class)],
    retention: &Retention,
    now_ms: i64,
) -> Result<(), SinkError> {
    for (table, class) in tables {
        match sink.dialect() {
            Dialect::Current => {
                let wanted = retention.ttl(*class);
                let engine = sink.engine_full(table).await?;
                if current_ttl(&engine) == wanted.as_deref() {
                    continue;
                }
                let alter = match &wanted {
                    Some(ttl) => format!("ALTER TABLE {table} MODIFY TTL {ttl}"),
                    None => format!("ALTER TABLE {table} REMOVE TTL"),
                };
                info!(table, ttl = wanted.as_deref().unwrap_or("none"), "retention set");
                sink.execute(&alter).await?;
            }
            Dialect::Legacy => {
                if let Keep(Some(days)) = retention.partitions(*class) {
                    let partitions = sink.partitions(table).await?;
                    for partition in expired(&partitions, days, now_ms) {
                        info!(table, partition, days, "dropping an expired partition");
                        sink.execute(&format!("ALTER TABLE {table} DROP PARTITION {partition}"))
                            .await?;
                    }
                }
                if let (Class::Aggregate, Some(days)) = (class, retention.seconds_expire_first()) {
                    let expired_rows = format!(
                        "{RESOLUTION} = 1 AND ingested < toDateTime({}) ",
                        now_ms / 1000 - i64::from(days) * 86_400
                    );
                    if sink
                        .count(&format!("SELECT count() FROM {table} WHERE {expired_rows}"))
                        .await?
                        > 0
                    {
                        info!(table, days, "deleting expired 1 s windows");
                        sink.execute(&format!("ALTER TABLE {table} DELETE WHERE {expired_rows}"))
                            .await?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(text: &str) -> Keep {
        text.parse().unwrap()
    }

    #[test]
    fn retention_is_whole_days_or_off() {
        assert_eq!(keep("30d"), Keep(Some(30)));
        assert_eq!(keep("2years"), Keep(Some(731)));
        assert_eq!(keep("36h"), Keep(Some(2)));
        assert_eq!(keep("off"), Keep(None));
        assert!("1h".parse::<Keep>().is_err());
        assert!("soon".parse::<Keep>().is_err());
    }

    #[test]
    fn ttls_as_clickhouse_shows_them() {
        let retention = Retention { raw: keep("30d"), seconds: keep("90d"), minutes: keep("730d") };
        assert_eq!(retention.ttl(Class::Raw).unwrap(), "ingested + toIntervalDay(30)");
        assert_eq!(
            retention.ttl(Class::Aggregate).unwrap(),
            "ingested + toIntervalDay(90) WHERE resolution_s = 1, \
             ingested + toIntervalDay(730) WHERE resolution_s = 60"
        );
        let forever = Retention { raw: keep("off"), seconds: keep("off"), minutes: keep("off") };
        assert_eq!((forever.ttl(Class::Raw), forever.ttl(Class::Aggregate)), (None, None));
        let engine = "MergeTree PARTITION BY toYYYYMMDD(ingested) ORDER BY receiver TTL ingested + \
                      toIntervalDay(30) SETTINGS ttl_only_drop_parts = 1, index_granularity = 8192";
        assert_eq!(current_ttl(engine), Some("ingested + toIntervalDay(30)"));
        assert_eq!(
            current_ttl("MergeTree ORDER BY receiver SETTINGS index_granularity = 8192"),
            None
        );
    }

    #[test]
    fn on_legacy_whole_partitions_expire_and_1s_rows_first() {
        // 2024-06-10T12:00:00Z, 7 days: every row written before 2024-06-03 has expired.
        let now_ms = 1_718_020_800_000;
        let partitions: Vec<String> =
            ["20240601", "20240602", "20240603", "20240610", "202405", "202406", "tuple()"]
                .map(String::from)
                .into();
        assert_eq!(expired(&partitions, 7, now_ms), ["20240601", "20240602", "202405"]);
        let retention = Retention { raw: keep("7d"), seconds: keep("90d"), minutes: keep("730d") };
        assert_eq!(retention.partitions(Class::Aggregate), Keep(Some(730)));
        assert_eq!(retention.seconds_expire_first(), Some(90));
        let one_minute_forever = Retention { minutes: keep("off"), ..retention };
        assert_eq!(one_minute_forever.partitions(Class::Aggregate), Keep(None));
        assert_eq!(one_minute_forever.seconds_expire_first(), Some(90));
    }
}
