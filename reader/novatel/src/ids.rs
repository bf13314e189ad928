//! Message names and ids of NovAtel logs (and the NMEA sentences NovAtel receivers emit), so that
//! binary logs get a name and text logs an id whether or not their body is decoded. Ids are from
//! NovAtel's OEM7 manual and NovAtel's own driver and decoder sources; ids that published sources
//! disagree on are left out.

use std::borrow::Cow;

macro_rules! message_ids {
    ($($name:ident = $id:literal),* $(,)?) => {
        /// The id of the message called `name`.
        pub fn id(name: &str) -> Option<u16> {
            match name {
                $( stringify!($name) => Some($id), )*
                _ => None,
            }
        }

        /// The name of message `id`.
        pub fn name(id: u16) -> Option<&'static str> {
            match id {
                $( $id => Some(stringify!($name)), )*
                _ => None,
            }
        }
    };
}

message_ids! {
    INTERFACEMODE = 3,
    LOGLIST = 5,
    GPSEPHEM = 7,
    IONUTC = 8,
    CLOCKMODEL = 16,
    RAWGPSSUBFRAME = 25,
    CLOCKSTEERING = 26,
    VERSION = 37,
    RAWEPHEM = 41,
    BESTPOS = 42,
    RANGE = 43,
    PSRPOS = 47,
    SATVIS = 48,
    PORTSTATS = 72,
    ALMANAC = 73,
    RAWALM = 74,
    TRACKSTAT = 83,
    SATSTAT = 84,
    RXSTATUS = 93,
    RXSTATUSEVENT = 94,
    MATCHEDPOS = 96,
    BESTVEL = 99,
    PSRVEL = 100,
    TIME = 101,
    RXCONFIG = 128,
    RANGECMP = 140,
    RTKPOS = 141,
    NAVIGATE = 161,
    AVEPOS = 172,
    PSRDOP = 174,
    REFSTATION = 175,
    MARKPOS = 181,
    RXHWLEVELS = 195,
    VALIDMODELS = 206,
    RTKVEL = 216,
    GPALM = 217,
    GPGGA = 218,
    GPGLL = 219,
    GPGRS = 220,
    GPGSA = 221,
    GPGST = 222,
    GPGSV = 223,
    GPRMB = 224,
    GPRMC = 225,
    GPVTG = 226,
    GPZDA = 227,
    MARKTIME = 231,
    PASSCOM1 = 233,
    PASSCOM2 = 234,
    PASSCOM3 = 235,
    BESTXYZ = 241,
    MATCHEDXYZ = 242,
    PSRXYZ = 243,
    RTKXYZ = 244,
    GPGGARTK = 259,
    INSATT = 263,
    INSCOV = 264,
    INSPOS = 265,
    INSSPD = 266,
    INSVEL = 267,
    RAWIMU = 268,
    RAWWAASFRAME = 287,
    INSATTS = 319,
    INSCOVS = 320,
    INSPOSS = 321,
    INSPOSSYNC = 322,
    INSSPDS = 323,
    INSVELS = 324,
    RAWIMUS = 325,
    BESTGPSPOS = 423,
    ADJUST1PPS = 429,
    PDPPOS = 469,
    PDPVEL = 470,
    PDPXYZ = 471,
    TIMESYNC = 492,
    BESTGPSVEL = 506,
    INSPVA = 507,
    INSPVAS = 508,
    GPGGALONG = 521,
    MARK2POS = 615,
    MARK2TIME = 616,
    RANGEGPSL1 = 631,
    VEHICLEBODYROTATION = 642,
    BESTLEVERARM = 674,
    BSLNXYZ = 686,
    GLOEPHEMERIS = 723,
    BESTUTM = 726,
    LBANDSTAT = 731,
    INSUTM = 756,
    INSUPDATE = 757,
    CORRIMUDATA = 812,
    CORRIMUDATAS = 813,
    RTKDOP = 952,
    HWMONITOR = 963,
    HEADING = 971,
    RAWSBASFRAME = 973,
    SATVIS2 = 1043,
    GPHDT = 1045,
    MARK1PVA = 1067,
    GALALMANAC = 1120,
    GALCLOCK = 1121,
    GALEPHEMERIS = 1122,
    GALIONO = 1127,
    CHANCONFIGLIST = 1148,
    PSRSATS = 1162,
    PSRDOP2 = 1163,
    RTKDOP2 = 1172,
    RTKSATS = 1174,
    MATCHEDSATS = 1176,
    BESTSATS = 1194,
    SERIALCONFIG = 1246,
    RANGECMP2 = 1273,
    GALINAVEPHEMERIS = 1309,
    GALFNAVEPHEMERIS = 1310,
    ALIGNBSLNXYZ = 1314,
    HEADINGSATS = 1316,
    QZSSRAWSUBFRAME = 1330,
    HEADING2 = 1335,
    QZSSEPHEMERIS = 1336,
    PASSTHROUGH = 1342,
    QZSSIONUTC = 1347,
    IMURATECORRIMUS = 1362,
    BESTGNSSPOS = 1429,
    BESTGNSSVEL = 1430,
    RELINSPVA = 1446,
    SATXYZ2 = 1451,
    RAWIMUX = 1461,
    RAWIMUSX = 1462,
    INSPVAX = 1465,
    PPPPOS = 1538,
    PPPSATS = 1541,
    BDSALMANAC = 1584,
    BDSIONO = 1590,
    BDSCLOCK = 1607,
    BDSRAWNAVSUBFRAME = 1695,
    BDSEPHEMERIS = 1696,
    TERRASTARINFO = 1719,
    TERRASTARSTATUS = 1729,
    RANGECMP3 = 1734,
    INSUPDATESTATUS = 1825,
    INSPVACMP = 1889,
    INSPVASDCMP = 1890,
    INSCONFIG = 1945,
    DUALANTENNAHEADING = 2042,
    RTKASSISTSTATUS = 2048,
    RANGECMP4 = 2050,
    INSSTDEV = 2051,
    ITDETECTSTATUS = 2065,
    NAVICEPHEMERIS = 2123,
    NAVICSYSCLOCK = 2125,
    CORRIMUS = 2264,
    RANGECMP5 = 2537,
}

/// The name of message `id`, or `ID<id>` for one not in the table.
pub fn name_or_id(id: u16) -> Cow<'static, str> {
    match name(id) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(format!("ID{id}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions() {
        assert_eq!(id("BESTPOS"), Some(42));
        assert_eq!(name(1465), Some("INSPVAX"));
        assert_eq!(name_or_id(65000), "ID65000");
        assert_eq!(id("NOTALOG"), None);
    }
}
