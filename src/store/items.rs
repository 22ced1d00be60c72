//! The item tables: the ordered operations of one Sync response, each folder's with its new
//! SyncKey, in one transaction.

use rusqlite::{OptionalExtension, Transaction, params};

use super::put::{Put, put, put_raw};
use super::{Store, StoreError};
use crate::model::ItemRecord;

/// How many server deletions the journal keeps.
pub const DELETION_JOURNAL: i64 = 1000;

/// One operation of a Sync response, in the order the server sent it (MS-ASCMD 2.2.3.32:
/// `Delete x, Add x` leaves x present; `SoftDelete x, Change x` leaves x changed).
#[derive(Debug, Clone)]
pub enum ItemOp {
    /// An Add, or a Change already merged with what was held: the whole item. Matched by
    /// folder and ServerId; during a resync, an item re-sent under a new ServerId is matched by
    /// content ([`crate::model::Item::match_key`]) among the items not re-sent yet.
    Put(ItemRecord),
    Delete(String),
    /// Left the sync window (MS-ASCMD 2.2.3.169): flagged, kept.
    SoftDelete(String),
    /// 16.x: one occurrence of a series changed or cancelled (MS-ASCMD 2.2.3.42.2).
    Instance(InstanceChange),
    /// An item the server sent that could not be typed: kept raw, with why.
    Undecodable(RawRecord),
}

/// An item kept as received because it could not be typed.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub server_id: String,
    pub class: String,
    pub raw: Vec<u8>,
    pub error: String,
}

/// What one Sync response changes in one folder.
#[derive(Debug, Clone, Default)]
pub struct SyncStep {
    pub folder: String,
    pub new_key: String,
    /// The operations, in the server's order.
    pub ops: Vec<ItemOp>,
    /// The FilterType the folder is synced with (stored with the key: they go together).
    pub filter_type: Option<u8>,
    /// The folder restarted from key 0 (Status 3, a new FilterType): a resync begins. Every item
    /// it holds is marked `resync_pending` (still shown) until the server sends it again.
    pub reset: bool,
    /// The resync began for a new FilterType: what it does not bring back left the window.
    pub window_reset: bool,
    /// The resync is complete (the server sent everything): items still pending are swept —
    /// `soft_deleted` 1 (out of the window, kept in exports) after a FilterType resync, 2 (the
    /// server no longer has them, left out of exports) after any other.
    pub sweep: bool,
    /// The server's answers to the local changes the request carried for this folder, stored
    /// with the key (a change leaves the journal exactly when its answer is stored).
    pub journal: Vec<super::journal::JournalOutcome>,
}

impl SyncStep {
    /// A step that puts `records` (tests, tools).
    pub fn puts(folder: &str, new_key: &str, records: Vec<ItemRecord>) -> Self {
        Self {
            folder: folder.into(),
            new_key: new_key.into(),
            ops: records.into_iter().map(ItemOp::Put).collect(),
            ..Self::default()
        }
    }
}

/// One occurrence of a series changed or cancelled on the server (16.x `InstanceId`).
#[derive(Debug, Clone, Default)]
pub struct InstanceChange {
    pub server_id: String,
    /// The occurrence, with `original_start` = its InstanceId; `deleted` when cancelled.
    pub exception: crate::model::Exception,
}

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepCounts {
    pub added: usize,
    pub changed: usize,
    pub deleted: usize,
    pub soft_deleted: usize,
    /// Items kept raw because they could not be typed.
    pub undecodable: usize,
}

impl StepCounts {
    pub fn add(&mut self, c: &StepCounts) {
        self.added += c.added;
        self.changed += c.changed;
        self.deleted += c.deleted;
        self.soft_deleted += c.soft_deleted;
        self.undecodable += c.undecodable;
    }
}

impl Store {
    /// Applies one step and records its key, atomically.
    pub fn apply_sync_step(&mut self, step: &SyncStep) -> Result<StepCounts, StoreError> {
        let mut counts = self.apply_sync_steps(std::slice::from_ref(step))?;
        Ok(counts.pop().unwrap_or_default())
    }

    /// Applies the steps of one Sync response (one per collection, each with its new key) in one
    /// transaction: all of them or none. The transaction takes the next change sequence number.
    pub fn apply_sync_steps(&mut self, steps: &[SyncStep]) -> Result<Vec<StepCounts>, StoreError> {
        let path = self.path.clone();
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sqlite)?;
        let seq = next_seq(&tx).map_err(sqlite)?;
        let counts = steps
            .iter()
            .map(|step| apply(&tx, step, seq))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        Ok(counts)
    }

    /// How many items a folder holds (soft-deleted ones excluded).
    pub fn item_count(&self, folder: &str) -> Result<i64, StoreError> {
        self.count(folder, "soft_deleted = 0")
    }

    /// How many items of a folder in resync the server has not sent again yet.
    pub fn resync_pending_count(&self, folder: &str) -> Result<i64, StoreError> {
        self.count(folder, "resync_pending = 1 AND soft_deleted = 0")
    }

    fn count(&self, folder: &str, filter: &str) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM items JOIN folders f ON f.id = items.folder_id \
                     WHERE f.server_id = ?1 AND {filter}"
                ),
                [folder],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// The class and raw ApplicationData of a typed item (a Change is merged into it).
    pub fn stored_raw(
        &self,
        folder: &str,
        server_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT i.class, i.raw FROM items i JOIN folders f ON f.id = i.folder_id \
                 WHERE f.server_id = ?1 AND i.server_id = ?2 AND i.decode_error IS NULL",
            )
            .and_then(|mut st| {
                st.query_row([folder, server_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))
    }
}

