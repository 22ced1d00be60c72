//! Writing the journal inside a transaction: a change recorded with its effect, the server's
//! answers settled (with the step that carries them), a move made.

use rusqlite::{OptionalExtension, Transaction, params};

use super::items::{exec, next_seq};
use super::journal::{JournalOutcome, NewChange, Outcome};
use super::put::put;
use crate::model::LocalChange;

/// One change and its effect; `None` when the item is not in the mirror.
pub(super) fn record(
    tx: &Transaction<'_>,
    c: &NewChange,
    seq: i64,
) -> rusqlite::Result<Option<i64>> {
    let Some(item) = c.change.item() else {
        return record_add(tx, c).map(Some);
    };
    let found: Option<(i64, String, String, String, Option<String>)> = tx
        .query_row(
            "SELECT i.folder_id, f.server_id, i.server_id, i.class, \
             coalesce(e.subject, k.file_as, v.subject, t.subject) FROM items i \
             JOIN folders f ON f.id = i.folder_id LEFT JOIN emails e ON e.item_id = i.id \
             LEFT JOIN contacts k ON k.item_id = i.id LEFT JOIN events v ON v.item_id = i.id \
             LEFT JOIN tasks t ON t.item_id = i.id WHERE i.id = ?1",
            [item],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((folder_id, folder, server_id, class, summary)) = found else {
        return Ok(None);
    };
    let (kind, payload) = c.change.kind_and_payload();
    exec(
        tx,
        "INSERT INTO changes (item_id, folder_server_id, server_id, class, kind, payload, origin, \
         summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            item,
            folder,
            server_id,
            class,
            kind,
            super::items::json(&payload),
            c.origin,
            summary
        ],
    )?;
    let id = tx.last_insert_rowid();
    if let Some(rec) = &c.put {
        put(tx, folder_id, rec, seq, false)?;
    }
    Ok(Some(id))
}

/// An Add: no item yet; its ClientId (MS-ASCMD 2.2.3.28.2, at most 64 characters) is made from
/// the row's id (never reused) and a random part (a fresh database of the same device does not
/// repeat it); kept in the row, so a retry sends the same one.
fn record_add(tx: &Transaction<'_>, c: &NewChange) -> rusqlite::Result<i64> {
    let LocalChange::Add { folder, class, .. } = &c.change else {
        return Err(rusqlite::Error::InvalidQuery);
    };
    let (kind, payload) = c.change.kind_and_payload();
    exec(
        tx,
        "INSERT INTO changes (folder_server_id, class, kind, payload, origin, summary) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            folder,
            class,
            kind,
            super::items::json(&payload),
            c.origin,
            c.summary
        ],
    )?;
    let id = tx.last_insert_rowid();
    exec(
        tx,
        "UPDATE changes SET client_id = 'easync-' || id || '-' || lower(hex(randomblob(4))) \
         WHERE id = ?1",
        [id],
    )?;
    Ok(id)
}

/// An Add taken: the row waits as `added` for its file's adoption; a series with 16.x
/// occurrences gets a Change of the new item, so they go next.
fn added(tx: &Transaction<'_>, id: i64, server_id: &str, again: bool) -> rusqlite::Result<()> {
    exec(
        tx,
        "UPDATE changes SET state = 'added', server_id = ?2, updated_at = unixepoch(), \
         item_id = (SELECT i.id FROM items i JOIN folders f ON f.id = i.folder_id \
             WHERE f.server_id = changes.folder_server_id AND i.server_id = ?2) \
         WHERE id = ?1",
        params![id, server_id],
    )?;
    if again {
        exec(
            tx,
            "INSERT INTO changes (item_id, folder_server_id, server_id, class, kind, payload, \
             origin, summary) SELECT item_id, folder_server_id, server_id, class, 'change', \
             payload, origin, summary FROM changes WHERE id = ?1 AND item_id IS NOT NULL",
            [id],
        )?;
    }
    Ok(())
}

/// Writes outcomes inside the caller's transaction.
pub(super) fn settle(tx: &Transaction<'_>, outcomes: &[JournalOutcome]) -> rusqlite::Result<()> {
    for o in outcomes {
        match &o.outcome {
            Outcome::Done => exec(tx, "DELETE FROM changes WHERE id = ?1", [o.id])?,
            Outcome::Added { server_id, again } => {
                added(tx, o.id, server_id, *again)?;
                0
            }
            Outcome::Failed { status, error } | Outcome::Conflict { status, error } => {
                let state = if matches!(o.outcome, Outcome::Failed { .. }) {
                    "failed"
                } else {
                    "conflict"
                };
                exec(
                    tx,
                    "UPDATE changes SET state = ?2, status = ?3, error = ?4, \
                     updated_at = unixepoch() WHERE id = ?1",
                    params![o.id, state, status, error],
                )?
            }
        };
    }
    Ok(())
}

pub(super) fn apply_move(
    tx: &Transaction<'_>,
    change: i64,
    item: i64,
    to_folder: &str,
    new_id: &str,
) -> rusqlite::Result<()> {
    let seq = next_seq(tx)?;
    let dst: i64 = tx.query_row(
        "SELECT id FROM folders WHERE server_id = ?1",
        [to_folder],
        |r| r.get(0),
    )?;
    // The server may already have sent the moved item in the destination (a server that echoes
    // moves): then that copy stays and the source's goes.
    let echoed: bool = tx.query_row(
        "SELECT count(*) > 0 FROM items WHERE folder_id = ?1 AND server_id = ?2",
        params![dst, new_id],
        |r| r.get(0),
    )?;
    if echoed {
        exec(tx, "DELETE FROM items WHERE id = ?1", [item])?;
    } else {
        exec(
            tx,
            "UPDATE items SET folder_id = ?2, server_id = ?3, changed_seq = ?4, \
             updated_at = unixepoch() WHERE id = ?1",
            params![item, dst, new_id, seq],
        )?;
    }
    exec(tx, "DELETE FROM changes WHERE id = ?1", [change])?;
    Ok(())
}
