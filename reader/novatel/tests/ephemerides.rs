//! Ephemeris, ionosphere and raw navigation logs: GPSEPHEM against a real recording and NovAtel's
//! own ASCII of it, the others against the examples of NovAtel's OEM7 manual
//! (`fixtures/manual/ephemerides.ASC`): IONUTC, GLOEPHEMERIS, RAWEPHEM, BDSEPHEMERIS,
//! GALINAVEPHEMERIS, GALFNAVEPHEMERIS, QZSSEPHEMERIS and QZSSIONUTC.

mod common;

use common::{
    assert_binary_round_trip, assert_message_round_trip, decoded, messages, read_fixture,
    typed_ascii, with_id,
};
use novatel::logs::{GalFnavEphemeris, GalInavEphemeris, GalileoOrbit, GpsEphemeris, HexBytes};
use novatel::{Event, Format, Log, Message, frames};

/// Half a unit in the last printed digit of `token` (`2.656042496e+07`, `-8.93750000e+00`,
/// `317010.0`): the largest error a correctly rounded printout can have.
fn printed_half_ulp(token: &str) -> f64 {
    let (mantissa, exponent) = match token.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap()),
        None => (token, 0),
    };
    let decimals = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
    0.5 * 10f64.powi(exponent - decimals)
}

fn body_tokens(message: &Message<'_>) -> Vec<String> {
    std::str::from_utf8(message.body).unwrap().split(',').map(str::to_owned).collect()
}

