//! ClickHouse: schema migrations, inserts of Arrow batches, and the high-water marks that make
//! writes exactly once.

pub mod distributed;
mod error;
pub mod migrate;
pub mod native;
pub mod shards;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clickhouse::{Client, Compression};
use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::RecordBatch;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tracing::{debug, info};

pub use error::SinkError;
use error::{AUTHENTICATION_CODES, code, with_sources};
pub use migrate::Dialect;
use migrate::{Replication, execute};
pub use native::{ChType, Column};
pub use shards::Cluster;
use shards::{Replica, Shard};

use crate::exactly_once::Marks;

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

/// A connected ClickHouse: one server, or the shards of a cluster ([`shards`]).
pub struct Sink {
    /// The shards and their replicas; one shard of one replica on a single server.
    shards: Vec<Shard>,
    /// The cluster's name, in cluster mode.
    cluster: Option<String>,
    /// The database rows are written to: the configured one, or `<it>_local` in a cluster.
    database: String,
    tables: HashMap<String, Table>,
    /// What the server's version takes of the DDL.
    dialect: Dialect,
}

/// Insert timeouts: sending a batch, and waiting for ClickHouse to have written it.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
const END_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a replica may take to fetch the parts it lacks before its marks are read.
const SYNC_TIMEOUT_S: &str = "5";

impl Sink {
    /// Connects to the server of `connection`, or to every node of `cluster` (waiting up to
    /// `wait` for them), creates the database, applies the migrations in `sql_dir/clickhouse` on
    /// each node (replicated, with `Distributed` tables for reading, in a cluster) and learns the
    /// tables.
    pub async fn connect(
        connection: Connection,
        cluster: Option<&Cluster>,
        sql_dir: &Path,
        wait: Duration,
    ) -> Result<Self, SinkError> {
        let deadline = Instant::now() + wait;
        let nodes =
            cluster.map_or_else(|| vec![vec![connection.url.clone()]], |c| c.shards.clone());
        let cluster = cluster.map(|c| c.name.clone());
        let database = match &cluster {
            Some(_) => format!("{}_local", connection.database),
            None => connection.database.clone(),
        };
        let mut shards = Vec::new();
        let mut dialect = Dialect::Current;
        for (index, urls) in nodes.into_iter().enumerate() {
            let mut replicas = Vec::new();
            for (replica, url) in urls.into_iter().enumerate() {
                let node = Connection { url: url.clone(), ..connection.clone() };
                let base = node.client();
                let version = answering(&node, &base, deadline, wait).await?;
                dialect = Dialect::of(&version);
                for db in [&connection.database, &database] {
                    execute(&base, &format!("CREATE DATABASE IF NOT EXISTS `{db}`")).await?;
                }
                let client = base.clone().with_database(&database);
                let replication = cluster
                    .as_ref()
                    .map(|_| Replication { database: database.clone(), copies: replica == 0 });
                let dir = sql_dir.join("clickhouse");
                migrate::apply(&client, &dir, dialect, replication.as_ref()).await?;
                if let Some(name) = &cluster {
                    distributed::make_tables(&base, &database, &connection.database, name).await?;
                }
                info!(%url, shard = index + 1, replica = replica + 1, %version, ?dialect, "connected to ClickHouse");
                replicas.push(Replica { url, client });
            }
            shards.push(Shard::new(index + 1, replicas));
        }
        let mut sink = Sink { shards, cluster, database, tables: HashMap::new(), dialect };
        sink.load_tables().await?;
        info!(database = %sink.database, shards = sink.shards.len(), tables = sink.tables.len(), "ClickHouse ready");
        Ok(sink)
    }

    /// The first shard's client: the tables, the reference points, the engines (the same on
    /// every shard) are read from it.
    fn first(&self) -> &Client {
        &self.shards[0].current().1.client
    }

    /// Runs `work` on `shard`'s current replica; a failure that may pass moves the shard's next
    /// attempt to its next replica.
    async fn on<T, F>(&self, shard: &Shard, work: impl FnOnce(Client) -> F) -> Result<T, SinkError>
    where
        F: Future<Output = Result<T, SinkError>>,
    {
        let (at, replica) = shard.current();
        let result = work(replica.client.clone()).await;
        if let Err(error) = &result {
            shard.fail_over(at, error);
        }
        result
    }

