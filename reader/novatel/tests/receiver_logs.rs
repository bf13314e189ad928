//! Tracking, satellite, receiver and configuration logs: RXHWLEVELS against a real recording and
//! NovAtel's own ASCII conversion of it, RTKDOP2 and RXSTATUSEVENT against the manual examples
//! already in `oem7_manual_examples.ASC`, and VALIDMODELS and TRACKSTAT against the manual's
//! examples in `receiver_logs.ASC` and `receiver_logs_abbreviated.txt`.

mod common;

use common::{
    assert_binary_round_trip, assert_message_round_trip, decoded, message, messages, read_fixture,
    typed_ascii, with_id,
};
use novatel::enums::{ObservationStatus, PosType, SolStatus, TimingSystem};
use novatel::{Event, Format, Log, Message, decode, encode, frames};

#[test]
fn rxhwlevels_binary_equals_novatels_ascii_field_by_field() {
    let gps = read_fixture("real/OneEach.GPS");
    let asc = read_fixture("real/OneEach.ASC");
    let binary = with_id(messages(&gps), 195);
    let ascii = with_id(messages(&asc), 195);
    assert_eq!((binary.len(), ascii.len()), (1, 1));
    assert_eq!(binary[0].header.format, Format::Binary);
    assert_eq!(ascii[0].header.format, Format::Ascii);
    let Some(Log::RxHwLevels(b)) = &binary[0].log else { panic!("binary RXHWLEVELS not decoded") };
    let Some(Log::RxHwLevels(a)) = &ascii[0].log else { panic!("ASCII RXHWLEVELS not decoded") };
    // The ASCII prints three decimals.
    let close = |x: f32, y: f32| (x - y).abs() <= 0.0005 + y.abs() * 1e-6;
    let pairs = [
        ("temp", b.temp, a.temp),
        ("ant_current", b.ant_current, a.ant_current),
        ("core_volt", b.core_volt, a.core_volt),
        ("supply_volt", b.supply_volt, a.supply_volt),
        ("rf_volt", b.rf_volt, a.rf_volt),
        ("int_lna_volt", b.int_lna_volt, a.int_lna_volt),
        ("gpai", b.gpai, a.gpai),
        ("reserved1", b.reserved1, a.reserved1),
        ("reserved2", b.reserved2, a.reserved2),
        ("lna_volt", b.lna_volt, a.lna_volt),
    ];
    for (name, b, a) in pairs {
        assert!(close(b, a), "{name}: binary {b} vs ascii {a}");
    }
    assert_eq!(
        (a.temp, a.ant_current, a.core_volt, a.supply_volt, a.rf_volt),
        (42.938, 0.035, 1.356, 4.787, 5.066)
    );
    assert_eq!((a.int_lna_volt, a.gpai, a.lna_volt), (0.0, 0.0, 5.0));
    assert_eq!(a.reserved1, 1.177);
    assert_message_round_trip(&ascii[0]);
}

#[test]
fn rtkdop2_and_rxstatusevent_of_the_manual_examples() {
    let data = read_fixture("manual/oem7_manual_examples.ASC");
    let all = messages(&data);

    let [Log::RtkDop2(dop)] = decoded(&all, "RTKDOP2")[..] else { panic!("one RTKDOP2") };
    assert_eq!((dop.gdop, dop.pdop, dop.hdop, dop.vdop), (1.429, 1.115, 0.697, 0.871));
    let systems: Vec<_> = dop.systems.iter().map(|s| (s.system, s.tdop)).collect();
    assert_eq!(systems, [(TimingSystem::GPS, 0.566), (TimingSystem::GLONASS, 0.691)]);

    let events = decoded(&all, "RXSTATUSEVENT");
    let [Log::RxStatusEvent(first), Log::RxStatusEvent(second)] = events[..] else {
        panic!("two RXSTATUSEVENT")
    };
    assert_eq!(
        (first.word.name(), first.bitposition, first.event.name()),
        (Some("AUX4"), 28, Some("SET"))
    );
    assert_eq!(first.description.as_bytes(), b"High PPP PDOP");
    assert_eq!((second.word.name(), second.bitposition), (Some("AUX4"), 0));
    assert_eq!(second.description.as_bytes(), b"<60% available SVs tracked well");

    for message in
        all.iter().filter(|m| matches!(m.log, Some(Log::RtkDop2(_) | Log::RxStatusEvent(_))))
    {
        assert_message_round_trip(message);
    }
}

