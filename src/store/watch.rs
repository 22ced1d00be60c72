//! What `easync watch` reads and keeps: the learned Ping heartbeat, and which items a sync
//! added, changed or deleted (for hooks and JSON events), found by marking the store before
//! the sync with the change sequence number: rows created after the mark are new, older rows
//! touched since are changed, the deletion journal's newer entries are deletions.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError};

/// The store's position before a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeMark {
    /// The change sequence number of the last committed transaction (`account.change_seq`).
    seq: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemEventKind {
    New,
    Changed,
    Deleted,
}

/// One item a sync touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemEvent {
    #[serde(rename = "type")]
    pub kind: ItemEventKind,
    /// The folder's server id and name.
    pub folder_id: String,
    pub folder: String,
    /// The item's server id.
    pub id: String,
    pub class: String,
    /// Subject (or name) and sender: only when details are asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

const ITEMS: &str = "SELECT i.id, f.server_id, f.name, i.server_id, i.class, \
     coalesce(e.subject, c.file_as, v.subject, t.subject, n.subject), e.sender, i.created_seq \
     FROM items i JOIN folders f ON f.id = i.folder_id \
     LEFT JOIN emails e ON e.item_id = i.id LEFT JOIN contacts c ON c.item_id = i.id \
     LEFT JOIN events v ON v.item_id = i.id LEFT JOIN tasks t ON t.item_id = i.id \
     LEFT JOIN notes n ON n.item_id = i.id \
     WHERE i.changed_seq > ?1 ORDER BY i.id";

impl Store {
    /// The heartbeat `easync watch` learned last time.
    pub fn ping_heartbeat(&self) -> Result<Option<u32>, StoreError> {
        self.conn
            .query_row("SELECT ping_heartbeat FROM account WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.err(e))
    }

    pub fn set_ping_heartbeat(&mut self, seconds: u32) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE account SET ping_heartbeat = ?1 WHERE id = 1",
                [seconds],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The position to compare with after a sync.
    pub fn change_mark(&self) -> Result<ChangeMark, StoreError> {
        self.conn
            .query_row("SELECT change_seq FROM account WHERE id = 1", [], |r| {
                Ok(ChangeMark { seq: r.get(0)? })
            })
            .optional()
            .map(|m| m.unwrap_or(ChangeMark { seq: 0 }))
            .map_err(|e| self.err(e))
    }

    /// What changed since `mark`; subjects and senders only with `details`. Rows carry the
    /// change sequence number of the transaction that last touched them, so nothing is missed
    /// or reported twice (rowids can be reused; seconds are too coarse).
    pub fn changes_since(
        &self,
        mark: &ChangeMark,
        details: bool,
    ) -> Result<Vec<ItemEvent>, StoreError> {
        let keep = |s: Option<String>| s.filter(|_| details);
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(ITEMS).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![mark.seq], |r| {
                let created: i64 = r.get(7)?;
                Ok(ItemEvent {
                    kind: if created > mark.seq {
                        ItemEventKind::New
                    } else {
                        ItemEventKind::Changed
                    },
                    folder_id: r.get(1)?,
                    folder: r.get(2)?,
                    id: r.get(3)?,
                    class: r.get(4)?,
                    subject: keep(r.get(5)?),
                    from: keep(r.get(6)?),
                })
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            out.push(row.map_err(|e| self.err(e))?);
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT d.folder_server_id, coalesce(f.name, d.folder_server_id), d.server_id, \
                 d.class, d.summary FROM deletions d LEFT JOIN folders f ON f.server_id = d.folder_server_id \
                 WHERE d.seq > ?1 ORDER BY d.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([mark.seq], |r| {
                Ok(ItemEvent {
                    kind: ItemEventKind::Deleted,
                    folder_id: r.get(0)?,
                    folder: r.get(1)?,
                    id: r.get(2)?,
                    class: r.get(3)?,
                    subject: keep(r.get(4)?),
                    from: None,
                })
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            out.push(row.map_err(|e| self.err(e))?);
        }
        Ok(out)
    }
}
