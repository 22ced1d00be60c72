//! Putting one item: an Add, or a Change merged with what was held, written whole (the row,
//! its class row, and for events the kept occurrences laid over again).

use rusqlite::{OptionalExtension, Transaction, params};

use super::classes::{insert_contact, insert_event, insert_task};
use super::items::{RawRecord, exec, json};
use crate::model::{Email, Item, ItemRecord, Note};

/// What putting an item did.
pub(super) enum Put {
    Added,
    Changed,
    /// The server re-sent what was held (a resync): nothing changed.
    Same,
}

/// A held item: row id, soft-deleted, whether its raw data equals the record's.
type Held = (i64, bool, bool);

/// The item a record replaces: by ServerId, or (in a resync) by content among the items not
/// sent again yet. The raw data is compared in SQLite, not copied out.
fn held(
    tx: &Transaction<'_>,
    folder_id: i64,
    rec: &ItemRecord,
    resync: bool,
) -> rusqlite::Result<Option<Held>> {
    let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
    let by_id = tx
        .prepare_cached(
            "SELECT id, soft_deleted, raw = ?3 AND decode_error IS NULL FROM items WHERE folder_id = ?1 AND server_id = ?2",
        )?
        .query_row(params![folder_id, rec.server_id, rec.raw], row)
        .optional()?;
    if by_id.is_some() || !resync {
        return Ok(by_id);
    }
    let Some(key) = rec.item.match_key() else {
        return Ok(None);
    };
    tx.prepare_cached(
        "SELECT id, soft_deleted, raw = ?3 AND decode_error IS NULL FROM items WHERE folder_id = ?1 AND resync_pending = 1 \
         AND match_key = ?2 ORDER BY id LIMIT 1",
    )?
    .query_row(params![folder_id, key, rec.raw], row)
    .optional()
}

/// Inserts or rewrites an item (matched by folder and ServerId, or by content among the items a
/// resync has not seen again, so a re-sent item is never duplicated).
pub(super) fn put(
    tx: &Transaction<'_>,
    folder_id: i64,
    rec: &ItemRecord,
    seq: i64,
    resync: bool,
) -> rusqlite::Result<Put> {
    let (id, outcome) = match held(tx, folder_id, rec, resync)? {
        Some((id, false, true)) => {
            exec(
                tx,
                "UPDATE items SET server_id = ?2, resync_pending = 0 WHERE id = ?1",
                params![id, rec.server_id],
            )?;
            return Ok(Put::Same);
        }
        Some((id, _, _)) => {
            exec(
                tx,
                "UPDATE items SET server_id = ?2, class = ?3, raw = ?4, match_key = ?5, \
                 soft_deleted = 0, resync_pending = 0, decode_error = NULL, changed_seq = ?6, \
                 updated_at = unixepoch() WHERE id = ?1",
                params![
                    id,
                    rec.server_id,
                    rec.item.class(),
                    rec.raw,
                    rec.item.match_key(),
                    seq
                ],
            )?;
            for table in ["emails", "contacts", "events", "tasks", "notes"] {
                exec(tx, &format!("DELETE FROM {table} WHERE item_id = ?1"), [id])?;
            }
            (id, Put::Changed)
        }
        None => {
            exec(
                tx,
                "INSERT INTO items (folder_id, server_id, class, raw, match_key, created_seq, \
                 changed_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![
                    folder_id,
                    rec.server_id,
                    rec.item.class(),
                    rec.raw,
                    rec.item.match_key(),
                    seq
                ],
            )?;
            (tx.last_insert_rowid(), Put::Added)
        }
    };
    match &rec.item {
        Item::Email(e) => insert_email(tx, id, e)?,
        Item::Contact(c) => insert_contact(tx, id, c)?,
        Item::Event(e) => {
            insert_event(tx, id, e)?;
            super::classes::overlay_occurrences(tx, id)?;
        }
        Item::Task(t) => insert_task(tx, id, t)?,
        Item::Note(n) => insert_note(tx, id, n)?,
        Item::Other => {}
    }
    Ok(outcome)
}

/// Keeps an item that could not be typed as received. An item already held stays as it is:
/// its typed data is better than none (the warning in the log says why the server's version
/// failed).
pub(super) fn put_raw(
    tx: &Transaction<'_>,
    folder_id: i64,
    rec: &RawRecord,
    seq: i64,
) -> rusqlite::Result<()> {
    let changed = exec(
        tx,
        "UPDATE items SET resync_pending = 0, updated_at = unixepoch() \
         WHERE folder_id = ?1 AND server_id = ?2",
        params![folder_id, rec.server_id],
    )?;
    if changed == 0 {
        exec(
            tx,
            "INSERT INTO items (folder_id, server_id, class, raw, decode_error, created_seq, \
             changed_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![folder_id, rec.server_id, rec.class, rec.raw, rec.error, seq],
        )?;
    }
    Ok(())
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
