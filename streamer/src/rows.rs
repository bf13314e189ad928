//! Decoding Kafka records into the raw tables' rows, built straight into Arrow arrays.
//!
//! Each raw table is declared once below: its row type and its Arrow columns, named and typed as
//! the ClickHouse table in `sql/clickhouse/0001_raw_tables.sql` (the streamer checks at start).

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, Float32Builder, Float64Builder, Int64Builder, PrimitiveBuilder,
    StringBuilder, UInt8Builder, UInt16Builder, UInt32Builder, UInt64Builder,
};
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use novatel_reader::novatel::logs::{InsPva, InsPvax, Observation, Position, Range};
use novatel_reader::novatel::{
    Event, Frame, Log, MAX_BODY_LEN, RejectReason, Rejected, decode, frames,
};

use crate::record::{Kind, Record};

macro_rules! builder {
    (Utf8) => {
        StringBuilder
    };
    (Int64) => {
        Int64Builder
    };
    (UInt8) => {
        UInt8Builder
    };
    (UInt16) => {
        UInt16Builder
    };
    (UInt32) => {
        UInt32Builder
    };
    (UInt64) => {
        UInt64Builder
    };
    (Float32) => {
        Float32Builder
    };
    (Float64) => {
        Float64Builder
    };
}

/// A column builder sized for as many values as a finished column holds, and an eighth more: the
/// next batch is likely as large as the last, and a builder grown step by step copies its
/// buffers each time and ends up to half empty (most of the streamer's memory is these columns).
trait Presized {
    fn like(finished: &ArrayRef) -> Self;
}

fn with_headroom(n: usize) -> usize {
    n + n / 8
}

impl<T: ArrowPrimitiveType> Presized for PrimitiveBuilder<T> {
    fn like(finished: &ArrayRef) -> Self {
        Self::with_capacity(with_headroom(finished.len()))
    }
}

impl Presized for StringBuilder {
    fn like(finished: &ArrayRef) -> Self {
        let bytes = finished.as_string_opt::<i32>().map_or(0, |s| s.value_data().len());
        Self::with_capacity(with_headroom(finished.len()), with_headroom(bytes))
    }
}

/// Declares a raw table: `Name = "table" { column: RustType => ArrowType, ... }` gives a row struct
/// `Name<'a>` and a builder `NameBuilder` with its schema.
macro_rules! raw_table {
    ($(#[$doc:meta])* $row:ident, $builder:ident = $table:literal { $($column:ident : $ty:ty => $arrow:ident),* $(,)? }) => {
        $(#[$doc])*
        pub struct $row<'a> {
            $(pub $column: $ty,)*
            #[doc(hidden)]
            pub _lifetime: std::marker::PhantomData<&'a ()>,
        }

        #[derive(Default)]
        pub struct $builder {
            $($column: builder!($arrow),)*
            rows: usize,
        }

        impl $builder {
            pub const TABLE: &'static str = $table;

            pub fn schema() -> SchemaRef {
                Arc::new(Schema::new(vec![$(Field::new(stringify!($column), DataType::$arrow, false)),*]))
            }

            pub fn push(&mut self, row: &$row<'_>) {
                $(self.$column.append_value(row.$column);)*
                self.rows += 1;
            }

            /// Rows pushed since the last [`Self::finish`].
            pub fn rows(&self) -> usize {
                self.rows
            }

            /// The batch of the rows pushed; the builder starts the next one sized like it.
            pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
                self.rows = 0;
                $(
                    let $column: ArrayRef = Arc::new(self.$column.finish());
                    self.$column = Presized::like(&$column);
                )*
                RecordBatch::try_new(Self::schema(), vec![$($column),*])
            }
        }
    };
}

