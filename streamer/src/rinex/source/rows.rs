//! The rows of the navigation tables, each turned back into the log it was made from.

use novatel::enums::Bool;
use novatel::logs::{
    BdsEphemeris, GalFnavEphemeris, GalInavEphemeris, GalileoOrbit, GloEphemeris, GpsEphemeris,
    IonUtc,
};
use serde::Deserialize;

/// One row of `gps_ephemerides`: a GPSEPHEM log as the streamer stored it, field for field.
#[derive(Clone, Debug, clickhouse::Row, Deserialize)]
pub(super) struct GpsEphemerisRow {
    pub(super) time_ms: i64,
    pub(super) prn: u32,
    pub(super) tow: f64,
    pub(super) health: u32,
    pub(super) iode1: u32,
    pub(super) iode2: u32,
    pub(super) week: u32,
    pub(super) z_week: u32,
    pub(super) toe: f64,
    pub(super) a: f64,
    pub(super) delta_n: f64,
    pub(super) m0: f64,
    pub(super) ecc: f64,
    pub(super) omega: f64,
    pub(super) cuc: f64,
    pub(super) cus: f64,
    pub(super) crc: f64,
    pub(super) crs: f64,
    pub(super) cic: f64,
    pub(super) cis: f64,
    pub(super) i0: f64,
    pub(super) i_dot: f64,
    pub(super) omega0: f64,
    pub(super) omega_dot: f64,
    pub(super) iodc: u32,
    pub(super) toc: f64,
    pub(super) tgd: f64,
    pub(super) af0: f64,
    pub(super) af1: f64,
    pub(super) af2: f64,
    pub(super) anti_spoofing: u32,
    pub(super) n: f64,
    pub(super) ura: f64,
    pub(super) qzss: u8,
    pub(super) fit_interval: u8,
}

impl GpsEphemerisRow {
    /// The log the row was made from, so that it converts as a recording's log does.
    pub(super) fn log(&self) -> GpsEphemeris {
        GpsEphemeris {
            prn: self.prn,
            tow: self.tow,
            health: self.health,
            iode1: self.iode1,
            iode2: self.iode2,
            week: self.week,
            z_week: self.z_week,
            toe: self.toe,
            a: self.a,
            delta_n: self.delta_n,
            m0: self.m0,
            ecc: self.ecc,
            omega: self.omega,
            cuc: self.cuc,
            cus: self.cus,
            crc: self.crc,
            crs: self.crs,
            cic: self.cic,
            cis: self.cis,
            i0: self.i0,
            i_dot: self.i_dot,
            omega0: self.omega0,
            omega_dot: self.omega_dot,
            iodc: self.iodc,
            toc: self.toc,
            tgd: self.tgd,
            af0: self.af0,
            af1: self.af1,
            af2: self.af2,
            anti_spoofing: Bool(self.anti_spoofing),
            n: self.n,
            ura: self.ura,
        }
    }
}

/// One row of `glonass_ephemerides`: a GLOEPHEMERIS log (its reserved fields not stored).
#[derive(Clone, Debug, clickhouse::Row, Deserialize)]
pub(super) struct GloEphemerisRow {
    pub(super) time_ms: i64,
    pub(super) sloto: u16,
    pub(super) freqo: u16,
    pub(super) sat_type: u8,
    pub(super) e_week: u16,
    pub(super) e_time: u32,
    pub(super) t_offset: u32,
    pub(super) nt: u16,
    pub(super) issue: u32,
    pub(super) health: u32,
    pub(super) pos_x: f64,
    pub(super) pos_y: f64,
    pub(super) pos_z: f64,
    pub(super) vel_x: f64,
    pub(super) vel_y: f64,
    pub(super) vel_z: f64,
    pub(super) ls_acc_x: f64,
    pub(super) ls_acc_y: f64,
    pub(super) ls_acc_z: f64,
    pub(super) tau_n: f64,
    pub(super) delta_tau_n: f64,
    pub(super) gamma: f64,
    pub(super) tk: u32,
    pub(super) p: u32,
    pub(super) ft: u32,
    pub(super) age: u32,
    pub(super) flags: u32,
}

impl GloEphemerisRow {
    pub(super) const COLUMNS: &str = "time_ms, sloto, freqo, sat_type, e_week, e_time, t_offset, nt, issue, \
        health, pos_x, pos_y, pos_z, vel_x, vel_y, vel_z, ls_acc_x, ls_acc_y, ls_acc_z, tau_n, \
        delta_tau_n, gamma, tk, p, ft, age, flags";

