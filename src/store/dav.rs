//! What easync serve's CalDAV/CardDAV side reads (table `dav_resources`, migration 10, kept up
//! to date by [`Store::dav_refresh`]): the resources of a collection, one by name, what changed
//! since a change number (RFC 6578), a resource's text, the spans of events (RFC 4791 9.9
//! time ranges).

use rusqlite::{OptionalExtension, params};

use super::export::RawItem;
use super::{Store, StoreError};

/// A resource the DAV side shows (or showed: `etag` is `None` once it is gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavResource {
    /// The collection: a folder's server id.
    pub folder: String,
    /// The last segment of its href.
    pub name: String,
    pub item_id: Option<i64>,
    /// The journal's Add (`changes.id`) shown until the server takes it.
    pub change_id: Option<i64>,
    pub etag: Option<String>,
    /// The number of its last change.
    pub seq: i64,
    /// The UID its client wrote, when it created it (contacts and tasks carry none on EAS).
    pub uid: Option<String>,
}

/// What a resource's text comes from.
#[derive(Debug, Clone)]
pub enum DavBody {
    /// As a client wrote it (an Add or an edit the server has not taken yet).
    Written(String),
    /// The mirror's item, to be written out as vCard or iCalendar.
    Item(RawItem),
}

/// When an event takes place (UTC, `20270115T100000Z`), for time-range filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavSpan {
    pub item_id: i64,
    pub start: Option<String>,
    pub end: Option<String>,
    pub recurring: bool,
}

const COLUMNS: &str = "folder_server_id, name, item_id, change_id, etag, seq, uid";

fn resource(r: &rusqlite::Row<'_>) -> rusqlite::Result<DavResource> {
    Ok(DavResource {
        folder: r.get(0)?,
        name: r.get(1)?,
        item_id: r.get(2)?,
        change_id: r.get(3)?,
        etag: r.get(4)?,
        seq: r.get(5)?,
        uid: r.get(6)?,
    })
}

impl Store {
    /// The resources of collection `folder` shown now, by name.
    pub fn dav_resources(&self, folder: &str) -> Result<Vec<DavResource>, StoreError> {
        self.dav_query(
            &format!(
                "SELECT {COLUMNS} FROM dav_resources WHERE folder_server_id = ?1 \
                 AND etag IS NOT NULL ORDER BY name"
            ),
            params![folder],
        )
    }

    /// The resources of `folder` that changed or went after change number `since`.
    pub fn dav_changed_since(
        &self,
        folder: &str,
        since: i64,
    ) -> Result<Vec<DavResource>, StoreError> {
        self.dav_query(
            &format!(
                "SELECT {COLUMNS} FROM dav_resources WHERE folder_server_id = ?1 AND seq > ?2 \
                 ORDER BY seq, name"
            ),
            params![folder, since],
        )
    }

    /// The resource `name` of `folder`, shown or gone.
    pub fn dav_resource(
        &self,
        folder: &str,
        name: &str,
    ) -> Result<Option<DavResource>, StoreError> {
        Ok(self
            .dav_query(
                &format!(
                    "SELECT {COLUMNS} FROM dav_resources WHERE folder_server_id = ?1 AND name = ?2"
                ),
                params![folder, name],
            )?
            .pop())
    }

    fn dav_query(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
    ) -> Result<Vec<DavResource>, StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut st| st.query_map(p, resource)?.collect())
            .map_err(|e| self.err(e))
    }

    /// The last change number of collection `folder` (0 when it never had a resource), and the
    /// last one given out at all.
    pub fn dav_seq(&self, folder: &str) -> Result<(i64, i64), StoreError> {
        self.conn
            .query_row(
                "SELECT (SELECT coalesce(max(seq), 0) FROM dav_resources \
                 WHERE folder_server_id = ?1), seq FROM dav_state WHERE id = 1",
                [folder],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))
    }

    /// What `r` holds: the text a client wrote while the server has not taken it, else the
    /// mirror's item. `None` when it is gone.
    pub fn dav_body(&self, r: &DavResource) -> Result<Option<DavBody>, StoreError> {
        let written = |sql: &str, id: i64| -> Result<Option<String>, StoreError> {
            self.conn
                .query_row(sql, [id], |r| r.get::<_, Option<String>>(0))
                .optional()
                .map(Option::flatten)
                .map_err(|e| self.err(e))
        };
        if let Some(c) = r.change_id {
            let text = written("SELECT payload ->> '$.text' FROM changes WHERE id = ?1", c)?;
            return Ok(text.map(DavBody::Written));
        }
        let Some(item) = r.item_id else {
            return Ok(None);
        };
        let edit = written(
            "SELECT payload ->> '$.text' FROM changes WHERE item_id = ?1 AND kind = 'change' \
             AND state = 'pending' ORDER BY id DESC LIMIT 1",
            item,
        )?;
        if let Some(text) = edit {
            return Ok(Some(DavBody::Written(text)));
        }
        self.conn
            .query_row(
                "SELECT f.server_id, f.name, i.server_id, i.raw, e.exceptions FROM items i \
                 JOIN folders f ON f.id = i.folder_id LEFT JOIN events e ON e.item_id = i.id \
                 WHERE i.id = ?1 AND i.decode_error IS NULL",
                [item],
                |r| {
                    Ok(RawItem {
                        folder_id: r.get(0)?,
                        folder: r.get(1)?,
                        server_id: r.get(2)?,
                        raw: r.get(3)?,
                        exceptions: r.get(4)?,
                    })
                },
            )
            .optional()
            .map(|i| i.map(DavBody::Item))
            .map_err(|e| self.err(e))
    }

    /// The spans of the events of `folder`.
    pub fn dav_spans(&self, folder: &str) -> Result<Vec<DavSpan>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT e.item_id, e.start_time, e.end_time, coalesce(e.recurring, 0) != 0 \
                 FROM events e JOIN items i ON i.id = e.item_id \
                 JOIN folders f ON f.id = i.folder_id WHERE f.server_id = ?1",
            )
            .and_then(|mut st| {
                st.query_map([folder], |r| {
                    Ok(DavSpan {
                        item_id: r.get(0)?,
                        start: r.get(1)?,
                        end: r.get(2)?,
                        recurring: r.get(3)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.err(e))
    }
}
