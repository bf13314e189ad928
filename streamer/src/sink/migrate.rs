//! Versioned DDL: `sql/clickhouse/NNNN_name.sql` files applied in order, each once, recorded in
//! `schema_migrations`.
//!
//! - **One streamer at a time** applies them: it holds the table `schema_migrations_lock` while it
//!   does (creating a table is atomic in ClickHouse); the others wait until it is gone. Most
//!   statements are idempotent anyway (`IF NOT EXISTS`).
//! - **Written for current ClickHouse**; on 18.16 ([`Dialect::Legacy`]) each statement is adapted
//!   to what that version has: no codecs, no table settings, `String` for `LowCardinality(String)`,
//!   and raw tables sorted by receiver and time only (the grouping after the time bucket serves
//!   codecs 18.16 lacks, and costs it CPU at every insert).
//! - **`REBUILD TABLE t FROM (SELECT ...) [DROP a, b]`**, followed by `t`'s `CREATE TABLE`, moves a
//!   table to a new definition (sorting key, partitioning, codecs): a copy is made with the
//!   definition, filled by the SELECT, swapped in for `t`, and the old table and the tables named
//!   after DROP are dropped. Each step can be cut short and run again ([`rebuild`]).
//! - **In a cluster** ([`Replication`]) each node gets the migrations in `<database>_local`, and
//!   `ENGINE = XMergeTree` becomes `ReplicatedXMergeTree('/clickhouse/tables/{shard}/<db>/<table>/<version>',
//!   '{replica}')`: the `{shard}` and `{replica}` macros come from each node's config, and the
//!   migration's version in the path keeps it unique when a `REBUILD` makes a table again. A
//!   `REBUILD` copies rows on a shard's first replica only: its copy replicates to the others,
//!   which would otherwise each insert the rows again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tracing::{info, warn};

use super::error::SinkError;

/// What a ClickHouse version takes of the DDL, which is written for current versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// 20.x and later: codecs, LowCardinality, TTL, table settings, projections.
    Current,
    /// 18.16 (Debian's), and anything before 20.
    Legacy,
}

impl Dialect {
    /// The dialect of a `SELECT version()` answer, e.g. `18.16.1` or `26.9.2.1`.
    pub fn of(version: &str) -> Self {
        match version.split('.').next().and_then(|major| major.trim().parse::<u32>().ok()) {
            Some(major) if major < 20 => Dialect::Legacy,
            _ => Dialect::Current,
        }
    }

    /// `statement` as this dialect takes it.
    pub fn adapt(self, statement: &str) -> String {
        match self {
            Dialect::Current => statement.to_owned(),
            Dialect::Legacy => {
                let text = statement.replace("LowCardinality(String)", "String");
                let text = without_calls(&text, "CODEC");
                if !text.trim_start().starts_with("CREATE TABLE") {
                    return text;
                }
                let text = match top_level(&text, "SETTINGS") {
                    Some(at) => text[..at].trim_end().to_owned(),
                    None => text,
                };
                sorted_by_time(&text)
            }
        }
    }
}

/// How a node's migrations make replicated tables.
#[derive(Clone, Debug)]
pub struct Replication {
    /// The database of the replicated tables (`<database>_local`).
    pub database: String,
    /// Whether this node is its shard's first replica, the one that copies rows in a `REBUILD`.
    pub copies: bool,
}

