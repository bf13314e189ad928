//! Position, velocity, baseline, heading, INS and IMU logs: BSLNXYZ against a real recording and
//! NovAtel's ASCII of it, and the other logs against the example logs of NovAtel's OEM7 manual
//! (`fixtures/manual/position_ins_logs.ASC` and `oem7_manual_examples.ASC`).

mod common;

use common::{
    assert_binary_round_trip, assert_message_round_trip, assert_same_header, assert_same_log,
    decoded, log_json, message, messages, read_fixture, typed_ascii,
};
use novatel::enums::{PosType, SolStatus};
use novatel::{Event, Format, Log, frames};

/// A float as the receiver printed it, read the way the text decoder reads it.
fn printed(text: &str) -> f32 {
    text.parse().unwrap()
}

#[test]
fn bslnxyz_binary_equals_novatels_ascii_of_it() {
    let gps = read_fixture("real/OneEach.GPS");
    let asc = read_fixture("real/OneEach.ASC");
    let (binary, ascii) = (messages(&gps), messages(&asc));
    let (b, a) = (message(&binary, "BSLNXYZ"), message(&ascii, "BSLNXYZ"));
    assert_eq!((b.header.format, a.header.format), (Format::Binary, Format::Ascii));
    assert_same_header(b, a, "BSLNXYZ");
    let (Some(Log::BslnXyz(bl)), Some(Log::BslnXyz(al))) = (&b.log, &a.log) else {
        panic!("BSLNXYZ not decoded: {:?} / {:?}", b.log, a.log)
    };
    assert_eq!(bl.sol_status, al.sol_status);
    assert_eq!(bl.bsln_type, al.bsln_type);
    assert_eq!((bl.b_x, bl.b_y, bl.b_z), (al.b_x, al.b_y, al.b_z));
    assert_eq!(
        (bl.b_x_sigma, bl.b_y_sigma, bl.b_z_sigma),
        (al.b_x_sigma, al.b_y_sigma, al.b_z_sigma)
    );
    assert_eq!(bl.stn_id, al.stn_id);
    assert_eq!(
        (bl.num_svs, bl.num_soln_svs, bl.num_ggl1, bl.num_soln_multi_svs),
        (al.num_svs, al.num_soln_svs, al.num_ggl1, al.num_soln_multi_svs)
    );
    assert_eq!(
        (bl.reserved, bl.ext_sol_stat, bl.gal_bds_sig_mask, bl.gps_glo_sig_mask),
        (al.reserved, al.ext_sol_stat, al.gal_bds_sig_mask, al.gps_glo_sig_mask)
    );
    assert_eq!(bl, al);
    // What NovAtel printed.
    assert_eq!((al.sol_status, al.bsln_type), (SolStatus::INSUFFICIENT_OBS, PosType::NONE));
    assert_eq!((al.b_x_sigma, al.stn_id.as_bytes(), al.num_svs), (10_000.0, &b"0"[..], 10));
    assert_same_log(
        &log_json(b.log.as_ref().unwrap()),
        &log_json(&Log::BslnXyz(al.clone())),
        a.body,
        "BSLNXYZ",
    );
}

