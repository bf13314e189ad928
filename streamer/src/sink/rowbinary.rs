//! Arrow record batches to ClickHouse's RowBinary format, column by column to the table's types.
//!
//! RowBinary is what both ClickHouse 18.16 and current versions read for `INSERT ... FORMAT
//! RowBinary` with an explicit column list: each row, each column in the listed order,
//! little-endian numbers, strings as a LEB128 length and their bytes, DateTime as UInt32 seconds.

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
    /// The type of a ClickHouse type name, if the streamer can write it.
    pub fn parse(name: &str) -> Option<Self> {
        // LowCardinality is a storage choice: its RowBinary is the inner type's.
        let name =
            name.strip_prefix("LowCardinality(").and_then(|n| n.strip_suffix(')')).unwrap_or(name);
        Some(match name {
            "UInt8" => ChType::UInt8,
            "UInt16" => ChType::UInt16,
            "UInt32" => ChType::UInt32,
            "UInt64" => ChType::UInt64,
            "Int8" => ChType::Int8,
            "Int16" => ChType::Int16,
            "Int32" => ChType::Int32,
            "Int64" => ChType::Int64,
            "Float32" => ChType::Float32,
            "Float64" => ChType::Float64,
            "String" => ChType::String,
            _ if name == "DateTime" || name.starts_with("DateTime(") => ChType::DateTime,
            _ => return None,
        })
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

/// A batch column ready to write, typed.
enum Writer<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    F32(&'a [f32]),
    F64(&'a [f64]),
    Str(&'a StringArray),
}

fn values<T: ArrowPrimitiveType>(array: &ArrayRef) -> &[T::Native] {
    array.as_primitive::<T>().values()
}

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

/// Appends `batch` to `out` in RowBinary, with `columns` in order.
pub fn encode(
    batch: &RecordBatch,
    table: &str,
    columns: &[Column],
    out: &mut Vec<u8>,
) -> Result<(), SinkError> {
    let arrays: Vec<ArrayRef> =
        columns.iter().map(|c| prepare(batch, table, c)).collect::<Result<_, _>>()?;
    let writers: Vec<Writer<'_>> = arrays
        .iter()
        .zip(columns)
        .map(|(array, column)| match column.ty {
            ChType::UInt8 => Writer::U8(values::<UInt8Type>(array)),
            ChType::UInt16 => Writer::U16(values::<UInt16Type>(array)),
            ChType::UInt32 | ChType::DateTime => Writer::U32(values::<UInt32Type>(array)),
            ChType::UInt64 => Writer::U64(values::<UInt64Type>(array)),
            ChType::Int8 => Writer::I8(values::<Int8Type>(array)),
            ChType::Int16 => Writer::I16(values::<Int16Type>(array)),
            ChType::Int32 => Writer::I32(values::<Int32Type>(array)),
            ChType::Int64 => Writer::I64(values::<Int64Type>(array)),
            ChType::Float32 => Writer::F32(values::<Float32Type>(array)),
            ChType::Float64 => Writer::F64(values::<Float64Type>(array)),
            ChType::String => Writer::Str(array.as_string::<i32>()),
        })
        .collect();
    out.reserve(batch.num_rows() * columns.len() * 8);
    for row in 0..batch.num_rows() {
        for writer in &writers {
            match writer {
                Writer::U8(v) => out.push(v[row]),
                Writer::U16(v) => out.extend_from_slice(&v[row].to_le_bytes()),
                Writer::U32(v) => out.extend_from_slice(&v[row].to_le_bytes()),
                Writer::U64(v) => out.extend_from_slice(&v[row].to_le_bytes()),
                Writer::I8(v) => out.extend_from_slice(&v[row].to_le_bytes()),
                Writer::I16(v) => out.extend_from_slice(&v[row].to_le_bytes()),
                Writer::I32(v) => out.extend_from_slice(&v[row].to_le_bytes()),
                Writer::I64(v) => out.extend_from_slice(&v[row].to_le_bytes()),
                Writer::F32(v) => out.extend_from_slice(&v[row].to_le_bytes()),
                Writer::F64(v) => out.extend_from_slice(&v[row].to_le_bytes()),
                Writer::Str(v) => {
                    let s = v.value(row).as_bytes();
                    leb128(out, s.len());
                    out.extend_from_slice(s);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Int64Array, StringArray, TimestampMillisecondArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    use super::*;

    #[test]
    fn rows_in_the_listed_order_with_casts() {
        let schema = Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("name", DataType::Utf8, false),
            Field::new("at", DataType::Timestamp(TimeUnit::Millisecond, None), false),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(Int64Array::from(vec![1, 300])),
                Arc::new(StringArray::from(vec!["ab", ""])),
                Arc::new(TimestampMillisecondArray::from(vec![1_717_200_000_999, 0])),
            ],
        )
        .unwrap();
        let columns = [
            Column { name: "name".into(), ty: ChType::String },
            Column { name: "n".into(), ty: ChType::UInt16 },
            Column { name: "at".into(), ty: ChType::DateTime },
        ];
        let mut out = Vec::new();
        encode(&batch, "t", &columns, &mut out).unwrap();
        let seconds = 1_717_200_000u32.to_le_bytes();
        let expected = [
            &[2, b'a', b'b'][..],
            &1u16.to_le_bytes(),
            &seconds,
            &[0],
            &300u16.to_le_bytes(),
            &0u32.to_le_bytes(),
        ]
        .concat();
        assert_eq!(out, expected);
        let too_big = [Column { name: "n".into(), ty: ChType::UInt8 }];
        assert!(encode(&batch, "t", &too_big, &mut Vec::new()).is_err(), "300 does not fit UInt8");
        let missing = [Column { name: "nope".into(), ty: ChType::UInt8 }];
        assert!(matches!(
            encode(&batch, "t", &missing, &mut Vec::new()),
            Err(SinkError::Schema { .. })
        ));
    }

    #[test]
    fn leb128_lengths() {
        let mut out = Vec::new();
        leb128(&mut out, 300);
        assert_eq!(out, [0xAC, 0x02]);
    }
}
