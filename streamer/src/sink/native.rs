//! Arrow record batches to ClickHouse's Native format, column by column to the table's types.
//!
//! Native is what ClickHouse keeps in memory and what both 18.16 and current versions read for
//! `INSERT ... FORMAT Native` over HTTP: a block is the number of columns and of rows (LEB128),
//! then each column's name, type name and values, one after another: little-endian numbers as
//! they lie in an Arrow buffer, strings as a LEB128 length and their bytes, DateTime as UInt32
//! seconds. One insert sends one block, which ClickHouse writes atomically.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{
    ArrowPrimitiveType, DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, TimeUnit, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::arrow::record_batch::RecordBatch;

use super::error::SinkError;

/// ClickHouse column types the streamer writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChType {
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    String,
    /// Seconds since the epoch, written as UInt32.
    DateTime,
}

impl ChType {
    const ALL: [ChType; 12] = [
        ChType::UInt8,
        ChType::UInt16,
        ChType::UInt32,
        ChType::UInt64,
        ChType::Int8,
        ChType::Int16,
        ChType::Int32,
        ChType::Int64,
        ChType::Float32,
        ChType::Float64,
        ChType::String,
        ChType::DateTime,
    ];

    /// The type of a ClickHouse type name, if the streamer can write it.
    pub fn parse(name: &str) -> Option<Self> {
        // LowCardinality is a storage choice: the inner type is sent and ClickHouse converts it.
        let name =
            name.strip_prefix("LowCardinality(").and_then(|n| n.strip_suffix(')')).unwrap_or(name);
        // A DateTime with a time zone, `DateTime('UTC')`, holds the same seconds.
        let name = if name.starts_with("DateTime(") { "DateTime" } else { name };
        Self::ALL.into_iter().find(|ty| ty.name() == name)
    }

    /// The type name a block gives the column: DateTime without a time zone, which ClickHouse
    /// takes for a `DateTime('UTC')` column as it is (the values are seconds either way).
    fn name(self) -> &'static str {
        match self {
            ChType::UInt8 => "UInt8",
            ChType::UInt16 => "UInt16",
            ChType::UInt32 => "UInt32",
            ChType::UInt64 => "UInt64",
            ChType::Int8 => "Int8",
            ChType::Int16 => "Int16",
            ChType::Int32 => "Int32",
            ChType::Int64 => "Int64",
            ChType::Float32 => "Float32",
            ChType::Float64 => "Float64",
            ChType::String => "String",
            ChType::DateTime => "DateTime",
        }
    }

    /// The Arrow type a batch column is cast to before writing.
    fn arrow(self) -> DataType {
        match self {
            ChType::UInt8 => DataType::UInt8,
            ChType::UInt16 => DataType::UInt16,
            ChType::UInt32 | ChType::DateTime => DataType::UInt32,
            ChType::UInt64 => DataType::UInt64,
            ChType::Int8 => DataType::Int8,
            ChType::Int16 => DataType::Int16,
            ChType::Int32 => DataType::Int32,
            ChType::Int64 => DataType::Int64,
            ChType::Float32 => DataType::Float32,
            ChType::Float64 => DataType::Float64,
            ChType::String => DataType::Utf8,
        }
    }
}

/// A table column the streamer writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ChType,
}

// ClickHouse's numbers are little-endian; an Arrow buffer's are the machine's.
#[cfg(not(target_endian = "little"))]
compile_error!("the Native encoder copies Arrow buffers as they are: little-endian machines only");

/// Casts the batch's column `column.name` to what the table column takes. Timestamps become
/// seconds for DateTime columns; numbers must fit, and nulls are refused (no column is Nullable).
fn prepare(batch: &RecordBatch, table: &str, column: &Column) -> Result<ArrayRef, SinkError> {
    let mismatch = |reason: String| SinkError::Schema {
        table: table.to_owned(),
        column: column.name.clone(),
        reason,
    };
    let source = batch
        .column_by_name(&column.name)
        .ok_or_else(|| mismatch("the batch has no such column".into()))?;
    if source.null_count() > 0 {
        return Err(mismatch(format!(
            "{} null values; ClickHouse column is not Nullable",
            source.null_count()
        )));
    }
    let source = match (column.ty, source.data_type()) {
        (ChType::DateTime, DataType::Timestamp(unit, _)) if *unit != TimeUnit::Second => {
            let seconds = DataType::Timestamp(TimeUnit::Second, None);
            cast_with_options(source, &seconds, &CastOptions::default())
                .map_err(|e| mismatch(e.to_string()))?
        }
        _ => source.clone(),
    };
    let strict = CastOptions { safe: false, ..CastOptions::default() };
    cast_with_options(&source, &column.ty.arrow(), &strict).map_err(|e| {
        mismatch(format!("cannot write {} as {:?}: {e}", source.data_type(), column.ty))
    })
}

