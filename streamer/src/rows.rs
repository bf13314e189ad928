//! Kafka records decoded into the raw tables' rows, built straight into the Arrow builders of
//! [`crate::tables`].

use novatel::enums::Bool;
use novatel::logs::{
    BdsEphemeris, GalileoOrbit, GloEphemeris, GpsEphemeris, InsPva, InsPvax, IonUtc, Observation,
    Position, Range, SatVis2,
};
use novatel::{Event, Format, Frame, Log, MAX_BODY_LEN, RejectReason, Rejected, decode, frames};

use crate::record::{Kind, Record};
use crate::tables::*;

/// What became of a frame record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A typed decoder read the body.
    Body,
    /// Framed and named, but no decoder for the body (kept raw in Kafka, counted in `frames`).
    Raw,
    /// Not a whole checked frame, or its content is malformed.
    Error,
    /// A report of rejected bytes.
    Rejected,
}

const NOT_A_FRAME: &str = "the Kafka value is not one whole NovAtel frame";
/// The largest frame: a binary one with the longest header and body, and its CRC (text frames
/// are shorter still).
const MAX_FRAME_LEN: usize = u8::MAX as usize + MAX_BODY_LEN + 4;
/// The latest time a row can carry: the tables' `time` column is a ClickHouse DateTime, which
/// ends at 2106-02-07T06:28:15Z (a later time wraps around), and the aggregates' windows are
/// Arrow timestamps, which end in 2262 (a later time has none, and its batch could never be
/// written).
const MAX_TIME_MS: i64 = u32::MAX as i64 * 1000 + 999;

/// The `frames` row of a record that is not a frame, or not one that can be decoded.
fn failed_row<'a>(
    record: &'a Record<'_>,
    error: &'a str,
    time_ms: i64,
    ingest_ms: i64,
) -> FrameRow<'a> {
    FrameRow {
        receiver: record.receiver.as_ref(),
        time_ms,
        log: "",
        log_id: 0,
        format: "",
        gps_week: 0,
        gps_ms: 0,
        size_bytes: record.value.len() as u32,
        frame_crc: crc32fast::hash(record.value),
        source_offset: -1,
        decoded: 0,
        error,
        ingest_ms,
        kafka_partition: record.partition as u32,
        kafka_offset: record.offset as u64,
        _lifetime: PHANTOM,
    }
}

/// The CRC-32 of a frame's content: without the trailing CRC-32 of a binary frame, whose CRC-32
/// over the whole frame would be the same for every frame of a length (the CRC of a message
/// followed by its own CRC is a constant of its length). Text frames' checksums are text, and
/// taken with the rest.
fn content_crc(frame: &Frame<'_>) -> u32 {
    let content = match frame.format {
        Format::Binary | Format::ShortBinary => &frame.bytes[..frame.bytes.len().saturating_sub(4)],
        _ => frame.bytes,
    };
    crc32fast::hash(content)
}

/// `ms` if a row can carry it: from 1970 to [`MAX_TIME_MS`].
fn usable_time(ms: i64) -> Option<i64> {
    (0..=MAX_TIME_MS).contains(&ms).then_some(ms)
}

/// Why `value` is not one whole frame, from the first thing the framer finds in it.
fn not_a_frame(value: &[u8]) -> String {
    let why = if value.is_empty() {
        "the value is empty".to_owned()
    } else if value.len() > MAX_FRAME_LEN {
        format!(
            "its {} bytes are more than the largest NovAtel frame holds ({MAX_FRAME_LEN})",
            value.len()
        )
    } else {
        match frames(value).next() {
            Some(Event::Frame(Frame { format, bytes, .. })) => format!(
                "a {} frame of {} bytes followed by {} more bytes",
                format.as_str(),
                bytes.len(),
                value.len() - bytes.len()
            ),
            Some(Event::Rejected(Rejected { reason, bytes, .. })) => match reason {
                RejectReason::BadCrc => format!(
                    "its first {} bytes are a frame whose CRC (or checksum) does not match: \
                     damaged",
                    bytes.len()
                ),
                RejectReason::Truncated => format!("a frame cut off after {} bytes", bytes.len()),
                RejectReason::Oversize => {
                    "it starts with a frame announcing more than the largest NovAtel frame".into()
                }
                RejectReason::Unframed => format!(
                    "its first {} bytes have no NovAtel sync (AA 44 12, AA 44 13, #, %, <, $)",
                    bytes.len()
                ),
            },
            None => "the framer found nothing in it".to_owned(),
        }
    };
    format!("{NOT_A_FRAME}: {why}")
}

