//! What `easync serve`'s IMAP side reads and keeps (migration 9): the messages of a folder with
//! their UIDs — given here, in one transaction, to messages that have none, and taken from
//! those that left — the flags EAS has no place for, and whole messages fetched once.

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::items::exec;
use super::{Store, StoreError};

/// One message of a folder as an IMAP client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapMessage {
    pub uid: u32,
    pub item_id: i64,
    pub read: bool,
    pub flagged: bool,
    /// The transaction that last changed the mail (its flags may have changed).
    pub changed_seq: i64,
    /// Flags kept only here (`\Answered`, `\Deleted`, keywords), space-separated.
    pub local_flags: String,
    /// As the server sent it (`2024-11-21T10:01:00.000Z`).
    pub date_received: Option<String>,
}

/// A folder's messages in UID order, with its UIDVALIDITY and UIDNEXT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapFolder {
    pub uid_validity: u32,
    pub uid_next: u32,
    pub messages: Vec<ImapMessage>,
}

/// The mails a client sees in a folder: not gone from the server, not waiting to be moved or
/// deleted by a local change (they left the folder for the user already).
const VISIBLE: &str = "SELECT i.id, i.changed_seq, e.read, e.flag_status, e.date_received, \
     u.uid, u.flags FROM items i JOIN emails e ON e.item_id = i.id \
     LEFT JOIN imap_uids u ON u.folder_id = i.folder_id AND u.item_id = i.id \
     WHERE i.folder_id = ?1 AND i.soft_deleted < 2 AND i.class = 'Email' \
     AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.item_id = i.id AND c.state = 'pending' \
     AND c.kind IN ('move', 'delete')) \
     ORDER BY u.uid IS NULL, u.uid, e.date_received, i.id";

struct Row {
    item_id: i64,
    changed_seq: i64,
    read: bool,
    flagged: bool,
    date_received: Option<String>,
    uid: Option<u32>,
    flags: Option<String>,
}

fn rows(tx: &Transaction<'_>, folder: i64) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = tx.prepare_cached(VISIBLE)?;
    stmt.query_map([folder], |r| {
        Ok(Row {
            item_id: r.get(0)?,
            changed_seq: r.get(1)?,
            read: r.get::<_, Option<i64>>(2)?.unwrap_or(0) != 0,
            flagged: r.get::<_, Option<i64>>(3)?.unwrap_or(0) == 2,
            date_received: r.get(4)?,
            uid: r.get(5)?,
            flags: r.get(6)?,
        })
    })?
    .collect()
}