impl Replication {
    /// A `CREATE TABLE` of a MergeTree-family table made replicated; any other statement as it is.
    pub fn adapt(&self, statement: &str, version: u32) -> String {
        let Some(table) = created_table(statement) else { return statement.to_owned() };
        let Some(at) = top_level(statement, "ENGINE") else { return statement.to_owned() };
        let after = &statement[at + "ENGINE".len()..];
        let Some(rest) = after.trim_start().strip_prefix('=') else {
            return statement.to_owned();
        };
        let rest = rest.trim_start();
        let name_len = rest.find(|c: char| !c.is_alphanumeric() && c != '_').unwrap_or(rest.len());
        let engine = &rest[..name_len];
        if !engine.ends_with("MergeTree") || engine.starts_with("Replicated") {
            return statement.to_owned();
        }
        let mut tail = &rest[name_len..];
        // Engine arguments (SummingMergeTree(columns), say) follow the replication's.
        let mut arguments = String::new();
        if let Some(open) = tail.strip_prefix('(') {
            let close = open.find(')').unwrap_or(open.len());
            if !open[..close].trim().is_empty() {
                arguments = format!(", {}", open[..close].trim());
            }
            tail = open.get(close + 1..).unwrap_or_default();
        }
        let path = format!("/clickhouse/tables/{{shard}}/{}/{table}/{version:04}", self.database);
        format!(
            "{}ENGINE = Replicated{engine}('{path}', '{{replica}}'{arguments}){tail}",
            &statement[..at]
        )
    }
}

/// The table a `CREATE TABLE [IF NOT EXISTS] name ...` creates.
pub fn created_table(statement: &str) -> Option<&str> {
    let rest = statement.strip_prefix("CREATE TABLE ")?.trim_start();
    let rest = rest.strip_prefix("IF NOT EXISTS ").unwrap_or(rest).trim_start();
    rest.split(|c: char| c.is_whitespace() || c == '(').next().filter(|name| !name.is_empty())
}

/// The time bucket of the raw tables' sorting keys.
const TIME_BUCKET: &str = "toStartOfFifteenMinutes(time)";