/// The floats of GPSEPHEM with their position among the ASCII body's fields.
fn gpsephem_floats(e: &GpsEphemeris) -> [(usize, &'static str, f64); 24] {
    [
        (1, "tow", e.tow),
        (7, "toe", e.toe),
        (8, "a", e.a),
        (9, "delta_n", e.delta_n),
        (10, "m0", e.m0),
        (11, "ecc", e.ecc),
        (12, "omega", e.omega),
        (13, "cuc", e.cuc),
        (14, "cus", e.cus),
        (15, "crc", e.crc),
        (16, "crs", e.crs),
        (17, "cic", e.cic),
        (18, "cis", e.cis),
        (19, "i0", e.i0),
        (20, "i_dot", e.i_dot),
        (21, "omega0", e.omega0),
        (22, "omega_dot", e.omega_dot),
        (24, "toc", e.toc),
        (25, "tgd", e.tgd),
        (26, "af0", e.af0),
        (27, "af1", e.af1),
        (28, "af2", e.af2),
        (30, "n", e.n),
        (31, "ura", e.ura),
    ]
}

/// The 13 GPSEPHEMB frames of the OEMV capture equal, field by field, the 13 #GPSEPHEMA NovAtel's
/// converter printed of the same data: integers and flags exactly, every float to the precision
/// the ASCII printed it with (the ASCII rounds to 9 or 10 significant digits, so the binary
/// values carry more than the text).
#[test]
fn gpsephem_binary_equals_novatels_ascii() {
    let binary_data = read_fixture("real/test2_rcvr1.dat");
    let ascii_data = read_fixture("real/test2_rcvr1_decompressed.ASC");
    let binary = with_id(messages(&binary_data), 7);
    let ascii = with_id(messages(&ascii_data), 7);
    assert_eq!((binary.len(), ascii.len()), (13, 13));

    let mut rounded = 0;
    for b in &binary {
        assert_eq!(b.header.format, Format::Binary);
        let Some(Log::GpsEphem(be)) = &b.log else { panic!("GPSEPHEMB not decoded") };
        let a = ascii
            .iter()
            .find(|a| {
                matches!(&a.log, Some(Log::GpsEphem(ae)) if ae.prn == be.prn)
                    && (a.header.week, a.header.ms) == (b.header.week, b.header.ms)
            })
            .unwrap_or_else(|| panic!("no #GPSEPHEMA for PRN {}", be.prn));
        assert_eq!(a.header.format, Format::Ascii);
        let Some(Log::GpsEphem(ae)) = &a.log else { unreachable!() };
        let context = format!("PRN {} at {:?}", be.prn, b.header.ms);

        assert_eq!(
            (be.prn, be.health, be.iode1, be.iode2, be.week, be.z_week, be.iodc),
            (ae.prn, ae.health, ae.iode1, ae.iode2, ae.week, ae.z_week, ae.iodc),
            "{context}"
        );
        assert_eq!(be.anti_spoofing, ae.anti_spoofing, "{context}");

        let tokens = body_tokens(a);
        assert_eq!(tokens.len(), 32, "{context}: GPSEPHEM has 32 fields");
        for ((i, name, bv), (_, _, av)) in gpsephem_floats(be).into_iter().zip(gpsephem_floats(ae))
        {
            assert_eq!(av, tokens[i].parse::<f64>().unwrap(), "{context}: {name} parses");
            let tolerance = printed_half_ulp(&tokens[i]) * (1.0 + 1e-9);
            assert!(
                (bv - av).abs() <= tolerance,
                "{context}: {name}: binary {bv:e} vs ascii {} (tolerance {tolerance:e})",
                tokens[i]
            );
            rounded += usize::from(bv != av);
        }
    }
    // The text is rounded: most floats differ from their binary value in the last bits.
    assert!(rounded > 13 * 12, "only {rounded} floats were rounded by the text");

    // Spot values of PRN 1, as printed.
    let a = ascii.iter().find(|a| matches!(&a.log, Some(Log::GpsEphem(e)) if e.prn == 1)).unwrap();
    let Some(Log::GpsEphem(e)) = &a.log else { unreachable!() };
    assert_eq!((e.tow, e.health, e.iode1, e.week, e.toe), (317_010.0, 0, 46, 1761, 324_000.0));
    assert_eq!((e.a, e.ecc, e.m0), (2.656042496e7, 2.4175213184e-3, 2.202551220));
    assert_eq!((e.iodc, e.af0, e.af2, e.anti_spoofing.name()), (46, 8.32425e-5, 0.0, Some("TRUE")));
    assert_eq!((e.n, e.ura), (1.458583610e-4, 4.0));
}

#[test]
fn manual_examples_frame_and_decode() {
    let data = read_fixture("manual/ephemerides.ASC");
    let mut it = frames(&data);
    let events: Vec<_> = (&mut it).collect();
    assert_eq!(events.len(), 25);
    assert!(events.iter().all(|e| matches!(e, Event::Frame(f) if f.format == Format::Ascii)));
    assert_eq!(it.stats().total_rejected_bytes(), 0);
    let all = messages(&data);
    let names: Vec<&str> = all.iter().map(|m| m.header.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "IONUTC",
            "GLOEPHEMERIS",
            "GLOEPHEMERIS",
            "GLOEPHEMERIS",
            "RAWEPHEM",
            "RAWEPHEM",
            "RAWEPHEM",
            "RAWEPHEM",
            "BDSEPHEMERIS",
            "BDSEPHEMERIS",
            "BDSEPHEMERIS",
            "GALINAVEPHEMERIS",
            "GALINAVEPHEMERIS",
            "GALINAVEPHEMERIS",
            "GALINAVEPHEMERIS",
            "GALFNAVEPHEMERIS",
            "GALFNAVEPHEMERIS",
            "GALFNAVEPHEMERIS",
            "GALFNAVEPHEMERIS",
            "QZSSEPHEMERIS",
            "QZSSEPHEMERIS",
            "QZSSEPHEMERIS",
            "QZSSIONUTC",
            "GALCLOCK",
            "BDSCLOCK"
        ]
    );
    assert!(all.iter().all(|m| m.log.is_some()), "every example decodes");
}