#[test]
fn logs_of_the_general_manual_examples() {
    let data = read_fixture("manual/oem7_manual_examples.ASC");
    let all = messages(&data);

    let Log::PsrVel(vel) = decoded(&all, "PSRVEL")[0] else { panic!("PSRVEL") };
    assert_eq!((vel.sol_status, vel.vel_type), (SolStatus::SOL_COMPUTED, PosType::WAAS));
    assert_eq!((vel.latency, vel.age, vel.hor_spd), (0.0, 4.0, 0.0175));
    assert_eq!((vel.trk_gnd, vel.vert_spd, vel.reserved), (290.743174, 0.0309, 0.0));

    let Log::BestGnssPos(pos) = decoded(&all, "BESTGNSSPOS")[0] else { panic!("BESTGNSSPOS") };
    assert_eq!(pos.pos_type, PosType::PPP);
    assert_eq!((pos.lat, pos.lon, pos.hgt), (51.15043712234, -114.03067870773, 1097.3556));
    assert_eq!((pos.stn_id.as_bytes(), pos.diff_age, pos.num_svs), (&b"TSTR"[..], 17.0, 42));
    assert_eq!((pos.gal_bds_sig_mask.0, pos.gps_glo_sig_mask.0), (0x3f, 0x37));

    let Log::BestGnssVel(vel) = decoded(&all, "BESTGNSSVEL")[0] else { panic!("BESTGNSSVEL") };
    assert_eq!((vel.vel_type, vel.latency, vel.age), (PosType::PPP, 0.25, 12.0));
    assert_eq!((vel.hor_spd, vel.trk_gnd, vel.vert_spd), (0.0025, 23.890175, 0.0021));

    let Log::CorrImuData(imu) = decoded(&all, "CORRIMUDATA")[0] else { panic!("CORRIMUDATA") };
    assert_eq!((imu.week, imu.seconds), (2209, 488_261.0));
    assert_eq!((imu.pitch_rate, imu.vertical_acc), (-0.0000097404099474, 0.0005105002543702));

    let short = message(&all, "CORRIMUDATAS");
    assert_eq!(short.header.format, Format::ShortAscii);
    let Some(Log::CorrImuDatas(imu)) = &short.log else { panic!("CORRIMUDATAS") };
    assert_eq!((imu.week, imu.seconds), (2209, 488_331.0));
    assert_eq!((imu.yaw_rate, imu.longitudinal_acc), (-0.0000077180775912, -0.0013131748634920));

    let Log::CorrImus(imu) = decoded(&all, "CORRIMUS")[0] else { panic!("CORRIMUS") };
    assert_eq!(imu.imu_data_count, 112);
    assert_eq!((imu.roll_rate, imu.lateral_acc), (0.0000287475625144, 0.0015291995267506));
    assert_eq!((imu.reserved1, imu.reserved2), (8.168, 0));

    let Log::TimeSync(sync) = decoded(&all, "TIMESYNC")[0] else { panic!("TIMESYNC") };
    assert_eq!(
        (sync.week, sync.ms, sync.time_status.name()),
        (2209, 515_196_000, Some("FINESTEERING"))
    );

    for name in [
        "PSRVEL",
        "BESTGNSSPOS",
        "BESTGNSSVEL",
        "CORRIMUDATA",
        "CORRIMUDATAS",
        "CORRIMUS",
        "TIMESYNC",
    ] {
        assert_message_round_trip(message(&all, name));
    }
}