fn leb128(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7F) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn string(out: &mut Vec<u8>, s: &[u8]) {
    leb128(out, s.len());
    out.extend_from_slice(s);
}

/// About the most bytes a piece of a block holds (one string may take it over): small enough that
/// its buffer and its LZ4 copy come from the allocator's heap and are reused, rather than mapped
/// afresh and faulted in page by page (a sixth of the streamer's page faults were that copy).
/// LZ4 looks back 64 KiB at most, so larger pieces would not compress better.
const PIECE: usize = 60 * 1024;

/// The bytes of a primitive array's values, as ClickHouse reads them.
fn bytes<T: ArrowPrimitiveType>(array: &ArrayRef) -> &[u8] {
    array.as_primitive::<T>().values().inner().as_slice()
}

/// A column's values: bytes to copy, or strings to write each with its length.
enum Values<'a> {
    Bytes(&'a [u8]),
    Strings(&'a StringArray),
}

impl<'a> Values<'a> {
    fn of(ty: ChType, array: &'a ArrayRef) -> Self {
        Values::Bytes(match ty {
            ChType::UInt8 => bytes::<UInt8Type>(array),
            ChType::UInt16 => bytes::<UInt16Type>(array),
            ChType::UInt32 | ChType::DateTime => bytes::<UInt32Type>(array),
            ChType::UInt64 => bytes::<UInt64Type>(array),
            ChType::Int8 => bytes::<Int8Type>(array),
            ChType::Int16 => bytes::<Int16Type>(array),
            ChType::Int32 => bytes::<Int32Type>(array),
            ChType::Int64 => bytes::<Int64Type>(array),
            ChType::Float32 => bytes::<Float32Type>(array),
            ChType::Float64 => bytes::<Float64Type>(array),
            ChType::String => return Values::Strings(array.as_string::<i32>()),
        })
    }

    /// Appends the values from `at` (a byte for bytes, a row for strings) until `out` holds
    /// [`PIECE`] bytes or the column ends; returns where the next piece goes on, `None` at the end.
    fn write(&self, at: usize, out: &mut Vec<u8>) -> Option<usize> {
        match self {
            Values::Bytes(bytes) => {
                let end = bytes.len().min(at + PIECE.saturating_sub(out.len()));
                out.extend_from_slice(&bytes[at..end]);
                (end < bytes.len()).then_some(end)
            }
            Values::Strings(strings) => {
                let mut row = at;
                while row < strings.len() && out.len() < PIECE {
                    string(out, strings.value(row).as_bytes());
                    row += 1;
                }
                (row < strings.len()).then_some(row)
            }
        }
    }
}

/// One Native block of `batch`'s `columns`, cast to the table's types, to send in pieces.
pub struct Block {
    rows: usize,
    columns: Vec<(Column, ArrayRef)>,
}

impl Block {
    /// Prepares every column of the block: a batch that does not fit the table fails here, before
    /// anything is sent.
    pub fn new(batch: &RecordBatch, table: &str, columns: &[Column]) -> Result<Self, SinkError> {
        let columns = columns
            .iter()
            .map(|c| Ok((c.clone(), prepare(batch, table, c)?)))
            .collect::<Result<_, SinkError>>()?;
        Ok(Block { rows: batch.num_rows(), columns })
    }

    /// The block's bytes, in pieces of about [`PIECE`] bytes.
    pub fn pieces(&self) -> Pieces<'_> {
        Pieces { block: self, column: 0, at: None }
    }
}

/// The pieces of a [`Block`], encoded as they are asked for.
pub struct Pieces<'a> {
    block: &'a Block,
    /// The column the next piece goes on with.
    column: usize,
    /// Where in that column (see [`Values::write`]); `None` before its name and type.
    at: Option<usize>,
}

