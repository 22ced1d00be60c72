//! The journal of local changes (table `changes`, migration 7): written before anything is
//! sent, together with the change's effect on the mirror; a row leaves the journal in the
//! transaction that stores the server's answer with the folder's new SyncKey, so a crash at any
//! moment leaves each change either still pending (sent again, harmlessly) or done.

use serde::Serialize;

use super::items::{exec, next_seq};
use super::{Store, StoreError};
use crate::model::{ItemRecord, LocalChange};

/// A change to record, with the item as it looks after the change (an edit shown at once in
/// the mirror, before the server has it).
#[derive(Debug, Clone)]
pub struct NewChange {
    pub change: LocalChange,
    pub origin: String,
    pub put: Option<ItemRecord>,
    /// For people (an Add's subject or name; other changes take the item's).
    pub summary: Option<String>,
}

/// A row of the journal, with where its item is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    pub id: i64,
    /// The item (`items.id`); `None` when it left the mirror before the change was sent.
    pub item_id: Option<i64>,
    /// The item's folder now (or, when it left the mirror, when the change was made).
    pub folder: String,
    /// The item's ServerId now (or when the change was made).
    pub server_id: Option<String>,
    pub class: String,
    pub kind: String,
    /// The change, as JSON (docs/schema.md).
    pub payload: String,
    pub client_id: Option<String>,
    pub origin: String,
    pub summary: Option<String>,
    pub state: String,
    pub attempts: i64,
    /// Responses that left it out (a server that does not answer; it fails after a few).
    pub unanswered: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub created_at: i64,
}

/// What the server's answer means for one journal row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Taken: the row leaves the journal.
    Done,
    /// An Add taken: the item now has this ServerId; the row stays as `added` until the file it
    /// came from is adopted ([`Store::finish_added`]).
    Added {
        server_id: String,
        /// The series has 16.x occurrences to send now that it has its ServerId: a Change
        /// of it (the same file) is journaled with this answer.
        again: bool,
    },
    /// Refused (Status 6, 8, …): kept as `failed` with why.
    Failed { status: Option<u16>, error: String },
    /// The server's version won (Status 7, or a server change to the same item): kept as
    /// `conflict` with what happened.
    Conflict { status: Option<u16>, error: String },
}

/// The server's answer to one journal row, stored with the step that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalOutcome {
    pub id: i64,
    pub outcome: Outcome,
}

/// How many journal rows are in each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct JournalCounts {
    pub pending: i64,
    pub failed: i64,
    pub conflict: i64,
}

const SELECT: &str = "SELECT c.id, c.item_id, coalesce(f.server_id, c.folder_server_id), \
     coalesce(i.server_id, c.server_id), c.class, c.kind, c.payload, c.client_id, c.origin, \
     c.summary, c.state, c.attempts, c.status, c.error, c.created_at, c.unanswered FROM changes c \
     LEFT JOIN items i ON i.id = c.item_id LEFT JOIN folders f ON f.id = i.folder_id";

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<JournalEntry> {
    Ok(JournalEntry {
        id: r.get(0)?,
        item_id: r.get(1)?,
        folder: r.get(2)?,
        server_id: r.get(3)?,
        class: r.get(4)?,
        kind: r.get(5)?,
        payload: r.get(6)?,
        client_id: r.get(7)?,
        origin: r.get(8)?,
        summary: r.get(9)?,
        state: r.get(10)?,
        attempts: r.get(11)?,
        status: r.get(12)?,
        error: r.get(13)?,
        created_at: r.get(14)?,
        unanswered: r.get(15)?,
    })
}

pub(super) use super::journal_write::settle;
use super::journal_write::{apply_move, record};

impl Store {
    /// Records local changes, each with its effect on the mirror, in one transaction; returns
    /// their journal ids. Fails (recording nothing) when an item is not in the mirror.
    pub fn record_changes(&mut self, changes: &[NewChange]) -> Result<Vec<i64>, StoreError> {
        let path = self.path.clone();
        let tx = self.transaction()?;
        let mut ids = Vec::with_capacity(changes.len());
        let seq = next_seq(&tx).map_err(|e| sqlite(&path, e))?;
        for c in changes {
            match record(&tx, c, seq).map_err(|e| sqlite(&path, e))? {
                Some(id) => ids.push(id),
                None => {
                    return Err(StoreError::NoSuchItem(c.change.item().unwrap_or_default()));
                }
            }
        }
        tx.commit().map_err(|e| sqlite(&path, e))?;
        Ok(ids)
    }

    /// The pending changes of items now in `folder`, oldest first (with those whose item left
    /// the mirror, so the engine can fail them).
    pub fn pending_changes(&self, folder: &str) -> Result<Vec<JournalEntry>, StoreError> {
        self.journal_query(
            &format!(
                "{SELECT} WHERE c.state = 'pending' AND coalesce(f.server_id, c.folder_server_id) = ?1 \
                 ORDER BY c.id"
            ),
            [folder],
        )
    }

