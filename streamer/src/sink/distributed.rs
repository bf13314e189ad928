//! The cluster layout's reading side: `Distributed` tables in `<database>`, of the same names as
//! the replicated tables in `<database>_local` (made by the migrations, [`super::migrate`]), so
//! that dashboards, the report and the exports read the same table names on either layout. After
//! the migrations, each node's `Distributed` tables are made again where their local table's
//! columns changed, and dropped where it is gone.

use super::error::SinkError;
use super::migrate::execute;

/// Makes `database`'s `Distributed` tables over `local`'s replicated tables match them, on the
/// node `client` (no database) reaches.
pub async fn make_tables(
    client: &clickhouse::Client,
    local: &str,
    database: &str,
    cluster: &str,
) -> Result<(), SinkError> {
    let sql = "SELECT name, engine, engine_full FROM system.tables WHERE database = ?";
    let tables =
        |db: &str| client.query(sql).bind(db.to_owned()).fetch_all::<(String, String, String)>();
    let locals: Vec<String> = tables(local)
        .await
        .map_err(|e| SinkError::clickhouse(sql, e))?
        .into_iter()
        .filter(|(_, engine, _)| engine.starts_with("Replicated") && engine.ends_with("MergeTree"))
        .map(|(name, ..)| name)
        .collect();
    // Only the streamer's own: `Distributed(<cluster>, <local>, <its name>)` (current versions
    // quote the arguments). Other tables of the database are the users'.
    let readers: Vec<String> = tables(database)
        .await
        .map_err(|e| SinkError::clickhouse(sql, e))?
        .into_iter()
        .filter(|(name, engine, full)| {
            engine == "Distributed"
                && full.replace('\'', "").contains(&format!(", {local}, {name})"))
        })
        .map(|(name, ..)| name)
        .collect();
    for gone in readers.iter().filter(|r| !locals.contains(r)) {
        execute(client, &format!("DROP TABLE IF EXISTS `{database}`.`{gone}`")).await?;
    }
    for table in &locals {
        let (wanted, held) =
            (columns(client, local, table).await?, columns(client, database, table).await?);
        if wanted == held {
            continue;
        }
        if readers.contains(table) {
            execute(client, &format!("DROP TABLE IF EXISTS `{database}`.`{table}`")).await?;
        }
        let create = format!(
            "CREATE TABLE IF NOT EXISTS `{database}`.`{table}` AS `{local}`.`{table}` \
             ENGINE = Distributed({cluster}, {local}, {table})"
        );
        execute(client, &create).await?;
    }
    Ok(())
}

/// A table's columns as the server lists them: name, type, default kind and expression.
async fn columns(
    client: &clickhouse::Client,
    database: &str,
    table: &str,
) -> Result<Vec<(String, String, String, String)>, SinkError> {
    let sql = "SELECT name, type, default_kind, default_expression FROM system.columns \
               WHERE database = ? AND table = ?";
    client
        .query(sql)
        .bind(database)
        .bind(table)
        .fetch_all()
        .await
        .map_err(|e| SinkError::clickhouse(sql, e))
}