#[test]
fn logs_of_the_position_and_ins_manual_examples() {
    let data = read_fixture("manual/position_ins_logs.ASC");
    let mut it = frames(&data);
    let count = (&mut it).filter(|e| matches!(e, Event::Frame(_))).count();
    assert_eq!((count, it.stats().total_rejected_bytes()), (9, 0));
    let all = messages(&data);
    assert!(all.iter().all(|m| m.log.is_some()), "every example decodes");

    let Log::BslnXyz(b) = decoded(&all, "BSLNXYZ")[0] else { panic!("BSLNXYZ") };
    assert_eq!((b.sol_status, b.bsln_type), (SolStatus::SOL_COMPUTED, PosType::NARROW_INT));
    assert_eq!((b.b_x, b.b_y, b.b_z, b.b_z_sigma), (2.9912, 3.1779, 3.3197, 0.0105));
    assert_eq!((b.stn_id.as_bytes(), b.num_svs, b.num_soln_multi_svs), (&b"K250"[..], 35, 15));
    assert_eq!((b.ext_sol_stat.0, b.gps_glo_sig_mask.0), (0x01, 0x33));

    let Log::DualAntennaHeading(h) = decoded(&all, "DUALANTENNAHEADING")[0] else { panic!() };
    assert_eq!((h.length, h.heading, h.pitch), (-1.0, printed("255.538528442"), 0.006041416));
    assert_eq!((h.heading_sigma, h.pitch_sigma), (0.043859947, printed("0.052394450")));
    assert_eq!((h.stn_id.as_bytes(), h.num_svs, h.num_multi), (&b"J56X"[..], 24, 17));
    assert_eq!((h.sol_source.0, h.ext_sol_stat.0, h.gps_glo_sig_mask.0), (0x04, 0x01, 0x33));

    let message = message(&all, "IMURATECORRIMUS");
    assert_eq!(message.header.format, Format::ShortAscii);
    let Some(Log::ImuRateCorrImus(imu)) = &message.log else { panic!("IMURATECORRIMUS") };
    assert_eq!((imu.week, imu.seconds), (2209, 489_768.026275));
    assert_eq!((imu.pitch_rate, imu.vertical_acc), (-0.000000298, -0.000012101));

    let Log::InsStdev(s) = decoded(&all, "INSSTDEV")[0] else { panic!("INSSTDEV") };
    assert_eq!((s.lat_sigma, s.hgt_sigma, s.azimuth_sigma), (0.1813, 0.1806, 0.0577));
    assert_eq!((s.ext_sol_stat.0, s.time_since_update), (0x1300_0045, 0));
    assert_eq!((s.reserved1, s.reserved2.0, s.reserved3), (0, 0x7f_d1bf, 0));

    let Log::PppPos(p) = decoded(&all, "PPPPOS")[0] else { panic!("PPPPOS") };
    assert_eq!((p.sol_status, p.pos_type), (SolStatus::SOL_COMPUTED, PosType::PPP));
    assert_eq!((p.lat, p.lon, p.hgt), (51.15043722698, -114.03067878229, 1097.3465));
    assert_eq!(
        (p.stn_id.as_bytes(), p.num_soln_svs, p.gal_bds_sig_mask.0),
        (&b"TSTR"[..], 41, 0x7f)
    );

    let Log::RawImus(r) = decoded(&all, "RAWIMUS")[0] else { panic!("RAWIMUS") };
    assert_eq!(
        (r.week, r.seconds, r.imu_status.0),
        (2209, 491_612.253588, [0xea, 0x5a, 0xfe, 0x00])
    );
    assert_eq!((r.z_accel, r.neg_y_accel, r.x_accel), (329_303_960, -2_512_321, 4_410_363));
    assert_eq!((r.z_gyro, r.neg_y_gyro, r.x_gyro), (309_705, 607_017, -1_009_773));

    let Log::RawImuX(x) = decoded(&all, "RAWIMUX")[0] else { panic!("RAWIMUX") };
    assert_eq!((x.imu_info.0, x.imu_type, x.gnss_week), (0x04, 41, 2209));
    assert_eq!((x.gnss_week_seconds, x.imu_status.0), (491_740.109817, [0xea, 0x57, 0xfe, 0x00]));
    assert_eq!((x.z_accel, x.x_gyro), (329_394_068, -936_077));

    let Log::RawImuSx(x) = decoded(&all, "RAWIMUSX")[0] else { panic!("RAWIMUSX") };
    assert_eq!((x.imu_type, x.gnss_week_seconds), (41, 491_674.013699));
    assert_eq!((x.neg_y_accel, x.neg_y_gyro, x.x_gyro), (-2_706_935, 417_138, -1_000_837));

    // MATCHEDXYZ: the example of docs.novatel.com/OEM7/Content/Logs/MATCHEDXYZ.htm.
    let matched = all.iter().find(|m| m.header.name == "MATCHEDXYZ").unwrap();
    assert_eq!((matched.header.week, matched.header.ms), (Some(2211), Some(233_514_000)));
    let Log::MatchedXyz(xyz) = decoded(&all, "MATCHEDXYZ")[0] else { panic!("MATCHEDXYZ") };
    assert_eq!((xyz.sol_status, xyz.pos_type), (SolStatus::SOL_COMPUTED, PosType::NARROW_INT));
    assert_eq!((xyz.x, xyz.y, xyz.z), (-1632848.228, -3662159.545, 4944902.5909));
    assert_eq!((xyz.x_sigma, xyz.y_sigma, xyz.z_sigma), (0.007, 0.0077, 0.0104));
    assert_eq!((xyz.stn_id.as_bytes(), xyz.num_svs, xyz.num_soln_svs), (&b"K250"[..], 36, 16));
    assert_eq!((xyz.num_ggl1, xyz.num_soln_multi_svs, xyz.reserved), (16, 15, 0));
    assert_eq!(
        (xyz.ext_sol_stat.0, xyz.gal_bds_sig_mask.0, xyz.gps_glo_sig_mask.0),
        (0x01, 0, 0x33)
    );
    assert_message_round_trip(matched);

    for message in &all {
        assert_message_round_trip(message);
    }
}