    /// The pending moves, oldest first.
    pub fn pending_moves(&self) -> Result<Vec<JournalEntry>, StoreError> {
        self.journal_query(
            &format!("{SELECT} WHERE c.state = 'pending' AND c.kind = 'move' ORDER BY c.id"),
            [],
        )
    }

    /// Adds the server took whose files wait to be adopted.
    pub fn added(&self) -> Result<Vec<JournalEntry>, StoreError> {
        self.journal_query(
            &format!("{SELECT} WHERE c.state = 'added' ORDER BY c.id"),
            [],
        )
    }

    /// The file of an Add is adopted: the row goes.
    pub fn finish_added(&mut self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM changes WHERE id = ?1 AND state = 'added'",
                [id],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The whole journal, oldest first.
    pub fn journal(&self) -> Result<Vec<JournalEntry>, StoreError> {
        self.journal_query(&format!("{SELECT} ORDER BY c.id"), [])
    }

    /// One journal row.
    pub fn journal_entry(&self, id: i64) -> Result<Option<JournalEntry>, StoreError> {
        Ok(self
            .journal_query(&format!("{SELECT} WHERE c.id = ?1"), [id])?
            .pop())
    }

    fn journal_query(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut st| st.query_map(p, entry)?.collect())
            .map_err(|e| self.err(e))
    }

    /// The id of the newest pending change.
    pub fn latest_pending_change(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT max(id) FROM changes WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// How many rows are pending, failed, in conflict.
    pub fn journal_counts(&self) -> Result<JournalCounts, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FILTER (WHERE state = 'pending'), \
                 count(*) FILTER (WHERE state = 'failed'), \
                 count(*) FILTER (WHERE state = 'conflict') FROM changes",
                [],
                |r| {
                    Ok(JournalCounts {
                        pending: r.get(0)?,
                        failed: r.get(1)?,
                        conflict: r.get(2)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }

    /// Counts one more request carrying these changes (before it is sent).
    pub fn note_attempts(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let tx = self.transaction()?;
        for id in ids {
            exec(
                &tx,
                "UPDATE changes SET attempts = attempts + 1, updated_at = unixepoch() WHERE id = ?1",
                [id],
            )
            .map_err(|e| sqlite(&path, e))?;
        }
        tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// Counts a response that left these changes out.
    pub fn note_unanswered(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.transaction()?;
        for id in ids {
            exec(
                &tx,
                "UPDATE changes SET unanswered = unanswered + 1, updated_at = unixepoch() WHERE id = ?1",
                [id],
            )
            .map_err(|e| sqlite(&path, e))?;
        }
        tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// Stores outcomes that come with no SyncKey (MoveItems, a change failed before sending).
    pub fn settle_changes(&mut self, outcomes: &[JournalOutcome]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.transaction()?;
        settle(&tx, outcomes).map_err(|e| sqlite(&path, e))?;
        tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// A move the server made (MoveItems Status 3): the item now lives in `to_folder` as
    /// `new_id` (no download), and the change leaves the journal — one transaction.
    pub fn apply_move(
        &mut self,
        change: i64,
        item: i64,
        to_folder: &str,
        new_id: &str,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.transaction()?;
        apply_move(&tx, change, item, to_folder, new_id).map_err(|e| sqlite(&path, e))?;
        tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// Makes a failed or conflicting change pending again; false when there is no such row.
    pub fn retry_change(&mut self, id: i64) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "UPDATE changes SET state = 'pending', attempts = 0, unanswered = 0, status = NULL, error = NULL, \
                 updated_at = unixepoch() WHERE id = ?1 AND state IN ('failed', 'conflict')",
                [id],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// Removes a change from the journal (it will not be sent); false when there is none.
    /// A dropped mail or file edit already shows in the mirror: it becomes a `fetch` of the
    /// item, so the next sync shows the server's version again.
    pub fn drop_change(&mut self, id: i64) -> Result<bool, StoreError> {
        let refetched = self
            .conn
            .execute(
                "UPDATE changes SET kind = 'fetch', payload = '{}', state = 'pending', \
                 attempts = 0, unanswered = 0, status = NULL, error = NULL, \
                 updated_at = unixepoch() WHERE id = ?1 AND kind IN ('mail', 'change') \
                 AND item_id IS NOT NULL AND state IN ('pending', 'failed', 'conflict')",
                [id],
            )
            .map_err(|e| self.err(e))?;
        if refetched > 0 {
            return Ok(true);
        }
        self.conn
            .execute(
                "DELETE FROM changes WHERE id = ?1 AND state IN ('pending', 'failed', 'conflict')",
                [id],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }
}

fn sqlite(path: &std::path::Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}
