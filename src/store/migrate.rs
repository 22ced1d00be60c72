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
        let tx = conn.transaction().map_err(sqlite)?;
        tx.execute_batch(sql).map_err(sqlite)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
    }
    Ok(())
}
