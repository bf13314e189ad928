//! Times of the export: GPS time as RINEX writes it, the range asked for (UTC, as the pipeline's
//! tables keep time), and the header lines' layout.

use std::fmt::Write as _;

const MS_PER_WEEK: i64 = 604_800_000;

/// A time of GPS time, milliseconds since 1980-01-06T00:00:00 (no leap seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GpsTime(pub i64);

impl GpsTime {
    pub fn from_ms(ms: i64) -> Self {
        GpsTime(ms)
    }

    pub fn from_week_ms(week: u16, ms: u32) -> Self {
        GpsTime(i64::from(week) * MS_PER_WEEK + i64::from(ms))
    }

    /// From UTC milliseconds since the Unix epoch (ClickHouse's `time_ms`).
    pub fn from_unix_ms(unix_ms: i64) -> Self {
        let (week, ms) = novatel::time::unix_ms_to_gps(unix_ms);
        Self::from_week_ms(week, ms)
    }

    pub fn week_ms(self) -> (u16, u32) {
        (
            u16::try_from(self.0.div_euclid(MS_PER_WEEK)).unwrap_or(u16::MAX),
            self.0.rem_euclid(MS_PER_WEEK) as u32,
        )
    }

    /// UTC milliseconds since the Unix epoch, as the pipeline's tables store time.
    pub fn unix_ms(self) -> i64 {
        let (week, ms) = self.week_ms();
        novatel::time::gps_to_unix_ms(week, ms)
    }

    pub fn seconds_since(self, earlier: GpsTime) -> f64 {
        (self.0 - earlier.0) as f64 / 1000.0
    }

    /// Year, month, day, hour, minute and milliseconds into the minute, of GPS time's calendar.
    pub fn calendar(self) -> (i64, u32, u32, u32, u32, u32) {
        // Unix time's calendar, without leap seconds from the GPS epoch, 1980-01-06.
        novatel::time::utc_fields(315_964_800_000 + self.0)
    }
}

/// Appends one 80-column header line: 60 columns of content, then the label.
pub(crate) fn header_line(out: &mut String, content: &str, label: &str) {
    let _ = writeln!(out, "{content:<60.60}{label:<20}");
}

/// The export's time range, UTC milliseconds since the Unix epoch: `from` included, `to` not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from_unix_ms: Option<i64>,
    pub to_unix_ms: Option<i64>,
}

impl TimeRange {
    pub fn contains(&self, time: GpsTime) -> bool {
        let unix = time.unix_ms();
        self.from_unix_ms.is_none_or(|from| unix >= from)
            && self.to_unix_ms.is_none_or(|to| unix < to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gps_calendar() {
        // test2_rcvr1.dat's first RANGECMP: week 1761, 2013-10-09 16:04:48 GPS time.
        let t = GpsTime::from_week_ms(1761, 3 * 86_400_000 + 16 * 3_600_000 + 4 * 60_000 + 48_000);
        assert_eq!(t.calendar(), (2013, 10, 9, 16, 4, 48_000));
        assert_eq!(GpsTime::from_unix_ms(t.unix_ms()), t);
        assert_eq!(GpsTime(0).calendar(), (1980, 1, 6, 0, 0, 0));
    }
}