#[test]
fn validmodels_of_the_manual() {
    let data = read_fixture("manual/receiver_logs.ASC");
    let mut it = frames(&data);
    assert_eq!((&mut it).count(), 2);
    assert_eq!(it.stats().total_rejected_bytes(), 0);
    let all = messages(&data);
    let [Log::ValidModels(models)] = decoded(&all, "VALIDMODELS")[..] else {
        panic!("one VALIDMODELS")
    };
    assert_eq!(models.models.len(), 1);
    let model = &models.models[0];
    assert_eq!(model.model.0, "FFNRNNCBES1");
    assert_eq!((model.expyear, model.expmonth, model.expday), (0, 0, 0));
    assert_eq!((all[0].header.week, all[0].header.ms), (Some(2209), Some(515_587_940)));
    for message in &all {
        assert_message_round_trip(message);
    }
}

#[test]
fn trackstat_of_the_manual_abbreviated_example() {
    let data = read_fixture("manual/receiver_logs_abbreviated.txt");
    let all = messages(&data);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].header.format, Format::Abbreviated);
    let [Log::TrackStat(track)] = decoded(&all, "TRACKSTAT")[..] else { panic!("one TRACKSTAT") };
    assert_eq!(
        (track.sol_status, track.pos_type, track.cutoff),
        (SolStatus::SOL_COMPUTED, PosType::PPP, 5.0)
    );
    assert_eq!(track.channels.len(), 7);
    let first = &track.channels[0];
    assert_eq!((first.prn, first.glofreq, first.ch_tr_status.0), (26, 0, 0x1810_dc04));
    assert_eq!((first.psr, first.doppler, first.c_no), (22_959_963.689, 1368.049, 47.443));
    assert_eq!((first.locktime, first.psr_res, first.psr_weight), (1767.33, -0.428, 0.591));
    assert_eq!(first.reject, ObservationStatus::GOOD);
    assert_eq!(track.channels[3].reject, ObservationStatus::OBSL5);
    let idle = &track.channels[4];
    assert_eq!(
        (idle.prn, idle.ch_tr_status.0, idle.reject),
        (0, 0x0200_8000, ObservationStatus::NA)
    );
    assert_eq!(track.channels[5].doppler, -2643.823);
    assert_message_round_trip(&all[0]);
}

/// RXCONFIG test vectors of NovAtel's own decoder (novatel/novatel_edie,
/// `src/decoders/oem/test/rx_config_test.cpp`): two ASCII logs whose outer CRCs check, and two
/// binary logs whose CRCs check. The embedded command's CRC is kept as sent: in these vectors it
/// is not the CRC-32 of the embedded text or of the embedded header and body, so it is not
/// checked.
const RXCONFIG_INTERFACEMODE_ASCII: &[u8] = b"#RXCONFIGA,COM1,0,54.0,FINESTEERING,2172,155744.316,\
02010000,f702,16248;#INTERFACEMODEA,COM1,0,54.0,FINESTEERING,2172,155744.316,02010000,f702,16248;\
COM1,NOVATEL,NOVATEL,ON*ca0f5c51*71be1427\r\n";
const RXCONFIG_ADJUST1PPS_ASCII: &[u8] = b"#RXCONFIGA,COM2,235,77.0,UNKNOWN,0,0.727,02000020,f702,\
17002;#ADJUST1PPSA,COM2,235,77.0,UNKNOWN,0,0.727,02000020,f702,17002;OFF*4c2dbb6d*1600a42a\r\n";
const RXCONFIG_INTERFACEMODE_BINARY: &str = "aa44121c800000203000000065b47c083c7848090000010202f7783f\
aa44121c030000201000000065b47c083c7848090000010202f7783f01000000010000000100000001000000\
6774b2ec0ed1fb06";
const RXCONFIG_SERIALCONFIG_BINARY: &str = "aa44121c800000403c0000009cb4bb0847746a182000000202f76a42\
aa44121cde0400401c0000009cb4bb0847746a182000000202f76a4202000000000807000000000008000000010000\
000000000001000000f4d746655d3dedf6";

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// Frames `data`, which must be exactly one frame, and decodes it.
fn one_message(data: &[u8]) -> Message<'_> {
    let mut it = frames(data);
    let events: Vec<_> = (&mut it).collect();
    let [Event::Frame(frame)] = events.as_slice() else { panic!("not one frame: {events:?}") };
    assert_eq!(frame.bytes.len(), data.len());
    assert_eq!(it.stats().total_rejected_bytes(), 0);
    decode(frame).unwrap()
}

