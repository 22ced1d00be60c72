//! Items a Change named that are not held, fetched whole with ItemOperations (MS-ASCMD
//! 2.2.1.10 `Fetch` of a `Store` Mailbox item): a server may send a Change for an item the
//! client never got (it left and re-entered the sync window, or its Add was lost). An item the
//! server cannot return is left out; a request that fails leaves the folder's response
//! unapplied, so its key stays and the Change comes again.

use crate::model::ItemRecord;
use crate::proto::classes::ItemClass;
use crate::proto::itemoperations::{Fetch, FetchTarget, ItemOperations};
use crate::proto::sync::BodyPreference;
use crate::proto::{CollectionId, ServerId};

use super::{SyncError, Transport, convert};

/// Items fetched per request.
const BATCH: usize = 50;

/// The whole items `ids` of `collection`, as records; the ones the server does not return
/// are left out. Fails when a request fails.
pub async fn whole_items(
    t: &mut impl Transport,
    collection: &CollectionId,
    class: Option<ItemClass>,
    ids: &[String],
    body: BodyPreference,
    mime_support: Option<u8>,
) -> Result<Vec<ItemRecord>, SyncError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(BATCH) {
        let fetches = chunk
            .iter()
            .filter_map(|id| ServerId::try_from(id.as_str()).ok())
            .map(|server_id| Fetch {
                target: FetchTarget::Item {
                    collection_id: collection.clone(),
                    server_id,
                    class,
                },
                mime_support,
                body_preferences: vec![body],
                range: None,
            })
            .collect();
        let req = ItemOperations {
            fetches,
            multipart: false,
        };
        let resp = t.execute(&req).await?;
        out.extend(resp.fetches.into_iter().filter_map(|r| {
            let (id, data) = (r.server_id?, r.item?);
            // Only what was asked for; an item the server could not return is left out.
            chunk.iter().any(|c| c == id.as_str()).then_some(())?;
            convert::record(id.as_str(), &data).ok()
        }));
    }
    Ok(out)
}
