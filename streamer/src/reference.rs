//! Each receiver's reference point: its first computed BESTPOS. Position aggregates measure east,
//! north and up offsets from it, so it must stay the same across batches, restarts and streamers:
//! it is stored in ClickHouse's `receivers` table the first time a receiver is seen and read back
//! at start and at each new assignment of partitions (another streamer may have recorded the
//! points of the receivers it brings).

use std::collections::HashMap;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Float64Type, Int64Type, UInt32Type};
use datafusion::arrow::error::ArrowError;

use crate::tables::{ReceiversBuilder, ReferenceRow};

/// A reference point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub hgt_m: f64,
    /// Time of the solution it was taken from.
    pub time_ms: i64,
}

/// The reference points known, by receiver.
#[derive(Clone, Debug, Default)]
pub struct References {
    points: HashMap<String, Point>,
}

impl References {
    pub fn new(points: impl IntoIterator<Item = (String, Point)>) -> Self {
        References { points: points.into_iter().collect() }
    }

    /// How many receivers have a reference point.
    pub fn count(&self) -> usize {
        self.points.len()
    }

    /// The first computed BESTPOS of each receiver of `positions` (a batch of the `positions`
    /// table) that has no reference point yet.
    pub fn discover(&self, positions: &RecordBatch) -> Vec<(String, Point)> {
        let column = |name: &str| positions.column_by_name(name);
        let (Some(receiver), Some(log), Some(status), Some(lat), Some(lon), Some(hgt), Some(time)) = (
            column("receiver").and_then(|c| c.as_string_opt::<i32>()),
            column("log").and_then(|c| c.as_string_opt::<i32>()),
            column("sol_status").and_then(|c| c.as_primitive_opt::<UInt32Type>()),
            column("lat_deg").and_then(|c| c.as_primitive_opt::<Float64Type>()),
            column("lon_deg").and_then(|c| c.as_primitive_opt::<Float64Type>()),
            column("hgt_m").and_then(|c| c.as_primitive_opt::<Float64Type>()),
            column("time_ms").and_then(|c| c.as_primitive_opt::<Int64Type>()),
        ) else {
            return Vec::new();
        };
        let mut found: Vec<(String, Point)> = Vec::new();
        for i in 0..positions.num_rows() {
            let name = receiver.value(i);
            if log.value(i) != "BESTPOS"
                || status.value(i) != 0
                || self.points.contains_key(name)
                || found.iter().any(|(r, _)| r == name)
            {
                continue;
            }
            let point = Point {
                lat_deg: lat.value(i),
                lon_deg: lon.value(i),
                hgt_m: hgt.value(i),
                time_ms: time.value(i),
            };
            found.push((name.to_owned(), point));
        }
        found
    }

    pub fn extend(&mut self, points: impl IntoIterator<Item = (String, Point)>) {
        self.points.extend(points);
    }

    /// Takes in the points read from ClickHouse again ([`crate::sink::Sink::reference_points`]:
    /// receiver, latitude, longitude, height, time). They replace those known of the same
    /// receivers: ClickHouse keeps each receiver's earliest, which another streamer may have
    /// recorded. A point recorded here that the read does not return (a replica behind) is kept.
    pub fn refresh(&mut self, rows: Vec<(String, f64, f64, f64, i64)>) {
        self.extend(rows.into_iter().map(|(receiver, lat_deg, lon_deg, hgt_m, time_ms)| {
            (receiver, Point { lat_deg, lon_deg, hgt_m, time_ms })
        }));
    }

    /// The points as a batch of the `receivers` table, with `more` (not yet added) after them.
    pub fn batch(&self, more: &[(String, Point)]) -> Result<RecordBatch, ArrowError> {
        let mut builder = ReceiversBuilder::default();
        for (receiver, p) in self.points.iter().chain(more.iter().map(|(r, p)| (r, p))) {
            builder.push(&ReferenceRow {
                receiver,
                ref_lat_deg: p.lat_deg,
                ref_lon_deg: p.lon_deg,
                ref_hgt_m: p.hgt_m,
                first_time_ms: p.time_ms,
                _lifetime: std::marker::PhantomData,
            });
        }
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(time_ms: i64) -> Point {
        Point { lat_deg: 51.0, lon_deg: -114.0, hgt_m: 1000.0, time_ms }
    }

    #[test]
    fn points_read_again_replace_those_known_and_the_others_stay() {
        // Recorded here: `a` later than another streamer did, `b` not yet readable.
        let mut references =
            References::new([("a".to_owned(), point(2000)), ("b".to_owned(), point(3000))]);
        references.refresh(vec![
            ("a".to_owned(), 51.5, -114.5, 1001.0, 1000),
            ("c".to_owned(), 52.0, -115.0, 900.0, 500),
        ]);
        assert_eq!(references.count(), 3);
        let a = Point { lat_deg: 51.5, lon_deg: -114.5, hgt_m: 1001.0, time_ms: 1000 };
        assert_eq!(references.points["a"], a, "ClickHouse's earliest");
        assert_eq!(references.points["b"], point(3000));
        assert_eq!(references.points["c"].time_ms, 500);
    }
}
