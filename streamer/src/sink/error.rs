//! What goes wrong talking to ClickHouse, and what is worth retrying.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

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
    #[error(
        "ClickHouse replica {url}: table {table} has {parts} part(s) whose insert ZooKeeper did not \
         confirm; its marks are read once ClickHouse has checked them (up to 5 minutes), or from \
         another replica of the shard"
    )]
    Unsettled { url: String, table: String, parts: u64 },
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
pub(super) const AUTHENTICATION_CODES: [u32; 5] = [192, 193, 194, 195, 516];

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
                | SinkError::Unsettled { .. }
                | SinkError::Unreachable { .. }
                | SinkError::NoAnswer { .. }
        )
    }
}

/// An error and its sources, as `a: b: c` (a network error says what failed only in them).
pub(super) fn with_sources(error: &dyn std::error::Error) -> String {
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
pub(super) fn code(text: &str) -> Option<u32> {
    let rest = &text[text.find("Code: ")? + 6..];
    rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())].parse().ok()
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
}
