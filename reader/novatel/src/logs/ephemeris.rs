//! Broadcast ephemerides, ionosphere/UTC parameters and raw navigation data: GPSEPHEM, IONUTC,
//! GLOEPHEMERIS, RAWEPHEM, BDSEPHEMERIS, GALINAVEPHEMERIS, GALFNAVEPHEMERIS, QZSSEPHEMERIS and
//! QZSSIONUTC (which has IONUTC's layout, so it decodes to [`IonUtc`]); GALIONO, GALCLOCK,
//! BDSIONO, BDSCLOCK and RAWSBASFRAME.
//!
//! Units are those NovAtel prints. Unlike RINEX and the broadcast messages themselves, NovAtel's
//! decoded ephemerides give every angle in radians (not semicircles). GPSEPHEM and QZSSEPHEMERIS
//! give the semi-major axis `a` in metres; BDSEPHEMERIS, GALINAVEPHEMERIS and GALFNAVEPHEMERIS
//! give its square root `root_a` in m^½.

use serde::{Serialize, Serializer};

use crate::enums::Bool;
use crate::error::FieldError;
use crate::field::{BinReader, Field, TextReader, log_struct};

log_struct! {
    /// GPSEPHEM (7): one GPS L1 C/A ephemeris, decoded and scaled.
    pub struct GpsEphemeris {
        /// Satellite PRN.
        pub prn: u32,
        /// Time stamp of subframe 1, GPS seconds of week.
        pub tow: f64,
        /// Six-bit health code from subframe 1.
        pub health: u32,
        /// Issue of data, ephemeris, from subframe 2.
        pub iode1: u32,
        /// Issue of data, ephemeris, from subframe 3.
        pub iode2: u32,
        /// GPS week of `toe` (full week number).
        pub week: u32,
        /// Z-count week number: the week of subframe 1's transmission time.
        pub z_week: u32,
        /// Reference time of ephemeris, s of week.
        pub toe: f64,
        /// Semi-major axis, m (not its square root).
        pub a: f64,
        /// Mean motion difference from the computed value, rad/s.
        pub delta_n: f64,
        /// Mean anomaly at `toe`, rad.
        pub m0: f64,
        /// Eccentricity (dimensionless).
        pub ecc: f64,
        /// Argument of perigee, rad.
        pub omega: f64,
        /// Cosine harmonic correction to the argument of latitude, rad.
        pub cuc: f64,
        /// Sine harmonic correction to the argument of latitude, rad.
        pub cus: f64,
        /// Cosine harmonic correction to the orbit radius, m.
        pub crc: f64,
        /// Sine harmonic correction to the orbit radius, m.
        pub crs: f64,
        /// Cosine harmonic correction to the inclination, rad.
        pub cic: f64,
        /// Sine harmonic correction to the inclination, rad.
        pub cis: f64,
        /// Inclination at `toe`, rad.
        pub i0: f64,
        /// Rate of inclination, rad/s.
        pub i_dot: f64,
        /// Longitude of the ascending node at the start of the GPS week, rad.
        pub omega0: f64,
        /// Rate of right ascension, rad/s.
        pub omega_dot: f64,
        /// Issue of data, clock.
        pub iodc: u32,
        /// Reference time of clock, s of week.
        pub toc: f64,
        /// Group delay difference (L1-L2 timing), s.
        pub tgd: f64,
        /// Clock bias, s.
        pub af0: f64,
        /// Clock drift, s/s.
        pub af1: f64,
        /// Clock drift rate, s/s².
        pub af2: f64,
        /// Anti-spoofing on.
        pub anti_spoofing: Bool,
        /// Corrected mean motion, rad/s.
        pub n: f64,
        /// User range accuracy variance, m².
        pub ura: f64,
    }
}