const PHANTOM: std::marker::PhantomData<&()> = std::marker::PhantomData;

impl RawTables {
    /// Decodes one record into rows; `ingest_ms` is now. A record that is not a frame, or one
    /// that cannot be decoded, still gets its `frames` row, with the reason in `error`.
    pub fn add(&mut self, record: &Record<'_>, ingest_ms: i64) -> Decoded {
        let (kafka_partition, kafka_offset) = (record.partition as u32, record.offset as u64);
        let receiver = record.receiver.as_ref();
        // A Kafka timestamp no row can carry is no time at all.
        let record_ms = usable_time(record.timestamp_ms).unwrap_or(0);
        let failed = |error| failed_row(record, error, record_ms, ingest_ms);
        match &record.kind {
            Kind::Rejected { reason, bytes } => {
                self.rejected.push(&RejectedRow {
                    receiver,
                    time_ms: record_ms,
                    reason,
                    bytes: *bytes,
                    kafka_partition,
                    kafka_offset,
                    _lifetime: PHANTOM,
                });
                return Decoded::Rejected;
            }
            Kind::Malformed(why) => {
                self.frames.push(&failed(why));
                return Decoded::Error;
            }
            Kind::Frame => {}
        }
        let frame = match frames(record.value).next() {
            Some(Event::Frame(frame)) if frame.bytes.len() == record.value.len() => frame,
            _ => {
                self.frames.push(&failed(&not_a_frame(record.value)));
                return Decoded::Error;
            }
        };
        let mut keys =
            RowKeys { receiver, time_ms: record_ms, log: "", kafka_partition, kafka_offset };
        let mut row = FrameRow {
            format: frame.format.as_str(),
            frame_crc: content_crc(&frame),
            source_offset: record.source_offset.and_then(|o| i64::try_from(o).ok()).unwrap_or(-1),
            ..failed("")
        };
        match decode(&frame) {
            Ok(message) => {
                let h = &message.header;
                row = FrameRow {
                    log: &h.name,
                    log_id: h.id.unwrap_or(0),
                    gps_week: h.week.unwrap_or(0),
                    gps_ms: h.ms.unwrap_or(0),
                    ..row
                };
                let gps_ms = h.unix_ms();
                if let Some(ms) = gps_ms.filter(|ms| usable_time(*ms).is_none()) {
                    let error = format!(
                        "GPS time (week {}, {} ms) is {} UTC ms, outside the times the tables \
                         hold (1970 to 2106): a damaged or forged header",
                        h.week.unwrap_or(0),
                        h.ms.unwrap_or(0),
                        ms
                    );
                    self.frames.push(&FrameRow { error: &error, ..row });
                    return Decoded::Error;
                }
                keys.time_ms = gps_ms.unwrap_or(record_ms);
                let outcome = match &message.log {
                    Some(log) => {
                        keys.log = log.name();
                        self.add_log(&keys, log);
                        Decoded::Body
                    }
                    None => Decoded::Raw,
                };
                self.frames.push(&FrameRow {
                    time_ms: keys.time_ms,
                    decoded: u8::from(outcome == Decoded::Body),
                    ..row
                });
                outcome
            }
            Err(error) => {
                let error = error.to_string();
                row.error = &error;
                self.frames.push(&row);
                Decoded::Error
            }
        }
    }

