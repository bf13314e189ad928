//! GPS time to UTC.
//!
//! GPS time runs without leap seconds from 1980-01-06T00:00:00Z; UTC has been behind it by the
//! number of leap seconds inserted since. The table below lists each insertion; add a row when
//! the IERS announces a new one (Bulletin C). None has been announced after 2017-01-01.

/// Unix time of the GPS epoch, 1980-01-06T00:00:00Z.
const GPS_EPOCH_UNIX_S: i64 = 315_964_800;
const SECONDS_PER_WEEK: i64 = 604_800;

/// (Unix time at which the offset took effect, GPS - UTC in seconds from then on).
const LEAP_SECONDS: [(i64, i64); 18] = [
    (362_793_600, 1),    // 1981-07-01
    (394_329_600, 2),    // 1982-07-01
    (425_865_600, 3),    // 1983-07-01
    (489_024_000, 4),    // 1985-07-01
    (567_993_600, 5),    // 1988-01-01
    (631_152_000, 6),    // 1990-01-01
    (662_688_000, 7),    // 1991-01-01
    (709_948_800, 8),    // 1992-07-01
    (741_484_800, 9),    // 1993-07-01
    (773_020_800, 10),   // 1994-07-01
    (820_454_400, 11),   // 1996-01-01
    (867_715_200, 12),   // 1997-07-01
    (915_148_800, 13),   // 1999-01-01
    (1_136_073_600, 14), // 2006-01-01
    (1_230_768_000, 15), // 2009-01-01
    (1_341_100_800, 16), // 2012-07-01
    (1_435_708_800, 17), // 2015-07-01
    (1_483_228_800, 18), // 2017-01-01
];

/// GPS - UTC, in seconds, at a moment given as seconds since the GPS epoch.
pub fn leap_seconds_at(gps_seconds: i64) -> i64 {
    LEAP_SECONDS
        .iter()
        .rev()
        .find(|&&(unix, offset)| gps_seconds >= unix - GPS_EPOCH_UNIX_S + offset)
        .map_or(0, |&(_, offset)| offset)
}

/// UTC milliseconds since the Unix epoch for a GPS week and milliseconds into it. Unix time has no
/// room for a leap second itself: GPS times inside one map onto the second after it.
pub fn gps_to_unix_ms(week: u16, ms: u32) -> i64 {
    let gps_ms = i64::from(week) * SECONDS_PER_WEEK * 1000 + i64::from(ms);
    let leap = leap_seconds_at(gps_ms.div_euclid(1000));
    gps_ms + (GPS_EPOCH_UNIX_S - leap) * 1000
}

/// GPS week and milliseconds into it for UTC milliseconds since the Unix epoch (the inverse of
/// [`gps_to_unix_ms`], used by simulators and tests). Times before the GPS epoch give week 0.
pub fn unix_ms_to_gps(unix_ms: i64) -> (u16, u32) {
    let unix_s = unix_ms.div_euclid(1000);
    let leap = LEAP_SECONDS
        .iter()
        .rev()
        .find(|&&(from, _)| unix_s >= from)
        .map_or(0, |&(_, offset)| offset);
    let gps_ms = (unix_ms - GPS_EPOCH_UNIX_S * 1000 + leap * 1000).max(0);
    let week_ms = SECONDS_PER_WEEK * 1000;
    (u16::try_from(gps_ms / week_ms).unwrap_or(u16::MAX), (gps_ms % week_ms) as u32)
}

/// RFC 3339 text for UTC milliseconds since the Unix epoch: `2012-05-08T20:38:31.000Z`.
pub fn format_rfc3339_ms(unix_ms: i64) -> String {
    let (year, month, day, hour, minute, ms) = utc_fields(unix_ms);
    format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{:02}.{:03}Z",
        ms / 1000,
        ms % 1000
    )
}

/// UTC calendar fields of milliseconds since the Unix epoch: year, month, day, hour, minute and
/// milliseconds into the minute.
pub fn utc_fields(unix_ms: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (year, month, day) = civil_from_days(unix_ms.div_euclid(86_400_000));
    let ms_of_day = unix_ms.rem_euclid(86_400_000);
    let hour = (ms_of_day / 3_600_000) as u32;
    let minute = (ms_of_day / 60_000 % 60) as u32;
    (year, month, day, hour, minute, (ms_of_day % 60_000) as u32)
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gps_epoch_and_known_dates() {
        assert_eq!(format_rfc3339_ms(gps_to_unix_ms(0, 0)), "1980-01-06T00:00:00.000Z");
        // OneEach.ASC: week 1687, 419928 s, when GPS-UTC was 15 s (checked with Python datetime).
        assert_eq!(
            format_rfc3339_ms(gps_to_unix_ms(1687, 419_928_000)),
            "2012-05-10T20:38:33.000Z"
        );
        // BESTUTMBIN.GPS: week 2237, 270605 s in 2022, 18 s.
        assert_eq!(
            format_rfc3339_ms(gps_to_unix_ms(2237, 270_605_000)),
            "2022-11-23T03:09:47.000Z"
        );
    }

    #[test]
    fn offset_changes_exactly_at_the_2017_leap_second() {
        // 2017-01-01T00:00:00Z is GPS week 1930, day 0, 18 s.
        assert_eq!(gps_to_unix_ms(1930, 18_000), 1_483_228_800_000);
        assert_eq!(format_rfc3339_ms(gps_to_unix_ms(1930, 16_999)), "2016-12-31T23:59:59.999Z");
        assert_eq!(leap_seconds_at(1930 * SECONDS_PER_WEEK + 17), 17);
        assert_eq!(leap_seconds_at(1930 * SECONDS_PER_WEEK + 18), 18);
    }

    #[test]
    fn unix_to_gps_inverts() {
        for unix_ms in [
            0,
            315_964_800_000,
            1_336_509_513_000,
            1_483_228_799_000,
            1_483_228_800_000,
            1_667_358_587_123,
        ] {
            let (week, ms) = unix_ms_to_gps(unix_ms);
            assert_eq!(gps_to_unix_ms(week, ms), unix_ms.max(315_964_800_000), "{unix_ms}");
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
