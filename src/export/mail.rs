//! What the Maildir export needs from the store and the server: each stored mail's flags and,
//! when the store holds the whole message (`body = "mime"`), its MIME; otherwise the MIME is
//! fetched with ItemOperations (MS-ASCMD 2.2.1.10, `BodyPreference` Type 4), in batches.

use std::collections::HashMap;

use super::maildir::{Message, flags};
use super::{ExportError, model_items};
use crate::model::Item;
use crate::proto::classes::{ApplicationData, ItemClass};
use crate::proto::itemoperations::{Fetch, ItemOperations};
use crate::store::Store;
use crate::sync::Transport;

/// Every stored mail as (folder server id, message).
pub fn messages(db: &Store) -> Result<Vec<(String, Message)>, ExportError> {
    let mut out = Vec::new();
    for (item, data) in model_items(db, ItemClass::Email, &[])? {
        let Item::Email(e) = data else {
            continue;
        };
        let mime = e
            .body
            .clone()
            .filter(|_| e.body_type == Some(4) && e.body_truncated != Some(true))
            .map(String::into_bytes);
        let flagged = e.flag_status == Some(2);
        let msg = Message {
            flags: flags(e.read == Some(true), flagged, e.last_verb_executed),
            server_id: item.server_id,
            mime,
        };
        out.push((item.folder_id, msg));
    }
    Ok(out)
}

/// The whole messages of `ids` in a folder, by server id (missing ones the server could not send).
pub async fn fetch_mime(
    t: &mut impl Transport,
    folder: &str,
    ids: &[String],
) -> Result<HashMap<String, Vec<u8>>, crate::sync::SyncError> {
    let collection = folder
        .parse()
        .map_err(|e: crate::proto::ProtoError| crate::sync::SyncError::Server(e.to_string()))?;
    let mut fetches = Vec::new();
    for id in ids {
        let server_id = id
            .parse()
            .map_err(|e: crate::proto::ProtoError| crate::sync::SyncError::Server(e.to_string()))?;
        fetches.push(Fetch::mime(
            std::clone::Clone::clone(&collection),
            server_id,
        ));
    }
    let resp = t
        .execute(&ItemOperations {
            fetches,
            multipart: false,
        })
        .await?;
    let mut out = HashMap::new();
    for r in resp.fetches {
        let (Some(id), Some(ApplicationData::Email(e))) = (r.server_id, r.item) else {
            continue;
        };
        if let Some(data) = e.body.and_then(|b| b.data) {
            out.insert(id.to_string(), data.into_bytes());
        }
    }
    Ok(out)
}