raw_table! {
    /// One row per Kafka record of a frame.
    FrameRow, FramesBuilder = "frames" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        log_id: u16 => UInt16,
        format: &'a str => Utf8,
        gps_week: u16 => UInt16,
        gps_ms: u32 => UInt32,
        size_bytes: u32 => UInt32,
        frame_crc: u32 => UInt32,
        source_offset: i64 => Int64,
        decoded: u8 => UInt8,
        error: &'a str => Utf8,
        ingest_ms: i64 => Int64,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// Bytes the reader rejected, as it reported them.
    RejectedRow, RejectedBuilder = "rejected" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        reason: &'a str => Utf8,
        bytes: u64 => UInt64,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// BESTPOS and PSRPOS.
    PositionRow, PositionsBuilder = "positions" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        sol_status: u32 => UInt32,
        sol_status_name: &'a str => Utf8,
        pos_type: u32 => UInt32,
        pos_type_name: &'a str => Utf8,
        lat_deg: f64 => Float64,
        lon_deg: f64 => Float64,
        hgt_m: f64 => Float64,
        undulation_m: f32 => Float32,
        datum: u32 => UInt32,
        lat_sigma_m: f32 => Float32,
        lon_sigma_m: f32 => Float32,
        hgt_sigma_m: f32 => Float32,
        stn_id: &'a str => Utf8,
        diff_age_s: f32 => Float32,
        sol_age_s: f32 => Float32,
        num_svs: u8 => UInt8,
        num_soln_svs: u8 => UInt8,
        num_soln_l1_svs: u8 => UInt8,
        num_soln_multi_svs: u8 => UInt8,
        ext_sol_stat: u8 => UInt8,
        gal_bds_sig_mask: u8 => UInt8,
        gps_glo_sig_mask: u8 => UInt8,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// BESTVEL.
    VelocityRow, VelocitiesBuilder = "velocities" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        sol_status: u32 => UInt32,
        sol_status_name: &'a str => Utf8,
        vel_type: u32 => UInt32,
        vel_type_name: &'a str => Utf8,
        latency_s: f32 => Float32,
        age_s: f32 => Float32,
        hor_spd_mps: f64 => Float64,
        trk_gnd_deg: f64 => Float64,
        vert_spd_mps: f64 => Float64,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// RANGE and RANGECMP: one row per observation.
    ObservationRow, ObservationsBuilder = "observations" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        prn: u16 => UInt16,
        glofreq: u16 => UInt16,
        constellation: &'a str => Utf8,
        signal: &'a str => Utf8,
        psr_m: f64 => Float64,
        psr_sigma_m: f32 => Float32,
        adr_cycles: f64 => Float64,
        adr_sigma_cycles: f32 => Float32,
        doppler_hz: f32 => Float32,
        cn0_dbhz: f32 => Float32,
        locktime_s: f32 => Float32,
        tracking_status: u32 => UInt32,
        phase_locked: u8 => UInt8,
        code_locked: u8 => UInt8,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// INSPVA, INSPVAS and INSPVAX.
    InsRow, InsBuilder = "ins" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        ins_status: u32 => UInt32,
        ins_status_name: &'a str => Utf8,
        pos_type: u32 => UInt32,
        pos_type_name: &'a str => Utf8,
        lat_deg: f64 => Float64,
        lon_deg: f64 => Float64,
        hgt_ellipsoid_m: f64 => Float64,
        north_vel_mps: f64 => Float64,
        east_vel_mps: f64 => Float64,
        up_vel_mps: f64 => Float64,
        roll_deg: f64 => Float64,
        pitch_deg: f64 => Float64,
        azimuth_deg: f64 => Float64,
        lat_sigma_m: f32 => Float32,
        lon_sigma_m: f32 => Float32,
        hgt_sigma_m: f32 => Float32,
        north_vel_sigma_mps: f32 => Float32,
        east_vel_sigma_mps: f32 => Float32,
        up_vel_sigma_mps: f32 => Float32,
        roll_sigma_deg: f32 => Float32,
        pitch_sigma_deg: f32 => Float32,
        azimuth_sigma_deg: f32 => Float32,
        ext_sol_stat: u32 => UInt32,
        time_since_update_s: u16 => UInt16,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// RXSTATUS.
    ReceiverStatusRow, ReceiverStatusBuilder = "receiver_status" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        error_word: u32 => UInt32,
        status_word: u32 => UInt32,
        aux1_word: u32 => UInt32,
        aux2_word: u32 => UInt32,
        aux3_word: u32 => UInt32,
        aux4_word: u32 => UInt32,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// HWMONITOR: one row per reading.
    HardwareRow, HardwareBuilder = "hardware" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        reading: f32 => Float32,
        reading_type: u8 => UInt8,
        limit_status: u8 => UInt8,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// TIME.
    ClockRow, ClockBuilder = "clock" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        clock_status: u32 => UInt32,
        clock_status_name: &'a str => Utf8,
        offset_s: f64 => Float64,
        offset_std_s: f64 => Float64,
        utc_offset_s: f64 => Float64,
        utc_status: u32 => UInt32,
        utc_status_name: &'a str => Utf8,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// A receiver's reference point (not a raw table: no Kafka offsets; see [`crate::reference`]).
    ReferenceRow, ReceiversBuilder = "receivers" {
        receiver: &'a str => Utf8,
        ref_lat_deg: f64 => Float64,
        ref_lon_deg: f64 => Float64,
        ref_hgt_m: f64 => Float64,
        first_time_ms: i64 => Int64,
    }
}

