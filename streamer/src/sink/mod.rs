//! ClickHouse: schema migrations, inserts of Arrow batches, and the high-water marks that make
//! writes exactly once.

pub mod migrate;
pub mod rowbinary;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clickhouse::{Client, Compression};
use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::RecordBatch;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use thiserror::Error;
use tracing::{debug, info};

pub use migrate::Dialect;
pub use rowbinary::{ChType, Column};

use crate::exactly_once::Marks;

/// Problems writing to ClickHouse.
#[derive(Debug, Error)]
pub enum SinkError {
    #[error(
        "ClickHouse at {url} is not reachable ({cause}); check --clickhouse-url (CLICKHOUSE_URL), \
         the credentials, and that the server is up"
    )]
    Unreachable { url: String, cause: String },
    #[error(
        "ClickHouse at {url} did not answer within {waited:?} ({cause}); check --clickhouse-url \
         (CLICKHOUSE_URL) and that the server is up and reachable from here, or wait longer with \
         --connect-timeout"
    )]
    NoAnswer { url: String, waited: Duration, cause: String },
    #[error(
        "ClickHouse at {url}: authentication failed for user `{user}` ({cause}); check \
         --clickhouse-user (CLICKHOUSE_USER) and the password (CLICKHOUSE_PASSWORD_FILE or \
         CLICKHOUSE_PASSWORD)"
    )]
    Authentication { url: String, user: String, cause: String },
    #[error("ClickHouse failed `{statement}`: {message}")]
    Query { statement: String, message: String, retryable: bool },
    #[error("{path}: {reason}")]
    Sql { path: PathBuf, reason: String },
    #[error("table {table}, column {column}: {reason}")]
    Schema { table: String, column: String, reason: String },
    #[error(
        "table {table} does not exist in ClickHouse database {database}; add it to sql/clickhouse/"
    )]
    NoTable { table: String, database: String },
}

/// ClickHouse error codes of a user it does not let in: unknown user, wrong password, password
/// required, address not allowed, authentication failed.
const AUTHENTICATION_CODES: [u32; 5] = [192, 193, 194, 195, 516];

/// ClickHouse error codes that retrying will not cure: wrong SQL, schema or credentials.
const PERMANENT_CODES: [u32; 16] =
    [6, 16, 26, 27, 36, 44, 47, 53, 60, 62, 81, 192, 193, 194, 497, 516];

impl SinkError {
    /// Wraps an error of the `clickhouse` crate for `statement`.
    pub fn clickhouse(statement: &str, error: clickhouse::error::Error) -> Self {
        let message = error.to_string();
        let retryable = match &error {
            clickhouse::error::Error::BadResponse(text) => {
                code(text).is_none_or(|c| !PERMANENT_CODES.contains(&c))
            }
            clickhouse::error::Error::Network(_) | clickhouse::error::Error::TimedOut => true,
            _ => false,
        };
        let statement: String = statement.chars().take(120).collect();
        SinkError::Query { statement, message, retryable }
    }

    /// Whether trying again later may succeed (server down, overloaded, too many parts).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SinkError::Query { retryable: true, .. }
                | SinkError::Unreachable { .. }
                | SinkError::NoAnswer { .. }
        )
    }
}

/// An error and its sources, as `a: b: c` (a network error says what failed only in them).
fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text = format!("{text}: {said}");
        }
        source = cause.source();
    }
    text
}

/// The `Code: N` of a ClickHouse error message.
fn code(text: &str) -> Option<u32> {
    let rest = &text[text.find("Code: ")? + 6..];
    rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())].parse().ok()
}

/// How to reach ClickHouse.
#[derive(Clone)]
pub struct Connection {
    pub url: String,
    pub database: String,
    pub user: String,
    pub password: Option<String>,
}

impl Connection {
    /// A client of the server, without a database: the `clickhouse` crate's default HTTP
    /// client with Nagle's algorithm off (with it on, a small insert's body waits for the
    /// server's delayed ACK of the headers, 40 ms an insert), LZ4 compression, and rows checked
    /// by their shape (ClickHouse 18.16 cannot describe result columns to the client: no
    /// RowBinaryWithNamesAndTypes).
    pub fn client(&self) -> Client {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_keepalive(Some(Duration::from_secs(60)));
        // Idle connections close before ClickHouse's keep_alive_timeout (3 s) closes them.
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(2))
            .build(connector);
        let client = Client::with_http_client(http)
            .with_url(&self.url)
            .with_user(&self.user)
            .with_compression(Compression::Lz4)
            .with_validation(false);
        match &self.password {
            Some(password) => client.with_password(password),
            None => client,
        }
    }
}

