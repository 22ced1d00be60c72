//! How many changes wait in each folder, without taking them: GetItemEstimate (MS-ASCMD 2.2.1.9)
//! for every folder that has a sync key, in one request. `easync sync --dry-run` reports it and
//! the progress bars of `easync sync` size themselves with it.
//!
//! A folder that was never synced (key 0) cannot be estimated: the server answers Status 3
//! (not primed) until a Sync with key 0 has run, so such folders are reported as such.
//!
//! The count is the server's: SOGo, for one, counts every item of a contacts or calendar folder
//! (and events and tasks together), not only the changed ones; mail folders are exact.

use crate::proto::classes::ItemClass;
use crate::proto::getitemestimate::{EstimateCollection, EstimateStatus, GetItemEstimate};
use crate::proto::sync::FilterType;
use crate::proto::{CollectionId, SyncKey};
use crate::store::StoredFolder;

use super::{SyncError, Transport};

/// What is known about a folder's pending changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// This many changes (adds, changes, deletes) wait on the server.
    Changes(u32),
    /// Never synced: everything in it is still to come, and the server cannot say how much yet.
    NeverSynced,
    /// The server could not estimate it (status and its meaning).
    Unknown(String),
}

/// The estimate for one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderEstimate {
    pub server_id: String,
    pub name: String,
    pub pending: Pending,
}

/// Estimates every folder of `folders` that has a class, in one GetItemEstimate.
pub async fn estimate(
    t: &mut impl Transport,
    folders: &[StoredFolder],
    filter_for: &dyn Fn(Option<ItemClass>) -> Option<FilterType>,
) -> Result<Vec<FolderEstimate>, SyncError> {
    let mut out = Vec::new();
    let mut asked = Vec::new();
    for f in folders.iter().filter(|f| f.class.is_some()) {
        let pending = if f.sync_key == "0" {
            Pending::NeverSynced
        } else {
            match (
                SyncKey::try_from(f.sync_key.clone()),
                CollectionId::try_from(f.server_id.as_str()),
            ) {
                (Ok(sync_key), Ok(collection_id)) => {
                    let class = f.class.as_deref().and_then(ItemClass::from_name);
                    asked.push(EstimateCollection {
                        sync_key,
                        collection_id,
                        class,
                        // Must be the FilterType the folder is synced with (MS-ASCMD 2.2.3.73.2).
                        filter_type: filter_for(class),
                    });
                    Pending::Unknown("no answer for this folder".into())
                }
                (Err(e), _) => Pending::Unknown(format!("stored sync key unusable: {e}")),
                (_, Err(e)) => Pending::Unknown(format!("stored folder id unusable: {e}")),
            }
        };
        out.push(FolderEstimate {
            server_id: f.server_id.clone(),
            name: f.name.clone(),
            pending,
        });
    }
    if asked.is_empty() {
        return Ok(out);
    }
    let answers = t.execute(&GetItemEstimate { collections: asked }).await?;
    for a in answers {
        let Some(id) = a.collection_id else { continue };
        let Some(slot) = out.iter_mut().find(|e| e.server_id == id.as_str()) else {
            continue; // a collection we did not ask for
        };
        slot.pending = match (a.status, a.estimate) {
            (EstimateStatus::Success, Some(n)) => Pending::Changes(n),
            (EstimateStatus::Success, None) => Pending::Unknown("no count in the answer".into()),
            (status, _) => Pending::Unknown(format!("status {status}")),
        };
    }
    Ok(out)
}
