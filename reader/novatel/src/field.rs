//! Reading and writing the fields of log bodies in binary and in text (ASCII and abbreviated
//! ASCII), one definition per field type.
//!
//! A log is a struct whose fields implement [`Field`] in wire order; the [`log_struct!`] macro
//! derives the struct's own `Field` implementation from that order, so the binary decoder, the
//! ASCII decoder and the binary encoder of a log can never disagree about its layout.

use serde::{Serialize, Serializer};

use super::error::FieldError;

/// Reads a binary body front to back.
#[derive(Debug)]
pub struct BinReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BinReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub fn take<const N: usize>(&mut self) -> Result<[u8; N], FieldError> {
        let bytes = self.data.get(self.pos..self.pos + N).ok_or(FieldError::BinaryTooShort {
            at: self.pos,
            need: N,
            len: self.data.len(),
        })?;
        self.pos += N;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
}

/// Reads the fields of a text body: comma-separated for ASCII, space-separated over `<`-prefixed
/// lines for abbreviated ASCII. A field in double quotes may hold separators.
#[derive(Debug)]
pub struct TextReader<'a> {
    text: &'a str,
    pos: usize,
    index: usize,
    abbreviated: bool,
}

impl<'a> TextReader<'a> {
    /// A reader of comma-separated fields; fails if `text` is not text.
    pub fn ascii(text: &'a [u8]) -> Result<Self, FieldError> {
        Self::new(text, false)
    }

    /// A reader of space-separated fields on `<`-prefixed lines; fails if `text` is not text.
    pub fn abbreviated(text: &'a [u8]) -> Result<Self, FieldError> {
        Self::new(text, true)
    }

    fn new(text: &'a [u8], abbreviated: bool) -> Result<Self, FieldError> {
        // Checked once here, so that fields are slices of a `str` with no further checks.
        let text =
            std::str::from_utf8(text).map_err(|e| FieldError::NotText { at: e.valid_up_to() })?;
        Ok(Self { text, pos: 0, index: 0, abbreviated })
    }

    /// The next field, without its quotes.
    pub fn token(&mut self) -> Result<&'a str, FieldError> {
        let bytes = self.text.as_bytes();
        let is_space = |b: u8| matches!(b, b' ' | b'\r' | b'\n' | b'<' | b'\t');
        if self.abbreviated {
            while self.pos < bytes.len() && is_space(bytes[self.pos]) {
                self.pos += 1;
            }
        }
        // For ASCII, one position past the end means the last field was followed by no comma.
        let exhausted =
            if self.abbreviated { self.pos >= bytes.len() } else { self.pos > bytes.len() };
        if exhausted {
            return Err(FieldError::TextTooShort { fields: self.index });
        }
        let rest = &bytes[self.pos..];
        let (start, end, consumed) = if rest.first() == Some(&b'"') {
            match memchr::memchr(b'"', &rest[1..]) {
                Some(close) => (1, 1 + close, close + 2),
                None => (1, rest.len(), rest.len()),
            }
        } else {
            // Fields are a few characters long: a plain loop beats a vectorised search here.
            let end = if self.abbreviated {
                rest.iter().position(|&b| is_space(b))
            } else {
                rest.iter().position(|&b| b == b',')
            }
            .unwrap_or(rest.len());
            (0, end, end)
        };
        // Separators and quotes are ASCII, so these are character boundaries.
        let token = &self.text[self.pos + start..self.pos + end];
        // Step over the field and, for ASCII, its comma (one past the end marks "no more").
        self.pos += consumed + usize::from(!self.abbreviated);
        self.index += 1;
        Ok(token)
    }

    pub fn invalid(&self, token: &str, expected: &'static str) -> FieldError {
        FieldError::Invalid {
            index: self.index.saturating_sub(1),
            token: token.to_owned(),
            expected,
        }
    }

    /// The next field parsed with `FromStr`.
    pub fn parse<T: std::str::FromStr>(&mut self, expected: &'static str) -> Result<T, FieldError> {
        let token = self.token()?;
        token.parse().map_err(|_| self.invalid(token, expected))
    }

    /// Fields not read yet, an upper bound used to reject absurd array counts.
    pub fn remaining_bytes(&self) -> usize {
        self.text.len().saturating_sub(self.pos)
    }
}

/// A value that appears in log bodies.
pub trait Field: Sized {
    /// Bytes in the binary form (the minimum, for variable-length fields).
    const BINARY_LEN: usize;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError>;
    fn write_binary(&self, out: &mut Vec<u8>);
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError>;
}

macro_rules! number_field {
    ($($ty:ty => |$r:ident| $read_text:expr;)*) => {$(
        impl Field for $ty {
            const BINARY_LEN: usize = std::mem::size_of::<$ty>();
            fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
                Ok(<$ty>::from_le_bytes(r.take()?))
            }
            fn write_binary(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read_text($r: &mut TextReader<'_>) -> Result<Self, FieldError> {
                $read_text
            }
        }
    )*};
}

