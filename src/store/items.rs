//! The item tables: one Sync step (changes of one folder and its new SyncKey) in one
//! transaction.

use rusqlite::{OptionalExtension, Transaction, params};

use super::classes::{insert_contact, insert_event, insert_task};
use super::{Store, StoreError};
use crate::model::{Email, Item, ItemRecord, Note};

/// How many server deletions the journal keeps.
pub const DELETION_JOURNAL: i64 = 1000;

/// What one Sync response changes in one folder.
#[derive(Debug, Clone, Default)]
pub struct SyncStep {
    pub folder: String,
    pub new_key: String,
    pub upserts: Vec<ItemRecord>,
    pub deletes: Vec<String>,
    pub soft_deletes: Vec<String>,
    /// The FilterType the folder is synced with (stored with the key: they go together).
    pub filter_type: Option<u8>,
    /// 16.x changes and deletions of one occurrence of a series (MS-ASCMD 2.2.3.42.2): merged
    /// into the series' `exceptions`, the series itself is kept.
    pub instance_changes: Vec<InstanceChange>,
    /// The folder restarted from key 0 (Status 3, a new FilterType): every item it holds is
    /// marked out of the sync window (`soft_deleted`) until the server sends it again, so an
    /// item the server no longer has is flagged, neither kept as current nor erased.
    pub reset: bool,
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
}

impl Store {
    /// Applies one step and records its key, atomically.
    pub fn apply_sync_step(&mut self, step: &SyncStep) -> Result<StepCounts, StoreError> {
        let path = self.path.clone();
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sqlite)?;
        let counts = apply(&tx, step).map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        Ok(counts)
    }

    /// Applies the steps of one Sync response (one per collection, each with its new key) in one
    /// transaction: all of them or none.
    pub fn apply_sync_steps(&mut self, steps: &[SyncStep]) -> Result<Vec<StepCounts>, StoreError> {
        let path = self.path.clone();
        let sqlite = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sqlite)?;
        let counts = steps
            .iter()
            .map(|step| apply(&tx, step))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        Ok(counts)
    }

    /// How many items a folder holds (soft-deleted ones excluded).
    pub fn item_count(&self, folder: &str) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM items JOIN folders f ON f.id = items.folder_id \
                 WHERE f.server_id = ?1 AND soft_deleted = 0",
                [folder],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}

fn apply(tx: &Transaction<'_>, step: &SyncStep) -> rusqlite::Result<StepCounts> {
    let folder_id: i64 = tx.query_row(
        "SELECT id FROM folders WHERE server_id = ?1",
        [&step.folder],
        |r| r.get(0),
    )?;
    let mut counts = StepCounts::default();
    if step.reset {
        exec(
            tx,
            "UPDATE items SET soft_deleted = 1 WHERE folder_id = ?1",
            [folder_id],
        )?;
    }
    for rec in &step.upserts {
        if upsert(tx, folder_id, rec)? {
            counts.added += 1;
        } else {
            counts.changed += 1;
        }
    }
    for id in &step.deletes {
        if delete(tx, folder_id, &step.folder, id)? {
            counts.deleted += 1;
        }
    }
    for change in &step.instance_changes {
        if super::classes::merge_exception(tx, folder_id, change)? {
            counts.changed += 1;
        }
    }
    for id in &step.soft_deletes {
        counts.soft_deleted += exec(
            tx,
            "UPDATE items SET soft_deleted = 1, updated_at = unixepoch() \
             WHERE folder_id = ?1 AND server_id = ?2",
            params![folder_id, id],
        )?;
    }
    exec(
        tx,
        "UPDATE folders SET sync_key = ?2, filter_type = ?3, last_sync = unixepoch() WHERE id = ?1",
        params![folder_id, step.new_key, step.filter_type],
    )?;
    Ok(counts)
}

/// Inserts or replaces an item (matched by folder and ServerId, so a re-sent item is never
/// duplicated). Returns whether it was new.
fn upsert(tx: &Transaction<'_>, folder_id: i64, rec: &ItemRecord) -> rusqlite::Result<bool> {
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM items WHERE folder_id = ?1 AND server_id = ?2",
            params![folder_id, rec.server_id],
            |r| r.get(0),
        )
        .optional()?;
    let id = match existing {
        Some(id) => {
            exec(
                tx,
                "UPDATE items SET class = ?2, raw = ?3, soft_deleted = 0, updated_at = unixepoch() \
                 WHERE id = ?1",
                params![id, rec.item.class(), rec.raw],
            )?;
            for table in ["emails", "contacts", "events", "tasks", "notes"] {
                tx.execute(&format!("DELETE FROM {table} WHERE item_id = ?1"), [id])?;
            }
            id
        }
        None => {
            exec(
                tx,
                "INSERT INTO items (folder_id, server_id, class, raw) VALUES (?1, ?2, ?3, ?4)",
                params![folder_id, rec.server_id, rec.item.class(), rec.raw],
            )?;
            tx.last_insert_rowid()
        }
    };
    match &rec.item {
        Item::Email(e) => insert_email(tx, id, e)?,
        Item::Contact(c) => insert_contact(tx, id, c)?,
        Item::Event(e) => insert_event(tx, id, e)?,
        Item::Task(t) => insert_task(tx, id, t)?,
        Item::Note(n) => insert_note(tx, id, n)?,
        Item::Other => {}
    }
    Ok(existing.is_none())
}

fn delete(
    tx: &Transaction<'_>,
    folder_id: i64,
    folder: &str,
    server_id: &str,
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
        "INSERT INTO deletions (folder_server_id, server_id, class, summary) VALUES (?1, ?2, ?3, ?4)",
        params![folder, server_id, class, summary],
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

fn insert_email(tx: &Transaction<'_>, id: i64, e: &Email) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO emails (item_id, subject, sender, recipients, cc, reply_to, date_received, \
         read, flag_status, importance, message_class, categories, body_type, body, \
         body_truncated, preview, attachments, conversation_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            id,
            e.subject,
            e.sender,
            e.recipients,
            e.cc,
            e.reply_to,
            e.date_received,
            e.read,
            e.flag_status,
            e.importance,
            e.message_class,
            json(&e.categories),
            e.body_type,
            e.body,
            e.body_truncated,
            e.preview,
            json(&e.attachments),
            e.conversation_id
        ],
    )
    .map(|_| ())
}

fn insert_note(tx: &Transaction<'_>, id: i64, n: &Note) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO notes (item_id, subject, last_modified) VALUES (?1, ?2, ?3)",
        params![id, n.subject, n.last_modified],
    )
    .map(|_| ())
}