#[test]
fn rxconfig_ascii_frames_whole_and_decodes_its_embedded_command() {
    let message = one_message(RXCONFIG_INTERFACEMODE_ASCII);
    assert_eq!((message.header.name.as_ref(), message.header.id), ("RXCONFIG", Some(128)));
    assert_eq!((message.header.week, message.header.ms), (Some(2172), Some(155_744_316)));
    let Some(Log::RxConfig(config)) = &message.log else { panic!("RXCONFIG not decoded") };
    assert_eq!((config.id, config.name(), config.format()), (3, Some("INTERFACEMODE"), 1));
    assert_eq!((config.port.0, config.sequence, config.idle_time), (0x20, 0, 108));
    assert_eq!(config.time_status, novatel::enums::TimeStatus::FINESTEERING);
    assert_eq!((config.week, config.ms), (2172, 155_744_316));
    assert_eq!(
        (config.receiver_status.0, config.reserved.0, config.sw_version),
        (0x0201_0000, 0xf702, 16248)
    );
    assert_eq!(config.body.0, b"COM1,NOVATEL,NOVATEL,ON");
    assert_eq!(config.crc.0, 0xca0f_5c51);
    assert_message_round_trip(&message);

    let message = one_message(RXCONFIG_ADJUST1PPS_ASCII);
    let Some(Log::RxConfig(config)) = &message.log else { panic!("RXCONFIG not decoded") };
    assert_eq!((config.id, config.name(), config.sequence), (429, Some("ADJUST1PPS"), 235));
    assert_eq!((config.port.0, config.idle_time, config.week, config.ms), (0x40, 154, 0, 727));
    assert_eq!(config.time_status, novatel::enums::TimeStatus::UNKNOWN);
    assert_eq!((config.body.0.as_slice(), config.crc.0), (&b"OFF"[..], 0x4c2d_bb6d));
    assert_message_round_trip(&message);

    // Both logs back to back, and each cut at every byte: the framer waits for the second
    // checksum instead of rejecting the log at its first one.
    let both = [RXCONFIG_INTERFACEMODE_ASCII, RXCONFIG_ADJUST1PPS_ASCII].concat();
    let mut framer = novatel::Framer::new();
    let mut lengths = Vec::new();
    for chunk in both.chunks(7) {
        framer.push(chunk);
        while let Some(event) = framer.next_event() {
            match event {
                Event::Frame(frame) => lengths.push(frame.bytes.len()),
                Event::Rejected(r) => panic!("rejected {r:?}"),
            }
        }
    }
    framer.finish();
    if let Some(event) = framer.next_event() {
        panic!("left over: {event:?}");
    }
    assert_eq!(lengths, [RXCONFIG_INTERFACEMODE_ASCII.len(), RXCONFIG_ADJUST1PPS_ASCII.len()]);
}

#[test]
fn rxconfig_ascii_with_a_bad_outer_crc_is_rejected_whole() {
    let mut bad = RXCONFIG_ADJUST1PPS_ASCII.to_vec();
    let at = bad.len() - 3;
    bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
    let mut it = frames(&bad);
    assert_eq!((&mut it).filter(|e| matches!(e, Event::Frame(_))).count(), 0);
    let stats = it.stats();
    assert_eq!(stats.rejected_bytes(novatel::RejectReason::BadCrc), bad.len() as u64);
}