/// The next change sequence number; stored at once (the transaction commits it or nothing).
pub(super) fn next_seq(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    exec(
        tx,
        "UPDATE account SET change_seq = change_seq + 1 WHERE id = 1",
        [],
    )?;
    tx.query_row("SELECT change_seq FROM account WHERE id = 1", [], |r| {
        r.get(0)
    })
    .optional()
    .map(Option::unwrap_or_default)
}

fn apply(tx: &Transaction<'_>, step: &SyncStep, seq: i64) -> rusqlite::Result<StepCounts> {
    let (folder_id, resync): (i64, bool) = tx.query_row(
        "SELECT id, resync FROM folders WHERE server_id = ?1",
        [&step.folder],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // Items are matched by content only while a resync is in flight.
    let resync = resync || step.reset;
    let mut counts = StepCounts::default();
    if step.reset {
        exec(
            tx,
            "UPDATE items SET resync_pending = 1 WHERE folder_id = ?1",
            [folder_id],
        )?;
        exec(
            tx,
            "UPDATE folders SET resync = ?2 WHERE id = ?1",
            params![folder_id, if step.window_reset { 2 } else { 1 }],
        )?;
    }
    for (k, op) in step.ops.iter().enumerate() {
        match op {
            // `Delete x` then `Add x` in one response (servers that replace an item instead of
            // changing it): the row stays, rewritten whole by the Put — its id, and so what
            // refers to it (the journal of local changes), survives. Kept occurrences go.
            ItemOp::Delete(id) if readded(&step.ops[k + 1..], id) => {
                exec(
                    tx,
                    "DELETE FROM occurrences WHERE item_id = \
                     (SELECT id FROM items WHERE folder_id = ?1 AND server_id = ?2)",
                    params![folder_id, id],
                )?;
            }
            ItemOp::Put(rec) => match put(tx, folder_id, rec, seq, resync)? {
                Put::Added => counts.added += 1,
                Put::Changed => counts.changed += 1,
                Put::Same => {}
            },
            ItemOp::Delete(id) => {
                counts.deleted += usize::from(delete(tx, folder_id, &step.folder, id, seq)?)
            }
            ItemOp::SoftDelete(id) => {
                counts.soft_deleted += exec(
                    tx,
                    "UPDATE items SET soft_deleted = 1, resync_pending = 0, changed_seq = ?3, \
                     updated_at = unixepoch() WHERE folder_id = ?1 AND server_id = ?2 AND soft_deleted = 0",
                    params![folder_id, id, seq],
                )?
            }
            ItemOp::Instance(change) => {
                counts.changed +=
                    usize::from(super::classes::merge_exception(tx, folder_id, change, seq)?)
            }
            ItemOp::Undecodable(raw) => {
                put_raw(tx, folder_id, raw, seq)?;
                counts.undecodable += 1;
            }
        }
    }
    if step.sweep {
        counts.soft_deleted += exec(
            tx,
            "UPDATE items SET soft_deleted = CASE (SELECT resync FROM folders WHERE id = ?1) \
             WHEN 2 THEN 1 ELSE 2 END, resync_pending = 0, changed_seq = ?2, \
             updated_at = unixepoch() WHERE folder_id = ?1 AND resync_pending = 1 AND soft_deleted = 0",
            params![folder_id, seq],
        )?;
        exec(
            tx,
            "UPDATE items SET resync_pending = 0 WHERE folder_id = ?1 AND resync_pending = 1",
            [folder_id],
        )?;
        exec(
            tx,
            "UPDATE folders SET resync = 0 WHERE id = ?1",
            [folder_id],
        )?;
    }
    super::journal::settle(tx, &step.journal)?;
    exec(
        tx,
        "UPDATE folders SET sync_key = ?2, filter_type = ?3, last_sync = unixepoch() WHERE id = ?1",
        params![folder_id, step.new_key, step.filter_type],
    )?;
    Ok(counts)
}

/// Whether `later` puts `server_id` again.
fn readded(later: &[ItemOp], server_id: &str) -> bool {
    later
        .iter()
        .any(|op| matches!(op, ItemOp::Put(r) if r.server_id == server_id))
}

fn delete(
    tx: &Transaction<'_>,
    folder_id: i64,
    folder: &str,
    server_id: &str,
    seq: i64,
) -> rusqlite::Result<bool> {
    let found: Option<(i64, String, Option<String>)> = tx
        .query_row(
            "SELECT i.id, i.class, coalesce(e.subject, c.file_as, v.subject, t.subject, n.subject) \
             FROM items i LEFT JOIN emails e ON e.item_id = i.id \
             LEFT JOIN contacts c ON c.item_id = i.id LEFT JOIN events v ON v.item_id = i.id \
             LEFT JOIN tasks t ON t.item_id = i.id LEFT JOIN notes n ON n.item_id = i.id \
             WHERE i.folder_id = ?1 AND i.server_id = ?2",
            params![folder_id, server_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((id, class, summary)) = found else {
        return Ok(false);
    };
    exec(tx, "DELETE FROM items WHERE id = ?1", [id])?;
    exec(
        tx,
        "INSERT INTO deletions (folder_server_id, server_id, class, summary, seq) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![folder, server_id, class, summary, seq],
    )?;
    exec(
        tx,
        "DELETE FROM deletions WHERE id <= (SELECT max(id) FROM deletions) - ?1",
        [DELETION_JOURNAL],
    )?;
    Ok(true)
}

/// Runs a statement through the connection's statement cache: the Sync apply loop runs the
/// same few statements for every item, and parsing them each time cost ~3 % of a sync.
pub(super) fn exec(
    tx: &Transaction<'_>,
    sql: &str,
    p: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(p)
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}