    async fn load_tables(&mut self) -> Result<(), SinkError> {
        let sql = "SELECT table, name, type, default_kind FROM system.columns WHERE database = ?";
        let rows: Vec<(String, String, String, String)> = self
            .first()
            .query(sql)
            .bind(&self.database)
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
            database: self.database.clone(),
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

    /// Inserts `batch` into `table`: on one server in one statement (one block: written
    /// atomically); in a cluster, each shard's rows ([`shards::split`]) in one statement on it.
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
        let parts = shards::split(batch, self.shards.len()).map_err(|e| SinkError::Schema {
            table: table.to_owned(),
            column: "kafka_partition".into(),
            reason: e.to_string(),
        })?;
        for (shard, rows) in parts {
            let columns = &columns;
            self.on(&self.shards[shard], |client| insert_into(client, table, columns, rows))
                .await?;
        }
        Ok(())
    }

    /// The marks of every table of `tables` ([`crate::exactly_once`]).
    pub async fn all_marks(&self, tables: &[String]) -> Result<Marks, SinkError> {
        let mut marks = Marks::new();
        for table in tables {
            marks.insert(table.clone(), self.marks(table).await?);
        }
        Ok(marks)
    }

    /// The highest Kafka offset `table` holds, per partition that has rows in it, over the
    /// shards; in a cluster each read from a replica that has every part of its shard.
    async fn marks(&self, table: &str) -> Result<HashMap<i32, i64>, SinkError> {
        let offset = if self.table(table)?.merged_offsets {
            "maxMerge(kafka_offset)"
        } else {
            "max(kafka_offset)"
        };
        let sql = format!("SELECT kafka_partition, {offset} FROM {table} GROUP BY kafka_partition");
        let (sql, mut marks) = (&sql, HashMap::new());
        for shard in &self.shards {
            let url = &shard.current().1.url;
            let rows: Vec<(u32, u64)> = self
                .on(shard, |client| async move {
                    if self.cluster.is_some() {
                        settled(&client, url, table).await?;
                    }
                    client.query(sql).fetch_all().await.map_err(|e| SinkError::clickhouse(sql, e))
                })
                .await?;
            for (partition, held) in rows {
                let mark = marks.entry(partition as i32).or_insert(held as i64);
                *mark = (*mark).max(held as i64);
            }
        }
        Ok(marks)
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
        let (sql, mut identities) = (&sql, Vec::new());
        for shard in &self.shards {
            let found: Vec<(String, i64, String, u32, i64)> = self
                .on(shard, |client| async move {
                    let mut query = client.query(sql);
                    for &(receiver, first, last) in ranges {
                        query = query.bind(receiver).bind(first).bind(last).bind(first).bind(last);
                    }
                    query.fetch_all().await.map_err(|e| SinkError::clickhouse(sql, e))
                })
                .await?;
            identities.extend(found);
        }
        Ok(identities)
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
        let (sql, mut latest) = (&sql, HashMap::<String, i64>::new());
        for shard in &self.shards {
            let found: Vec<(String, i64)> = self
                .on(shard, |client| async move {
                    let mut query = client.query(sql);
                    for &(receiver, first) in receivers {
                        query = query.bind(receiver).bind(first).bind(first);
                    }
                    query.fetch_all().await.map_err(|e| SinkError::clickhouse(sql, e))
                })
                .await?;
            for (receiver, time) in found {
                let at = latest.entry(receiver).or_insert(time);
                *at = (*at).max(time);
            }
        }
        Ok(latest.into_iter().collect())
    }

    /// Runs a statement that returns nothing (DDL, ALTER) on every shard (its replicas follow).
    pub async fn execute(&self, sql: &str) -> Result<(), SinkError> {
        for shard in &self.shards {
            self.on(shard, |client| async move { execute(&client, sql).await }).await?;
        }
        Ok(())
    }

    /// The sum over the shards of the number a `SELECT count() ...` answers.
    pub async fn count(&self, sql: &str) -> Result<u64, SinkError> {
        let mut total = 0;
        for shard in &self.shards {
            total += self
                .on(shard, |client| async move {
                    client
                        .query(sql)
                        .fetch_one::<u64>()
                        .await
                        .map_err(|e| SinkError::clickhouse(sql, e))
                })
                .await?;
        }
        Ok(total)
    }

    /// A table's engine with its clauses (partitioning, sorting key, TTL, settings), as the
    /// server shows it.
    pub async fn engine_full(&self, table: &str) -> Result<String, SinkError> {
        let sql =
            "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = ?";
        self.first()
            .query(sql)
            .bind(table)
            .fetch_one()
            .await
            .map_err(|e| SinkError::clickhouse(sql, e))
    }