    /// The log the row was made from (reserved fields 0: the conversion does not read them).
    pub(super) fn log(&self) -> GloEphemeris {
        GloEphemeris {
            sloto: self.sloto,
            freqo: self.freqo,
            sat_type: self.sat_type,
            reserved1: 0,
            e_week: self.e_week,
            e_time: self.e_time,
            t_offset: self.t_offset,
            nt: self.nt,
            reserved2: 0,
            reserved3: 0,
            issue: self.issue,
            health: self.health,
            pos_x: self.pos_x,
            pos_y: self.pos_y,
            pos_z: self.pos_z,
            vel_x: self.vel_x,
            vel_y: self.vel_y,
            vel_z: self.vel_z,
            ls_acc_x: self.ls_acc_x,
            ls_acc_y: self.ls_acc_y,
            ls_acc_z: self.ls_acc_z,
            tau_n: self.tau_n,
            delta_tau_n: self.delta_tau_n,
            gamma: self.gamma,
            tk: self.tk,
            p: self.p,
            ft: self.ft,
            age: self.age,
            flags: self.flags,
        }
    }
}

/// One row of `galileo_ephemerides`: a GALINAVEPHEMERIS or GALFNAVEPHEMERIS log (`fnav`).
#[derive(Clone, Debug, clickhouse::Row, Deserialize)]
pub(super) struct GalEphemerisRow {
    pub(super) time_ms: i64,
    pub(super) fnav: u8,
    pub(super) satellite_id: u32,
    pub(super) e1b_health: u8,
    pub(super) e1b_dvs: u8,
    pub(super) e5b_health: u8,
    pub(super) e5b_dvs: u8,
    pub(super) e5a_health: u8,
    pub(super) e5a_dvs: u8,
    pub(super) iodnav: u16,
    pub(super) sisa_index: u8,
    pub(super) source: u8,
    pub(super) toe: u32,
    pub(super) toc: u32,
    pub(super) m0: f64,
    pub(super) delta_n: f64,
    pub(super) ecc: f64,
    pub(super) root_a: f64,
    pub(super) i0: f64,
    pub(super) i_dot: f64,
    pub(super) omega0: f64,
    pub(super) omega: f64,
    pub(super) omega_dot: f64,
    pub(super) cuc: f64,
    pub(super) cus: f64,
    pub(super) crc: f64,
    pub(super) crs: f64,
    pub(super) cic: f64,
    pub(super) cis: f64,
    pub(super) af0: f64,
    pub(super) af1: f64,
    pub(super) af2: f64,
    pub(super) bgd_e1_e5a: f64,
    pub(super) bgd_e1_e5b: f64,
}

impl GalEphemerisRow {
    pub(super) const COLUMNS: &str = "time_ms, toUInt8(log = 'GALFNAVEPHEMERIS') AS fnav, satellite_id, \
        e1b_health, e1b_dvs, e5b_health, e5b_dvs, e5a_health, e5a_dvs, iodnav, sisa_index, \
        source, toe, toc, m0, delta_n, ecc, root_a, i0, i_dot, omega0, omega, omega_dot, cuc, \
        cus, crc, crs, cic, cis, af0, af1, af2, bgd_e1_e5a, bgd_e1_e5b";

    pub(super) fn orbit(&self) -> GalileoOrbit {
        GalileoOrbit {
            m0: self.m0,
            delta_n: self.delta_n,
            ecc: self.ecc,
            root_a: self.root_a,
            i0: self.i0,
            i_dot: self.i_dot,
            omega0: self.omega0,
            omega: self.omega,
            omega_dot: self.omega_dot,
            cuc: self.cuc,
            cus: self.cus,
            crc: self.crc,
            crs: self.crs,
            cic: self.cic,
            cis: self.cis,
            af0: self.af0,
            af1: self.af1,
            af2: self.af2,
            bgd_e1_e5a: self.bgd_e1_e5a,
        }
    }

    pub(super) fn inav(&self) -> GalInavEphemeris {
        GalInavEphemeris {
            satellite_id: self.satellite_id,
            e5b_health: self.e5b_health,
            e5b_dvs: self.e5b_dvs,
            reserved1: 0,
            reserved2: 0,
            e1b_health: self.e1b_health,
            e1b_dvs: self.e1b_dvs,
            reserved3: 0,
            reserved4: 0,
            iodnav: self.iodnav,
            sisa_index: self.sisa_index,
            source: self.source,
            toe: self.toe,
            toc: self.toc,
            orbit: self.orbit(),
            bgd_e1_e5b: self.bgd_e1_e5b,
        }
    }

