//! Versioned DDL: `sql/clickhouse/NNNN_name.sql` files applied in order, each once, recorded in
//! `schema_migrations`. Statements use `IF NOT EXISTS`, so applying one again does no harm (two
//! streamers starting together).

use std::path::{Path, PathBuf};

use tracing::info;

use super::SinkError;

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

/// Applies the migrations of `dir` that the database has not recorded; returns their versions.
pub async fn apply(client: &clickhouse::Client, dir: &Path) -> Result<Vec<u32>, SinkError> {
    let query = |sql: String| async move {
        client.query(&sql).execute().await.map_err(|e| SinkError::clickhouse(&sql, e))
    };
    query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_ms Int64) \
         ENGINE = MergeTree ORDER BY version"
            .into(),
    )
    .await?;
    let done: Vec<u32> = client
        .query("SELECT DISTINCT version FROM schema_migrations")
        .fetch_all()
        .await
        .map_err(|e| SinkError::clickhouse("SELECT version FROM schema_migrations", e))?;
    let mut applied = Vec::new();
    for migration in list(dir)? {
        if done.contains(&migration.version) {
            continue;
        }
        let text = std::fs::read_to_string(&migration.path)
            .map_err(|e| SinkError::Sql { path: migration.path.clone(), reason: e.to_string() })?;
        for statement in statements(&text) {
            match query(statement.clone()).await {
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
        query(format!(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ({}, '{}', {now})",
            migration.version,
            migration.name.replace(['\'', '\\'], "")
        ))
        .await?;
        info!(version = migration.version, name = %migration.name, "applied ClickHouse migration");
        applied.push(migration.version);
    }
    Ok(applied)
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
    fn the_project_migrations_are_ordered_and_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql/clickhouse");
        let migrations = list(&dir).unwrap();
        assert_eq!(migrations.iter().map(|m| m.version).collect::<Vec<_>>(), [1, 2, 3]);
        let aggregates = std::fs::read_to_string(&migrations[1].path).unwrap();
        assert_eq!(statements(&aggregates).len(), 36);
    }
}