/// The password is shown as `****`, should a connection ever be logged.
impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.url)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .finish()
    }
}

/// What the streamer knows of a table.
#[derive(Clone, Debug)]
pub struct Table {
    /// Columns an insert must provide (not MATERIALIZED or ALIAS), by name.
    pub columns: Vec<Column>,
    /// Columns with a DEFAULT, which a batch may leave out.
    pub optional: Vec<Column>,
    /// `kafka_offset` is an aggregate state (read with maxMerge) rather than a plain column.
    pub merged_offsets: bool,
}

/// A connected ClickHouse database.
pub struct Sink {
    client: Client,
    connection: Connection,
    tables: HashMap<String, Table>,
    /// What the server's version takes of the DDL.
    dialect: Dialect,
}

/// Insert timeouts: sending a batch, and waiting for ClickHouse to have written it.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
const END_TIMEOUT: Duration = Duration::from_secs(120);
/// Rows encoded and sent at a time within one insert.
const CHUNK_ROWS: usize = 32_768;

impl Sink {
    /// Connects (waiting up to `wait` for the server), creates the database, applies the
    /// migrations in `sql_dir/clickhouse` and learns the tables.
    pub async fn connect(
        connection: Connection,
        sql_dir: &Path,
        wait: Duration,
    ) -> Result<Self, SinkError> {
        let base = connection.client();
        let deadline = Instant::now() + wait;
        loop {
            match base.query("SELECT 1").fetch_one::<u8>().await {
                Ok(_) => break,
                // Credentials do not get better by waiting.
                Err(clickhouse::error::Error::BadResponse(text))
                    if code(&text).is_some_and(|c| AUTHENTICATION_CODES.contains(&c)) =>
                {
                    return Err(SinkError::Authentication {
                        url: connection.url.clone(),
                        user: connection.user.clone(),
                        cause: text,
                    });
                }
                Err(e) if Instant::now() >= deadline => {
                    return Err(SinkError::NoAnswer {
                        url: connection.url.clone(),
                        waited: wait,
                        cause: with_sources(&e),
                    });
                }
                Err(e) => {
                    debug!(error = %e, "ClickHouse not reachable yet");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        let version: String = base
            .query("SELECT version()")
            .fetch_one()
            .await
            .map_err(|e| SinkError::clickhouse("SELECT version()", e))?;
        let dialect = Dialect::of(&version);
        let create = format!("CREATE DATABASE IF NOT EXISTS `{}`", connection.database);
        base.query(&create).execute().await.map_err(|e| SinkError::clickhouse(&create, e))?;
        let client = base.with_database(&connection.database);
        migrate::apply(&client, &sql_dir.join("clickhouse"), dialect).await?;
        let mut sink = Sink { client, connection, tables: HashMap::new(), dialect };
        sink.load_tables().await?;
        info!(url = %sink.connection.url, database = %sink.connection.database, %version, ?dialect, tables = sink.tables.len(), "connected to ClickHouse");
        Ok(sink)
    }

    async fn load_tables(&mut self) -> Result<(), SinkError> {
        let sql = "SELECT table, name, type, default_kind FROM system.columns WHERE database = ?";
        let rows: Vec<(String, String, String, String)> = self
            .client
            .query(sql)
            .bind(&self.connection.database)
            .fetch_all()
            .await
            .map_err(|e| SinkError::clickhouse(sql, e))?;
        let mut tables: HashMap<String, Table> = HashMap::new();
        for (table, name, ty, default_kind) in rows {
            let entry = tables.entry(table).or_insert_with(|| Table {
                columns: vec![],
                optional: vec![],
                merged_offsets: false,
            });
            if name == "kafka_offset" && ty.starts_with("AggregateFunction(max") {
                entry.merged_offsets = true;
            }
            let Some(ty) = ChType::parse(&ty) else { continue };
            let column = Column { name, ty };
            match default_kind.as_str() {
                "MATERIALIZED" | "ALIAS" => {}
                "DEFAULT" => entry.optional.push(column),
                _ => entry.columns.push(column),
            }
        }
        self.tables = tables;
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn table(&self, name: &str) -> Result<&Table, SinkError> {
        self.tables.get(name).ok_or_else(|| SinkError::NoTable {
            table: name.to_owned(),
            database: self.connection.database.clone(),
        })
    }

    /// Checks that batches of `schema` can be inserted into `table`: every column the table needs
    /// is in the schema, and every column of the schema is in the table.
    pub fn check(&self, table: &str, schema: &Schema) -> Result<(), SinkError> {
        let t = self.table(table)?;
        for column in &t.columns {
            if schema.field_with_name(&column.name).is_err() {
                return Err(SinkError::Schema {
                    table: table.to_owned(),
                    column: column.name.clone(),
                    reason: "the table has it, the streamer's batch does not".into(),
                });
            }
        }
        for field in schema.fields() {
            if !t.columns.iter().chain(&t.optional).any(|c| &c.name == field.name()) {
                return Err(SinkError::Schema {
                    table: table.to_owned(),
                    column: field.name().clone(),
                    reason: "the streamer's batch has it, the table does not (or not a type the streamer writes)".into(),
                });
            }
        }
        Ok(())
    }

    /// Inserts `batch` into `table` in one statement (one block: written atomically).
    pub async fn insert(&self, table: &str, batch: &RecordBatch) -> Result<(), SinkError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let t = self.table(table)?;
        let columns: Vec<Column> = t
            .columns
            .iter()
            .chain(t.optional.iter().filter(|c| batch.schema().field_with_name(&c.name).is_ok()))
            .cloned()
            .collect();
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let sql = format!("INSERT INTO {table} ({}) FORMAT RowBinary", names.join(", "));
        let mut insert = self
            .client
            .insert_formatted_with(sql.clone())
            .with_timeouts(Some(SEND_TIMEOUT), Some(END_TIMEOUT));
        // Encoded and sent a slice at a time, so the body is never whole in memory. An error
        // before `end` drops the request: ClickHouse then writes nothing.
        for start in (0..batch.num_rows()).step_by(CHUNK_ROWS) {
            let rows = batch.slice(start, CHUNK_ROWS.min(batch.num_rows() - start));
            let mut body = Vec::new();
            rowbinary::encode(&rows, table, &columns, &mut body)?;
            insert.send(Bytes::from(body)).await.map_err(|e| SinkError::clickhouse(&sql, e))?;
        }
        insert.end().await.map_err(|e| SinkError::clickhouse(&sql, e))
    }

    /// The marks of every table of `tables` ([`crate::exactly_once`]).
    pub async fn all_marks(&self, tables: &[String]) -> Result<Marks, SinkError> {
        let mut marks = Marks::new();
        for table in tables {
            marks.insert(table.clone(), self.marks(table).await?);
        }
        Ok(marks)
    }

    /// The highest Kafka offset `table` holds, per partition that has rows in it.
    async fn marks(&self, table: &str) -> Result<HashMap<i32, i64>, SinkError> {
        let offset = if self.table(table)?.merged_offsets {
            "maxMerge(kafka_offset)"
        } else {
            "max(kafka_offset)"
        };
        let sql = format!("SELECT kafka_partition, {offset} FROM {table} GROUP BY kafka_partition");
        let rows: Vec<(u32, u64)> = self
            .client
            .query(&sql)
            .fetch_all()
            .await
            .map_err(|e| SinkError::clickhouse(&sql, e))?;
        Ok(rows.into_iter().map(|(p, o)| (p as i32, o as i64)).collect())
    }

    /// The identities (receiver, time, log, CRC, source offset) of the frames `frames` holds
    /// with a GPS time and a source offset within each (receiver, first ms, last ms) range.
    pub async fn frame_identities(
        &self,
        ranges: &[(&str, i64, i64)],
    ) -> Result<Vec<(String, i64, String, u32, i64)>, SinkError> {
        // `time` (seconds) is in the sorting key, `time_ms` after it.
        let range = "(receiver = ? AND time >= toDateTime(intDiv(?, 1000)) \
                     AND time <= toDateTime(intDiv(?, 1000)) AND time_ms >= ? AND time_ms <= ?)";
        let sql = format!(
            "SELECT receiver, time_ms, log, frame_crc, source_offset FROM frames \
             WHERE gps_week > 0 AND source_offset >= 0 AND ({})",
            vec![range; ranges.len()].join(" OR ")
        );
        let mut query = self.client.query(&sql);
        for &(receiver, first, last) in ranges {
            query = query.bind(receiver).bind(first).bind(last).bind(first).bind(last);
        }
        query.fetch_all().await.map_err(|e| SinkError::clickhouse(&sql, e))
    }

    /// Per (receiver, from ms): the latest time of a frame with a GPS time and a source offset
    /// `frames` holds at or after it; receivers with none are left out.
    pub async fn latest_frame_times(
        &self,
        receivers: &[(&str, i64)],
    ) -> Result<Vec<(String, i64)>, SinkError> {
        let from = "(receiver = ? AND time >= toDateTime(intDiv(?, 1000)) AND time_ms >= ?)";
        let sql = format!(
            "SELECT receiver, max(time_ms) FROM frames WHERE gps_week > 0 AND source_offset >= 0 \
             AND ({}) GROUP BY receiver",
            vec![from; receivers.len()].join(" OR ")
        );
        let mut query = self.client.query(&sql);
        for &(receiver, first) in receivers {
            query = query.bind(receiver).bind(first).bind(first);
        }
        query.fetch_all().await.map_err(|e| SinkError::clickhouse(&sql, e))
    }

    /// Runs a statement that returns nothing (DDL, ALTER).
    pub async fn execute(&self, sql: &str) -> Result<(), SinkError> {
        self.client.query(sql).execute().await.map_err(|e| SinkError::clickhouse(sql, e))
    }

    /// The number a `SELECT count() ...` answers.
    pub async fn count(&self, sql: &str) -> Result<u64, SinkError> {
        self.client.query(sql).fetch_one().await.map_err(|e| SinkError::clickhouse(sql, e))
    }

    /// A table's engine with its clauses (partitioning, sorting key, TTL, settings), as the
    /// server shows it.
    pub async fn engine_full(&self, table: &str) -> Result<String, SinkError> {
        let sql =
            "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = ?";
        self.client
            .query(sql)
            .bind(table)
            .fetch_one()
            .await
            .map_err(|e| SinkError::clickhouse(sql, e))
    }

    /// The ids of a table's partitions that hold data.
    pub async fn partitions(&self, table: &str) -> Result<Vec<String>, SinkError> {
        let sql = "SELECT DISTINCT partition_id FROM system.parts \
                   WHERE database = currentDatabase() AND table = ? AND active";
        self.client
            .query(sql)
            .bind(table)
            .fetch_all()
            .await
            .map_err(|e| SinkError::clickhouse(sql, e))
    }

    /// Each receiver's reference point: (receiver, latitude, longitude, height, time).
    pub async fn reference_points(&self) -> Result<Vec<(String, f64, f64, f64, i64)>, SinkError> {
        let sql = "SELECT receiver, argMin(ref_lat_deg, first_time_ms), argMin(ref_lon_deg, first_time_ms), \
                   argMin(ref_hgt_m, first_time_ms), min(first_time_ms) FROM receivers GROUP BY receiver";
        self.client.query(sql).fetch_all().await.map_err(|e| SinkError::clickhouse(sql, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes() {
        assert_eq!(
            code("Code: 60, e.displayText() = DB::Exception: Table t doesn't exist"),
            Some(60)
        );
        assert_eq!(code("bad response: Code: 252. DB::Exception: Too many parts"), Some(252));
        assert_eq!(code("no code here"), None);
    }

    #[test]
    fn a_connection_does_not_show_its_password() {
        let connection = Connection {
            url: "http://ch:8123".into(),
            database: "gnss".into(),
            user: "gnss".into(),
            password: Some("hunter2".into()),
        };
        let shown = format!("{connection:?}");
        assert!(shown.contains("****") && !shown.contains("hunter2"), "{shown}");
    }
}
