//! Satellite systems and RINEX 3 observation codes of NovAtel signals, as RTKLIB 2.4.3 b34
//! (`src/rcv/novatel.c`, `sig2code`) maps a channel tracking status's system and signal type.

use std::fmt;

/// A satellite system, in RINEX's letters. The order is the one the header's `SYS / # / OBS
/// TYPES` records and each epoch's satellites follow (RTKLIB's `GREJSCI`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum System {
    Gps,
    Glonass,
    Galileo,
    Qzss,
    Sbas,
    Beidou,
    Navic,
}

impl System {
    pub fn letter(self) -> char {
        match self {
            System::Gps => 'G',
            System::Glonass => 'R',
            System::Galileo => 'E',
            System::Qzss => 'J',
            System::Sbas => 'S',
            System::Beidou => 'C',
            System::Navic => 'I',
        }
    }

    /// The tracking status's satellite system field (bits 16-18).
    pub fn from_tracking(status: u32) -> Option<System> {
        Some(match (status >> 16) & 7 {
            0 => System::Gps,
            1 => System::Glonass,
            2 => System::Sbas,
            3 => System::Galileo,
            4 => System::Beidou,
            5 => System::Qzss,
            6 => System::Navic,
            _ => return None,
        })
    }

    /// Bands in the order RTKLIB gives them frequency indexes (`code2idx`): the order of the
    /// observation codes in the header.
    fn bands(self) -> &'static str {
        match self {
            System::Gps | System::Qzss | System::Sbas => "1256",
            System::Glonass => "14263",
            System::Galileo => "17568",
            System::Beidou => "27561",
            System::Navic => "59",
        }
    }

    /// Tracking modes of one band, most preferred first (RTKLIB's code priorities).
    fn priorities(self, band: char) -> &'static str {
        match (self, band) {
            (System::Gps, '1') => "CPYWMNSL",
            (System::Gps, '2') => "PYWCMNDLSX",
            (System::Glonass, '1' | '2') => "PC",
            (System::Galileo, '1') => "CABXZ",
            (System::Galileo, '6') => "ABCXZ",
            (System::Qzss, '1') => "CLSXZ",
            (System::Qzss, '2') => "SLX",
            (System::Qzss, '6') => "SLXEZ",
            (System::Beidou, '2' | '7' | '6') => "IQXD",
            (System::Beidou, '1' | '5') => "DPX",
            _ => "IQX",
        }
    }
}

/// A RINEX 3 observation code without its type letter: band digit and tracking mode (`1C`, `2W`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code(pub [u8; 2]);

impl Code {
    const fn new(code: &str) -> Code {
        let b = code.as_bytes();
        Code([b[0], b[1]])
    }

    pub fn band(self) -> char {
        char::from(self.0[0])
    }

    pub fn mode(self) -> char {
        char::from(self.0[1])
    }

    /// The header's order of the codes of one system: by band, then by RTKLIB's priority.
    pub fn sort_key(self, system: System) -> (usize, usize, [u8; 2]) {
        let band = system.bands().find(self.band()).unwrap_or(usize::MAX);
        let mode = system.priorities(self.band()).find(self.mode()).unwrap_or(usize::MAX);
        (band, mode, self.0)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.band(), self.mode())
    }
}

/// The observation code of a system's NovAtel signal type (tracking status bits 21-25); `None`
/// for signals RTKLIB does not convert.
pub fn signal_code(system: System, signal_type: u8) -> Option<Code> {
    let code = match (system, signal_type) {
        (System::Gps, 0) => "1C",  // L1 C/A
        (System::Gps, 5) => "2P",  // L2 P
        (System::Gps, 9) => "2W",  // L2 P(Y), semi-codeless
        (System::Gps, 14) => "5Q", // L5 Q
        (System::Gps, 16) => "1L", // L1C pilot
        (System::Gps, 17) => "2S", // L2C M
        (System::Glonass, 0) => "1C",
        (System::Glonass, 1) => "2C",
        (System::Glonass, 5) => "2P",
        (System::Glonass, 6) => "3Q",
        (System::Galileo, 2) => "1C",
        (System::Galileo, 6) => "6B",
        (System::Galileo, 7) => "6C",
        (System::Galileo, 12) => "5Q",
        (System::Galileo, 17) => "7Q",
        (System::Galileo, 20) => "8Q",
        (System::Qzss, 0) => "1C",
        (System::Qzss, 14) => "5Q",
        (System::Qzss, 16) => "1L",
        (System::Qzss, 17) => "2S",
        (System::Qzss, 27) => "6L",
        (System::Beidou, 0 | 4) => "2I", // B1I, D1 and D2 navigation data
        (System::Beidou, 1 | 5) => "7I", // B2I
        (System::Beidou, 2 | 6) => "6I", // B3I
        (System::Beidou, 7) => "1P",     // B1C pilot
        (System::Beidou, 9) => "5P",     // B2a pilot
        (System::Beidou, 11) => "7D",    // B2b I
        (System::Navic, 0) => "5A",
        (System::Sbas, 0) => "1C",
        (System::Sbas, 6) => "5I",
        _ => return None,
    };
    Some(Code::new(code))
}

/// QZSS L1 SAIF / L1S, which NovAtel reports as SBAS PRN 183-191 on L1 C/A.
pub const QZSS_L1S: Code = Code::new("1Z");

/// The RINEX satellite number of a NovAtel PRN, or `None` out of the system's range.
pub fn rinex_prn(system: System, prn: u16) -> Option<u16> {
    let valid = match system {
        System::Gps => (1..=32).contains(&prn),
        System::Glonass => (1..=27).contains(&prn),
        System::Galileo => (1..=36).contains(&prn),
        System::Qzss => (193..=202).contains(&prn),
        System::Sbas => (120..=158).contains(&prn),
        System::Beidou => (1..=63).contains(&prn),
        System::Navic => (1..=14).contains(&prn),
    };
    valid.then_some(match system {
        System::Qzss => prn - 192,
        System::Sbas => prn - 100,
        _ => prn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_the_fixture_signals() {
        // GPS L1 C/A and L2 P(Y) of test2_rcvr1.dat; GLONASS L1 C/A and L2 P.
        assert_eq!(signal_code(System::Gps, 0).unwrap().to_string(), "1C");
        assert_eq!(signal_code(System::Gps, 9).unwrap().to_string(), "2W");
        assert_eq!(signal_code(System::Glonass, 5).unwrap().to_string(), "2P");
        assert_eq!(signal_code(System::Gps, 3), None);
    }

    #[test]
    fn header_order_is_by_band_then_priority() {
        let mut codes = [Code::new("2W"), Code::new("1L"), Code::new("1C"), Code::new("5Q")];
        codes.sort_by_key(|c| c.sort_key(System::Gps));
        let names: Vec<String> = codes.iter().map(Code::to_string).collect();
        assert_eq!(names, ["1C", "1L", "2W", "5Q"]);
    }

    #[test]
    fn rinex_numbers() {
        assert_eq!(rinex_prn(System::Qzss, 193), Some(1));
        assert_eq!(rinex_prn(System::Sbas, 133), Some(33));
        assert_eq!(rinex_prn(System::Gps, 33), None);
    }
}
