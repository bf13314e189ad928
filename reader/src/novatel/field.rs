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
    text: &'a [u8],
    pos: usize,
    index: usize,
    abbreviated: bool,
}

impl<'a> TextReader<'a> {
    pub fn ascii(text: &'a [u8]) -> Self {
        Self { text, pos: 0, index: 0, abbreviated: false }
    }

    pub fn abbreviated(text: &'a [u8]) -> Self {
        Self { text, pos: 0, index: 0, abbreviated: true }
    }

    fn is_separator(&self, b: u8) -> bool {
        if self.abbreviated { matches!(b, b' ' | b'\r' | b'\n' | b'<' | b'\t') } else { b == b',' }
    }

    /// The next field, without its quotes.
    pub fn token(&mut self) -> Result<&'a [u8], FieldError> {
        if self.abbreviated {
            while self.pos < self.text.len() && self.is_separator(self.text[self.pos]) {
                self.pos += 1;
            }
        }
        // For ASCII, one position past the end means the last field was followed by no comma.
        let exhausted =
            if self.abbreviated { self.pos >= self.text.len() } else { self.pos > self.text.len() };
        if exhausted {
            return Err(FieldError::TextTooShort { fields: self.index });
        }
        let rest = &self.text[self.pos..];
        let (token, consumed) = if rest.first() == Some(&b'"') {
            match rest[1..].iter().position(|&b| b == b'"') {
                Some(close) => (&rest[1..1 + close], close + 2),
                None => (&rest[1..], rest.len()),
            }
        } else {
            let end = rest.iter().position(|&b| self.is_separator(b)).unwrap_or(rest.len());
            (&rest[..end], end)
        };
        // Step over the field and, for ASCII, its comma (one past the end marks "no more").
        self.pos += consumed + usize::from(!self.abbreviated);
        self.index += 1;
        Ok(token)
    }

    pub fn invalid(&self, token: &[u8], expected: &'static str) -> FieldError {
        FieldError::Invalid {
            index: self.index.saturating_sub(1),
            token: String::from_utf8_lossy(token).into_owned(),
            expected,
        }
    }

    /// The next field parsed with `FromStr`.
    pub fn parse<T: std::str::FromStr>(&mut self, expected: &'static str) -> Result<T, FieldError> {
        let token = self.token()?;
        std::str::from_utf8(token)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.invalid(token, expected))
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
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl Field for $ty {
            const BINARY_LEN: usize = std::mem::size_of::<$ty>();
            fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
                Ok(<$ty>::from_le_bytes(r.take()?))
            }
            fn write_binary(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
                r.parse($what)
            }
        }
    )*};
}

number_field! {
    u8 => "an integer 0-255",
    u16 => "an integer 0-65535",
    i16 => "a 16-bit integer",
    u32 => "a 32-bit unsigned integer",
    i32 => "a 32-bit integer",
    f32 => "a number",
    f64 => "a number",
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
                std::str::from_utf8(token)
                    .ok()
                    .and_then(|s| <$ty>::from_str_radix(s, 16).ok())
                    .map(Hex)
                    .ok_or_else(|| r.invalid(token, "a hexadecimal number"))
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
        bytes[..token.len()].copy_from_slice(token);
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
        (0..count).map(|_| T::read_binary(r)).collect()
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
        (0..count).map(|_| T::read_text(r)).collect()
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

        impl $crate::novatel::field::Field for $name {
            const BINARY_LEN: usize = 0 $( + <$ty as $crate::novatel::field::Field>::BINARY_LEN )*;
            fn read_binary(
                r: &mut $crate::novatel::field::BinReader<'_>,
            ) -> Result<Self, $crate::novatel::error::FieldError> {
                Ok(Self { $( $field: $crate::novatel::field::Field::read_binary(r)? ),* })
            }
            fn write_binary(&self, out: &mut Vec<u8>) {
                $( $crate::novatel::field::Field::write_binary(&self.$field, out); )*
            }
            fn read_text(
                r: &mut $crate::novatel::field::TextReader<'_>,
            ) -> Result<Self, $crate::novatel::error::FieldError> {
                Ok(Self { $( $field: $crate::novatel::field::Field::read_text(r)? ),* })
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
        let mut r = TextReader::ascii(br#"SOL_COMPUTED,"",1.5,"a,b",,06"#);
        let tokens: Vec<_> = (0..6).map(|_| r.token().unwrap().to_vec()).collect();
        assert_eq!(tokens, [&b"SOL_COMPUTED"[..], b"", b"1.5", b"a,b", b"", b"06"]);
        assert!(r.token().is_err());
    }

    #[test]
    fn abbreviated_tokens_across_lines() {
        let mut r = TextReader::abbreviated(b"<     12 \r\n<          4 0 \"\" 1.5\r\n");
        let tokens: Vec<_> = (0..5).map(|_| r.token().unwrap().to_vec()).collect();
        assert_eq!(tokens, [&b"12"[..], b"4", b"0", b"", b"1.5"]);
        assert!(r.token().is_err());
    }

    #[test]
    fn absurd_counts_are_rejected_before_allocating() {
        let mut body = u32::MAX.to_le_bytes().to_vec();
        body.extend_from_slice(&[0; 8]);
        assert_eq!(
            Vec::<u32>::read_binary(&mut BinReader::new(&body)),
            Err(FieldError::Count { count: u32::MAX })
        );
        let mut r = TextReader::ascii(b"4000000000,1,2");
        assert!(matches!(Vec::<u32>::read_text(&mut r), Err(FieldError::Count { .. })));
    }
}
