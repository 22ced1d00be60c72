//! The `folders` table: the hierarchy FolderSync reports, with each folder's sync state.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, StoreError};

/// A folder as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFolder {
    pub server_id: String,
    /// `None` at the top level (the server's `"0"`).
    pub parent_id: Option<String>,
    pub name: String,
    /// The EAS folder type code.
    pub folder_type: u8,
    pub class: Option<String>,
    pub sync_key: String,
    pub filter_type: Option<u8>,
    pub last_sync: Option<i64>,
    /// A resync is in flight (the server has not sent the whole folder again yet).
    pub resync: bool,
    /// A complete FolderSync listing from key 0 did not list it: kept, not synced.
    pub orphaned: bool,
}

const COLUMNS: &str =
    "server_id, parent_id, name, type, class, sync_key, filter_type, last_sync, resync, orphaned";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredFolder> {
    Ok(StoredFolder {
        server_id: r.get(0)?,
        parent_id: r.get(1)?,
        name: r.get(2)?,
        folder_type: r.get(3)?,
        class: r.get(4)?,
        sync_key: r.get(5)?,
        filter_type: r.get(6)?,
        last_sync: r.get(7)?,
        resync: r.get(8)?,
        orphaned: r.get(9)?,
    })
}

impl Store {
    /// Every folder, parents before children where names tie.
    pub fn folders(&self) -> Result<Vec<StoredFolder>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM folders ORDER BY parent_id IS NOT NULL, name");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], row).map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// One folder by its server id.
    pub fn folder(&self, server_id: &str) -> Result<Option<StoredFolder>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM folders WHERE server_id = ?1");
        self.conn
            .query_row(&sql, [server_id], row)
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// Adds a folder or updates its name, parent, type and class (a FolderSync Add or Update);
/// its sync state is kept.
pub fn upsert_folder(tx: &Transaction<'_>, f: &StoredFolder) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO folders (server_id, parent_id, name, type, class, sync_key, filter_type) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (server_id) DO UPDATE SET parent_id = excluded.parent_id, \
         name = excluded.name, type = excluded.type, class = excluded.class, orphaned = 0",
        params![
            f.server_id,
            f.parent_id,
            f.name,
            f.folder_type,
            f.class,
            f.sync_key,
            f.filter_type
        ],
    )
    .map(|_| ())
}

/// Removes a folder the server deleted.
pub fn delete_folder(tx: &Transaction<'_>, server_id: &str) -> rusqlite::Result<bool> {
    tx.execute("DELETE FROM folders WHERE server_id = ?1", [server_id])
        .map(|n| n > 0)
}

/// Records a folder's new SyncKey (with the items it acknowledges, in the same transaction).
pub fn set_folder_sync_key(
    tx: &Transaction<'_>,
    server_id: &str,
    sync_key: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE folders SET sync_key = ?2, last_sync = unixepoch() WHERE server_id = ?1",
        params![server_id, sync_key],
    )
    .map(|_| ())
}

impl Store {
    /// One FolderSync step in one transaction: folders renumbered by the server (their sync
    /// state restarts), added or updated, deleted — and the new FolderSync key.
    pub fn apply_hierarchy(
        &mut self,
        renumbered: &[(String, String)],
        upserts: &[StoredFolder],
        deletes: &[String],
        new_key: &str,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sqlite)?;
        for (old, new) in renumbered {
            // The items come back under new ServerIds: a resync, matched by content.
            tx.execute(
                "UPDATE folders SET server_id = ?2, sync_key = '0', last_sync = NULL, resync = (class IS NOT NULL) \
                 WHERE server_id = ?1",
                [old, new],
            )
            .and_then(|_| {
                tx.execute(
                    "UPDATE items SET resync_pending = 1 \
                     WHERE folder_id = (SELECT id FROM folders WHERE server_id = ?1)",
                    [new],
                )
            })
            .and_then(|_| tx.execute("UPDATE folders SET parent_id = ?2 WHERE parent_id = ?1", [old, new]))
            .map_err(sqlite)?;
        }
        for f in upserts {
            upsert_folder(&tx, f).map_err(sqlite)?;
        }
        for id in deletes {
            delete_folder(&tx, id).map_err(sqlite)?;
        }
        tx.execute(
            "UPDATE account SET foldersync_key = ?1, updated_at = unixepoch() WHERE id = 1",
            [new_key],
        )
        .map_err(sqlite)?;
        tx.commit().map_err(sqlite)
    }
}

impl Store {
    /// After a complete listing from key 0: the folders it did not list are orphaned (kept
    /// with their items, not synced), the listed ones are not.
    pub fn mark_orphaned_folders(&mut self, listed: &[String]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sqlite)?;
        tx.execute("UPDATE folders SET orphaned = 1", [])
            .map_err(sqlite)?;
        for id in listed {
            tx.execute("UPDATE folders SET orphaned = 0 WHERE server_id = ?1", [id])
                .map_err(sqlite)?;
        }
        tx.commit().map_err(sqlite)
    }
}
