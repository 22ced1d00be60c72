//! What export reads: the items of a class with their raw ApplicationData (every field the
//! server sent, mapped to model values by `sync::convert::stored`), folder by folder.

use super::{Store, StoreError};

/// One stored item for export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawItem {
    pub folder_id: String,
    pub folder: String,
    pub server_id: String,
    /// The item's ApplicationData as WBXML.
    pub raw: Vec<u8>,
    /// For events: the changed and cancelled occurrences the store merged (JSON, 14.x and 16.x).
    pub exceptions: Option<String>,
}

impl Store {
    /// The items of `class` (`Contacts`, `Calendar`, `Tasks`, `Email`), ordered by folder and
    /// id — soft-deleted ones too: an item that left the sync window stays in the exports (as
    /// mbsync keeps old mail when MaxMessages shrinks). What a completed resync found gone from
    /// the server (`soft_deleted` 2) is left out, as a server's Delete is.
    pub fn raw_items(&self, class: &str) -> Result<Vec<RawItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.server_id, f.name, i.server_id, i.raw, e.exceptions FROM items i \
                 JOIN folders f ON f.id = i.folder_id LEFT JOIN events e ON e.item_id = i.id \
                 WHERE i.class = ?1 AND i.soft_deleted < 2 AND i.decode_error IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.item_id = i.id \
                     AND c.state = 'pending' AND c.kind IN ('move', 'delete')) \
                 ORDER BY f.id, i.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([class], |r| {
                Ok(RawItem {
                    folder_id: r.get(0)?,
                    folder: r.get(1)?,
                    server_id: r.get(2)?,
                    raw: r.get(3)?,
                    exceptions: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}