#[test]
fn manual_example_values() {
    let data = read_fixture("manual/ephemerides.ASC");
    let all = messages(&data);

    let [Log::IonUtc(ion)] = decoded(&all, "IONUTC")[..] else { panic!("one IONUTC") };
    assert_eq!((ion.a0, ion.a3, ion.b0), (1.769512891769409e-8, -1.192092895507813e-7, 116_736.0));
    assert_eq!((ion.utc_wn, ion.tot, ion.wn_lsf, ion.dn), (2210, 61_440, 2185, 7));
    assert_eq!((ion.utc_a0, ion.utc_a1), (-5.587_935_447_692_871e-9, -1.243449788e-14));
    assert_eq!((ion.deltat_ls, ion.deltat_lsf, ion.reserved), (18, 18, 0));

    let glo = decoded(&all, "GLOEPHEMERIS");
    let Log::GloEphemeris(g) = glo[0] else { unreachable!() };
    assert_eq!((g.sloto, g.freqo, g.sat_type, g.reserved1), (51, 0, 1, 1));
    assert_eq!(
        (g.e_week, g.e_time, g.t_offset, g.nt, g.issue, g.health),
        (2209, 504_918_000, 10_782, 864, 93, 0)
    );
    assert_eq!(
        (g.pos_x, g.vel_z, g.ls_acc_x),
        (-7.557_760_253_906_25e6, -3.4957332611083984e3, -3.725290298461914e-6)
    );
    // The manual prints negative zeros; they survive as such.
    assert!(g.ls_acc_y == 0.0 && g.ls_acc_y.is_sign_negative());
    assert_eq!((g.tau_n, g.delta_tau_n), (-2.5724060833454132e-5, 5.587935448e-9));
    assert_eq!((g.tk, g.p, g.ft, g.age, g.flags), (83_910, 3, 2, 0, 28));
    let Log::GloEphemeris(g) = glo[1] else { unreachable!() };
    assert_eq!((g.sloto, g.freqo, g.reserved1, g.gamma), (43, 3, 255, -1.8189894035458564e-12));

    let raw = decoded(&all, "RAWEPHEM");
    let Log::RawEphem(r) = raw[0] else { unreachable!() };
    assert_eq!((r.prn, r.ref_week, r.ref_secs), (1, 2209, 504_000));
    assert_eq!(
        r.subframe1.to_hex(),
        "8b0284a1b8a52850000724918b913e21a92dc6ee0b217b0c00ffb72fac04"
    );
    assert_eq!(r.subframe2.0[..4], [0x8b, 0x02, 0x84, 0xa1]);
    assert_eq!(r.subframe3.0[29], 0xc4);
    let Log::RawEphem(r) = raw[3] else { unreachable!() };
    assert_eq!((r.prn, r.ref_secs), (30, 496_800));
    assert_ne!(r.subframe1, HexBytes([0; 30]));

    let bds = decoded(&all, "BDSEPHEMERIS");
    let Log::BdsEphemeris(b) = bds[0] else { unreachable!() };
    assert_eq!((b.satellite_id, b.week, b.ura, b.health1), (6, 853, 2.0, 0));
    assert_eq!((b.tgd1, b.tgd2, b.aodc, b.toc), (8.30e-9, -1.60e-9, 0, 493_200));
    assert_eq!(
        (b.a0, b.a1, b.a2, b.aode, b.toe),
        (-2.22835224e-5, 7.54090124e-11, 0.0, 1, 493_200)
    );
    assert_eq!(
        (b.root_a, b.ecc, b.omega, b.m0),
        (6493.813231, 2.7420885162e-3, -2.990457924, -2.306284799)
    );
    assert_eq!((b.crc, b.crs, b.cis), (-660.21875, -168.390625, -1.862645149e-9));
    let Log::BdsEphemeris(b) = bds[2] else { unreachable!() };
    assert_eq!((b.satellite_id, b.aodc, b.root_a), (46, 1, 5282.635483));
}

