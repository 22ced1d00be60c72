//! A look at a database without changing it, for `easync doctor`: opened read-only (no
//! migration runs), its schema version, SQLite's integrity check and what it holds.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{AccountState, SCHEMA_VERSION, StoreError};

/// What a database file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// `PRAGMA user_version`; [`SCHEMA_VERSION`] when fully migrated.
    pub schema_version: i64,
    /// The problems `PRAGMA integrity_check` names; empty when it says `ok`.
    pub problems: Vec<String>,
    /// Live items (counted only on a fully migrated schema).
    pub items: Option<i64>,
    /// The protocol state a sync stored (device id, URL, version, policy key).
    pub account: AccountState,
}

/// The database at `path`, read only; `None` when there is no file yet.
pub fn diagnose(path: &Path) -> Result<Option<Diagnosis>, StoreError> {
    if !path.exists() {
        return Ok(None);
    }
    let sqlite = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
    let schema_version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sqlite)?;
    let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(sqlite)?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(sqlite)?;
    let problems = problems.into_iter().filter(|p| p != "ok").collect();
    let items = if schema_version == SCHEMA_VERSION {
        Some(
            conn.query_row(
                "SELECT count(*) FROM items WHERE soft_deleted = 0",
                [],
                |r| r.get(0),
            )
            .map_err(sqlite)?,
        )
    } else {
        None
    };
    let account = if (1..=SCHEMA_VERSION).contains(&schema_version) {
        read_account(&conn).map_err(sqlite)?
    } else {
        AccountState::default()
    };
    Ok(Some(Diagnosis {
        schema_version,
        problems,
        items,
        account,
    }))
}

/// The `account` row (a default one when a sync never wrote it).
pub(super) fn read_account(conn: &Connection) -> rusqlite::Result<AccountState> {
    conn.query_row(
        "SELECT device_id, protocol_version, base_url, policy_key, foldersync_key, \
         throttle_until FROM account WHERE id = 1",
        [],
        |r| {
            Ok(AccountState {
                device_id: r.get(0)?,
                protocol_version: r.get(1)?,
                base_url: r.get(2)?,
                policy_key: r.get(3)?,
                foldersync_key: r.get(4)?,
                throttle_until: r.get(5)?,
            })
        },
    )
    .optional()
    .map(Option::unwrap_or_default)
}