/// A CREATE TABLE whose sorting key has the time bucket followed by columns that group similar
/// rows (`receiver, <bucket>, constellation, prn, signal, time_ms`), with those columns left out
/// (`receiver, <bucket>, time_ms`). The grouping is there for the codecs of current versions;
/// 18.16 has none to profit from it, and sorting each insert by it doubled 18.16's CPU per
/// observation row (measured in docs/performance.md).
fn sorted_by_time(create: &str) -> String {
    let Some(at) = top_level(create, "ORDER BY") else { return create.to_owned() };
    let key = create[at + "ORDER BY".len()..].trim_start();
    let Some(inner) = key.strip_prefix('(') else { return create.to_owned() };
    // The tuple's elements: split at the commas outside parentheses, up to its `)`.
    let (mut depth, mut start, mut columns, mut end) = (0, 0, Vec::new(), None);
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => {
                columns.push(inner[start..i].trim());
                end = Some(i);
                break;
            }
            ')' => depth -= 1,
            ',' if depth == 0 => {
                columns.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let Some(end) = end else { return create.to_owned() };
    match columns.iter().position(|c| *c == TIME_BUCKET) {
        Some(bucket) if bucket + 2 < columns.len() => {
            let kept = [&columns[..=bucket], &columns[columns.len() - 1..]].concat();
            format!("{}ORDER BY ({}){}", &create[..at], kept.join(", "), &inner[end + 1..])
        }
        _ => create.to_owned(),
    }
}

/// `text` without its calls of `name(...)` (and the space before each).
fn without_calls(text: &str, name: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&format!("{name}(")) {
        out.push_str(rest[..at].trim_end_matches(' '));
        let mut depth = 0;
        let end = rest[at..]
            .char_indices()
            .find(|&(_, c)| {
                depth += i32::from(c == '(') - i32::from(c == ')');
                c == ')' && depth == 0
            })
            .map_or(rest.len(), |(i, _)| at + i + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Where the keyword `word` starts outside parentheses and quotes, if it does.
fn top_level(text: &str, word: &str) -> Option<usize> {
    let (mut depth, mut quote) = (0i32, None);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, _) if depth == 0 && text[i..].starts_with(word) => {
                let before = text[..i].chars().next_back();
                let after = text[i + word.len()..].chars().next();
                let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '_');
                if boundary(before) && boundary(after) {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A migration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    pub version: u32,
    pub name: String,
    pub path: PathBuf,
}

/// The migrations in `dir`, ordered by version.
pub fn list(dir: &Path) -> Result<Vec<Migration>, SinkError> {
    let read = |e| SinkError::Sql {
        path: dir.to_owned(),
        reason: format!("cannot read the directory: {e}"),
    };
    let mut migrations = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else { continue };
        let Some(stem) = file.strip_suffix(".sql") else { continue };
        let (version, name) = stem.split_once('_').unwrap_or((stem, ""));
        let version = version.parse().map_err(|_| SinkError::Sql {
            path: path.clone(),
            reason: "migration files are named NNNN_description.sql".into(),
        })?;
        migrations.push(Migration { version, name: name.to_owned(), path });
    }
    migrations.sort_by_key(|m| m.version);
    if let Some(pair) = migrations.windows(2).find(|w| w[0].version == w[1].version) {
        return Err(SinkError::Sql {
            path: pair[1].path.clone(),
            reason: format!("version {} is used twice", pair[1].version),
        });
    }
    Ok(migrations)
}

/// The lock a streamer applying migrations holds.
const LOCK: &str = "schema_migrations_lock";

/// Applies the migrations of `dir` that the database has not recorded, in `dialect` (and made
/// replicated, in a cluster), one streamer at a time; returns their versions.
pub async fn apply(
    client: &clickhouse::Client,
    dir: &Path,
    dialect: Dialect,
    replication: Option<&Replication>,
) -> Result<Vec<u32>, SinkError> {
    execute(
        client,
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_ms Int64) \
         ENGINE = MergeTree ORDER BY version",
    )
    .await?;
    let migrations = list(dir)?;
    let mut waited = Duration::ZERO;
    loop {
        let done: Vec<u32> = client
            .query("SELECT DISTINCT version FROM schema_migrations")
            .fetch_all()
            .await
            .map_err(|e| SinkError::clickhouse("SELECT version FROM schema_migrations", e))?;
        let pending: Vec<&Migration> =
            migrations.iter().filter(|m| !done.contains(&m.version)).collect();
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let lock = format!("CREATE TABLE {LOCK} (owner String, since DateTime) ENGINE = TinyLog");
        match execute(client, &lock).await {
            Ok(()) => {
                let owner = format!("pid {} on {}", std::process::id(), hostname());
                execute(client, &format!("INSERT INTO {LOCK} VALUES ('{owner}', now())")).await?;
                let applied = apply_pending(client, &pending, dialect, replication).await;
                execute(client, &format!("DROP TABLE IF EXISTS {LOCK}")).await?;
                return applied;
            }
            Err(SinkError::Query { message, .. }) if message.contains("already exists") => {
                if waited.as_secs().is_multiple_of(30) {
                    let holder = client
                        .query(&format!("SELECT owner, toString(since) FROM {LOCK}"))
                        .fetch_all::<(String, String)>()
                        .await
                        .unwrap_or_default();
                    warn!(
                        ?holder,
                        "another streamer is applying ClickHouse migrations; waiting for it. If \
                         none is (one was killed while applying them), drop the table \
                         {LOCK} of this database"
                    );
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                waited += Duration::from_secs(1);
            }
            Err(error) => return Err(error),
        }
    }
}

async fn apply_pending(
    client: &clickhouse::Client,
    pending: &[&Migration],
    dialect: Dialect,
    replication: Option<&Replication>,
) -> Result<Vec<u32>, SinkError> {
    let mut applied = Vec::new();
    for migration in pending {
        let adapt = |statement: &str| {
            let statement = dialect.adapt(statement);
            replication
                .map_or_else(|| statement.clone(), |r| r.adapt(&statement, migration.version))
        };
        let text = std::fs::read_to_string(&migration.path)
            .map_err(|e| SinkError::Sql { path: migration.path.clone(), reason: e.to_string() })?;
        let statements = statements(&text);
        let mut steps = statements.iter();
        while let Some(statement) = steps.next() {
            if let Some(rebuild) = Rebuild::parse(statement) {
                let rebuild = rebuild
                    .map_err(|reason| SinkError::Sql { path: migration.path.clone(), reason })?;
                let create =
                    steps.next().filter(|s| rebuild.creates(s)).ok_or_else(|| SinkError::Sql {
                        path: migration.path.clone(),
                        reason: format!(
                            "REBUILD TABLE {} must be followed by its CREATE TABLE",
                            rebuild.table
                        ),
                    })?;
                rebuild.run(client, &adapt(create), replication.is_none_or(|r| r.copies)).await?;
                continue;
            }
            let statement = adapt(statement);
            match execute(client, &statement).await {
                Err(SinkError::Query { message, .. })
                    if adds_an_existing_column(&statement, &message) =>
                {
                    info!(%statement, "the column exists already (another streamer added it)");
                }
                result => result?,
            }
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        execute(
            client,
            &format!(
                "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ({}, '{}', {now})",
                migration.version,
                migration.name.replace(['\'', '\\'], "")
            ),
        )
        .await?;
        info!(version = migration.version, name = %migration.name, "applied ClickHouse migration");
        applied.push(migration.version);
    }
    Ok(applied)
}

pub(super) async fn execute(client: &clickhouse::Client, sql: &str) -> Result<(), SinkError> {
    client.query(sql).execute().await.map_err(|e| SinkError::clickhouse(sql, e))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().replace(['\'', '\\'], ""))
        .unwrap_or_default()
}

/// `REBUILD TABLE t FROM (SELECT ...) [DROP a, b]`: moves `t` to the definition of the
/// `CREATE TABLE t` that follows, with the SELECT's rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebuild {
    pub table: String,
    /// What fills the new table, in its columns' order (its MATERIALIZED columns left out).
    pub select: String,
    /// Tables dropped once the new one is in place.
    pub drop: Vec<String>,
}

impl Rebuild {
    /// The rebuild a statement states, if it is one; why it is not well formed, if it is not.
    pub fn parse(statement: &str) -> Option<Result<Self, String>> {
        let rest = statement.strip_prefix("REBUILD TABLE ")?;
        let malformed =
            || format!("expected REBUILD TABLE t FROM (SELECT ...) [DROP a, b], not `{statement}`");
        let parse = || -> Option<Self> {
            let (table, rest) = rest.trim_start().split_once(char::is_whitespace)?;
            let rest = rest.trim_start().strip_prefix("FROM")?.trim_start();
            let open = rest.strip_prefix('(')?;
            let mut depth = 1;
            let (close, _) = open.char_indices().find(|&(_, c)| {
                depth += i32::from(c == '(') - i32::from(c == ')');
                depth == 0
            })?;
            let select = open[..close].trim().to_owned();
            let after = open[close + 1..].trim();
            let drop = match after.strip_prefix("DROP") {
                Some(names) => names.split(',').map(|n| n.trim().to_owned()).collect(),
                None if after.is_empty() => Vec::new(),
                None => return None,
            };
            Some(Rebuild { table: table.to_owned(), select, drop })
        };
        Some(parse().ok_or_else(malformed))
    }

    /// Whether `statement` creates the table this rebuilds.
    fn creates(&self, statement: &str) -> bool {
        created_table(statement) == Some(&self.table)
    }

    /// Runs the rebuild with `create` (the table's CREATE TABLE, adapted to the server). Without
    /// `copies` (a shard's other replicas in a cluster) the new table is made and swapped in but
    /// not filled: it fetches the rows the shard's first replica copied.
    ///
    /// Cut short at any point and run again, it ends the same: a copy that was being filled is
    /// made again; a swap cut in half (18.16 renames one table at a time) is finished; a table
    /// that has the new definition already is not copied again.
    pub async fn run(
        &self,
        client: &clickhouse::Client,
        create: &str,
        copies: bool,
    ) -> Result<(), SinkError> {
        let (table, new, old) =
            (&self.table, format!("{}__new", self.table), format!("{}__old", self.table));
        if !exists(client, table).await? && exists(client, &old).await? {
            let from = if exists(client, &new).await? { &new } else { &old };
            execute(client, &format!("RENAME TABLE {from} TO {table}")).await?;
        }
        execute(client, &format!("DROP TABLE IF EXISTS {new}")).await?;
        let create_new = create.replacen(table.as_str(), &new, 1).replacen("IF NOT EXISTS ", "", 1);
        execute(client, &create_new).await?;
        let table_exists = exists(client, table).await?;
        if table_exists
            && definition(client, table).await?
                == definition(client, &new).await?.replace(&new, table)
        {
            execute(client, &format!("DROP TABLE {new}")).await?;
        } else {
            info!(table = %table, "rebuilding the table to its new definition");
            if copies {
                execute(client, &format!("INSERT INTO {new} {}", self.select)).await?;
            }
            let swap = if table_exists {
                format!("RENAME TABLE {table} TO {old}, {new} TO {table}")
            } else {
                format!("RENAME TABLE {new} TO {table}")
            };
            execute(client, &swap).await?;
        }
        for gone in std::iter::once(&old).chain(&self.drop) {
            execute(client, &format!("DROP TABLE IF EXISTS {gone}")).await?;
        }
        Ok(())
    }
}

async fn exists(client: &clickhouse::Client, table: &str) -> Result<bool, SinkError> {
    let sql = format!(
        "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = '{table}'"
    );
    let count: u64 =
        client.query(&sql).fetch_one().await.map_err(|e| SinkError::clickhouse(&sql, e))?;
    Ok(count > 0)
}

/// A table's definition as the server shows it.
async fn definition(client: &clickhouse::Client, table: &str) -> Result<String, SinkError> {
    let sql = format!("SHOW CREATE TABLE {table}");
    client.query(&sql).fetch_one::<String>().await.map_err(|e| SinkError::clickhouse(&sql, e))
}

/// Whether `message` is ClickHouse refusing `statement`, an `ADD COLUMN`, because the column
/// exists: what two streamers applying one migration together get (ClickHouse 18.16 has no
/// `ADD COLUMN IF NOT EXISTS`).
fn adds_an_existing_column(statement: &str, message: &str) -> bool {
    statement.to_ascii_uppercase().contains("ADD COLUMN") && message.contains("already exists")
}

/// The statements of a SQL script: `--` comments dropped, split on `;` outside quotes.
pub fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), _) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), '\\') => {
                current.push(c);
                if let Some(escaped) = chars.next() {
                    current.push(escaped);
                }
            }
            (Some(_), _) => current.push(c),
            (None, '\'' | '"' | '`') => {
                quote = Some(c);
                current.push(c);
            }
            (None, '-') if chars.peek() == Some(&'-') => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        current.push('\n');
                        break;
                    }
                }
            }
            (None, ';') => {
                if !current.trim().is_empty() {
                    out.push(current.trim().to_owned());
                }
                current.clear();
            }
            (None, _) => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_respects_comments_and_quotes() {
        let text = "-- a comment; not a statement\nCREATE TABLE a (x String DEFAULT 'a;b') ENGINE = Null; -- trailing\n\
                    SELECT '--not a comment', 1;\n\n-- only a comment\n";
        assert_eq!(
            statements(text),
            [
                "CREATE TABLE a (x String DEFAULT 'a;b') ENGINE = Null",
                "SELECT '--not a comment', 1"
            ]
        );
    }

    #[test]
    fn an_add_column_of_an_existing_column_counts_as_applied() {
        let exists = "Code: 44, e.displayText() = DB::Exception: Cannot add column frame_crc: \
                      column with this name already exists";
        assert!(adds_an_existing_column("ALTER TABLE frames ADD COLUMN frame_crc UInt32", exists));
        assert!(!adds_an_existing_column("CREATE TABLE frames (x UInt8)", exists));
        assert!(!adds_an_existing_column("ALTER TABLE frames ADD COLUMN x UInt8", "Code: 60"));
    }

    #[test]
    fn on_18_16_raw_tables_are_sorted_by_time_without_grouping() {
        let create = "CREATE TABLE IF NOT EXISTS observations\n(\n    receiver LowCardinality(String),\n    \
                      psr_m Float64 CODEC(FPC, ZSTD(1))\n)\nENGINE = MergeTree\n\
                      PARTITION BY toYYYYMMDD(ingested)\n\
                      ORDER BY (receiver, toStartOfFifteenMinutes(time), constellation, prn, signal, time_ms)\n\
                      SETTINGS ttl_only_drop_parts = 1";
        assert_eq!(
            Dialect::Legacy.adapt(create),
            "CREATE TABLE IF NOT EXISTS observations\n(\n    receiver String,\n    psr_m Float64\n)\n\
             ENGINE = MergeTree\nPARTITION BY toYYYYMMDD(ingested)\n\
             ORDER BY (receiver, toStartOfFifteenMinutes(time), time_ms)"
        );
        assert_eq!(Dialect::Current.adapt(create), create);
        // Keys without grouping after the bucket, and the aggregates' keys, stay as they are.
        for key in [
            "ORDER BY (receiver, toStartOfFifteenMinutes(time), time_ms)",
            "ORDER BY (resolution_s, receiver, window_start, constellation, signal, kafka_partition)",
            "ORDER BY receiver",
        ] {
            let create = format!("CREATE TABLE t (a UInt8) ENGINE = MergeTree {key}");
            assert_eq!(Dialect::Legacy.adapt(&create), create);
        }
    }

    #[test]
    fn the_project_migrations_are_ordered_and_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql/clickhouse");
        let migrations = list(&dir).unwrap();
        assert_eq!(migrations.iter().map(|m| m.version).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
        let aggregates = std::fs::read_to_string(&migrations[1].path).unwrap();
        assert_eq!(statements(&aggregates).len(), 36);
    }

    fn replication() -> Replication {
        Replication { database: "gnss_local".into(), copies: true }
    }

    #[test]
    fn merge_tree_tables_become_replicated_under_a_path_of_their_own() {
        let create = "CREATE TABLE IF NOT EXISTS frames\n(\n    x UInt8\n)\nENGINE = MergeTree\n\
                      PARTITION BY toYYYYMMDD(ingested)\nORDER BY x";
        assert_eq!(
            replication().adapt(create, 4),
            "CREATE TABLE IF NOT EXISTS frames\n(\n    x UInt8\n)\n\
             ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/gnss_local/frames/0004', '{replica}')\n\
             PARTITION BY toYYYYMMDD(ingested)\nORDER BY x"
        );
        let aggregating =
            "CREATE TABLE position_1s (k UInt8) ENGINE = AggregatingMergeTree ORDER BY k";
        assert_eq!(
            replication().adapt(aggregating, 2),
            "CREATE TABLE position_1s (k UInt8) ENGINE = ReplicatedAggregatingMergeTree(\
             '/clickhouse/tables/{shard}/gnss_local/position_1s/0002', '{replica}') ORDER BY k"
        );
        let summing = "CREATE TABLE s (k UInt8, n UInt64) ENGINE = SummingMergeTree(n) ORDER BY k";
        assert!(replication().adapt(summing, 7).contains("/s/0007', '{replica}', n) ORDER BY k"));
        for unchanged in [
            "CREATE TABLE position_1s_input (k UInt8) ENGINE = Null",
            "CREATE MATERIALIZED VIEW v TO t AS SELECT * FROM t_input",
            "ALTER TABLE frames ADD COLUMN y UInt8",
            "CREATE TABLE r (k UInt8) ENGINE = ReplicatedMergeTree('/p', 'r') ORDER BY k",
        ] {
            assert_eq!(replication().adapt(unchanged, 1), unchanged);
        }
        assert_eq!(created_table("CREATE TABLE IF NOT EXISTS frames\n(x UInt8)"), Some("frames"));
        assert_eq!(created_table("CREATE TABLE t(x UInt8)"), Some("t"));
    }
}