log_struct! {
    /// IONUTC (8): GPS Klobuchar ionosphere parameters and GPS-UTC parameters.
    pub struct IonUtc {
        /// Klobuchar alpha 0, s.
        pub a0: f64,
        /// Klobuchar alpha 1, s/semicircle.
        pub a1: f64,
        /// Klobuchar alpha 2, s/semicircle².
        pub a2: f64,
        /// Klobuchar alpha 3, s/semicircle³.
        pub a3: f64,
        /// Klobuchar beta 0, s.
        pub b0: f64,
        /// Klobuchar beta 1, s/semicircle.
        pub b1: f64,
        /// Klobuchar beta 2, s/semicircle².
        pub b2: f64,
        /// Klobuchar beta 3, s/semicircle³.
        pub b3: f64,
        /// UTC reference week (full GPS week).
        pub utc_wn: u32,
        /// Reference time of the UTC parameters, s of week.
        pub tot: u32,
        /// UTC polynomial constant term (the manual's `A0`), s.
        pub utc_a0: f64,
        /// UTC polynomial first-order term (the manual's `A1`), s/s.
        pub utc_a1: f64,
        /// Week of the future leap second.
        pub wn_lsf: u32,
        /// Day of the future leap second (1 = Sunday ... 7 = Saturday).
        pub dn: u32,
        /// Current leap seconds (GPS - UTC), s.
        pub deltat_ls: i32,
        /// Leap seconds after the future leap second, s.
        pub deltat_lsf: i32,
        /// Reserved.
        pub reserved: u32,
    }
}

log_struct! {
    /// GLOEPHEMERIS (723): one GLONASS L1 C/A ephemeris (PZ-90 frame).
    pub struct GloEphemeris {
        /// Slot number + 37 (the PRN NovAtel uses for GLONASS).
        pub sloto: u16,
        /// Frequency channel + 7 (0 to 20).
        pub freqo: u16,
        /// Satellite type (0 GLONASS, 1 GLONASS-M, 2 GLONASS-K).
        pub sat_type: u8,
        /// Reserved in the manual; NovAtel's decoder database calls it a "false IOD" that marks
        /// ephemeris changes (the manual's examples print 1 and 255).
        pub reserved1: u8,
        /// GPS week of the ephemeris reference time.
        pub e_week: u16,
        /// Ephemeris reference time, GPS ms of week.
        pub e_time: u32,
        /// Integer seconds between GPS and GLONASS time (GPS - GLONASS), s.
        pub t_offset: u32,
        /// Day number within the four-year interval starting with a leap year.
        pub nt: u16,
        /// Reserved.
        pub reserved2: u8,
        /// Reserved.
        pub reserved3: u8,
        /// Issue of the ephemeris: the 15-minute interval of the reference time (tb).
        pub issue: u32,
        /// Health (Bn and ln bits).
        pub health: u32,
        /// X position, m (PZ-90).
        pub pos_x: f64,
        /// Y position, m.
        pub pos_y: f64,
        /// Z position, m.
        pub pos_z: f64,
        /// X velocity, m/s.
        pub vel_x: f64,
        /// Y velocity, m/s.
        pub vel_y: f64,
        /// Z velocity, m/s.
        pub vel_z: f64,
        /// X lunisolar acceleration, m/s².
        pub ls_acc_x: f64,
        /// Y lunisolar acceleration, m/s².
        pub ls_acc_y: f64,
        /// Z lunisolar acceleration, m/s².
        pub ls_acc_z: f64,
        /// Correction to the satellite time relative to GLONASS time, s (RINEX stores -tau_n as
        /// the clock bias).
        pub tau_n: f64,
        /// Time difference between the L2 and L1 signals, s.
        pub delta_tau_n: f64,
        /// Relative frequency offset (gamma_n), dimensionless.
        pub gamma: f64,
        /// Time of frame start since the start of the GLONASS day, s.
        pub tk: u32,
        /// Technological parameter P.
        pub p: u32,
        /// User range accuracy index (Ft).
        pub ft: u32,
        /// Age of the data (En), days.
        pub age: u32,
        /// Information flags (P1 to P4).
        pub flags: u32,
    }
}