/// The raw tables of one micro-batch.
#[derive(Default)]
pub struct RawTables {
    pub frames: FramesBuilder,
    pub rejected: RejectedBuilder,
    pub positions: PositionsBuilder,
    pub velocities: VelocitiesBuilder,
    pub observations: ObservationsBuilder,
    pub ins: InsBuilder,
    pub receiver_status: ReceiverStatusBuilder,
    pub hardware: HardwareBuilder,
    pub clock: ClockBuilder,
}

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
    /// Names and schemas of the raw tables, `frames` last (it is written last).
    pub fn schemas() -> Vec<(&'static str, SchemaRef)> {
        vec![
            (RejectedBuilder::TABLE, RejectedBuilder::schema()),
            (PositionsBuilder::TABLE, PositionsBuilder::schema()),
            (VelocitiesBuilder::TABLE, VelocitiesBuilder::schema()),
            (ObservationsBuilder::TABLE, ObservationsBuilder::schema()),
            (InsBuilder::TABLE, InsBuilder::schema()),
            (ReceiverStatusBuilder::TABLE, ReceiverStatusBuilder::schema()),
            (HardwareBuilder::TABLE, HardwareBuilder::schema()),
            (ClockBuilder::TABLE, ClockBuilder::schema()),
            (FramesBuilder::TABLE, FramesBuilder::schema()),
        ]
    }

    /// Rows of the largest table: kept under ClickHouse's block size by the batch limits.
    pub fn max_rows(&self) -> usize {
        self.observations.rows().max(self.frames.rows()).max(self.ins.rows())
    }

    /// The batches, in the order of [`RawTables::schemas`].
    pub fn finish(&mut self) -> Result<Vec<(&'static str, RecordBatch)>, ArrowError> {
        Ok(vec![
            (RejectedBuilder::TABLE, self.rejected.finish()?),
            (PositionsBuilder::TABLE, self.positions.finish()?),
            (VelocitiesBuilder::TABLE, self.velocities.finish()?),
            (ObservationsBuilder::TABLE, self.observations.finish()?),
            (InsBuilder::TABLE, self.ins.finish()?),
            (ReceiverStatusBuilder::TABLE, self.receiver_status.finish()?),
            (HardwareBuilder::TABLE, self.hardware.finish()?),
            (ClockBuilder::TABLE, self.clock.finish()?),
            (FramesBuilder::TABLE, self.frames.finish()?),
        ])
    }

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
        let mut ctx =
            Context { receiver, time_ms: record_ms, log: "", kafka_partition, kafka_offset };
        let mut row = FrameRow {
            format: frame.format.as_str(),
            frame_crc: crc32fast::hash(frame.bytes),
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
                ctx.time_ms = gps_ms.unwrap_or(record_ms);
                let outcome = match &message.log {
                    Some(log) => {
                        ctx.log = log.name();
                        self.add_log(&ctx, log);
                        Decoded::Body
                    }
                    None => Decoded::Raw,
                };
                self.frames.push(&FrameRow {
                    time_ms: ctx.time_ms,
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

    fn add_log(&mut self, ctx: &Context<'_>, log: &Log) {
        match log {
            Log::BestPos(p) | Log::PsrPos(p) => self.position(ctx, p),
            Log::BestVel(v) => self.velocities.push(&VelocityRow {
                receiver: ctx.receiver,
                time_ms: ctx.time_ms,
                log: ctx.log,
                sol_status: v.sol_status.0,
                sol_status_name: v.sol_status.name().unwrap_or(""),
                vel_type: v.vel_type.0,
                vel_type_name: v.vel_type.name().unwrap_or(""),
                latency_s: v.latency,
                age_s: v.age,
                hor_spd_mps: v.hor_spd,
                trk_gnd_deg: v.trk_gnd,
                vert_spd_mps: v.vert_spd,
                kafka_partition: ctx.kafka_partition,
                kafka_offset: ctx.kafka_offset,
                _lifetime: PHANTOM,
            }),
            Log::Range(range) => self.observations(ctx, range),
            Log::RangeCmp(cmp) => self.observations(ctx, &cmp.decompress()),
            Log::InsPva(pva) | Log::InsPvas(pva) => self.ins_pva(ctx, pva),
            Log::InsPvax(pvax) => self.ins_pvax(ctx, pvax),
            Log::RxStatus(status) => {
                let word = |i: usize| status.status.get(i).map_or(0, |w| w.word.0);
                self.receiver_status.push(&ReceiverStatusRow {
                    receiver: ctx.receiver,
                    time_ms: ctx.time_ms,
                    error_word: status.error.0,
                    status_word: word(0),
                    aux1_word: word(1),
                    aux2_word: word(2),
                    aux3_word: word(3),
                    aux4_word: word(4),
                    kafka_partition: ctx.kafka_partition,
                    kafka_offset: ctx.kafka_offset,
                    _lifetime: PHANTOM,
                });
            }
            Log::HwMonitor(hw) => {
                for m in &hw.measurements {
                    self.hardware.push(&HardwareRow {
                        receiver: ctx.receiver,
                        time_ms: ctx.time_ms,
                        reading: m.reading,
                        reading_type: m.reading_type(),
                        limit_status: m.limit_status(),
                        kafka_partition: ctx.kafka_partition,
                        kafka_offset: ctx.kafka_offset,
                        _lifetime: PHANTOM,
                    });
                }
            }
            Log::Time(t) => self.clock.push(&ClockRow {
                receiver: ctx.receiver,
                time_ms: ctx.time_ms,
                clock_status: t.clock_status.0,
                clock_status_name: t.clock_status.name().unwrap_or(""),
                offset_s: t.offset,
                offset_std_s: t.offset_std,
                utc_offset_s: t.utc_offset,
                utc_status: t.utc_status.0,
                utc_status_name: t.utc_status.name().unwrap_or(""),
                kafka_partition: ctx.kafka_partition,
                kafka_offset: ctx.kafka_offset,
                _lifetime: PHANTOM,
            }),
            // Decoded (and counted in `frames`) but without a raw table of their own.
            Log::Version(_)
            | Log::BestXyz(_)
            | Log::PsrXyz(_)
            | Log::BestUtm(_)
            | Log::SatVis2(_)
            | Log::PsrDop2(_)
            | Log::BestSats(_)
            | Log::Heading2(_) => {}
        }
    }

    fn position(&mut self, ctx: &Context<'_>, p: &Position) {
        let stn_id = std::str::from_utf8(p.stn_id.as_bytes()).unwrap_or("");
        self.positions.push(&PositionRow {
            receiver: ctx.receiver,
            time_ms: ctx.time_ms,
            log: ctx.log,
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
            kafka_partition: ctx.kafka_partition,
            kafka_offset: ctx.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn observations(&mut self, ctx: &Context<'_>, range: &Range) {
        for o in &range.obs {
            self.observation(ctx, o);
        }
    }

    fn observation(&mut self, ctx: &Context<'_>, o: &Observation) {
        let tracking = o.tracking();
        self.observations.push(&ObservationRow {
            receiver: ctx.receiver,
            time_ms: ctx.time_ms,
            log: ctx.log,
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
            kafka_partition: ctx.kafka_partition,
            kafka_offset: ctx.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn ins_pva(&mut self, ctx: &Context<'_>, p: &InsPva) {
        self.ins.push(&InsRow {
            receiver: ctx.receiver,
            time_ms: ctx.time_ms,
            log: ctx.log,
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
            kafka_partition: ctx.kafka_partition,
            kafka_offset: ctx.kafka_offset,
            _lifetime: PHANTOM,
        });
    }

    fn ins_pvax(&mut self, ctx: &Context<'_>, p: &InsPvax) {
        self.ins.push(&InsRow {
            receiver: ctx.receiver,
            time_ms: ctx.time_ms,
            log: ctx.log,
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
            kafka_partition: ctx.kafka_partition,
            kafka_offset: ctx.kafka_offset,
            _lifetime: PHANTOM,
        });
    }
}

/// What every row of one frame shares.
struct Context<'a> {
    receiver: &'a str,
    time_ms: i64,
    log: &'a str,
    kafka_partition: u32,
    kafka_offset: u64,
}
