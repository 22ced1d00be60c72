//! Schema migrations: the `.sql` files in `schema/`, applied in order, each in a transaction
//! that also sets `PRAGMA user_version` (application-services / rusqlite_migration style).

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// The migrations, oldest first; migration `i` brings the schema to version `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("schema/001_account_and_folders.sql"),
    include_str!("schema/002_items.sql"),
    include_str!("schema/003_live_items_index.sql"),
    include_str!("schema/004_item_details.sql"),
    include_str!("schema/005_watch.sql"),
    include_str!("schema/006_exact_mirror.sql"),
    include_str!("schema/007_journal.sql"),
    include_str!("schema/008_outbox.sql"),
    include_str!("schema/009_imap.sql"),
    include_str!("schema/010_dav.sql"),
    include_str!("schema/011_device_information.sql"),
];

/// The version a fully migrated database has.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies the missing migrations.
pub(super) fn run(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let sqlite = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sqlite)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        // IMMEDIATE: the write lock first, then the version read again — two easync processes
        // opening a new database at once (`watch` and `send`) both saw version 0, and the second
        // failed with "table account already exists".
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        let now: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sqlite)?;
        if now > i as i64 {
            continue; // applied by the other process meanwhile
        }
        tx.execute_batch(sql).map_err(sqlite)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
    }
    Ok(())
}