log_struct! {
    /// RAWEPHEM (41): GPS L1 C/A subframes 1 to 3 with parity removed (30 bytes each).
    pub struct RawEphem {
        /// Satellite PRN.
        pub prn: u32,
        /// Ephemeris reference week.
        pub ref_week: u32,
        /// Ephemeris reference time, s of week.
        pub ref_secs: u32,
        pub subframe1: HexBytes<30>,
        pub subframe2: HexBytes<30>,
        pub subframe3: HexBytes<30>,
    }
}

log_struct! {
    /// BDSEPHEMERIS (1696): one BeiDou B1I (D1/D2) ephemeris, decoded and scaled.
    pub struct BdsEphemeris {
        /// BeiDou satellite ID (PRN).
        pub satellite_id: u32,
        /// BeiDou week of `toe`.
        pub week: u32,
        /// User range accuracy, m (the nominal value of the URA index).
        pub ura: f64,
        /// Autonomous satellite health flag (SatH1).
        pub health1: u32,
        /// B1 equipment group delay (TGD1), s.
        pub tgd1: f64,
        /// B2 equipment group delay (TGD2), s.
        pub tgd2: f64,
        /// Age of data, clock.
        pub aodc: u32,
        /// Reference time of clock, BDT s of week.
        pub toc: u32,
        /// Clock bias, s.
        pub a0: f64,
        /// Clock drift, s/s.
        pub a1: f64,
        /// Clock drift rate, s/s².
        pub a2: f64,
        /// Age of data, ephemeris.
        pub aode: u32,
        /// Reference time of ephemeris, BDT s of week.
        pub toe: u32,
        /// Square root of the semi-major axis, m^½.
        pub root_a: f64,
        /// Eccentricity (dimensionless).
        pub ecc: f64,
        /// Argument of perigee, rad.
        pub omega: f64,
        /// Mean motion difference, rad/s.
        pub delta_n: f64,
        /// Mean anomaly at `toe`, rad.
        pub m0: f64,
        /// Longitude of the ascending node at the start of the week, rad.
        pub omega0: f64,
        /// Rate of right ascension, rad/s.
        pub omega_dot: f64,
        /// Inclination at `toe`, rad.
        pub i0: f64,
        /// Rate of inclination, rad/s.
        pub idot: f64,
        /// Cosine harmonic correction to the argument of latitude, rad.
        pub cuc: f64,
        /// Sine harmonic correction to the argument of latitude, rad.
        pub cus: f64,
        /// Cosine harmonic correction to the orbit radius, m.
        pub crc: f64,
        /// Sine harmonic correction to the orbit radius, m.
        pub crs: f64,
        /// Cosine harmonic correction to the inclination, rad.
        pub cic: f64,
        /// Sine harmonic correction to the inclination, rad.
        pub cis: f64,
    }
}

log_struct! {
    /// What Galileo's I/NAV and F/NAV ephemerides share, in wire order: the orbit, a clock set
    /// and the E1/E5a broadcast group delay (radians; `root_a` = sqrt(A), as broadcast).
    pub struct GalileoOrbit {
        /// Mean anomaly at `toe`, rad.
        pub m0: f64,
        /// Mean motion difference from the computed value, rad/s.
        pub delta_n: f64,
        /// Eccentricity (dimensionless).
        pub ecc: f64,
        /// Square root of the semi-major axis, m^½.
        pub root_a: f64,
        /// Inclination at `toe`, rad.
        pub i0: f64,
        /// Rate of inclination, rad/s.
        pub i_dot: f64,
        /// Longitude of the ascending node at the start of the week, rad.
        pub omega0: f64,
        /// Argument of perigee, rad.
        pub omega: f64,
        /// Rate of right ascension, rad/s.
        pub omega_dot: f64,
        /// Cosine harmonic correction to the argument of latitude, rad.
        pub cuc: f64,
        /// Sine harmonic correction to the argument of latitude, rad.
        pub cus: f64,
        /// Cosine harmonic correction to the orbit radius, m.
        pub crc: f64,
        /// Sine harmonic correction to the orbit radius, m.
        pub crs: f64,
        /// Cosine harmonic correction to the inclination, rad.
        pub cic: f64,
        /// Sine harmonic correction to the inclination, rad.
        pub cis: f64,
        /// Clock bias, s (of the message's clock set).
        pub af0: f64,
        /// Clock drift, s/s.
        pub af1: f64,
        /// Clock drift rate, s/s².
        pub af2: f64,
        /// E1/E5a broadcast group delay, s.
        pub bgd_e1_e5a: f64,
    }
}