impl Iterator for Pieces<'_> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        let columns = &self.block.columns;
        if self.column == columns.len() {
            return None;
        }
        let mut out = Vec::with_capacity(PIECE + 1024);
        if self.column == 0 && self.at.is_none() {
            leb128(&mut out, columns.len());
            leb128(&mut out, self.block.rows);
        }
        while out.len() < PIECE && self.column < columns.len() {
            let (column, array) = &columns[self.column];
            let at = self.at.unwrap_or_else(|| {
                string(&mut out, column.name.as_bytes());
                string(&mut out, column.ty.name().as_bytes());
                0
            });
            self.at = Values::of(column.ty, array).write(at, &mut out);
            if self.at.is_none() {
                self.column += 1;
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{
        Int64Array, StringArray, TimestampMillisecondArray, UInt64Array,
    };
    use datafusion::arrow::datatypes::{Field, Schema};

    use super::*;

    #[test]
    fn columns_in_the_listed_order_with_casts() {
        let schema = Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("name", DataType::Utf8, false),
            Field::new("at", DataType::Timestamp(TimeUnit::Millisecond, None), false),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(Int64Array::from(vec![1, 300, 7])),
                Arc::new(StringArray::from(vec!["ab", "", "c"])),
                Arc::new(TimestampMillisecondArray::from(vec![1_717_200_000_999, 0, 1_000])),
            ],
        )
        .unwrap();
        let columns = [
            Column { name: "name".into(), ty: ChType::String },
            Column { name: "n".into(), ty: ChType::UInt16 },
            Column { name: "at".into(), ty: ChType::DateTime },
        ];
        // A slice, as a shard's rows may be: its values only.
        let block = Block::new(&batch.slice(0, 2), "t", &columns).unwrap();
        let pieces: Vec<Vec<u8>> = block.pieces().collect();
        let expected = [
            &[3, 2][..],
            &[4],
            b"name",
            &[6],
            b"String",
            &[2],
            b"ab",
            &[0],
            &[1],
            b"n",
            &[6],
            b"UInt16",
            &1u16.to_le_bytes(),
            &300u16.to_le_bytes(),
            &[2],
            b"at",
            &[8],
            b"DateTime",
            &1_717_200_000u32.to_le_bytes(),
            &[0; 4],
        ]
        .concat();
        assert_eq!(pieces, [expected]);
        let too_big = [Column { name: "n".into(), ty: ChType::UInt8 }];
        assert!(Block::new(&batch, "t", &too_big).is_err(), "300 does not fit UInt8");
        let missing = [Column { name: "nope".into(), ty: ChType::UInt8 }];
        assert!(matches!(Block::new(&batch, "t", &missing), Err(SinkError::Schema { .. })));
    }

    #[test]
    fn a_large_block_goes_in_pieces_of_about_the_same_size() {
        let rows = 50_000u64;
        let schema = Schema::new(vec![
            Field::new("n", DataType::UInt64, false),
            Field::new("s", DataType::Utf8, false),
        ]);
        let strings: Vec<String> = (0..rows).map(|i| "x".repeat((i % 300) as usize)).collect();
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(UInt64Array::from_iter_values(0..rows)),
                Arc::new(StringArray::from_iter_values(&strings)),
            ],
        )
        .unwrap();
        let columns = [
            Column { name: "n".into(), ty: ChType::UInt64 },
            Column { name: "s".into(), ty: ChType::String },
        ];
        let block = Block::new(&batch, "t", &columns).unwrap();
        let pieces: Vec<Vec<u8>> = block.pieces().collect();
        let mut expected = vec![2, 0xD0, 0x86, 0x03, 1, b'n', 6];
        expected.extend_from_slice(b"UInt64");
        expected.extend((0..rows).flat_map(u64::to_le_bytes));
        expected.extend_from_slice(&[1, b's', 6]);
        expected.extend_from_slice(b"String");
        for s in &strings {
            string(&mut expected, s.as_bytes());
        }
        assert_eq!(pieces.concat(), expected);
        assert!(pieces.len() > 10, "{} pieces", pieces.len());
        // Each piece but the last fills up to PIECE bytes, over it by one string at most.
        for piece in &pieces[..pieces.len() - 1] {
            assert!((PIECE - 16..PIECE + 302).contains(&piece.len()), "{}", piece.len());
        }
    }

    #[test]
    fn type_names_the_streamer_writes() {
        assert_eq!(ChType::parse("UInt16"), Some(ChType::UInt16));
        assert_eq!(ChType::parse("LowCardinality(String)"), Some(ChType::String));
        assert_eq!(ChType::parse("DateTime('UTC')"), Some(ChType::DateTime));
        assert_eq!(ChType::parse("DateTime"), Some(ChType::DateTime));
        assert_eq!(ChType::parse("DateTime64(3)"), None);
        assert_eq!(ChType::parse("Nullable(UInt8)"), None);
        assert!(ChType::ALL.iter().all(|&ty| ChType::parse(ty.name()) == Some(ty)));
    }

    #[test]
    fn leb128_lengths() {
        let mut out = Vec::new();
        leb128(&mut out, 300);
        assert_eq!(out, [0xAC, 0x02]);
    }
}
