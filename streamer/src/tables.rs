//! The raw tables: each declared once below, its row type and its Arrow columns named and typed
//! as the ClickHouse table in `sql/clickhouse/` (the streamer checks at start), and listed once in
//! [`RawTables`], the micro-batch's builders. A new raw table: a `raw_table!` here, a line in the
//! `raw_tables!` list, its rows in [`crate::rows`], its DDL in a new migration.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, Float32Builder, Float64Builder, Int16Builder, Int32Builder, Int64Builder,
    PrimitiveBuilder, StringBuilder, UInt8Builder, UInt16Builder, UInt32Builder, UInt64Builder,
};
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;

macro_rules! builder {
    (Utf8) => {
        StringBuilder
    };
    (Int16) => {
        Int16Builder
    };
    (Int32) => {
        Int32Builder
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
    /// BESTPOS, PSRPOS, RTKPOS, MATCHEDPOS, PPPPOS and BESTGNSSPOS (`log` tells them apart).
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
    /// BESTVEL, PSRVEL, RTKVEL and BESTGNSSVEL (`log` tells them apart).
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
    /// GPSEPHEM and QZSSEPHEMERIS (QZSS broadcasts GPS's LNAV message; `log` tells them apart): one row per ephemeris a receiver decoded, as NovAtel gives it (angles in radians, the semi-major axis in metres).
    GpsEphemerisRow, GpsEphemeridesBuilder = "gps_ephemerides" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        prn: u32 => UInt32,
        tow: f64 => Float64,
        health: u32 => UInt32,
        iode1: u32 => UInt32,
        iode2: u32 => UInt32,
        week: u32 => UInt32,
        z_week: u32 => UInt32,
        toe: f64 => Float64,
        a: f64 => Float64,
        delta_n: f64 => Float64,
        m0: f64 => Float64,
        ecc: f64 => Float64,
        omega: f64 => Float64,
        cuc: f64 => Float64,
        cus: f64 => Float64,
        crc: f64 => Float64,
        crs: f64 => Float64,
        cic: f64 => Float64,
        cis: f64 => Float64,
        i0: f64 => Float64,
        i_dot: f64 => Float64,
        omega0: f64 => Float64,
        omega_dot: f64 => Float64,
        iodc: u32 => UInt32,
        toc: f64 => Float64,
        tgd: f64 => Float64,
        af0: f64 => Float64,
        af1: f64 => Float64,
        af2: f64 => Float64,
        anti_spoofing: u32 => UInt32,
        n: f64 => Float64,
        ura: f64 => Float64,
        fit_interval: u8 => UInt8,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// GALINAVEPHEMERIS and GALFNAVEPHEMERIS: one row per Galileo ephemeris (Galileo weeks and seconds; the columns of the other message are 0).
    GalEphemerisRow, GalEphemeridesBuilder = "galileo_ephemerides" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        satellite_id: u32 => UInt32,
        e1b_health: u8 => UInt8,
        e1b_dvs: u8 => UInt8,
        e5b_health: u8 => UInt8,
        e5b_dvs: u8 => UInt8,
        e5a_health: u8 => UInt8,
        e5a_dvs: u8 => UInt8,
        iodnav: u16 => UInt16,
        sisa_index: u8 => UInt8,
        source: u8 => UInt8,
        toe: u32 => UInt32,
        toc: u32 => UInt32,
        m0: f64 => Float64,
        delta_n: f64 => Float64,
        ecc: f64 => Float64,
        root_a: f64 => Float64,
        i0: f64 => Float64,
        i_dot: f64 => Float64,
        omega0: f64 => Float64,
        omega: f64 => Float64,
        omega_dot: f64 => Float64,
        cuc: f64 => Float64,
        cus: f64 => Float64,
        crc: f64 => Float64,
        crs: f64 => Float64,
        cic: f64 => Float64,
        cis: f64 => Float64,
        af0: f64 => Float64,
        af1: f64 => Float64,
        af2: f64 => Float64,
        bgd_e1_e5a: f64 => Float64,
        bgd_e1_e5b: f64 => Float64,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// GLOEPHEMERIS: one row per GLONASS ephemeris (PZ-90 state vector at the reference time).
    GloEphemerisRow, GloEphemeridesBuilder = "glonass_ephemerides" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        sloto: u16 => UInt16,
        freqo: u16 => UInt16,
        sat_type: u8 => UInt8,
        e_week: u16 => UInt16,
        e_time: u32 => UInt32,
        t_offset: u32 => UInt32,
        nt: u16 => UInt16,
        issue: u32 => UInt32,
        health: u32 => UInt32,
        pos_x: f64 => Float64,
        pos_y: f64 => Float64,
        pos_z: f64 => Float64,
        vel_x: f64 => Float64,
        vel_y: f64 => Float64,
        vel_z: f64 => Float64,
        ls_acc_x: f64 => Float64,
        ls_acc_y: f64 => Float64,
        ls_acc_z: f64 => Float64,
        tau_n: f64 => Float64,
        delta_tau_n: f64 => Float64,
        gamma: f64 => Float64,
        tk: u32 => UInt32,
        p: u32 => UInt32,
        ft: u32 => UInt32,
        age: u32 => UInt32,
        flags: u32 => UInt32,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// BDSEPHEMERIS: one row per BeiDou ephemeris (BDT weeks and seconds).
    BdsEphemerisRow, BdsEphemeridesBuilder = "beidou_ephemerides" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        satellite_id: u32 => UInt32,
        week: u32 => UInt32,
        ura: f64 => Float64,
        health1: u32 => UInt32,
        tgd1: f64 => Float64,
        tgd2: f64 => Float64,
        aodc: u32 => UInt32,
        toc: u32 => UInt32,
        a0: f64 => Float64,
        a1: f64 => Float64,
        a2: f64 => Float64,
        aode: u32 => UInt32,
        toe: u32 => UInt32,
        root_a: f64 => Float64,
        ecc: f64 => Float64,
        omega: f64 => Float64,
        delta_n: f64 => Float64,
        m0: f64 => Float64,
        omega0: f64 => Float64,
        omega_dot: f64 => Float64,
        i0: f64 => Float64,
        idot: f64 => Float64,
        cuc: f64 => Float64,
        cus: f64 => Float64,
        crc: f64 => Float64,
        crs: f64 => Float64,
        cic: f64 => Float64,
        cis: f64 => Float64,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// IONUTC and QZSSIONUTC (`log` tells them apart): Klobuchar ionosphere and UTC parameters.
    IonUtcRow, IonUtcBuilder = "ionosphere_utc" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        a0: f64 => Float64,
        a1: f64 => Float64,
        a2: f64 => Float64,
        a3: f64 => Float64,
        b0: f64 => Float64,
        b1: f64 => Float64,
        b2: f64 => Float64,
        b3: f64 => Float64,
        utc_wn: u32 => UInt32,
        tot: u32 => UInt32,
        utc_a0: f64 => Float64,
        utc_a1: f64 => Float64,
        wn_lsf: u32 => UInt32,
        dn: u32 => UInt32,
        deltat_ls: i32 => Int32,
        deltat_lsf: i32 => Int32,
        kafka_partition: u32 => UInt32,
        kafka_offset: u64 => UInt64,
    }
}

