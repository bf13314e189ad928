//! The decoders against the example logs of NovAtel's OEM7 manual (`fixtures/manual/`): every log
//! type the real recordings lack, in ASCII, short ASCII and abbreviated ASCII, and each one
//! re-encoded in binary and decoded back.

mod common;

use common::{
    assert_message_round_trip, assert_same_log, decoded, log_json, messages, read_fixture,
};
use novatel::enums::{ObservationStatus, SatelliteSystem, TimeStatus};
use novatel::logs::SatelliteId;
use novatel::{Event, Format, Header, Log, RejectReason, frames};

#[test]
fn every_manual_example_frames_and_decodes() {
    let data = read_fixture("manual/oem7_manual_examples.ASC");
    let mut it = frames(&data);
    let frames: Vec<_> = (&mut it).collect();
    assert_eq!(frames.len(), 24);
    assert_eq!(it.stats().total_rejected_bytes(), 0);
    let all = messages(&data);
    // Every example decodes.
    let undecoded: Vec<&str> =
        all.iter().filter(|m| m.log.is_none()).map(|m| m.header.name.as_ref()).collect();
    assert_eq!(undecoded, Vec::<&str>::new());
}

#[test]
fn values_of_the_logs_only_the_manual_has() {
    let data = read_fixture("manual/oem7_manual_examples.ASC");
    let all = messages(&data);

    let Log::Time(time) = decoded(&all, "TIME")[0] else { unreachable!() };
    assert_eq!(
        (time.utc_year, time.utc_month, time.utc_day, time.utc_hour, time.utc_min),
        (2022, 5, 13, 23, 5)
    );
    assert_eq!(
        (time.utc_ms, time.utc_offset, time.offset),
        (45_000, -17.999_999_996_30, -2.501_488_425e-9)
    );
    assert_eq!((time.clock_status.name(), time.utc_status.name()), (Some("VALID"), Some("VALID")));

    let Log::Heading2(heading) = decoded(&all, "HEADING2")[0] else { unreachable!() };
    assert_eq!(
        (heading.length, heading.heading, heading.pitch),
        (0.927_607_4, 178.347_87, -1.303_741_5)
    );
    assert_eq!(
        (heading.rover_stn_id.as_bytes(), heading.master_stn_id.as_bytes()),
        (&b"R222"[..], &b"AAAA"[..])
    );
    assert_eq!(
        (heading.num_svs, heading.ext_sol_stat.0, heading.gps_glo_sig_mask.0),
        (18, 1, 0x33)
    );

    let Log::HwMonitor(hw) = decoded(&all, "HWMONITOR")[0] else { unreachable!() };
    assert_eq!(hw.measurements.len(), 10);
    assert_eq!((hw.measurements[0].reading, hw.measurements[0].reading_type()), (59.218_563, 1));
    assert_eq!((hw.measurements[6].status.0, hw.measurements[6].reading_type()), (0x1100, 0x11));

    let Log::InsPvax(pvax) = decoded(&all, "INSPVAX")[0] else { unreachable!() };
    assert_eq!(
        (pvax.ins_status.name(), pvax.pos_type.name()),
        (Some("INS_SOLUTION_GOOD"), Some("INS_PPP"))
    );
    assert_eq!(
        (pvax.ext_sol_stat.0, pvax.time_since_update, pvax.azimuth),
        (0x1300_0045, 0, 157.960_833_016)
    );

    let Log::PsrDop2(dop) = decoded(&all, "PSRDOP2")[0] else { unreachable!() };
    assert_eq!((dop.gdop, dop.vdop, dop.systems.len()), (1.815, 1.349, 1));
    assert_eq!((dop.systems[0].system.name(), dop.systems[0].tdop), (Some("GPS"), 0.822));

    let inspvas = all.iter().find(|m| m.header.name == "INSPVAS").unwrap();
    assert_eq!(inspvas.header.format, Format::ShortAscii);
    assert_eq!(
        (inspvas.header.week, inspvas.header.ms, inspvas.header.time_status),
        (Some(2209), Some(490_712_000), None)
    );
    let Some(Log::InsPvas(pvas)) = &inspvas.log else { panic!("INSPVAS not decoded") };
    assert_eq!(
        (pvas.week, pvas.seconds, pvas.status.name()),
        (2209, 490_712.0, Some("INS_SOLUTION_GOOD"))
    );
}

