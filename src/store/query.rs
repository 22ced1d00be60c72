//! Read-only queries behind `easync mail` and `easync status`.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// One line of a mail listing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailRow {
    pub id: i64,
    pub folder: String,
    pub date: Option<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub read: Option<bool>,
}

/// A mail with its body, for `easync mail show`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailDetail {
    pub row: MailRow,
    pub to: Option<String>,
    pub cc: Option<String>,
    pub body: Option<String>,
    pub attachments: Option<String>,
}

/// A folder's state for `easync status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FolderStatus {
    pub name: String,
    pub class: Option<String>,
    pub items: i64,
    pub synced: bool,
    pub last_sync: Option<i64>,
}

const MAIL_COLUMNS: &str = "i.id, f.name, e.date_received, e.sender, e.subject, e.read";

fn mail_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MailRow> {
    Ok(MailRow {
        id: r.get(0)?,
        folder: r.get(1)?,
        date: r.get(2)?,
        from: r.get(3)?,
        subject: r.get(4)?,
        read: r.get(5)?,
    })
}

impl Store {
    /// The newest mails, optionally of one folder (by name).
    pub fn mail_list(&self, folder: Option<&str>, limit: u32) -> Result<Vec<MailRow>, StoreError> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM emails e JOIN items i ON i.id = e.item_id \
             JOIN folders f ON f.id = i.folder_id \
             WHERE i.soft_deleted = 0 AND (?1 IS NULL OR f.name = ?1) \
             ORDER BY e.date_received DESC LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![folder, limit], mail_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Mails matching an FTS5 query over subject, sender, recipients and body, best first.
    pub fn mail_search(&self, query: &str, limit: u32) -> Result<Vec<MailRow>, StoreError> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM mail_fts JOIN emails e ON e.item_id = mail_fts.rowid \
             JOIN items i ON i.id = e.item_id JOIN folders f ON f.id = i.folder_id \
             WHERE mail_fts MATCH ?1 ORDER BY rank LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![query, limit], mail_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The mirrored mail of `folder` (its server id) received at `date` with `subject`: how
    /// a result of Search, which names mails by an opaque LongId, is found in the mirror.
    pub fn mail_received(
        &self,
        folder: &str,
        date: &str,
        subject: &str,
    ) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT i.id FROM emails e JOIN items i ON i.id = e.item_id \
                 JOIN folders f ON f.id = i.folder_id WHERE f.server_id = ?1 \
                 AND e.date_received = ?2 AND coalesce(e.subject, '') = ?3 \
                 AND i.soft_deleted < 2 ORDER BY i.id LIMIT 1",
                params![folder, date, subject],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// One mail by its id (the first column of a listing).
    pub fn mail_get(&self, id: i64) -> Result<Option<MailDetail>, StoreError> {
        let sql = format!(
            "SELECT {MAIL_COLUMNS}, e.recipients, e.cc, e.body, e.attachments FROM emails e \
             JOIN items i ON i.id = e.item_id JOIN folders f ON f.id = i.folder_id WHERE i.id = ?1"
        );
        self.conn
            .query_row(&sql, [id], |r| {
                Ok(MailDetail {
                    row: mail_row(r)?,
                    to: r.get(6)?,
                    cc: r.get(7)?,
                    body: r.get(8)?,
                    attachments: r.get(9)?,
                })
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every folder with its item count and sync state.
    pub fn folder_status(&self) -> Result<Vec<FolderStatus>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.name, f.class, count(i.id) FILTER (WHERE i.soft_deleted = 0), \
                 f.sync_key != '0', f.last_sync FROM folders f LEFT JOIN items i ON i.folder_id = f.id \
                 GROUP BY f.id ORDER BY f.name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(FolderStatus {
                    name: r.get(0)?,
                    class: r.get(1)?,
                    items: r.get(2)?,
                    synced: r.get(3)?,
                    last_sync: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}