number_field! {
    u8 => |r| r.parse("an integer 0-255");
    u16 => |r| r.parse("an integer 0-65535");
    i16 => |r| r.parse("a 16-bit integer");
    u32 => |r| r.parse("a 32-bit unsigned integer");
    i32 => |r| r.parse("a 32-bit integer");
    f32 => |r| read_float(r, |m, p| m as f32 / p as f32, 1 << 24, 10);
    f64 => |r| read_float(r, |m, p| m as f64 / p, 1 << 53, 22);
}

/// Receivers print plain decimals (`-85.29567793105`); for those whose digits and decimal places
/// are exactly representable, one division gives the correctly rounded value (Clinger's fast
/// path). Anything else goes to the standard parser.
fn read_float<T: std::str::FromStr + std::ops::Neg<Output = T>>(
    r: &mut TextReader<'_>,
    divide: impl Fn(u64, f64) -> T,
    max_mantissa: u64,
    max_decimals: usize,
) -> Result<T, FieldError> {
    let token = r.token()?;
    match plain_decimal(token) {
        Some((negative, mantissa, decimals))
            if mantissa <= max_mantissa && decimals <= max_decimals =>
        {
            let value = divide(mantissa, POWERS_OF_TEN[decimals]);
            Ok(if negative { -value } else { value })
        }
        _ => token.parse().map_err(|_| r.invalid(token, "a number")),
    }
}

/// Powers of ten exactly representable as `f64`.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Sign, digits as an integer and number of decimal places of `-?digits(.digits)?`, if the token
/// has that form and at most 19 digits.
fn plain_decimal(token: &str) -> Option<(bool, u64, usize)> {
    let bytes = token.as_bytes();
    let (negative, digits) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    let (mut mantissa, mut count, mut decimals, mut point) = (0u64, 0, 0, false);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
                count += 1;
                decimals += usize::from(point);
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    (count > 0 && count <= 19).then_some((negative, mantissa, decimals))
}

/// An integer printed in hexadecimal in text logs (status words, masks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Hex<T>(pub T);

impl<T: Serialize> Serialize for Hex<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

macro_rules! hex_field {
    ($($ty:ty),*) => {$(
        impl Field for Hex<$ty> {
            const BINARY_LEN: usize = std::mem::size_of::<$ty>();
            fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
                Ok(Hex(<$ty>::from_le_bytes(r.take()?)))
            }
            fn write_binary(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0.to_le_bytes());
            }
            fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
                let token = r.token()?;
                <$ty>::from_str_radix(token, 16)
                    .map(Hex)
                    .map_err(|_| r.invalid(token, "a hexadecimal number"))
            }
        }
    )*};
}

hex_field!(u8, u16, u32);

/// A fixed-size character field (`Char[N]`, NUL-padded in binary, quoted in text).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text<const N: usize>(pub [u8; N]);

impl<const N: usize> Text<N> {
    /// The characters before the first NUL.
    pub fn as_bytes(&self) -> &[u8] {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(N);
        &self.0[..end]
    }

    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }

    /// Builds the field from text, cut to `N` bytes.
    pub fn new(text: &str) -> Self {
        let mut out = [0; N];
        let len = text.len().min(N);
        out[..len].copy_from_slice(&text.as_bytes()[..len]);
        Text(out)
    }
}

#[cfg(test)]
impl<const N: usize> proptest::arbitrary::Arbitrary for Text<N> {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    /// Printable text of up to `N` characters, padded with NULs as receivers send it.
    fn arbitrary_with((): ()) -> Self::Strategy {
        use proptest::strategy::Strategy;
        proptest::collection::vec(b' '..=b'~', 0..=N)
            .prop_map(|bytes| {
                let mut out = [0; N];
                out[..bytes.len()].copy_from_slice(&bytes);
                Text(out)
            })
            .boxed()
    }
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Text([0; N])
    }
}

impl<const N: usize> std::fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_string_lossy())
    }
}

impl<const N: usize> Serialize for Text<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string_lossy())
    }
}

impl<const N: usize> Field for Text<N> {
    const BINARY_LEN: usize = N;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        let mut bytes: [u8; N] = r.take()?;
        // Everything after the first NUL is padding.
        if let Some(nul) = bytes.iter().position(|&b| b == 0) {
            bytes[nul..].fill(0);
        }
        Ok(Text(bytes))
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let token = r.token()?;
        if token.len() > N {
            return Err(r.invalid(token, "a string that fits the field"));
        }
        let mut bytes = [0; N];
        bytes[..token.len()].copy_from_slice(token.as_bytes());
        Ok(Text(bytes))
    }
}

/// A counted array: a `Ulong` count, then that many entries.
impl<T: Field> Field for Vec<T> {
    const BINARY_LEN: usize = 4;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        let count = u32::read_binary(r)?;
        let fits = T::BINARY_LEN == 0 || (count as usize) <= r.remaining() / T::BINARY_LEN;
        if !fits {
            return Err(FieldError::Count { count });
        }
        let mut items = Vec::with_capacity(count as usize);
        for _ in 0..count {
            items.push(T::read_binary(r)?);
        }
        Ok(items)
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        // Bodies are at most 32 KiB, so a count always fits.
        (self.len() as u32).write_binary(out);
        for item in self {
            item.write_binary(out);
        }
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let count = u32::read_text(r)?;
        // Each entry takes at least one character and a separator.
        if count as usize > r.remaining_bytes() / 2 + 1 {
            return Err(FieldError::Count { count });
        }
        let mut items = Vec::with_capacity(count as usize);
        for _ in 0..count {
            items.push(T::read_text(r)?);
        }
        Ok(items)
    }
}