/// Rows of the folder's UID table whose mail is no longer visible there.
fn stale(tx: &Transaction<'_>, folder: i64, visible: &[Row]) -> rusqlite::Result<Vec<u32>> {
    let mut stmt = tx.prepare_cached("SELECT uid FROM imap_uids WHERE folder_id = ?1")?;
    let known: std::collections::HashSet<u32> = visible.iter().filter_map(|r| r.uid).collect();
    let all: Vec<u32> = stmt
        .query_map([folder], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(all.into_iter().filter(|u| !known.contains(u)).collect())
}

fn folder_row(tx: &Transaction<'_>, folder: i64) -> rusqlite::Result<Option<(u32, u32)>> {
    tx.query_row(
        "SELECT uid_validity, uid_next FROM imap_folders WHERE folder_id = ?1",
        [folder],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// A UIDVALIDITY for a folder seen the first time: the time, so that a folder made again (a
/// database deleted and synced anew) never repeats an earlier one.
fn new_validity() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs());
    u32::try_from(secs).unwrap_or(u32::MAX).max(1)
}

impl Store {
    /// The messages of mail folder `folder` (a server id) with their UIDs; `None` when there is
    /// no such folder. Messages new to the folder get the next UIDs (in the order they were
    /// received), those that left lose theirs, in one write transaction — taken only when
    /// something is to be written, so that idle clients looking again cost a read.
    pub fn imap_folder(&mut self, folder: &str) -> Result<Option<ImapFolder>, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let Some(id) = self.folder_row_id(folder)? else {
            return Ok(None);
        };
        {
            let tx = self.conn.transaction().map_err(err)?;
            if let Some(done) = read_only(&tx, id).map_err(err)? {
                return Ok(Some(done));
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let out = assign(&tx, id).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Some(out))
    }

    /// Sets the flags kept only here for message `uid` of `folder`.
    pub fn imap_set_local_flags(
        &mut self,
        folder: &str,
        uid: u32,
        flags: &str,
    ) -> Result<(), StoreError> {
        let Some(id) = self.folder_row_id(folder)? else {
            return Ok(());
        };
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        exec(
            &tx,
            "UPDATE imap_uids SET flags = ?3 WHERE folder_id = ?1 AND uid = ?2",
            params![id, uid, flags],
        )
        .map_err(err)?;
        exec(
            &tx,
            "UPDATE imap_folders SET local_seq = local_seq + 1 WHERE folder_id = ?1",
            [id],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// What changes when what a folder's IMAP clients see may have changed: the items'
    /// change sequence, the journal (a move or delete hides a mail at once), the flags kept for
    /// IMAP. Cheap: idle clients compare it, not the folder, when another connection commits
    /// (a client's fetches write whole messages all the time).
    pub fn imap_token(&self, folder: &str) -> Result<[i64; 4], StoreError> {
        self.conn
            .query_row(
                "SELECT (SELECT change_seq FROM account WHERE id = 1), \
                 (SELECT coalesce(max(id), 0) FROM changes), \
                 (SELECT count(*) FROM changes WHERE state = 'pending'), \
                 coalesce((SELECT local_seq FROM imap_folders m JOIN folders f ON f.id = \
                 m.folder_id WHERE f.server_id = ?1), -1)",
                [folder],
                |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]),
            )
            .map_err(|e| self.err(e))
    }

    /// The whole message of mail `item`, when the mirror has it: the body itself when the
    /// account keeps MIME, else the copy fetched for IMAP earlier.
    pub fn imap_mime(&self, item: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let kept: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT CASE WHEN e.body_type = 4 AND coalesce(e.body_truncated, 0) = 0 \
                 THEN CAST(e.body AS BLOB) END FROM emails e WHERE e.item_id = ?1",
                [item],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .flatten();
        if kept.is_some() {
            return Ok(kept);
        }
        self.conn
            .query_row(
                "SELECT mime FROM imap_messages WHERE item_id = ?1",
                [item],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Whether the whole message of `item` is in the mirror (without reading it).
    pub fn imap_has_mime(&self, item: i64) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM imap_messages WHERE item_id = ?1) OR EXISTS \
                 (SELECT 1 FROM emails WHERE item_id = ?1 AND body_type = 4 \
                 AND coalesce(body_truncated, 0) = 0)",
                [item],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Keeps the whole message of `item` fetched from the server.
    pub fn imap_put_mime(&mut self, item: i64, mime: &[u8]) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO imap_messages (item_id, mime) \
                 SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM items WHERE id = ?1)",
                params![item, mime],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The server id of the mail `item` and its folder's, when it is still in the mirror.
    pub fn imap_item_place(&self, item: i64) -> Result<Option<(String, String)>, StoreError> {
        self.conn
            .query_row(
                "SELECT f.server_id, i.server_id FROM items i JOIN folders f ON f.id = i.folder_id \
                 WHERE i.id = ?1",
                [item],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Commits that survive a power loss, not only a crash (`synchronous = FULL`): what a
    /// gateway told a client (a UID, a queued message) must not be taken back.
    pub fn durable(&self) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.err(e))
    }

    /// `PRAGMA data_version`: changes when another connection committed (RFC 3501 IDLE and
    /// NOOP look again only then).
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "data_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn folder_row_id(&self, folder: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT id FROM folders WHERE server_id = ?1",
                [folder],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// The folder as it is, when nothing needs writing.
fn read_only(tx: &Transaction<'_>, folder: i64) -> rusqlite::Result<Option<ImapFolder>> {
    let Some((uid_validity, uid_next)) = folder_row(tx, folder)? else {
        return Ok(None);
    };
    let rows = rows(tx, folder)?;
    if rows.iter().any(|r| r.uid.is_none()) || !stale(tx, folder, &rows)?.is_empty() {
        return Ok(None);
    }
    Ok(Some(ImapFolder {
        uid_validity,
        uid_next,
        messages: rows.into_iter().map(message).collect(),
    }))
}

/// Gives UIDs to the messages without one and takes them from those that left.
fn assign(tx: &Transaction<'_>, folder: i64) -> rusqlite::Result<ImapFolder> {
    let (uid_validity, mut uid_next) = match folder_row(tx, folder)? {
        Some(v) => v,
        None => {
            let v = (new_validity(), 1);
            exec(
                tx,
                "INSERT INTO imap_folders (folder_id, uid_validity, uid_next) VALUES (?1, ?2, ?3)",
                params![folder, v.0, v.1],
            )?;
            v
        }
    };
    let mut rows = rows(tx, folder)?;
    for uid in stale(tx, folder, &rows)? {
        exec(
            tx,
            "DELETE FROM imap_uids WHERE folder_id = ?1 AND uid = ?2",
            params![folder, uid],
        )?;
    }
    let mut insert =
        tx.prepare_cached("INSERT INTO imap_uids (folder_id, uid, item_id) VALUES (?1, ?2, ?3)")?;
    for r in rows.iter_mut().filter(|r| r.uid.is_none()) {
        insert.execute(params![folder, uid_next, r.item_id])?;
        r.uid = Some(uid_next);
        r.flags = Some(String::new());
        uid_next = uid_next.saturating_add(1);
    }
    exec(
        tx,
        "UPDATE imap_folders SET uid_next = ?2 WHERE folder_id = ?1",
        params![folder, uid_next],
    )?;
    Ok(ImapFolder {
        uid_validity,
        uid_next,
        messages: rows.into_iter().map(message).collect(),
    })
}

fn message(r: Row) -> ImapMessage {
    ImapMessage {
        uid: r.uid.unwrap_or(0),
        item_id: r.item_id,
        read: r.read,
        flagged: r.flagged,
        changed_seq: r.changed_seq,
        local_flags: r.flags.unwrap_or_default(),
        date_received: r.date_received,
    }
}

/// What IMAP SEARCH compares, per mail (RFC 3501 6.4.4).
#[derive(Debug, Clone, Default)]
pub struct ImapSearchFields {
    pub subject: String,
    pub from: String,
    pub to: String,
    pub cc: String,
    /// The text body, or the whole message when the mirror keeps it (only when asked for).
    pub body: String,
    /// The whole message's size when known, else the body's.
    pub size: u32,
}

impl Store {
    /// The fields SEARCH looks at, for the mails `items`; `with_body`: the bodies too.
    pub fn imap_search_fields(
        &self,
        items: &[i64],
        with_body: bool,
    ) -> Result<std::collections::HashMap<i64, ImapSearchFields>, StoreError> {
        let sql = format!(
            "SELECT e.item_id, coalesce(e.subject, ''), coalesce(e.sender, ''), \
             coalesce(e.recipients, ''), coalesce(e.cc, ''), {}, \
             coalesce(length(m.mime), length(CAST(e.body AS BLOB)), 0) \
             FROM emails e LEFT JOIN imap_messages m ON m.item_id = e.item_id \
             WHERE e.item_id = ?1",
            if with_body {
                "coalesce(m.mime, CAST(e.body AS BLOB), X'')"
            } else {
                "''"
            }
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let mut out = std::collections::HashMap::new();
        for &item in items {
            let row = stmt
                .query_row([item], |r| {
                    Ok(ImapSearchFields {
                        subject: r.get(1)?,
                        from: r.get(2)?,
                        to: r.get(3)?,
                        cc: r.get(4)?,
                        body: match r.get_ref(5)? {
                            rusqlite::types::ValueRef::Blob(b)
                            | rusqlite::types::ValueRef::Text(b) => {
                                String::from_utf8_lossy(b).into_owned()
                            }
                            _ => String::new(),
                        },
                        size: u32::try_from(r.get::<_, i64>(6)?).unwrap_or(u32::MAX),
                    })
                })
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some(f) = row {
                out.insert(item, f);
            }
        }
        Ok(out)
    }
}