#[test]
fn abbreviated_examples() {
    let data = read_fixture("manual/oem7_manual_abbreviated.txt");
    let mut it = frames(&data);
    let formats: Vec<_> = (&mut it)
        .map(|e| match e {
            Event::Frame(f) => Some(f.format),
            Event::Rejected(r) => {
                assert_eq!((r.reason, r.bytes), (RejectReason::Unframed, &b"[COM1]\r\n"[..]));
                None
            }
        })
        .collect();
    assert_eq!(
        formats,
        [Some(Format::Abbreviated); 6].into_iter().chain([None]).collect::<Vec<_>>()
    );
    let all = messages(&data);

    let Some(Log::SatVis2(glonass)) = &all[1].log else { panic!("SATVIS2 not decoded") };
    assert_eq!(
        (glonass.system, glonass.sat_vis.name(), all[1].header.sequence),
        (SatelliteSystem::GLONASS, Some("TRUE"), Some(5))
    );
    assert_eq!(glonass.satellites[0].id, SatelliteId { prn: 18, channel: -3 });
    assert_eq!(glonass.satellites[1].id, SatelliteId { prn: 19, channel: 3 });
    assert_eq!((glonass.satellites[1].elev, glonass.satellites[1].app_dop), (52.6, 1883.167));
    let Some(Log::SatVis2(navic)) = &all[2].log else { panic!("SATVIS2 not decoded") };
    assert_eq!(
        (navic.system, navic.complete_almanac.name(), navic.satellites.len()),
        (SatelliteSystem::NAVIC, Some("FALSE"), 0)
    );

    let Some(Log::BestSats(sats)) = &all[3].log else { panic!("BESTSATS not decoded") };
    assert_eq!(sats.satellites.len(), 7);
    assert_eq!(sats.satellites[3].status, ObservationStatus::SUPPLEMENTARY);
    assert_eq!(
        (sats.satellites[4].id, sats.satellites[6].signal_mask.0),
        (SatelliteId { prn: 1, channel: 1 }, 0x1d)
    );

    let Some(Log::Version(version)) = &all[4].log else { panic!("VERSION not decoded") };
    let card = &version.components[0];
    assert_eq!(
        (card.kind.name(), card.hw_version.as_bytes(), card.comp_time.as_bytes()),
        (Some("GPSCARD"), &b"OEM7700-1.00"[..], &b"11:16:48"[..])
    );
    assert_eq!(
        (version.components[1].model.as_bytes(), version.components[2].kind.name()),
        (&b""[..], Some("DB_WWWISO"))
    );

    let Some(Log::RxStatus(status)) = &all[5].log else { panic!("RXSTATUS not decoded") };
    assert_eq!(status.status.len(), 5, "OEM7 has five status words");
    assert_eq!((status.status[0].word.0, status.status[4].set.0), (0x0200_0020, 0xffff_ffff));
    assert_eq!(
        (all[5].header.ms, all[5].header.time_status),
        (Some(333_374_033), Some(TimeStatus::FINESTEERING))
    );
}

/// Every decoded example, encoded as a binary frame and decoded again, gives the same header
/// time and the same log, bit for bit.
#[test]
fn every_decoded_example_survives_a_binary_round_trip() {
    let mut checked = 0;
    for fixture in ["manual/oem7_manual_examples.ASC", "manual/oem7_manual_abbreviated.txt"] {
        let data = read_fixture(fixture);
        for message in messages(&data) {
            if message.log.is_none() {
                continue;
            }
            assert_message_round_trip(&message);
            checked += 1;
        }
    }
    assert_eq!(checked, 30);
}

/// A BESTPOSB frame from NovAtel's "ASCII to binary log conversion example", beside its ASCII
/// twin (the `#BESTPOSA,COM1,...,1803,27504.000` line of the examples file).
#[test]
fn bestposb_equals_its_documented_ascii_twin() {
    let hex = "aa44121c2a000020480000005eb40b0780ada30100000000456183250000000020000000\
               1011865b5868404009a4cc35038141408f537424 97ef33406666a2413d000000\
               4faf143d645d5c3defc9c33d30000000000040400000000012090900000000 01c3ef64d2";
    let hex: String = hex.split_whitespace().collect();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(bytes.len(), 104);
    let binary = &messages(&bytes)[0];
    let examples = read_fixture("manual/oem7_manual_examples.ASC");
    let all = messages(&examples);
    let ascii =
        all.iter().find(|m| m.header.name == "BESTPOS" && m.header.week == Some(1803)).unwrap();
    // Everything in the headers but the format agrees.
    assert_eq!(Header { format: Format::Ascii, ..binary.header.clone() }, ascii.header);
    assert_same_log(
        &log_json(binary.log.as_ref().unwrap()),
        &log_json(ascii.log.as_ref().unwrap()),
        ascii.body,
        "BESTPOS",
    );
}
