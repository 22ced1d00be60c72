//! Items a Change named that are not held, fetched whole with ItemOperations (MS-ASCMD
//! 2.2.1.10 `Fetch` of a `Store` Mailbox item): a server may send a Change for an item the
//! client never got (it left and re-entered the sync window, or its Add was lost). Best
//! effort: what cannot be fetched now comes with the next full pass.

use crate::model::ItemRecord;
use crate::proto::classes::ItemClass;
use crate::proto::itemoperations::{Fetch, FetchTarget, ItemOperations};
use crate::proto::sync::BodyPreference;
use crate::proto::{CollectionId, ServerId};

use super::{Transport, convert};

/// Items fetched per request.
const BATCH: usize = 50;

/// The whole items `ids` of `collection`, as records; the ones the server does not return
/// are left out.
pub async fn whole_items(
    t: &mut impl Transport,
    collection: &CollectionId,
    class: Option<ItemClass>,
    ids: &[String],
    body: BodyPreference,
    mime_support: Option<u8>,
) -> Vec<ItemRecord> {
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
        match t.execute(&req).await {
            Ok(resp) => out.extend(resp.fetches.into_iter().filter_map(|r| {
                let (id, data) = (r.server_id?, r.item?);
                convert::record(id.as_str(), &data).ok()
            })),
            Err(e) => tracing::info!("items named by a Change could not be fetched now: {e}"),
        }
    }
    out
}