    fn add_log(&mut self, keys: &RowKeys<'_>, log: &Log) {
        match log {
            Log::BestPos(p)
            | Log::PsrPos(p)
            | Log::RtkPos(p)
            | Log::MatchedPos(p)
            | Log::PppPos(p)
            | Log::BestGnssPos(p) => self.position(keys, p),
            Log::BestVel(v) | Log::PsrVel(v) | Log::RtkVel(v) | Log::BestGnssVel(v) => {
                self.velocities.push(&VelocityRow {
                    receiver: keys.receiver,
                    time_ms: keys.time_ms,
                    log: keys.log,
                    sol_status: v.sol_status.0,
                    sol_status_name: v.sol_status.name().unwrap_or(""),
                    vel_type: v.vel_type.0,
                    vel_type_name: v.vel_type.name().unwrap_or(""),
                    latency_s: v.latency,
                    age_s: v.age,
                    hor_spd_mps: v.hor_spd,
                    trk_gnd_deg: v.trk_gnd,
                    vert_spd_mps: v.vert_spd,
                    kafka_partition: keys.kafka_partition,
                    kafka_offset: keys.kafka_offset,
                    _lifetime: PHANTOM,
                })
            }
            Log::Range(range) => self.observations(keys, range),
            Log::RangeCmp(cmp) => self.observations(keys, &cmp.decompress()),
            Log::InsPva(pva) | Log::InsPvas(pva) => self.ins_pva(keys, pva),
            Log::InsPvax(pvax) => self.ins_pvax(keys, pvax),
            Log::RxStatus(status) => {
                let word = |i: usize| status.status.get(i).map_or(0, |w| w.word.0);
                self.receiver_status.push(&ReceiverStatusRow {
                    receiver: keys.receiver,
                    time_ms: keys.time_ms,
                    error_word: status.error.0,
                    status_word: word(0),
                    aux1_word: word(1),
                    aux2_word: word(2),
                    aux3_word: word(3),
                    aux4_word: word(4),
                    kafka_partition: keys.kafka_partition,
                    kafka_offset: keys.kafka_offset,
                    _lifetime: PHANTOM,
                });
            }
            Log::HwMonitor(hw) => {
                for m in &hw.measurements {
                    self.hardware.push(&HardwareRow {
                        receiver: keys.receiver,
                        time_ms: keys.time_ms,
                        reading: m.reading,
                        reading_type: m.reading_type(),
                        limit_status: m.limit_status(),
                        kafka_partition: keys.kafka_partition,
                        kafka_offset: keys.kafka_offset,
                        _lifetime: PHANTOM,
                    });
                }
            }
            Log::Time(t) => self.clock.push(&ClockRow {
                receiver: keys.receiver,
                time_ms: keys.time_ms,
                clock_status: t.clock_status.0,
                clock_status_name: t.clock_status.name().unwrap_or(""),
                offset_s: t.offset,
                offset_std_s: t.offset_std,
                utc_offset_s: t.utc_offset,
                utc_status: t.utc_status.0,
                utc_status_name: t.utc_status.name().unwrap_or(""),
                kafka_partition: keys.kafka_partition,
                kafka_offset: keys.kafka_offset,
                _lifetime: PHANTOM,
            }),
            Log::GpsEphem(e) => self.gps_ephemeris(keys, e, 0),
            Log::QzssEphemeris(q) => self.gps_ephemeris(keys, &q.ephemeris, q.fit_interval),
            Log::GloEphemeris(e) => self.glonass_ephemeris(keys, e),
            Log::GalInavEphemeris(e) => self.galileo_ephemeris(
                keys,
                &GalileoMessage {
                    satellite_id: e.satellite_id,
                    e1b_health: e.e1b_health,
                    e1b_dvs: e.e1b_dvs,
                    e5b_health: e.e5b_health,
                    e5b_dvs: e.e5b_dvs,
                    iodnav: e.iodnav,
                    sisa_index: e.sisa_index,
                    source: e.source,
                    toe: e.toe,
                    toc: e.toc,
                    bgd_e1_e5b: e.bgd_e1_e5b,
                    ..GalileoMessage::new(&e.orbit)
                },
            ),
            Log::GalFnavEphemeris(e) => self.galileo_ephemeris(
                keys,
                &GalileoMessage {
                    satellite_id: e.satellite_id,
                    e5a_health: e.e5a_health,
                    e5a_dvs: e.e5a_dvs,
                    iodnav: e.iodnav,
                    sisa_index: e.sisa_index,
                    toe: e.toe,
                    toc: e.toc,
                    ..GalileoMessage::new(&e.orbit)
                },
            ),
            Log::BdsEphemeris(e) => self.beidou_ephemeris(keys, e),
            Log::IonUtc(e) | Log::QzssIonUtc(e) => self.ionosphere_utc(keys, e),
            Log::SatVis2(vis) => self.satellite_visibility(keys, vis),
            // Decoded (and counted in `frames`) but without a raw table of their own: the frame
            // itself stays in Kafka and its header in `frames`.
            _ => {}
        }
    }