/// The Galileo examples print the same ephemeris (same IODnav) of each satellite from I/NAV and
/// from F/NAV: the orbit must come out the same from both logs, field by field.
fn same_galileo_orbit(i: &GalInavEphemeris, f: &GalFnavEphemeris) {
    assert_eq!(
        (i.satellite_id, i.iodnav, i.sisa_index, i.toe, i.toc),
        (f.satellite_id, f.iodnav, f.sisa_index, f.toe, f.toc)
    );
    // Everything but the clock bias, which belongs to each message's own clock set.
    assert_eq!(
        GalileoOrbit { af0: 0.0, ..i.orbit.clone() },
        GalileoOrbit { af0: 0.0, ..f.orbit.clone() }
    );
}

#[test]
fn manual_galileo_and_qzss_values() {
    let data = read_fixture("manual/ephemerides.ASC");
    let all = messages(&data);

    let inav: Vec<&GalInavEphemeris> = decoded(&all, "GALINAVEPHEMERIS")
        .into_iter()
        .map(|l| match l {
            Log::GalInavEphemeris(e) => e,
            other => panic!("{other:?}"),
        })
        .collect();
    let fnav: Vec<&GalFnavEphemeris> = decoded(&all, "GALFNAVEPHEMERIS")
        .into_iter()
        .map(|l| match l {
            Log::GalFnavEphemeris(e) => e,
            other => panic!("{other:?}"),
        })
        .collect();
    let i = inav[0];
    assert_eq!((i.satellite_id, i.e5b_health, i.e5b_dvs, i.e1b_health, i.e1b_dvs), (2, 0, 0, 0, 0));
    assert_eq!((i.reserved1, i.reserved2, i.reserved3, i.reserved4), (0, 0, 0, 0));
    assert_eq!((i.iodnav, i.sisa_index, i.source, i.toe, i.toc), (68, 107, 3, 501_600, 501_600));
    assert_eq!((i.orbit.m0, i.orbit.delta_n, i.orbit.ecc), (1.94195529, 3.0676e-9, 3.055053530e-4));
    // sqrt(A): about 5440 m^½, Galileo's 29600 km semi-major axis.
    assert_eq!(i.orbit.root_a, 5.44060316e3);
    assert_eq!(
        (i.orbit.i0, i.orbit.i_dot, i.orbit.omega0, i.orbit.omega),
        (0.9740321573, 5.6931e-10, 0.6473214246, 0.3503504077)
    );
    assert_eq!(
        (i.orbit.omega_dot, i.orbit.cuc, i.orbit.cus),
        (-5.8141708e-9, 7.6238e-6, 4.7404e-6)
    );
    assert_eq!(
        (i.orbit.crc, i.orbit.crs, i.orbit.cic, i.orbit.cis),
        (240.9, 161.0, -5.0291e-8, 2.9802e-8)
    );
    assert_eq!((i.orbit.af0, i.orbit.af1, i.orbit.af2), (2.989528002e-4, 2.359002e-12, 0.0));
    assert_eq!((i.orbit.bgd_e1_e5a, i.bgd_e1_e5b), (-6.985e-10, -1.630e-9));
    let i = inav[3];
    assert_eq!((i.satellite_id, i.iodnav, i.toe, i.orbit.root_a), (36, 70, 502_800, 5.44061532e3));
    assert_eq!(i.bgd_e1_e5b, 7.218e-9);

    let f = fnav[0];
    assert_eq!(
        (f.satellite_id, f.e5a_health, f.e5a_dvs, f.reserved1, f.reserved2),
        (2, 0, 0, 0, 0)
    );
    assert_eq!((f.iodnav, f.sisa_index, f.reserved3, f.toe, f.toc), (68, 107, 0, 501_600, 501_600));
    // The F/NAV clock (E1/E5a) differs from the I/NAV one (E1/E5b) in af0.
    assert_eq!((f.orbit.af0, f.orbit.bgd_e1_e5a), (2.989536151e-4, -6.985e-10));
    assert_ne!(f.orbit.af0, inav[0].orbit.af0);
    for (i, f) in inav.iter().zip(&fnav) {
        same_galileo_orbit(i, f);
    }

    let qzss = decoded(&all, "QZSSEPHEMERIS");
    let Log::QzssEphemeris(first) = qzss[0] else { panic!("QZSSEPHEMERIS not decoded") };
    let q = &first.ephemeris;
    assert_eq!((q.prn, q.tow, q.health, q.iode1, q.iode2), (194, 512_010.0, 0, 121, 121));
    assert_eq!((q.week, q.z_week, q.toe), (2209, 2209, 514_800.0));
    // The semi-major axis itself, in metres: about 42 160 km for a quasi-zenith orbit.
    assert_eq!(
        (q.a, q.delta_n, q.m0, q.ecc),
        (4.215826861e7, 2.486532145e-9, -3.127432312, 7.6143292477e-2)
    );
    assert_eq!(
        (q.crc, q.crs, q.i0, q.omega_dot),
        (420.75, 1023.96875, 0.73058678204, -2.86190492e-9)
    );
    assert_eq!((q.iodc, q.toc, q.tgd), (889, 514_800.0, 9.313225746e-10));
    assert_eq!((q.af0, q.af1, q.af2), (-1.13156e-7, -1.13687e-13, 0.0));
    assert_eq!(q.anti_spoofing.name(), Some("FALSE"));
    assert_eq!((q.n, q.ura, first.fit_interval), (7.293896144e-5, 7.84, 0));
    assert_eq!((first.reserved1, first.reserved2, first.reserved3), (0, 0, 0));
    let Log::QzssEphemeris(third) = qzss[2] else { unreachable!() };
    let q = &third.ephemeris;
    assert_eq!((q.prn, q.iodc, q.tgd, q.af0), (196, 857, -3.725290298e-9, 1.01195e-4));

    let [Log::QzssIonUtc(ion)] = decoded(&all, "QZSSIONUTC")[..] else { panic!("one QZSSIONUTC") };
    assert_eq!(
        (ion.a0, ion.a3, ion.b0, ion.b3),
        (1.862645149230957e-8, -5.364418029785156e-7, 129_024.0, -655_360.0)
    );
    assert_eq!(
        (ion.utc_wn, ion.tot, ion.utc_a0, ion.utc_a1),
        (2210, 94_208, -2.7939677238464355e-9, 0.0)
    );
    assert_eq!(
        (ion.wn_lsf, ion.dn, ion.deltat_ls, ion.deltat_lsf, ion.reserved),
        (2185, 7, 18, 18, 0)
    );
}