raw_table! {
    /// SATVIS2: one row per satellite of a system's log, where the receiver's almanac puts it in
    /// the sky (degrees) and its Doppler (Hz).
    SatelliteVisibilityRow, SatelliteVisibilityBuilder = "satellite_visibility" {
        receiver: &'a str => Utf8,
        time_ms: i64 => Int64,
        log: &'a str => Utf8,
        system: u32 => UInt32,
        system_name: &'a str => Utf8,
        satellite_id: u16 => UInt16,
        glonass_channel: i16 => Int16,
        health: u32 => UInt32,
        sat_vis: u8 => UInt8,
        complete_almanac: u8 => UInt8,
        elevation_deg: f64 => Float64,
        azimuth_deg: f64 => Float64,
        true_doppler_hz: f64 => Float64,
        apparent_doppler_hz: f64 => Float64,
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

/// Declares the micro-batch's builders, one per raw table, in the order they are written: every
/// table with Kafka offsets before `frames`, whose marks say where each partition resumes
/// ([`crate::exactly_once`]), so `frames` comes last.
macro_rules! raw_tables {
    ($($field:ident: $builder:ident),* $(,)?) => {
        /// The raw tables of one micro-batch.
        #[derive(Default)]
        pub struct RawTables {
            $(pub $field: $builder,)*
        }

        impl RawTables {
            /// Names and schemas of the raw tables, in the order they are written.
            pub fn schemas() -> Vec<(&'static str, SchemaRef)> {
                vec![$(($builder::TABLE, $builder::schema())),*]
            }

            /// Rows of the largest table: kept under ClickHouse's block size by the batch limits.
            pub fn max_rows(&self) -> usize {
                [$(self.$field.rows()),*].into_iter().max().unwrap_or(0)
            }

            /// The batches, in the order of [`RawTables::schemas`]; the builders start again.
            pub fn finish(&mut self) -> Result<Vec<(&'static str, RecordBatch)>, ArrowError> {
                Ok(vec![$(($builder::TABLE, self.$field.finish()?)),*])
            }
        }
    };
}

raw_tables! {
    rejected: RejectedBuilder,
    positions: PositionsBuilder,
    velocities: VelocitiesBuilder,
    observations: ObservationsBuilder,
    ins: InsBuilder,
    receiver_status: ReceiverStatusBuilder,
    hardware: HardwareBuilder,
    clock: ClockBuilder,
    gps_ephemerides: GpsEphemeridesBuilder,
    glonass_ephemerides: GloEphemeridesBuilder,
    galileo_ephemerides: GalEphemeridesBuilder,
    beidou_ephemerides: BdsEphemeridesBuilder,
    ionosphere_utc: IonUtcBuilder,
    satellite_visibility: SatelliteVisibilityBuilder,
    frames: FramesBuilder,
}
