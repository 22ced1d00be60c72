//! Looking items up for local changes: an item by its row id, a mail's flags, whether a move
//! or delete of it waits, a file already recorded — and asking a folder to resync.

use rusqlite::OptionalExtension;

use super::items::exec;
use super::{Store, StoreError};

fn sqlite(path: &std::path::Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

impl Store {
    /// Starts `folder` again from key 0 as a resync (its items stay, matched by content as the
    /// server sends them again; those it does not send are swept at the end): what an ambiguous
    /// MoveItems answer needs to learn where an item is.
    pub fn request_resync(&mut self, folder: &str) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.transaction()?;
        exec(
            &tx,
            "UPDATE folders SET sync_key = '0', resync = 1 WHERE server_id = ?1 AND class IS NOT NULL",
            [folder],
        )
        .and_then(|_| {
            exec(
                &tx,
                "UPDATE items SET resync_pending = 1 \
                 WHERE folder_id = (SELECT id FROM folders WHERE server_id = ?1)",
                [folder],
            )
        })
        .map_err(|e| sqlite(&path, e))?;
        tx.commit().map_err(|e| sqlite(&path, e))
    }
}

/// An item held, by its row id (what a local change starts from).
#[derive(Debug, Clone)]
pub struct HeldItem {
    pub folder: String,
    pub server_id: String,
    pub class: String,
    pub raw: Vec<u8>,
}

impl Store {
    /// The item with row id `id`, when it is a typed item of the mirror.
    pub fn item_by_id(&self, id: i64) -> Result<Option<HeldItem>, StoreError> {
        self.conn
            .query_row(
                "SELECT f.server_id, i.server_id, i.class, i.raw FROM items i \
                 JOIN folders f ON f.id = i.folder_id WHERE i.id = ?1 AND i.decode_error IS NULL",
                [id],
                |r| {
                    Ok(HeldItem {
                        folder: r.get(0)?,
                        server_id: r.get(1)?,
                        class: r.get(2)?,
                        raw: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// A mail's row id and the flags the mirror shows (what a Maildir change is compared with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailState {
    pub item: i64,
    pub read: bool,
    pub flagged: bool,
}

impl Store {
    /// The mail `server_id` of `folder`, when the mirror holds it.
    pub fn mail_state(
        &self,
        folder: &str,
        server_id: &str,
    ) -> Result<Option<MailState>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT i.id, coalesce(e.read, 0), coalesce(e.flag_status, 0) = 2 FROM items i \
                 JOIN folders f ON f.id = i.folder_id JOIN emails e ON e.item_id = i.id \
                 WHERE f.server_id = ?1 AND i.server_id = ?2 AND i.soft_deleted = 0",
            )
            .and_then(|mut st| {
                st.query_row([folder, server_id], |r| {
                    Ok(MailState {
                        item: r.get(0)?,
                        read: r.get(1)?,
                        flagged: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// Whether a move or delete of the item waits in the journal (its file is gone on purpose).
    pub fn leaving(&self, item: i64) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) > 0 FROM changes WHERE item_id = ?1 AND state = 'pending' \
                 AND kind IN ('move', 'delete')",
                [item],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}

impl Store {
    /// The row id of item `server_id` of `folder`.
    pub fn item_id(&self, folder: &str, server_id: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT i.id FROM items i JOIN folders f ON f.id = i.folder_id \
                 WHERE f.server_id = ?1 AND i.server_id = ?2",
            )
            .and_then(|mut st| st.query_row([folder, server_id], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))
    }

    /// Whether the journal already has this file's `text` as a `kind` change (in any state but
    /// done): found again before the export rewrote the file, it is not recorded twice.
    pub fn file_recorded(&self, kind: &str, path: &str, text: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) > 0 FROM changes WHERE kind = ?1 \
                 AND payload ->> '$.path' = ?2 AND payload ->> '$.text' = ?3",
                [kind, path, text],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}

impl Store {
    /// The row ids of the items of `folder` (soft-deleted ones excluded).
    pub fn item_ids_in(&self, folder: &str) -> Result<Vec<i64>, StoreError> {
        self.conn
            .prepare(
                "SELECT i.id FROM items i JOIN folders f ON f.id = i.folder_id \
                 WHERE f.server_id = ?1 AND i.soft_deleted = 0 ORDER BY i.id",
            )
            .and_then(|mut st| st.query_map([folder], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))
    }
}

impl Store {
    /// A new file edited again before its Add was taken: the Add waiting for it (pending, or
    /// refused) carries the new text and goes again. False when none waits.
    pub fn update_waiting_add(&mut self, path: &str, text: &str) -> Result<bool, StoreError> {
        let payload = serde_json::json!({"path": path, "text": text}).to_string();
        self.conn
            .execute(
                "UPDATE changes SET payload = ?2, state = 'pending', attempts = 0, unanswered = 0, status = NULL, \
                 error = NULL, updated_at = unixepoch() WHERE kind = 'add' \
                 AND state IN ('pending', 'failed', 'conflict') AND payload ->> '$.path' = ?1",
                rusqlite::params![path, payload],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }
}