/// Binary bodies have the widths of NovAtel's decoder database: re-encoding each example gives a
/// body of exactly the length `database.json` adds up to.
#[test]
fn binary_body_lengths_match_novatels_database() {
    let data = read_fixture("manual/ephemerides.ASC");
    for message in messages(&data) {
        let log = message.log.as_ref().unwrap();
        let mut body = Vec::new();
        log.write_binary(&mut body);
        let expected = match message.header.name.as_ref() {
            "IONUTC" | "QZSSIONUTC" => 108,
            "GLOEPHEMERIS" => 144,
            "RAWEPHEM" => 102,
            "BDSEPHEMERIS" => 196,
            "GALINAVEPHEMERIS" => 184,
            "GALFNAVEPHEMERIS" => 172,
            "QZSSEPHEMERIS" => 228,
            "GALCLOCK" => 64,
            "BDSCLOCK" => 72,
            other => panic!("unexpected {other}"),
        };
        assert_eq!(body.len(), expected, "{}", message.header.name);
    }
}

/// Each example, encoded in binary and decoded again, gives the same header time and log.
#[test]
fn manual_examples_survive_a_binary_round_trip() {
    let data = read_fixture("manual/ephemerides.ASC");
    let mut checked = 0;
    for message in messages(&data) {
        assert_message_round_trip(&message);
        checked += 1;
    }
    assert_eq!(checked, 25);
}