log_struct! {
    /// GALINAVEPHEMERIS (1309): one Galileo I/NAV (E1-B/E5b) ephemeris, decoded and scaled.
    ///
    /// Angles are in radians (not semicircles) and `root_a` is the square root of the
    /// semi-major axis, as broadcast (unlike GPSEPHEM's `a`). Field widths from NovAtel's
    /// decoder database (novatel_edie `database.json`, GALINAVEPHEMERIS definition 56297).
    pub struct GalInavEphemeris {
        /// Galileo satellite ID (SVID, 1 to 36).
        pub satellite_id: u32,
        /// E5b signal health status (E5bHS, 2 bits).
        pub e5b_health: u8,
        /// E5b data validity status (E5bDVS).
        pub e5b_dvs: u8,
        /// Reserved.
        pub reserved1: u8,
        /// Reserved.
        pub reserved2: u8,
        /// E1-B signal health status (E1BHS, 2 bits).
        pub e1b_health: u8,
        /// E1-B data validity status (E1BDVS).
        pub e1b_dvs: u8,
        /// Reserved.
        pub reserved3: u8,
        /// Reserved.
        pub reserved4: u8,
        /// Issue of data of the navigation batch (IODnav).
        pub iodnav: u16,
        /// Signal-in-space accuracy index (SISA index, not metres).
        pub sisa_index: u8,
        /// Signals the data was decoded from: E1-B, E5b or both (NovAtel's "signal type"; the
        /// manual's examples print 3).
        pub source: u8,
        /// Reference time of ephemeris, GST s of week.
        pub toe: u32,
        /// Reference time of clock, GST s of week.
        pub toc: u32,
        /// The orbit, the I/NAV clock set (E1/E5b) and the E1/E5a group delay.
        #[serde(flatten)]
        pub orbit: GalileoOrbit,
        /// E1/E5b broadcast group delay, s.
        pub bgd_e1_e5b: f64,
    }
}

log_struct! {
    /// GALFNAVEPHEMERIS (1310): one Galileo F/NAV (E5a) ephemeris, decoded and scaled.
    ///
    /// Same units and names as [`GalInavEphemeris`] (radians, `root_a` = sqrt(A)); F/NAV has
    /// E5a health and the E1/E5a clock set only. Field widths from novatel_edie `database.json`
    /// (GALFNAVEPHEMERIS definition 717).
    pub struct GalFnavEphemeris {
        /// Galileo satellite ID (SVID, 1 to 36).
        pub satellite_id: u32,
        /// E5a signal health status (E5aHS, 2 bits).
        pub e5a_health: u8,
        /// E5a data validity status (E5aDVS).
        pub e5a_dvs: u8,
        /// Reserved.
        pub reserved1: u8,
        /// Reserved.
        pub reserved2: u8,
        /// Issue of data of the navigation batch (IODnav).
        pub iodnav: u16,
        /// Signal-in-space accuracy index (SISA index, not metres).
        pub sisa_index: u8,
        /// Reserved.
        pub reserved3: u8,
        /// Reference time of ephemeris, GST s of week.
        pub toe: u32,
        /// Reference time of clock, GST s of week.
        pub toc: u32,
        /// The orbit, the F/NAV clock set (E1/E5a) and the E1/E5a group delay.
        #[serde(flatten)]
        pub orbit: GalileoOrbit,
    }
}