#[test]
fn rxconfig_binary_of_novatels_decoder_tests() {
    let bytes = unhex(RXCONFIG_INTERFACEMODE_BINARY);
    let message = one_message(&bytes);
    let Some(Log::RxConfig(config)) = &message.log else { panic!("RXCONFIG not decoded") };
    assert_eq!((config.id, config.name(), config.format()), (3, Some("INTERFACEMODE"), 0));
    assert_eq!(
        (config.port.0, config.idle_time, config.week, config.ms),
        (0x20, 0x65, 2172, 155_744_316)
    );
    assert_eq!(
        (config.receiver_status.0, config.reserved.0, config.sw_version),
        (0x0201_0000, 0xf702, 16248)
    );
    assert_eq!(config.body.0, [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(config.crc.0, 0xecb2_7467);
    // Re-encoded with the decoded header, the frame comes out byte for byte.
    let mut again = Vec::new();
    encode(&message.header, message.log.as_ref().unwrap(), &mut again).unwrap();
    assert_eq!(again, bytes);
    assert_message_round_trip(&message);

    let bytes = unhex(RXCONFIG_SERIALCONFIG_BINARY);
    let message = one_message(&bytes);
    let Some(Log::RxConfig(config)) = &message.log else { panic!("RXCONFIG not decoded") };
    assert_eq!((config.id, config.name(), config.port.0), (1246, Some("SERIALCONFIG"), 0x40));
    assert_eq!((config.week, config.ms), (2235, 409_629_767));
    // SERIALCONFIG COM2 460800 N 8 1 N ON, as NovAtel's decoder shows it.
    assert_eq!(config.body.0.len(), 28);
    assert_eq!(&config.body.0[4..8], &460_800u32.to_le_bytes());
    let mut again = Vec::new();
    encode(&message.header, message.log.as_ref().unwrap(), &mut again).unwrap();
    assert_eq!(again, bytes);
}

/// LOGLIST: the ASCII log of NovAtel's own decoder tests (novatel/novatel_edie, Python
/// `test_ASCII_LOGLIST`; its CRC matches), in `fixtures/manual/receiver_logs.ASC`.
#[test]
fn loglist_of_novatels_decoder_tests() {
    use novatel::logs::{Hold, LogTrigger, LoggedMessage, PortAddress};
    let data = read_fixture("manual/receiver_logs.ASC");
    let all = messages(&data);
    let [Log::LogList(list)] = decoded(&all, "LOGLIST")[..] else { panic!("one LOGLIST") };
    assert_eq!(list.logs.len(), 6);
    let first = &list.logs[0];
    assert_eq!(first.port, PortAddress(0x20));
    assert_eq!(first.message, LoggedMessage::new(94, LoggedMessage::ASCII, false, 0));
    assert_eq!((first.trigger, first.on_time, first.hold), (LogTrigger::ONNEW, 0.0, Hold::HOLD));
    let interfacemode = &list.logs[1];
    assert_eq!(interfacemode.message, LoggedMessage::new(3, LoggedMessage::ABBREVIATED, false, 0));
    assert_eq!((interfacemode.trigger, interfacemode.on_time), (LogTrigger::ONTIME, 20.0));
    assert_eq!(interfacemode.hold, Hold::NOHOLD);
    let last = &list.logs[5];
    assert_eq!(last.port.name().as_deref(), Some("CCOM1"));
    assert_eq!(last.message.name().as_deref(), Some("INSPVASDCMPB"));
    assert_eq!((last.message.id(), last.message.format()), (1890, LoggedMessage::BINARY));
    assert_eq!((last.trigger, last.on_time, last.offset), (LogTrigger::ONTIME, 1.0, 0.0));
    assert_message_round_trip(message(&all, "LOGLIST"));
}

/// ITDETECTSTATUS: the manual's example (docs.novatel.com/OEM7/Content/Logs/ITDETECTSTATUS.htm)
/// is not in the fixture, as its printed CRC `5e83b175` does not match its text (computed
/// `87381101`). Its values are typed here instead, in a body whose CRC is computed here; the log
/// is then encoded in a binary frame and decoded back.
#[test]
fn itdetectstatus_from_the_manual_example_values() {
    use novatel::logs::{InterferenceDetectMethod, RfPath};
    let body = b"3,L1,STATISTICANALYSIS,-0.718,29.167,0.126,12.797,00000000,00000000,00000000,\
L2,SPECTRUMANALYSIS,1249.961,71.191,-56.769,-132.907,00000000,00000000,00000000,\
L2,SPECTRUMANALYSIS,1289.512,1.978,-75.967,-138.493,00000000,00000000,00000000";
    let log = typed_ascii("ITDETECTSTATUS", body);
    let Log::ItDetectStatus(status) = &log else { panic!("ITDETECTSTATUS") };
    assert_eq!(status.interferences.len(), 3);
    let [stat, spec, _] = &status.interferences[..] else { panic!() };
    assert_eq!(
        (stat.rf_path, stat.method),
        (RfPath::L1, InterferenceDetectMethod::STATISTICANALYSIS)
    );
    assert_eq!((stat.parameter1, stat.parameter4), (-0.718, 12.797));
    assert_eq!(
        (spec.rf_path, spec.method),
        (RfPath::L2, InterferenceDetectMethod::SPECTRUMANALYSIS)
    );
    assert_eq!(
        (spec.parameter1, spec.parameter2, spec.parameter3, spec.parameter4),
        (1249.961, 71.191, -56.769, -132.907)
    );
    assert_eq!((spec.severity1.0, spec.severity2.0, spec.reserved.0), (0, 0, 0));
    let mut body = Vec::new();
    log.write_binary(&mut body);
    assert_eq!(body.len(), 4 + 3 * 36);
    assert_binary_round_trip(&log, 2209, 503_614_000, false);
}