    fn position(&mut self, keys: &RowKeys<'_>, p: &Position) {
        let stn_id = std::str::from_utf8(p.stn_id.as_bytes()).unwrap_or("");
        self.positions.push(&PositionRow {
            receiver: keys.receiver,
            time_ms: keys.time_ms,
            log: keys.log,
            sol_status: p.sol_status.0,
            sol_status_name: p.sol_status.name().unwrap_or(""),
            pos_type: p.pos_type.0,
            pos_type_name: p.pos_type.name().unwrap_or(""),
            lat_deg: p.lat,
            lon_deg: p.lon,
            hgt_m: p.hgt,
            undulation_m: p.undulation,
            datum: p.datum.0,
            lat_sigma_m: p.lat_sigma,
            lon_sigma_m: p.lon_sigma,
            hgt_sigma_m: p.hgt_sigma,
            stn_id,
            diff_age_s: p.diff_age,
            sol_age_s: p.sol_age,
            num_svs: p.num_svs,
            num_soln_svs: p.num_soln_svs,
            num_soln_l1_svs: p.num_soln_l1_svs,
            num_soln_multi_svs: p.num_soln_multi_svs,
            ext_sol_stat: p.ext_sol_stat.0,
            gal_bds_sig_mask: p.gal_bds_sig_mask.0,
            gps_glo_sig_mask: p.gps_glo_sig_mask.0,
            kafka_partition: keys.kafka_partition,
            kafka_offset: keys.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn observations(&mut self, keys: &RowKeys<'_>, range: &Range) {
        for o in &range.obs {
            self.observation(keys, o);
        }
    }

    fn observation(&mut self, keys: &RowKeys<'_>, o: &Observation) {
        let tracking = o.tracking();
        self.observations.push(&ObservationRow {
            receiver: keys.receiver,
            time_ms: keys.time_ms,
            log: keys.log,
            prn: o.prn,
            glofreq: o.glofreq,
            constellation: tracking.constellation().as_str(),
            signal: tracking.signal_name().unwrap_or(""),
            psr_m: o.psr,
            psr_sigma_m: o.psr_sigma,
            adr_cycles: o.adr,
            adr_sigma_cycles: o.adr_sigma,
            doppler_hz: o.dopp,
            cn0_dbhz: o.cn0,
            locktime_s: o.locktime,
            tracking_status: o.tracking_status.0,
            phase_locked: u8::from(tracking.phase_locked()),
            code_locked: u8::from(tracking.code_locked()),
            kafka_partition: keys.kafka_partition,
            kafka_offset: keys.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn ins_pva(&mut self, keys: &RowKeys<'_>, p: &InsPva) {
        self.ins.push(&InsRow {
            receiver: keys.receiver,
            time_ms: keys.time_ms,
            log: keys.log,
            ins_status: p.status.0,
            ins_status_name: p.status.name().unwrap_or(""),
            pos_type: 0,
            pos_type_name: "",
            lat_deg: p.lat,
            lon_deg: p.lon,
            hgt_ellipsoid_m: p.hgt,
            north_vel_mps: p.north_vel,
            east_vel_mps: p.east_vel,
            up_vel_mps: p.up_vel,
            roll_deg: p.roll,
            pitch_deg: p.pitch,
            azimuth_deg: p.azimuth,
            lat_sigma_m: f32::NAN,
            lon_sigma_m: f32::NAN,
            hgt_sigma_m: f32::NAN,
            north_vel_sigma_mps: f32::NAN,
            east_vel_sigma_mps: f32::NAN,
            up_vel_sigma_mps: f32::NAN,
            roll_sigma_deg: f32::NAN,
            pitch_sigma_deg: f32::NAN,
            azimuth_sigma_deg: f32::NAN,
            ext_sol_stat: 0,
            time_since_update_s: 0,
            kafka_partition: keys.kafka_partition,
            kafka_offset: keys.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn ins_pvax(&mut self, keys: &RowKeys<'_>, p: &InsPvax) {
        self.ins.push(&InsRow {
            receiver: keys.receiver,
            time_ms: keys.time_ms,
            log: keys.log,
            ins_status: p.ins_status.0,
            ins_status_name: p.ins_status.name().unwrap_or(""),
            pos_type: p.pos_type.0,
            pos_type_name: p.pos_type.name().unwrap_or(""),
            lat_deg: p.lat,
            lon_deg: p.lon,
            // INSPVAX gives height above mean sea level and the undulation.
            hgt_ellipsoid_m: p.hgt + f64::from(p.undulation),
            north_vel_mps: p.north_vel,
            east_vel_mps: p.east_vel,
            up_vel_mps: p.up_vel,
            roll_deg: p.roll,
            pitch_deg: p.pitch,
            azimuth_deg: p.azimuth,
            lat_sigma_m: p.lat_sigma,
            lon_sigma_m: p.lon_sigma,
            hgt_sigma_m: p.hgt_sigma,
            north_vel_sigma_mps: p.north_vel_sigma,
            east_vel_sigma_mps: p.east_vel_sigma,
            up_vel_sigma_mps: p.up_vel_sigma,
            roll_sigma_deg: p.roll_sigma,
            pitch_sigma_deg: p.pitch_sigma,
            azimuth_sigma_deg: p.azimuth_sigma,
            ext_sol_stat: p.ext_sol_stat.0,
            time_since_update_s: p.time_since_update,
            kafka_partition: keys.kafka_partition,
            kafka_offset: keys.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn gps_ephemeris(&mut self, keys: &RowKeys<'_>, e: &GpsEphemeris, fit_interval: u8) {
        self.gps_ephemerides.push(&GpsEphemerisRow {
            receiver: keys.receiver,
            time_ms: keys.time_ms,
            log: keys.log,
            prn: e.prn,
            tow: e.tow,
            health: e.health,
            iode1: e.iode1,
            iode2: e.iode2,
            week: e.week,
            z_week: e.z_week,
            toe: e.toe,
            a: e.a,
            delta_n: e.delta_n,
            m0: e.m0,
            ecc: e.ecc,
            omega: e.omega,
            cuc: e.cuc,
            cus: e.cus,
            crc: e.crc,
            crs: e.crs,
            cic: e.cic,
            cis: e.cis,
            i0: e.i0,
            i_dot: e.i_dot,
            omega0: e.omega0,
            omega_dot: e.omega_dot,
            iodc: e.iodc,
            toc: e.toc,
            tgd: e.tgd,
            af0: e.af0,
            af1: e.af1,
            af2: e.af2,
            anti_spoofing: e.anti_spoofing.0,
            n: e.n,
            ura: e.ura,
            fit_interval,
            kafka_partition: keys.kafka_partition,
            kafka_offset: keys.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn galileo_ephemeris(&mut self, keys: &RowKeys<'_>, m: &GalileoMessage<'_>) {
        self.galileo_ephemerides.push(&GalEphemerisRow {
            receiver: keys.receiver,
            time_ms: keys.time_ms,
            log: keys.log,
            satellite_id: m.satellite_id,
            e1b_health: m.e1b_health,
            e1b_dvs: m.e1b_dvs,
            e5b_health: m.e5b_health,
            e5b_dvs: m.e5b_dvs,
            e5a_health: m.e5a_health,
            e5a_dvs: m.e5a_dvs,
            iodnav: m.iodnav,
            sisa_index: m.sisa_index,
            source: m.source,
            toe: m.toe,
            toc: m.toc,
            m0: m.orbit.m0,
            delta_n: m.orbit.delta_n,
            ecc: m.orbit.ecc,
            root_a: m.orbit.root_a,
            i0: m.orbit.i0,
            i_dot: m.orbit.i_dot,
            omega0: m.orbit.omega0,
            omega: m.orbit.omega,
            omega_dot: m.orbit.omega_dot,
            cuc: m.orbit.cuc,
            cus: m.orbit.cus,
            crc: m.orbit.crc,
            crs: m.orbit.crs,
            cic: m.orbit.cic,
            cis: m.orbit.cis,
            af0: m.orbit.af0,
            af1: m.orbit.af1,
            af2: m.orbit.af2,
            bgd_e1_e5a: m.orbit.bgd_e1_e5a,
            bgd_e1_e5b: m.bgd_e1_e5b,
            kafka_partition: keys.kafka_partition,
            kafka_offset: keys.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn glonass_ephemeris(&mut self, keys: &RowKeys<'_>, e: &GloEphemeris) {
        self.glonass_ephemerides.push(&GloEphemerisRow {
            receiver: keys.receiver,
            time_ms: keys.time_ms,
            log: keys.log,
            sloto: e.sloto,
            freqo: e.freqo,
            sat_type: e.sat_type,
            e_week: e.e_week,
            e_time: e.e_time,
            t_offset: e.t_offset,
            nt: e.nt,
            issue: e.issue,
            health: e.health,
            pos_x: e.pos_x,
            pos_y: e.pos_y,
            pos_z: e.pos_z,
            vel_x: e.vel_x,
            vel_y: e.vel_y,
            vel_z: e.vel_z,
            ls_acc_x: e.ls_acc_x,
            ls_acc_y: e.ls_acc_y,
            ls_acc_z: e.ls_acc_z,
            tau_n: e.tau_n,
            delta_tau_n: e.delta_tau_n,
            gamma: e.gamma,
            tk: e.tk,
            p: e.p,
            ft: e.ft,
            age: e.age,
            flags: e.flags,
            kafka_partition: keys.kafka_partition,
            kafka_offset: keys.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn beidou_ephemeris(&mut self, keys: &RowKeys<'_>, e: &BdsEphemeris) {
        self.beidou_ephemerides.push(&BdsEphemerisRow {
            receiver: keys.receiver,
            time_ms: keys.time_ms,
            log: keys.log,
            satellite_id: e.satellite_id,
            week: e.week,
            ura: e.ura,
            health1: e.health1,
            tgd1: e.tgd1,
            tgd2: e.tgd2,
            aodc: e.aodc,
            toc: e.toc,
            a0: e.a0,
            a1: e.a1,
            a2: e.a2,
            aode: e.aode,
            toe: e.toe,
            root_a: e.root_a,
            ecc: e.ecc,
            omega: e.omega,
            delta_n: e.delta_n,
            m0: e.m0,
            omega0: e.omega0,
            omega_dot: e.omega_dot,
            i0: e.i0,
            idot: e.idot,
            cuc: e.cuc,
            cus: e.cus,
            crc: e.crc,
            crs: e.crs,
            cic: e.cic,
            cis: e.cis,
            kafka_partition: keys.kafka_partition,
            kafka_offset: keys.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn ionosphere_utc(&mut self, keys: &RowKeys<'_>, e: &IonUtc) {
        self.ionosphere_utc.push(&IonUtcRow {
            receiver: keys.receiver,
            time_ms: keys.time_ms,
            log: keys.log,
            a0: e.a0,
            a1: e.a1,
            a2: e.a2,
            a3: e.a3,
            b0: e.b0,
            b1: e.b1,
            b2: e.b2,
            b3: e.b3,
            utc_wn: e.utc_wn,
            tot: e.tot,
            utc_a0: e.utc_a0,
            utc_a1: e.utc_a1,
            wn_lsf: e.wn_lsf,
            dn: e.dn,
            deltat_ls: e.deltat_ls,
            deltat_lsf: e.deltat_lsf,
            kafka_partition: keys.kafka_partition,
            kafka_offset: keys.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn satellite_visibility(&mut self, keys: &RowKeys<'_>, vis: &SatVis2) {
        for sat in &vis.satellites {
            self.satellite_visibility.push(&SatelliteVisibilityRow {
                receiver: keys.receiver,
                time_ms: keys.time_ms,
                log: keys.log,
                system: vis.system.0,
                system_name: vis.system.name().unwrap_or(""),
                satellite_id: sat.id.prn,
                glonass_channel: sat.id.channel,
                health: sat.health,
                sat_vis: u8::from(vis.sat_vis == Bool::TRUE),
                complete_almanac: u8::from(vis.complete_almanac == Bool::TRUE),
                elevation_deg: sat.elev,
                azimuth_deg: sat.az,
                true_doppler_hz: sat.true_dop,
                apparent_doppler_hz: sat.app_dop,
                kafka_partition: keys.kafka_partition,
                kafka_offset: keys.kafka_offset,
                _lifetime: PHANTOM,
            });
        }
    }
}

/// The columns of a `galileo_ephemerides` row besides the orbit: I/NAV and F/NAV each set
/// theirs and leave the other's 0.
struct GalileoMessage<'a> {
    satellite_id: u32,
    e1b_health: u8,
    e1b_dvs: u8,
    e5b_health: u8,
    e5b_dvs: u8,
    e5a_health: u8,
    e5a_dvs: u8,
    iodnav: u16,
    sisa_index: u8,
    source: u8,
    toe: u32,
    toc: u32,
    bgd_e1_e5b: f64,
    orbit: &'a GalileoOrbit,
}

impl<'a> GalileoMessage<'a> {
    fn new(orbit: &'a GalileoOrbit) -> Self {
        GalileoMessage {
            satellite_id: 0,
            e1b_health: 0,
            e1b_dvs: 0,
            e5b_health: 0,
            e5b_dvs: 0,
            e5a_health: 0,
            e5a_dvs: 0,
            iodnav: 0,
            sisa_index: 0,
            source: 0,
            toe: 0,
            toc: 0,
            bgd_e1_e5b: 0.0,
            orbit,
        }
    }
}

/// What every row of one frame shares.
struct RowKeys<'a> {
    receiver: &'a str,
    time_ms: i64,
    log: &'a str,
    kafka_partition: u32,
    kafka_offset: u64,
}

#[cfg(test)]
mod tests {
    use novatel::{Format, Frame};

    use super::content_crc;

    #[test]
    fn frames_of_one_length_have_their_own_crc() {
        // Two binary frames of the same length whose trailing CRC-32s are right: a CRC-32 over
        // all their bytes would be the same constant for both.
        let frame = |body: u8| {
            let mut bytes = vec![0xAA, 0x44, 0x12, 0x1C, body, body, body, body];
            let crc = novatel::crc::crc32(&bytes);
            bytes.extend(crc.to_le_bytes());
            bytes
        };
        let (a, b) = (frame(1), frame(2));
        let whole = |bytes: &[u8]| crc32fast::hash(bytes);
        assert_eq!(whole(&a), whole(&b), "the residue that made content_crc needed");
        let crc = |bytes: &[u8]| content_crc(&Frame { format: Format::Binary, offset: 0, bytes });
        assert_ne!(crc(&a), crc(&b));
        let text = |text: &'static [u8]| {
            content_crc(&Frame { format: Format::Ascii, offset: 0, bytes: text })
        };
        assert_ne!(text(b"#A,1;2*00000000\r\n"), text(b"#A,1;3*00000000\r\n"));
    }
}