log_struct! {
    /// QZSSEPHEMERIS (1336): one QZSS L1 C/A ephemeris, decoded and scaled.
    ///
    /// GPSEPHEM's layout and units (radians; `a` is the semi-major axis in metres, not its
    /// square root) followed by the fit interval flag and three reserved bytes. Field widths
    /// from novatel_edie `database.json` (QZSSEPHEMERIS definition 46605).
    pub struct QzssEphemeris {
        /// The GPSEPHEM fields, QZSS PRNs (193 and up) and GPS weeks and seconds.
        #[serde(flatten)]
        pub ephemeris: GpsEphemeris,
        /// Curve fit interval flag (subframe 2).
        pub fit_interval: u8,
        /// Reserved.
        pub reserved1: u8,
        /// Reserved.
        pub reserved2: u8,
        /// Reserved.
        pub reserved3: u8,
    }
}

log_struct! {
    /// RAWSBASFRAME (973): one raw SBAS frame (226 bits of preamble, message type and data,
    /// padded, without the CRC). Layout of NovAtel's decoder database (definition 22756).
    pub struct RawSbasFrame {
        /// Frame decoder number (an `Int` in the database).
        pub decoder: i32,
        /// SBAS satellite PRN.
        pub prn: u32,
        /// SBAS message type.
        pub message_id: u32,
        pub data: HexBytes<29>,
        /// Signal channel the frame was decoded on.
        pub signal_channel: u32,
    }
}

log_struct! {
    /// GALIONO (1127): Galileo NeQuick G ionosphere parameters and storm flags.
    pub struct GalIono {
        /// Effective ionisation level, 1st order parameter, sfu.
        pub ai0: f64,
        /// Effective ionisation level, 2nd order parameter, sfu/degree.
        pub ai1: f64,
        /// Effective ionisation level, 3rd order parameter, sfu/degree².
        pub ai2: f64,
        /// Ionospheric disturbance flags for regions 1 to 5.
        pub sf1: u8,
        pub sf2: u8,
        pub sf3: u8,
        pub sf4: u8,
        pub sf5: u8,
    }
}

log_struct! {
    /// GALCLOCK (1121): Galileo GST-UTC and GST-GPS time conversion parameters.
    pub struct GalClock {
        /// GST-UTC constant term, s.
        pub a0: f64,
        /// GST-UTC rate, s/s.
        pub a1: f64,
        /// Leap seconds before the new leap second, s.
        pub delta_tls: i32,
        /// UTC reference time, s of week.
        pub tot: u32,
        /// UTC reference week.
        pub wnt: u32,
        /// Week of the new leap second.
        pub wnlsf: u32,
        /// Day of the new leap second.
        pub dn: u32,
        /// Leap seconds after the new leap second, s.
        pub delta_tlsf: i32,
        /// GST-GPS constant term, s.
        pub a0g: f64,
        /// GST-GPS rate, s/s.
        pub a1g: f64,
        /// GGTO reference time, s of week.
        pub t0g: u32,
        /// GGTO reference week.
        pub wn0g: u32,
    }
}

log_struct! {
    /// BDSIONO (1590): BeiDou Klobuchar ionosphere parameters.
    pub struct BdsIono {
        /// Satellite that transmitted the parameters.
        pub prn: u32,
        /// Alpha 0, s.
        pub alpha0: f64,
        pub alpha1: f64,
        pub alpha2: f64,
        pub alpha3: f64,
        /// Beta 0, s.
        pub beta0: f64,
        pub beta1: f64,
        pub beta2: f64,
        pub beta3: f64,
    }
}