/// MATCHEDXYZ: no manual example was at hand. A body of typed values (BESTXYZ's position part of
/// the OEM7 manual example, `0` for the reserved byte) is decoded, its binary length checked
/// against NovAtel's decoder database (56 bytes) and encoded and decoded back.
#[test]
fn matchedxyz_layout() {
    let body = b"SOL_COMPUTED,NARROW_INT,-1632848.2165,-3662158.6200,4944901.2721,0.0134,0.0197,\
0.0259,\"TSTR\",44,40,40,39,0,00,7f,37";
    let log = typed_ascii("MATCHEDXYZ", body);
    let Log::MatchedXyz(xyz) = &log else { panic!("MATCHEDXYZ") };
    assert_eq!((xyz.sol_status, xyz.pos_type), (SolStatus::SOL_COMPUTED, PosType::NARROW_INT));
    assert_eq!((xyz.x, xyz.y, xyz.z), (-1632848.2165, -3662158.62, 4944901.2721));
    assert_eq!((xyz.z_sigma, xyz.stn_id.as_bytes()), (printed("0.0259"), &b"TSTR"[..]));
    assert_eq!((xyz.num_svs, xyz.num_soln_multi_svs, xyz.reserved), (44, 39, 0));
    assert_eq!((xyz.gal_bds_sig_mask.0, xyz.gps_glo_sig_mask.0), (0x7f, 0x37));
    let mut body = Vec::new();
    log.write_binary(&mut body);
    assert_eq!(body.len(), 56);
    assert_binary_round_trip(&log, 2209, 503_614_000, false);
}

/// INSCONFIG: no manual example was at hand. A body of typed values following NovAtel's decoder
/// database layout (fixed part, then two counted arrays of offsets) is decoded, its binary
/// length checked and encoded and decoded back.
#[test]
fn insconfig_layout() {
    use novatel::logs::{ImuType, InsOffset, InsOffsetFrame, InsProfile, SourceStatus};
    let body = b"LN200_400HZ,5,5,30,LAND_PLUS,10,AUTOMATIC,ECEF,FALSE,\
00000000,1,0,0,0,00000000,0,0,0,0,2,ANT1,IMUBODY,0.1000,0.2000,1.5000,0.0100,0.0100,0.0200,\
FROM_COMMAND,ANT2,IMUBODY,1.1000,0.2000,1.5000,0.0100,0.0100,0.0200,CALIBRATED,\
1,RBV,VEHICLE,0.0000,0.0000,90.0000,1.0000,1.0000,1.0000,FROM_NVM";
    let log = typed_ascii("INSCONFIG", body);
    let Log::InsConfig(config) = &log else { panic!("INSCONFIG") };
    assert_eq!(config.imu_type, ImuType::LN200_400HZ);
    assert_eq!((config.mapping, config.heave_window), (5, 30));
    assert_eq!((config.ins_profile, config.enabled_updates.0), (InsProfile::LAND_PLUS, 0x10));
    assert_eq!(config.translations.len(), 2);
    let ant2 = &config.translations[1];
    assert_eq!((ant2.offset_type, ant2.input_frame), (InsOffset::ANT2, InsOffsetFrame::IMUBODY));
    assert_eq!((ant2.offset.x, ant2.offset_stdev.z), (1.1, 0.02));
    assert_eq!(ant2.source_status, SourceStatus::CALIBRATED);
    assert_eq!(config.rotations.len(), 1);
    assert_eq!(
        (config.rotations[0].offset.z, config.rotations[0].offset_type),
        (90.0, InsOffset::RBV)
    );
    let mut body = Vec::new();
    log.write_binary(&mut body);
    assert_eq!(body.len(), 60 + 4 + 2 * 36 + 4 + 36);
    assert_binary_round_trip(&log, 2209, 503_614_000, false);
}
