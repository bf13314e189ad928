//! Checksums: NovAtel's CRC-32 and the NMEA XOR checksum.
//!
//! NovAtel's CRC-32 is the reflected polynomial 0xEDB88320 with initial value 0 and no final XOR.
//! The standard (zlib) CRC-32 uses the same polynomial with initial value and final XOR both
//! 0xFFFFFFFF, so NovAtel's value is obtained from the hardware-accelerated `crc32fast` by starting
//! it from the complement of 0 and complementing its result.

/// NovAtel CRC-32 of `data`.
#[inline]
pub fn crc32(data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(!0);
    hasher.update(data);
    !hasher.finalize()
}

/// True when `frame` ends with the little-endian NovAtel CRC-32 of everything before it.
///
/// A CRC run over data followed by its own CRC leaves a zero register, so the whole frame is
/// checked in one pass.
#[inline]
pub fn frame_crc_ok(frame: &[u8]) -> bool {
    frame.len() >= 4 && crc32(frame) == 0
}

/// NMEA 0183 checksum: XOR of the bytes between `$` and `*`.
#[inline]
pub fn nmea_checksum(data: &[u8]) -> u8 {
    data.iter().fold(0, |acc, b| acc ^ b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytewise_reference(data: &[u8]) -> u32 {
        let mut crc = 0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        crc
    }

    #[test]
    fn check_value() {
        assert_eq!(crc32(b"123456789"), 0x2DFD_2D88);
    }

    #[test]
    fn matches_bytewise_definition_at_every_length() {
        let data: Vec<u8> =
            (0..600u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(crc32(&data[..len]), bytewise_reference(&data[..len]), "length {len}");
        }
    }

    #[test]
    fn crc_over_frame_with_its_crc_is_zero() {
        let mut frame = b"some frame bytes".to_vec();
        let crc = crc32(&frame);
        frame.extend_from_slice(&crc.to_le_bytes());
        assert!(frame_crc_ok(&frame));
        frame[3] ^= 1;
        assert!(!frame_crc_ok(&frame));
    }

    #[test]
    fn nmea() {
        // $GPGGA example from NMEA 0183 documentation; checksum 0x47.
        let body = b"GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,";
        assert_eq!(nmea_checksum(body), 0x47);
    }
}