/// Declares a log body (or a repeated block of one) as a struct whose fields are in wire order,
/// and implements [`Field`] for it from that order.
macro_rules! log_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize)]
        #[cfg_attr(test, derive(proptest_derive::Arbitrary))]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty ),*
        }

        impl $crate::field::Field for $name {
            const BINARY_LEN: usize = 0 $( + <$ty as $crate::field::Field>::BINARY_LEN )*;
            fn read_binary(
                r: &mut $crate::field::BinReader<'_>,
            ) -> Result<Self, $crate::error::FieldError> {
                Ok(Self { $( $field: $crate::field::Field::read_binary(r)? ),* })
            }
            fn write_binary(&self, out: &mut Vec<u8>) {
                $( $crate::field::Field::write_binary(&self.$field, out); )*
            }
            fn read_text(
                r: &mut $crate::field::TextReader<'_>,
            ) -> Result<Self, $crate::error::FieldError> {
                Ok(Self { $( $field: $crate::field::Field::read_text(r)? ),* })
            }
        }
    };
}
pub(crate) use log_struct;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_tokens_with_quotes_and_empty_fields() {
        let mut r = TextReader::ascii(br#"SOL_COMPUTED,"",1.5,"a,b",,06"#).unwrap();
        let tokens: Vec<_> = (0..6).map(|_| r.token().unwrap()).collect();
        assert_eq!(tokens, ["SOL_COMPUTED", "", "1.5", "a,b", "", "06"]);
        assert!(r.token().is_err());
    }

    #[test]
    fn abbreviated_tokens_across_lines() {
        let mut r = TextReader::abbreviated(b"<     12 \r\n<          4 0 \"\" 1.5\r\n").unwrap();
        let tokens: Vec<_> = (0..5).map(|_| r.token().unwrap()).collect();
        assert_eq!(tokens, ["12", "4", "0", "", "1.5"]);
        assert!(r.token().is_err());
    }

    #[test]
    fn plain_decimals_parse_exactly_like_the_standard_parser() {
        let samples = [
            "32.59535912622",
            "-85.29567789741",
            "199.9777",
            "-29.2000",
            "0.0",
            "-0.0",
            "1.1396",
            "21491230.859",
            "-111560708.203125",
            "2814.695",
            "1787.062",
            "0.006",
            "5",
            "-17",
            "9007199254740993",
            "0.30000000000000004",
            "1e5",
            "-2.501488425e-09",
            ".5",
            "5.",
            "123456789012345678901",
            "16777217",
            "0.1",
            "340282356779733661637539395458142568448",
        ];
        for text in samples {
            let mut r = TextReader::ascii(text.as_bytes()).unwrap();
            let as_f64 = f64::read_text(&mut r);
            let mut r = TextReader::ascii(text.as_bytes()).unwrap();
            let as_f32 = f32::read_text(&mut r);
            assert_eq!(
                as_f64.ok().map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text}"
            );
            assert_eq!(
                as_f32.ok().map(f32::to_bits),
                text.parse::<f32>().ok().map(f32::to_bits),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        /// Every decimal the fast path takes parses to the same bits as with the standard parser.
        #[test]
        fn fast_float_path_is_exact(negative: bool, mantissa in 0u64..(1 << 53), decimals in 0usize..=22) {
            let digits = format!("{mantissa:0>width$}", width = decimals + 1);
            let (whole, fraction) = digits.split_at(digits.len() - decimals);
            let text = format!("{}{whole}.{fraction}", if negative { "-" } else { "" });
            let parse_f64 = f64::read_text(&mut TextReader::ascii(text.as_bytes()).unwrap()).unwrap();
            let parse_f32 = f32::read_text(&mut TextReader::ascii(text.as_bytes()).unwrap()).unwrap();
            proptest::prop_assert_eq!(parse_f64.to_bits(), text.parse::<f64>().unwrap().to_bits(), "{}", text);
            proptest::prop_assert_eq!(parse_f32.to_bits(), text.parse::<f32>().unwrap().to_bits(), "{}", text);
        }
    }

    #[test]
    fn absurd_counts_are_rejected_before_allocating() {
        let mut body = u32::MAX.to_le_bytes().to_vec();
        body.extend_from_slice(&[0; 8]);
        assert_eq!(
            Vec::<u32>::read_binary(&mut BinReader::new(&body)),
            Err(FieldError::Count { count: u32::MAX })
        );
        let mut r = TextReader::ascii(b"4000000000,1,2").unwrap();
        assert!(matches!(Vec::<u32>::read_text(&mut r), Err(FieldError::Count { .. })));
    }
}