    /// The ids of a table's partitions that hold data, on any shard.
    pub async fn partitions(&self, table: &str) -> Result<Vec<String>, SinkError> {
        let sql = "SELECT DISTINCT partition_id FROM system.parts \
                   WHERE database = currentDatabase() AND table = ? AND active";
        let mut ids = Vec::new();
        for shard in &self.shards {
            let found: Vec<String> = self
                .on(shard, |client| async move {
                    client
                        .query(sql)
                        .bind(table)
                        .fetch_all()
                        .await
                        .map_err(|e| SinkError::clickhouse(sql, e))
                })
                .await?;
            ids.extend(found.into_iter().filter(|id| !ids.contains(id)).collect::<Vec<_>>());
        }
        Ok(ids)
    }

    /// Each receiver's reference point: (receiver, latitude, longitude, height, time). They are
    /// written to the first shard.
    pub async fn reference_points(&self) -> Result<Vec<(String, f64, f64, f64, i64)>, SinkError> {
        let sql = "SELECT receiver, argMin(ref_lat_deg, first_time_ms), argMin(ref_lon_deg, first_time_ms), \
                   argMin(ref_hgt_m, first_time_ms), min(first_time_ms) FROM receivers GROUP BY receiver";
        self.first().query(sql).fetch_all().await.map_err(|e| SinkError::clickhouse(sql, e))
    }
}

/// Makes the replica `client` reaches fetch every part of `table` its shard's log names, and
/// checks that it holds none of unknown status: a part whose insert lost ZooKeeper before it
/// confirmed the commit stays visible on the replica that wrote it until ClickHouse checks it,
/// and is removed then if ZooKeeper never had it. Marks are read only from a replica where
/// both hold ([`shards`]).
async fn settled(client: &Client, url: &str, table: &str) -> Result<(), SinkError> {
    let sync = format!("SYSTEM SYNC REPLICA {table}");
    let synced = client.query(&sync).with_setting("receive_timeout", SYNC_TIMEOUT_S);
    synced.execute().await.map_err(|e| SinkError::clickhouse(&sync, e))?;
    let sql = "SELECT parts_to_check FROM system.replicas \
               WHERE database = currentDatabase() AND table = ?";
    let parts: u64 = client
        .query(sql)
        .bind(table)
        .fetch_one::<u32>()
        .await
        .map_err(|e| SinkError::clickhouse(sql, e))?
        .into();
    if parts > 0 {
        return Err(SinkError::Unsettled { url: url.to_owned(), table: table.to_owned(), parts });
    }
    Ok(())
}

/// Waits until the node answers (up to `deadline`); its version.
async fn answering(
    node: &Connection,
    client: &Client,
    deadline: Instant,
    wait: Duration,
) -> Result<String, SinkError> {
    loop {
        match client.query("SELECT version()").fetch_one::<String>().await {
            Ok(version) => return Ok(version),
            // Credentials do not get better by waiting.
            Err(clickhouse::error::Error::BadResponse(text))
                if code(&text).is_some_and(|c| AUTHENTICATION_CODES.contains(&c)) =>
            {
                return Err(SinkError::Authentication {
                    url: node.url.clone(),
                    user: node.user.clone(),
                    cause: text,
                });
            }
            Err(e) if Instant::now() >= deadline => {
                return Err(SinkError::NoAnswer {
                    url: node.url.clone(),
                    waited: wait,
                    cause: with_sources(&e),
                });
            }
            Err(e) => {
                debug!(url = %node.url, error = %e, "ClickHouse not reachable yet");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Inserts `rows` into `table` in one statement, encoded and sent a slice at a time so that the
/// body is never whole in memory. An error before the end drops the request: ClickHouse then
/// writes nothing.
async fn insert_into(
    client: Client,
    table: &str,
    columns: &[Column],
    rows: RecordBatch,
) -> Result<(), SinkError> {
    let block = native::Block::new(&rows, table, columns)?;
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let sql = format!("INSERT INTO {table} ({}) FORMAT Native", names.join(", "));
    let mut insert = client
        .insert_formatted_with(sql.clone())
        .with_timeouts(Some(SEND_TIMEOUT), Some(END_TIMEOUT));
    for piece in block.pieces() {
        insert.send(Bytes::from(piece)).await.map_err(|e| SinkError::clickhouse(&sql, e))?;
    }
    insert.end().await.map_err(|e| SinkError::clickhouse(&sql, e))
}

#[cfg(test)]
mod tests {
    use super::*;

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