    pub(super) fn fnav(&self) -> GalFnavEphemeris {
        GalFnavEphemeris {
            satellite_id: self.satellite_id,
            e5a_health: self.e5a_health,
            e5a_dvs: self.e5a_dvs,
            reserved1: 0,
            reserved2: 0,
            iodnav: self.iodnav,
            sisa_index: self.sisa_index,
            reserved3: 0,
            toe: self.toe,
            toc: self.toc,
            orbit: self.orbit(),
        }
    }
}

/// One row of `beidou_ephemerides`: a BDSEPHEMERIS log, field for field.
#[derive(Clone, Debug, clickhouse::Row, Deserialize)]
pub(super) struct BdsEphemerisRow {
    pub(super) time_ms: i64,
    pub(super) satellite_id: u32,
    pub(super) week: u32,
    pub(super) ura: f64,
    pub(super) health1: u32,
    pub(super) tgd1: f64,
    pub(super) tgd2: f64,
    pub(super) aodc: u32,
    pub(super) toc: u32,
    pub(super) a0: f64,
    pub(super) a1: f64,
    pub(super) a2: f64,
    pub(super) aode: u32,
    pub(super) toe: u32,
    pub(super) root_a: f64,
    pub(super) ecc: f64,
    pub(super) omega: f64,
    pub(super) delta_n: f64,
    pub(super) m0: f64,
    pub(super) omega0: f64,
    pub(super) omega_dot: f64,
    pub(super) i0: f64,
    pub(super) idot: f64,
    pub(super) cuc: f64,
    pub(super) cus: f64,
    pub(super) crc: f64,
    pub(super) crs: f64,
    pub(super) cic: f64,
    pub(super) cis: f64,
}

impl BdsEphemerisRow {
    pub(super) const COLUMNS: &str = "time_ms, satellite_id, week, ura, health1, tgd1, tgd2, aodc, toc, a0, \
        a1, a2, aode, toe, root_a, ecc, omega, delta_n, m0, omega0, omega_dot, i0, idot, cuc, cus, \
        crc, crs, cic, cis";

    pub(super) fn log(&self) -> BdsEphemeris {
        BdsEphemeris {
            satellite_id: self.satellite_id,
            week: self.week,
            ura: self.ura,
            health1: self.health1,
            tgd1: self.tgd1,
            tgd2: self.tgd2,
            aodc: self.aodc,
            toc: self.toc,
            a0: self.a0,
            a1: self.a1,
            a2: self.a2,
            aode: self.aode,
            toe: self.toe,
            root_a: self.root_a,
            ecc: self.ecc,
            omega: self.omega,
            delta_n: self.delta_n,
            m0: self.m0,
            omega0: self.omega0,
            omega_dot: self.omega_dot,
            i0: self.i0,
            idot: self.idot,
            cuc: self.cuc,
            cus: self.cus,
            crc: self.crc,
            crs: self.crs,
            cic: self.cic,
            cis: self.cis,
        }
    }
}

/// One row of `ionosphere_utc`: an IONUTC or QZSSIONUTC log (`qzss`).
#[derive(Clone, Debug, clickhouse::Row, Deserialize)]
pub(super) struct IonUtcRow {
    pub(super) time_ms: i64,
    pub(super) qzss: u8,
    pub(super) a0: f64,
    pub(super) a1: f64,
    pub(super) a2: f64,
    pub(super) a3: f64,
    pub(super) b0: f64,
    pub(super) b1: f64,
    pub(super) b2: f64,
    pub(super) b3: f64,
    pub(super) utc_wn: u32,
    pub(super) tot: u32,
    pub(super) utc_a0: f64,
    pub(super) utc_a1: f64,
    pub(super) wn_lsf: u32,
    pub(super) dn: u32,
    pub(super) deltat_ls: i32,
    pub(super) deltat_lsf: i32,
}

impl IonUtcRow {
    pub(super) const COLUMNS: &str = "time_ms, toUInt8(log = 'QZSSIONUTC') AS qzss, a0, a1, a2, a3, b0, b1, \
        b2, b3, utc_wn, tot, utc_a0, utc_a1, wn_lsf, dn, deltat_ls, deltat_lsf";

    pub(super) fn log(&self) -> IonUtc {
        IonUtc {
            a0: self.a0,
            a1: self.a1,
            a2: self.a2,
            a3: self.a3,
            b0: self.b0,
            b1: self.b1,
            b2: self.b2,
            b3: self.b3,
            utc_wn: self.utc_wn,
            tot: self.tot,
            utc_a0: self.utc_a0,
            utc_a1: self.utc_a1,
            wn_lsf: self.wn_lsf,
            dn: self.dn,
            deltat_ls: self.deltat_ls,
            deltat_lsf: self.deltat_lsf,
            reserved: 0,
        }
    }
}