log_struct! {
    /// BDSCLOCK (1607): BeiDou time (BDT) offsets to UTC, GPS, Galileo and GLONASS time.
    pub struct BdsClock {
        /// BDT clock bias relative to UTC, s.
        pub a0_utc: f64,
        /// BDT clock rate relative to UTC, s/s.
        pub a1_utc: f64,
        /// Leap seconds before the new leap second, s.
        pub delta_tls: i16,
        /// Week of the new leap second (BDT).
        pub wnlsf: u16,
        /// Day of the new leap second.
        pub dn: u16,
        /// Leap seconds after the new leap second, s.
        pub delta_tlsf: i16,
        pub a0_gps: f64,
        pub a1_gps: f64,
        pub a0_gal: f64,
        pub a1_gal: f64,
        pub a0_glo: f64,
        pub a1_glo: f64,
    }
}

/// A fixed number of raw bytes (`Hex[N]`): N bytes in binary, 2N hexadecimal digits in text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HexBytes<const N: usize>(pub [u8; N]);

impl<const N: usize> Default for HexBytes<N> {
    fn default() -> Self {
        HexBytes([0; N])
    }
}

impl<const N: usize> HexBytes<N> {
    /// Lower-case hexadecimal, as OEM7 receivers print it.
    pub fn to_hex(&self) -> String {
        use std::fmt::Write;
        self.0.iter().fold(String::with_capacity(2 * N), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

impl<const N: usize> std::fmt::Debug for HexBytes<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl<const N: usize> Serialize for HexBytes<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<const N: usize> Field for HexBytes<N> {
    const BINARY_LEN: usize = N;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        Ok(HexBytes(r.take()?))
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let token = r.token()?;
        let digits = token.as_bytes();
        if digits.len() != 2 * N {
            return Err(r.invalid(token, "a fixed number of hexadecimal digits"));
        }
        let mut out = [0; N];
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let text = std::str::from_utf8(pair).ok();
            *byte = text
                .and_then(|t| u8::from_str_radix(t, 16).ok())
                .ok_or_else(|| r.invalid(token, "hexadecimal digits"))?;
        }
        Ok(HexBytes(out))
    }
}

#[cfg(test)]
impl<const N: usize> proptest::arbitrary::Arbitrary for HexBytes<N> {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with((): ()) -> Self::Strategy {
        use proptest::strategy::Strategy;
        proptest::collection::vec(proptest::num::u8::ANY, N)
            .prop_map(|bytes| {
                let mut out = [0; N];
                out.copy_from_slice(&bytes);
                HexBytes(out)
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_bytes_text_and_binary() {
        let mut r = TextReader::ascii(b"00ff7A,0g,abc").unwrap();
        let bytes = HexBytes::<3>::read_text(&mut r).unwrap();
        assert_eq!(bytes, HexBytes([0x00, 0xff, 0x7a]));
        assert_eq!(bytes.to_hex(), "00ff7a");
        assert!(HexBytes::<1>::read_text(&mut r).is_err());
        assert!(HexBytes::<2>::read_text(&mut r).is_err());
        let mut out = Vec::new();
        bytes.write_binary(&mut out);
        assert_eq!(HexBytes::<3>::read_binary(&mut BinReader::new(&out)).unwrap(), bytes);
    }

    #[test]
    fn binary_lengths_match_the_manual() {
        assert_eq!(GpsEphemeris::BINARY_LEN, 224);
        assert_eq!(IonUtc::BINARY_LEN, 108);
        assert_eq!(GloEphemeris::BINARY_LEN, 144);
        assert_eq!(RawEphem::BINARY_LEN, 102);
        assert_eq!(BdsEphemeris::BINARY_LEN, 196);
        assert_eq!(GalInavEphemeris::BINARY_LEN, 184);
        assert_eq!(GalFnavEphemeris::BINARY_LEN, 172);
        assert_eq!(QzssEphemeris::BINARY_LEN, 228);
        assert_eq!(RawSbasFrame::BINARY_LEN, 45);
        assert_eq!(GalIono::BINARY_LEN, 29);
        assert_eq!(GalClock::BINARY_LEN, 64);
        assert_eq!(BdsIono::BINARY_LEN, 68);
        assert_eq!(BdsClock::BINARY_LEN, 72);
    }
}