/// GALCLOCK and BDSCLOCK: the manual's examples (docs.novatel.com/OEM7/Content/Logs/GALCLOCK.htm
/// and BDSCLOCK.htm, CRCs matching), values as printed.
#[test]
fn galclock_and_bdsclock_of_the_manual() {
    let data = read_fixture("manual/ephemerides.ASC");
    let all = messages(&data);
    let [Log::GalClock(gal)] = decoded(&all, "GALCLOCK")[..] else { panic!("one GALCLOCK") };
    assert_eq!((gal.a0, gal.a1, gal.delta_tls, gal.tot), (9.313225746e-10, 0.0, 18, 432_000));
    assert_eq!((gal.wnt, gal.wnlsf, gal.dn, gal.delta_tlsf), (161, 137, 7, 18));
    assert_eq!((gal.a0g, gal.a1g, gal.t0g, gal.wn0g), (2.5902e-09, 1.199e-14, 518_400, 33));
    let [Log::BdsClock(bds)] = decoded(&all, "BDSCLOCK")[..] else { panic!("one BDSCLOCK") };
    assert_eq!((bds.a0_utc, bds.a1_utc), (-9.313225746154785e-10, -9.769962616701378e-15));
    assert_eq!((bds.delta_tls, bds.wnlsf, bds.dn, bds.delta_tlsf), (4, 61, 6, 4));
    assert_eq!([bds.a0_gps, bds.a1_gps, bds.a0_gal, bds.a1_gal, bds.a0_glo, bds.a1_glo], [0.0; 6]);
}

/// GALIONO, BDSIONO and RAWSBASFRAME: no manual example was at hand, so these check the layout
/// of NovAtel's decoder database (body lengths) and a text body of typed values, decoded,
/// encoded in a binary frame and decoded back.
#[test]
fn galiono_bdsiono_and_rawsbasframe_layouts() {
    use novatel::logs::{BdsIono, GalIono, RawSbasFrame};
    let body: &[u8] = b"62.75,0.2265625,0.0010986328125,0,0,1,0,0";
    let gal = typed_ascii("GALIONO", body);
    let Log::GalIono(GalIono { ai0, ai1, ai2, sf1, sf3, .. }) = gal.clone() else { panic!() };
    assert_eq!((ai0, ai1, ai2, sf1, sf3), (62.75, 0.2265625, 0.0010986328125, 0, 1));
    let mut out = Vec::new();
    gal.write_binary(&mut out);
    assert_eq!(out.len(), 29);
    assert_binary_round_trip(&gal, 2209, 503_614_000, false);

    let body: &[u8] = b"14,1.024454832077026e-08,2.235174179077148e-08,-5.960464477539062e-08,\
-1.192092895507812e-07,88064.0,49152.0,-131072.0,-196608.0";
    let bds = typed_ascii("BDSIONO", body);
    let Log::BdsIono(BdsIono { prn, alpha0, beta3, .. }) = bds.clone() else { panic!() };
    assert_eq!((prn, alpha0, beta3), (14, 1.024454832077026e-08, -196608.0));
    let mut out = Vec::new();
    bds.write_binary(&mut out);
    assert_eq!(out.len(), 68);
    assert_binary_round_trip(&bds, 2209, 503_614_000, false);

    let body: &[u8] = b"-1,138,63,9a0c9ffc00ffe9ffc033ffc005ffdffc121ffc00403ba2b9b97bbb95c0,41";
    let sbas = typed_ascii("RAWSBASFRAME", body);
    let Log::RawSbasFrame(RawSbasFrame { decoder, prn, message_id, data, signal_channel }) =
        sbas.clone()
    else {
        panic!()
    };
    assert_eq!((decoder, prn, message_id, signal_channel), (-1, 138, 63, 41));
    assert_eq!(data.0[..3], [0x9a, 0x0c, 0x9f]);
    let mut out = Vec::new();
    sbas.write_binary(&mut out);
    assert_eq!(out.len(), 45);
    assert_binary_round_trip(&sbas, 2209, 503_614_000, false);
}
